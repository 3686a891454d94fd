// core/runtime: plugin search, mapping and descriptor checks.
#include "runtime/plugin_loader.hpp"

#include "errors.hpp"

#include <vector>  // boost/dll/library_info.hpp needs it first (dependencies.md gotcha 7)

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <cstdlib>
#include <cstring>

namespace drt::runtime {
namespace fs = std::filesystem;
namespace {

using drt::core::fail;

class mapped_plugin final : public loaded_plugin {
 public:
  mapped_plugin(boost::dll::shared_library lib, std::string path) : lib_(std::move(lib)) {
    path_ = std::move(path);
  }
  HRESULT adopt(const DRT_PLUGIN_DESCRIPTOR* raw) {
    const HRESULT hr = normalize_descriptor(raw, path_, descriptor_, providers_);
    if (FAILED(hr)) return hr;
    // Keep our own copies of the strings so the descriptor never points into a stale mapping.
    name_ = descriptor_.pszName;
    version_ = descriptor_.pszVersion ? descriptor_.pszVersion : "";
    descriptor_.pszName = name_.c_str();
    descriptor_.pszVersion = version_.c_str();
    provider_names_.reserve(providers_.size());
    for (auto& p : providers_) provider_names_.emplace_back(p.pszName);
    for (std::size_t i = 0; i < providers_.size(); ++i) providers_[i].pszName = provider_names_[i].c_str();
    descriptor_.pProviders = providers_.data();
    return S_OK;
  }

 private:
  boost::dll::shared_library lib_;
};

bool is_path(std::string_view s) { return s.find('/') != std::string_view::npos; }

std::vector<fs::path> candidates_for(std::string_view name) {
  std::vector<fs::path> out;
  const std::string n(name);
  for (const auto& dir : plugin_search_directories()) {
    out.push_back(dir / ("drt-" + n + ".so"));
    out.push_back(dir / (n + ".so"));
    out.push_back(dir / n);
  }
  return out;
}

HRESULT resolve(std::string_view name_or_path, fs::path& found) {
  std::error_code ec;
  if (is_path(name_or_path)) {
    found = fs::absolute(fs::path(name_or_path), ec);
    if (!fs::exists(found, ec)) {
      return fail(DRT_E_PLUGIN_NOT_FOUND, "no file at " + found.string());
    }
    return S_OK;
  }
  std::string tried;
  for (const auto& candidate : candidates_for(name_or_path)) {
    if (fs::is_regular_file(candidate, ec)) {
      found = candidate;
      return S_OK;
    }
    tried += tried.empty() ? "" : ", ";
    tried += candidate.string();
  }
  if (tried.empty()) tried = "(no plugin directories: set DRT_PLUGIN_PATH)";
  return fail(DRT_E_PLUGIN_NOT_FOUND,
              "plugin '" + std::string(name_or_path) + "' not found; tried: " + tried);
}

HRESULT map_file(const fs::path& file, std::shared_ptr<loaded_plugin>& out) {
  boost::dll::shared_library lib;
  try {
    lib.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    // Only the exception carries the dlerror() text (dependencies.md §2).
    return fail(DRT_E_PLUGIN_LOAD_FAILED, file.string() + ": " + e.what());
  }
  if (!lib.has(DRT_PLUGIN_ENTRY_SYMBOL)) {
    return fail(DRT_E_PLUGIN_INVALID,
                file.string() + ": no symbol " DRT_PLUGIN_ENTRY_SYMBOL " (not an OpenDRT plugin)");
  }
  auto entry = lib.get<const DRT_PLUGIN_DESCRIPTOR*()>(DRT_PLUGIN_ENTRY_SYMBOL);
  const DRT_PLUGIN_DESCRIPTOR* raw = entry();
  auto plugin = std::make_shared<mapped_plugin>(std::move(lib), file.string());
  const HRESULT hr = plugin->adopt(raw);
  if (FAILED(hr)) return hr;
  out = std::move(plugin);
  return S_OK;
}

HRESULT check_provider(const DRT_PROVIDER_DESCRIPTOR& p, std::size_t i, const std::string& file) {
  const std::string where = file + ": provider #" + std::to_string(i) + ": ";
  if (p.pszName == nullptr || *p.pszName == '\0') return fail(DRT_E_PLUGIN_INVALID, where + "no name");
  bool pair_ok = false;
  switch (p.eKind) {
    case DRT_PROVIDER_KIND_SECURITY:
      pair_ok = p.CreateSecurityProvider && p.DeleteSecurityProvider;
      break;
    case DRT_PROVIDER_KIND_TRANSPORT:
      pair_ok = p.CreateTransportProvider && p.DeleteTransportProvider;
      break;
    case DRT_PROVIDER_KIND_BOOTSTRAP:
      pair_ok = p.CreateBootstrapProvider && p.DeleteBootstrapProvider;
      break;
    default:
      return fail(DRT_E_PLUGIN_INVALID, where + "unknown kind " + std::to_string(p.eKind));
  }
  if (!pair_ok) {
    return fail(DRT_E_PLUGIN_INVALID,
                where + "'" + p.pszName + "' lacks the create or delete function of its kind");
  }
  return S_OK;
}

}  // namespace

std::vector<fs::path> plugin_search_directories() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("DRT_PLUGIN_PATH")) {
    std::string_view rest(env);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const auto part = rest.substr(0, colon);
      if (!part.empty()) dirs.emplace_back(std::string(part));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  std::error_code ec;
  const fs::path self = boost::dll::this_line_location(ec);
  if (!ec) dirs.push_back(self.parent_path() / OPENDRT_PLUGIN_SUBDIR);
  return dirs;
}

HRESULT normalize_descriptor(const DRT_PLUGIN_DESCRIPTOR* in, const std::string& file,
                             DRT_PLUGIN_DESCRIPTOR& out_descriptor,
                             std::vector<DRT_PROVIDER_DESCRIPTOR>& out_providers) {
  if (in == nullptr) return fail(DRT_E_PLUGIN_INVALID, file + ": " DRT_PLUGIN_ENTRY_SYMBOL "() returned NULL");
  // The first three fields are stable across every major, so the version is always readable.
  if (in->cbSize < offsetof(DRT_PLUGIN_DESCRIPTOR, pszName)) {
    return fail(DRT_E_PLUGIN_INVALID, file + ": descriptor cbSize " + std::to_string(in->cbSize) + " is too small");
  }
  const std::string built_for = std::to_string(in->wAbiMajor) + "." + std::to_string(in->wAbiMinor);
  const std::string ours = std::to_string(DRT_PLUGIN_ABI_MAJOR) + "." + std::to_string(DRT_PLUGIN_ABI_MINOR);
  if (in->wAbiMajor != DRT_PLUGIN_ABI_MAJOR || in->wAbiMinor > DRT_PLUGIN_ABI_MINOR) {
    return fail(DRT_E_PLUGIN_ABI_MISMATCH, file + ": built for plugin ABI " + built_for +
                                               ", this libdrt implements " + ours + "; rebuild the plugin against this SDK");
  }
  if (in->cbSize < sizeof(DRT_PLUGIN_DESCRIPTOR)) {  // 1.0 is the smallest layout of major 1
    return fail(DRT_E_PLUGIN_INVALID, file + ": descriptor cbSize " + std::to_string(in->cbSize) + " is smaller than ABI 1.0's");
  }
  out_descriptor = {};
  std::memcpy(&out_descriptor, in, std::min<std::size_t>(in->cbSize, sizeof out_descriptor));
  out_descriptor.cbSize = sizeof out_descriptor;
  if (in->pszName == nullptr || *in->pszName == '\0') return fail(DRT_E_PLUGIN_INVALID, file + ": descriptor has no name");
  if (in->cProviders == 0 || in->pProviders == nullptr) return fail(DRT_E_PLUGIN_INVALID, file + ": descriptor offers no provider");
  if (in->cbProviderSize < sizeof(DRT_PROVIDER_DESCRIPTOR)) {
    return fail(DRT_E_PLUGIN_INVALID, file + ": provider entries of " + std::to_string(in->cbProviderSize) + " bytes are smaller than ABI 1.0's");
  }
  out_providers.assign(in->cProviders, DRT_PROVIDER_DESCRIPTOR{});
  const auto* base = reinterpret_cast<const std::uint8_t*>(in->pProviders);
  for (std::uint32_t i = 0; i < in->cProviders; ++i) {
    // An entry from an older minor is shorter: copy what it has, the rest stays NULL.
    std::memcpy(&out_providers[i], base + std::size_t{i} * in->cbProviderSize,
                std::min<std::size_t>(in->cbProviderSize, sizeof(DRT_PROVIDER_DESCRIPTOR)));
    out_providers[i].cbSize = sizeof(DRT_PROVIDER_DESCRIPTOR);
    const HRESULT hr = check_provider(out_providers[i], i, file);
    if (FAILED(hr)) return hr;
  }
  out_descriptor.cbProviderSize = sizeof(DRT_PROVIDER_DESCRIPTOR);
  out_descriptor.pProviders = out_providers.data();
  return S_OK;
}

HRESULT plugin_cache::load(std::string_view name_or_path, std::shared_ptr<loaded_plugin>& out) {
  fs::path file;
  HRESULT hr = resolve(name_or_path, file);
  if (FAILED(hr)) return hr;
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(file, ec);
  const std::string cache_key = ec ? file.string() : canonical.string();
  std::lock_guard lock(mutex_);
  // Forget entries whose plugin is gone, so the map stays as small as what is loaded.
  std::erase_if(mapped_, [](const auto& entry) { return entry.second.expired(); });
  if (auto cached = mapped_[cache_key].lock()) {
    out = std::move(cached);
    return S_OK;
  }
  hr = map_file(ec ? file : canonical, out);
  if (FAILED(hr)) return hr;
  mapped_[cache_key] = out;
  return S_OK;
}

const DRT_PROVIDER_DESCRIPTOR* loaded_plugin::find(DRT_PROVIDER_KIND kind, std::string_view name) const {
  for (const auto& p : providers_) {
    if (p.eKind == kind && name == p.pszName) return &p;
  }
  return nullptr;
}

const DRT_PROVIDER_DESCRIPTOR* loaded_plugin::first(DRT_PROVIDER_KIND kind) const {
  for (const auto& p : providers_) {
    if (p.eKind == kind) return &p;
  }
  return nullptr;
}

}  // namespace drt::runtime
