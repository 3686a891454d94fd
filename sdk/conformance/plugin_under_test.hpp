// sdk/conformance: the plugin being checked: its mapping, its raw descriptor, and the settings
// from the kit's configuration file for each of its providers.
#pragma once

#include <drt/drt_provider.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace drt::conformance {

// One provider setting, owning its storage (DRT_PROVIDER_PARAM points into it).
struct setting {
  std::string name;
  DRT_PARAM_TYPE type = DRT_PARAM_STRING;
  std::string text;
  std::int64_t integer = 0;
  double real = 0;
  std::vector<std::uint8_t> bytes;
};

// A DRT_PROVIDER_CONFIG built from settings, with an error-detail buffer; valid while it lives.
class provider_config {
 public:
  explicit provider_config(const std::vector<setting>& settings, const std::string& base_directory = {});
  provider_config(const provider_config&) = delete;
  provider_config& operator=(const provider_config&) = delete;
  const DRT_PROVIDER_CONFIG* get() { return &config_; }
  std::string detail() const { return std::string(detail_.data()); }

 private:
  std::vector<DRT_PROVIDER_PARAM> params_;
  std::string base_directory_;
  std::array<char, 512> detail_{};
  DRT_PROVIDER_CONFIG config_{};
};

// Settings by provider name, read from the kit's TOML file (docs/conformance.md): top-level
// keys apply to every provider, [providers.<name>] tables to one. Values: string, integer,
// boolean, float, { file = "path" } (bytes, relative to the file) or { hex = "..." } (bytes).
struct kit_config {
  std::vector<setting> common;
  std::map<std::string, std::vector<setting>> per_provider;
  std::string base_directory;
  std::vector<setting> for_provider(const std::string& name) const;
};

// Reads the file; on failure returns false and says why in `error`.
bool load_kit_config(const std::string& path, kit_config& out, std::string& error);

class plugin_under_test {
 public:
  // Maps the file (RTLD_NOW | RTLD_LOCAL) and calls its entry point. On failure `error` says
  // why and descriptor() is null.
  explicit plugin_under_test(const std::string& path);
  ~plugin_under_test();
  plugin_under_test(const plugin_under_test&) = delete;
  plugin_under_test& operator=(const plugin_under_test&) = delete;

  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }
  bool mapped() const { return mapped_; }
  bool has_entry() const { return entry_found_; }
  const DRT_PLUGIN_DESCRIPTOR* descriptor() const { return descriptor_; }
  // The provider entries, read with the plugin's own cbProviderSize (empty if unusable).
  std::vector<DRT_PROVIDER_DESCRIPTOR> providers() const;

 private:
  struct mapping;
  std::unique_ptr<mapping> lib_;
  std::string path_;
  std::string error_;
  bool mapped_ = false;
  bool entry_found_ = false;
  const DRT_PLUGIN_DESCRIPTOR* descriptor_ = nullptr;
};

}  // namespace drt::conformance
