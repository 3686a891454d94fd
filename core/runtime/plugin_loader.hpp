// core/runtime: loading provider plugins with Boost.DLL (docs/provider-abi.md).
//
// A plugin file is mapped once per process however often it is loaded; each loaded_plugin holds
// the mapping and a normalized copy of the plugin's descriptor. Providers created from a plugin
// keep it mapped (shared_ptr) until they are deleted. Thread-safe.
#pragma once

#include <drt/drt_provider.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace drt::runtime {

class loaded_plugin;

// The directories searched for a plugin name, in order: $DRT_PLUGIN_PATH, then the plugin
// directory next to libdrt (the build tree mirrors the install tree).
std::vector<std::filesystem::path> plugin_search_directories();

// The files mapped so far, by canonical path, so that loading one file twice shares one mapping
// (and one copy of its static state). Entries are weak: a plugin is unmapped when the last
// loaded_plugin referring to it goes. Thread-safe. libdrt has one, in core::library.
class plugin_cache {
 public:
  // Loads by path (contains '/') or by name. On failure returns a DRT_E_PLUGIN_* code (or
  // E_OUTOFMEMORY) and sets the last-error detail (paths tried, dlerror text, what is malformed).
  [[nodiscard]] HRESULT load(std::string_view name_or_path, std::shared_ptr<loaded_plugin>& out);

 private:
  std::mutex mutex_;
  std::map<std::string, std::weak_ptr<loaded_plugin>> mapped_;
};

// Checks a descriptor as the loader does and copies it, normalized, into `out_descriptor` and
// `out_providers`. Exposed for unit tests of the ABI rules. Sets the detail on failure.
[[nodiscard]] HRESULT normalize_descriptor(const DRT_PLUGIN_DESCRIPTOR* in, const std::string& file,
                                           DRT_PLUGIN_DESCRIPTOR& out_descriptor,
                                           std::vector<DRT_PROVIDER_DESCRIPTOR>& out_providers);

class loaded_plugin {
 public:
  virtual ~loaded_plugin() = default;
  const std::string& path() const { return path_; }
  const DRT_PLUGIN_DESCRIPTOR& descriptor() const { return descriptor_; }
  // The provider of that kind and name, or nullptr.
  const DRT_PROVIDER_DESCRIPTOR* find(DRT_PROVIDER_KIND kind, std::string_view name) const;
  // The first provider of that kind, or nullptr.
  const DRT_PROVIDER_DESCRIPTOR* first(DRT_PROVIDER_KIND kind) const;

 protected:
  std::string path_;
  std::string name_;
  std::string version_;
  DRT_PLUGIN_DESCRIPTOR descriptor_{};
  std::vector<DRT_PROVIDER_DESCRIPTOR> providers_;
  std::vector<std::string> provider_names_;
};

}  // namespace drt::runtime
