// The plugin's one export (drt_provider.h): its descriptor and the "ipv6-udp" transport.
#include "ipv6_udp_provider.hpp"

#include <drt/drt_provider.h>

#include <iterator>

#ifndef OPENDRT_PLUGIN_VERSION
#error "OPENDRT_PLUGIN_VERSION must be defined by the build (the project version)"
#endif

namespace drt::plugins::transport {
namespace {

constexpr DRT_PROVIDER_DESCRIPTOR providers[] = {
    {
        .cbSize = sizeof(DRT_PROVIDER_DESCRIPTOR),
        .eKind = DRT_PROVIDER_KIND_TRANSPORT,
        .pszName = "ipv6-udp",
        .pszDescription = "UDP over IPv6 with Asio: global, site-local, link-local or loopback scope (api.md §5.5)",
        .CreateSecurityProvider = nullptr,
        .DeleteSecurityProvider = nullptr,
        .CreateTransportProvider = create_ipv6_udp,
        .DeleteTransportProvider = delete_ipv6_udp,
        .CreateBootstrapProvider = nullptr,
        .DeleteBootstrapProvider = nullptr,
        .DeriveKey = nullptr,
    },
};

constexpr DRT_PLUGIN_DESCRIPTOR descriptor = {
    .cbSize = sizeof(DRT_PLUGIN_DESCRIPTOR),
    .wAbiMajor = DRT_PLUGIN_ABI_MAJOR,
    .wAbiMinor = DRT_PLUGIN_ABI_MINOR,
    .pszName = "transport-ipv6",
    .pszVersion = OPENDRT_PLUGIN_VERSION,
    .cProviders = static_cast<std::uint32_t>(std::size(providers)),
    .cbProviderSize = sizeof(DRT_PROVIDER_DESCRIPTOR),
    .pProviders = providers,
};

}  // namespace
}  // namespace drt::plugins::transport

DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) {
  return &drt::plugins::transport::descriptor;
}
