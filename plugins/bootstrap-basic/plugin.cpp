// The plugin's one export (drt_provider.h): its descriptor and the "static", "dns" and
// "multicast" bootstrap providers (api.md §5.7).
#include "providers.hpp"

#include <drt/drt_provider.h>

#include <iterator>

#ifndef OPENDRT_PLUGIN_VERSION
#error "OPENDRT_PLUGIN_VERSION must be defined by the build (the project version)"
#endif

namespace drt::plugins::bootstrap {
namespace {

constexpr DRT_PROVIDER_DESCRIPTOR bootstrap_entry(const char* name, const char* description,
                                                  HRESULT (*create)(const DRT_PROVIDER_CONFIG*, DRT_BOOTSTRAP_PROVIDER**) noexcept) {
  return {
      .cbSize = sizeof(DRT_PROVIDER_DESCRIPTOR),
      .eKind = DRT_PROVIDER_KIND_BOOTSTRAP,
      .pszName = name,
      .pszDescription = description,
      .CreateSecurityProvider = nullptr,
      .DeleteSecurityProvider = nullptr,
      .CreateTransportProvider = nullptr,
      .DeleteTransportProvider = nullptr,
      .CreateBootstrapProvider = create,
      .DeleteBootstrapProvider = delete_provider,
      .DeriveKey = nullptr,
  };
}

constexpr DRT_PROVIDER_DESCRIPTOR providers[] = {
    bootstrap_entry("static", "A fixed list of [address]:port seeds (api.md §5.7.3)", create_static),
    bootstrap_entry("dns", "Host names resolved with getaddrinfo, IPv6 only (api.md §5.7.1)", create_dns),
    bootstrap_entry("multicast", "LAN discovery on a link-local multicast group (protocol.md Appendix A)",
                    create_multicast),
};

constexpr DRT_PLUGIN_DESCRIPTOR descriptor = {
    .cbSize = sizeof(DRT_PLUGIN_DESCRIPTOR),
    .wAbiMajor = DRT_PLUGIN_ABI_MAJOR,
    .wAbiMinor = DRT_PLUGIN_ABI_MINOR,
    .pszName = "bootstrap-basic",
    .pszVersion = OPENDRT_PLUGIN_VERSION,
    .cProviders = static_cast<std::uint32_t>(std::size(providers)),
    .cbProviderSize = sizeof(DRT_PROVIDER_DESCRIPTOR),
    .pProviders = providers,
};

}  // namespace
}  // namespace drt::plugins::bootstrap

DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) {
  return &drt::plugins::bootstrap::descriptor;
}
