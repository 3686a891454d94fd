// sdk/conformance: mapping the plugin and reading the kit's configuration file.
#include "plugin_under_test.hpp"

#include <vector>  // boost/dll needs it first (dependencies.md)

#include <boost/dll/shared_library.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace drt::conformance {
namespace fs = std::filesystem;

provider_config::provider_config(const std::vector<setting>& settings, const std::string& base_directory)
    : base_directory_(base_directory) {
  params_.reserve(settings.size());
  for (const setting& s : settings) {
    DRT_PROVIDER_PARAM p{};
    p.pszName = s.name.c_str();
    p.eType = s.type;
    p.pszValue = s.type == DRT_PARAM_STRING ? s.text.c_str() : nullptr;
    p.llValue = s.integer;
    p.dblValue = s.real;
    if (s.type == DRT_PARAM_BYTES) {
      p.data.cb = static_cast<std::uint32_t>(s.bytes.size());
      p.data.pb = const_cast<std::uint8_t*>(s.bytes.data());
    }
    params_.push_back(p);
  }
  config_.cbSize = sizeof config_;
  config_.cParams = static_cast<std::uint32_t>(params_.size());
  config_.pParams = params_.empty() ? nullptr : params_.data();
  config_.pszBaseDirectory = base_directory_.empty() ? nullptr : base_directory_.c_str();
  config_.pszErrorDetail = detail_.data();
  config_.cbErrorDetail = static_cast<std::uint32_t>(detail_.size());
}

std::vector<setting> kit_config::for_provider(const std::string& name) const {
  std::vector<setting> out = common;
  if (auto it = per_provider.find(name); it != per_provider.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

namespace {

bool hex_to_bytes(std::string_view hex, std::vector<std::uint8_t>& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return true;
}

bool read_setting(const std::string& key, const toml::node& value, const std::string& base, setting& out,
                  std::string& error) {
  out.name = key;
  const auto line = std::to_string(value.source().begin.line);
  if (auto s = value.as_string()) {
    out.type = DRT_PARAM_STRING;
    out.text = s->get();
  } else if (auto i = value.as_integer()) {
    out.type = DRT_PARAM_INTEGER;
    out.integer = i->get();
  } else if (auto b = value.as_boolean()) {
    out.type = DRT_PARAM_BOOLEAN;
    out.integer = b->get() ? 1 : 0;
  } else if (auto f = value.as_floating_point()) {
    out.type = DRT_PARAM_FLOAT;
    out.real = f->get();
  } else if (auto t = value.as_table()) {
    out.type = DRT_PARAM_BYTES;
    if (auto file = (*t)["file"].value<std::string>()) {
      fs::path p(*file);
      if (p.is_relative()) p = fs::path(base) / p;
      std::ifstream in(p, std::ios::binary);
      if (!in) {
        error = "line " + line + ": " + key + ": cannot read " + p.string();
        return false;
      }
      out.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else if (auto hex = (*t)["hex"].value<std::string>()) {
      if (!hex_to_bytes(*hex, out.bytes)) {
        error = "line " + line + ": " + key + ": hex must be an even number of hex digits";
        return false;
      }
    } else {
      error = "line " + line + ": " + key + ": a table value must be { file = \"path\" } or { hex = \"...\" }";
      return false;
    }
  } else {
    error = "line " + line + ": " + key + ": unsupported value type (use string, integer, boolean, float, {file}, {hex})";
    return false;
  }
  return true;
}

}  // namespace

bool load_kit_config(const std::string& path, kit_config& out, std::string& error) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    error = path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
    return false;
  }
  std::error_code ec;
  out.base_directory = fs::absolute(fs::path(path), ec).parent_path().string();
  for (const auto& [key, value] : root) {
    const std::string k(key.str());
    if (k == "providers") {
      const toml::table* providers = value.as_table();
      if (providers == nullptr) {
        error = path + ": providers must be a table of [providers.<name>] tables";
        return false;
      }
      for (const auto& [name, table] : *providers) {
        const toml::table* t = table.as_table();
        if (t == nullptr) {
          error = path + ": providers." + std::string(name.str()) + " must be a table";
          return false;
        }
        auto& list = out.per_provider[std::string(name.str())];
        for (const auto& [pk, pv] : *t) {
          setting s;
          if (!read_setting(std::string(pk.str()), pv, out.base_directory, s, error)) {
            error = path + ": " + error;
            return false;
          }
          list.push_back(std::move(s));
        }
      }
      continue;
    }
    setting s;
    if (!read_setting(k, value, out.base_directory, s, error)) {
      error = path + ": " + error;
      return false;
    }
    out.common.push_back(std::move(s));
  }
  return true;
}

struct plugin_under_test::mapping {
  boost::dll::shared_library library;
};

plugin_under_test::plugin_under_test(const std::string& path) : lib_(std::make_unique<mapping>()), path_(path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    error_ = "no file at " + path;
    return;
  }
  try {
    lib_->library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    error_ = "cannot map " + path + ": " + e.what();
    return;
  }
  mapped_ = true;
  if (!lib_->library.has(DRT_PLUGIN_ENTRY_SYMBOL)) {
    error_ = path + " exports no " DRT_PLUGIN_ENTRY_SYMBOL " (not an OpenDRT provider plugin)";
    return;
  }
  entry_found_ = true;
  descriptor_ = lib_->library.get<const DRT_PLUGIN_DESCRIPTOR*()>(DRT_PLUGIN_ENTRY_SYMBOL)();
  if (descriptor_ == nullptr) error_ = DRT_PLUGIN_ENTRY_SYMBOL "() returned NULL";
}

plugin_under_test::~plugin_under_test() = default;

std::vector<DRT_PROVIDER_DESCRIPTOR> plugin_under_test::providers() const {
  std::vector<DRT_PROVIDER_DESCRIPTOR> out;
  const DRT_PLUGIN_DESCRIPTOR* d = descriptor_;
  if (d == nullptr || d->cbSize < sizeof(DRT_PLUGIN_DESCRIPTOR) || d->pProviders == nullptr || d->cbProviderSize == 0) {
    return out;
  }
  const auto* base = reinterpret_cast<const std::uint8_t*>(d->pProviders);
  for (std::uint32_t i = 0; i < d->cProviders && i < 256; ++i) {
    DRT_PROVIDER_DESCRIPTOR p{};
    std::memcpy(&p, base + std::size_t{i} * d->cbProviderSize, std::min<std::size_t>(d->cbProviderSize, sizeof p));
    out.push_back(p);
  }
  return out;
}

}  // namespace drt::conformance
