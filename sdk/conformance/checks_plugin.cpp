// sdk/conformance: checks of the plugin file and its descriptor (docs/provider-abi.md §1-§2).
#include "check.hpp"

#include <vector>  // boost/dll needs it first (dependencies.md)

#include <boost/dll/library_info.hpp>

#include <set>

namespace drt::conformance {
namespace {

const DRT_PLUGIN_DESCRIPTOR& descriptor_or_skip(const check_env& env) {
  if (env.plugin().descriptor() == nullptr) env.skip("no descriptor to check (see plugin.entry_point)");
  return *env.plugin().descriptor();
}

void entry_point(check_env& env) {
  env.step("map the file and call " DRT_PLUGIN_ENTRY_SYMBOL "()");
  env.require(env.plugin().mapped(), env.plugin().error());
  env.require(env.plugin().has_entry(), env.plugin().error());
  env.require(env.plugin().descriptor() != nullptr, env.plugin().error());
}

void abi_version(check_env& env) {
  const DRT_PLUGIN_DESCRIPTOR& d = descriptor_or_skip(env);
  const std::string theirs = std::to_string(d.wAbiMajor) + "." + std::to_string(d.wAbiMinor);
  const std::string ours = std::to_string(DRT_PLUGIN_ABI_MAJOR) + "." + std::to_string(DRT_PLUGIN_ABI_MINOR);
  env.require(d.wAbiMajor == DRT_PLUGIN_ABI_MAJOR,
              "built for plugin ABI " + theirs + "; this SDK is " + ours + " (another major cannot be loaded)");
  env.require(d.wAbiMinor <= DRT_PLUGIN_ABI_MINOR,
              "built for plugin ABI " + theirs + ", newer than this SDK's " + ours + "; check with a newer kit");
}

void descriptor_well_formed(check_env& env) {
  const DRT_PLUGIN_DESCRIPTOR& d = descriptor_or_skip(env);
  env.require(d.cbSize >= sizeof(DRT_PLUGIN_DESCRIPTOR),
              "cbSize " + std::to_string(d.cbSize) + " is smaller than ABI 1.0's " + std::to_string(sizeof d));
  env.require(d.pszName != nullptr && *d.pszName != '\0', "pszName is empty");
  env.require(d.pszVersion != nullptr && *d.pszVersion != '\0', "pszVersion is empty");
  env.require(d.cProviders > 0 && d.pProviders != nullptr, "the plugin offers no provider");
  env.require(d.cbProviderSize >= sizeof(DRT_PROVIDER_DESCRIPTOR),
              "cbProviderSize " + std::to_string(d.cbProviderSize) + " is smaller than ABI 1.0's " +
                  std::to_string(sizeof(DRT_PROVIDER_DESCRIPTOR)));
  std::set<std::pair<int, std::string>> seen;
  int index = 0;
  for (const DRT_PROVIDER_DESCRIPTOR& p : env.plugin().providers()) {
    const std::string where = "provider #" + std::to_string(index++) + ": ";
    env.require(p.cbSize >= sizeof(DRT_PROVIDER_DESCRIPTOR), where + "cbSize is smaller than ABI 1.0's");
    env.require(p.pszName != nullptr && *p.pszName != '\0', where + "no name");
    env.require(p.pszDescription != nullptr && *p.pszDescription != '\0', where + "'" + p.pszName + "' has no description");
    env.require(seen.insert({p.eKind, p.pszName}).second, where + "a second provider of its kind named '" + p.pszName + "'");
    const bool security = p.CreateSecurityProvider || p.DeleteSecurityProvider;
    const bool transport = p.CreateTransportProvider || p.DeleteTransportProvider;
    const bool bootstrap = p.CreateBootstrapProvider || p.DeleteBootstrapProvider;
    switch (p.eKind) {
      case DRT_PROVIDER_KIND_SECURITY:
        env.require(p.CreateSecurityProvider && p.DeleteSecurityProvider, where + "lacks its Create or Delete function");
        env.require(!transport && !bootstrap, where + "sets the factory of another kind");
        break;
      case DRT_PROVIDER_KIND_TRANSPORT:
        env.require(p.CreateTransportProvider && p.DeleteTransportProvider, where + "lacks its Create or Delete function");
        env.require(!security && !bootstrap, where + "sets the factory of another kind");
        env.require(p.DeriveKey == nullptr, where + "DeriveKey is for security providers only");
        break;
      case DRT_PROVIDER_KIND_BOOTSTRAP:
        env.require(p.CreateBootstrapProvider && p.DeleteBootstrapProvider, where + "lacks its Create or Delete function");
        env.require(!security && !transport, where + "sets the factory of another kind");
        env.require(p.DeriveKey == nullptr, where + "DeriveKey is for security providers only");
        break;
      default:
        env.fail(where + "unknown kind " + std::to_string(p.eKind));
    }
  }
}

void exports_only_entry(check_env& env) {
  if (!env.plugin().mapped()) env.skip("the file could not be mapped (see plugin.entry_point)");
  env.step("read the dynamic symbol table");
  std::vector<std::string> symbols;
  try {
    boost::dll::library_info info(env.plugin().path());
    symbols = info.symbols();
  } catch (const std::exception& e) {
    env.fail(std::string("cannot read the symbol table: ") + e.what());
  }
  std::string extra;
  for (const std::string& s : symbols) {
    if (s.empty() || s == DRT_PLUGIN_ENTRY_SYMBOL || s.rfind("_init", 0) == 0 || s.rfind("_fini", 0) == 0) continue;
    extra += (extra.empty() ? "" : ", ") + s;
  }
  env.require(extra.empty(),
              "exports more than " DRT_PLUGIN_ENTRY_SYMBOL ": " + extra.substr(0, 300) +
                  " (link with the SDK's opendrt-plugin.map: exported C++ symbols can pin the plugin in memory)");
}

}  // namespace

const std::vector<check>& plugin_checks() {
  static const std::vector<check> all = {
      {applies_to::plugin, "entry_point", "the file maps with RTLD_NOW and exports " DRT_PLUGIN_ENTRY_SYMBOL "() returning a descriptor", entry_point},
      {applies_to::plugin, "abi_version", "built for this ABI major and at most this minor", abi_version},
      {applies_to::plugin, "descriptor_well_formed", "sizes, names, one factory pair per provider of its kind", descriptor_well_formed},
      {applies_to::plugin, "exports_only_entry", "no dynamic symbol but the entry point", exports_only_entry},
  };
  return all;
}

}  // namespace drt::conformance
