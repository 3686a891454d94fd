// The plugin's one export (drt_provider.h): its descriptor and the providers it offers. One
// source for both security plugins (README.md here): each compiles it in its own namespace, so
// both offer the same provider names and a configuration may pick either plugin.
#include "backend.hpp"
#include "derived_key_provider.hpp"
#include "null_provider.hpp"

#include <drt/drt_provider.h>

#include <iterator>

#ifndef OPENDRT_PLUGIN_VERSION
#error "OPENDRT_PLUGIN_VERSION must be defined by the build (the project version)"
#endif

namespace drt::plugins::OPENDRT_SECURITY_BACKEND {
namespace {

constexpr DRT_PROVIDER_DESCRIPTOR providers[] = {
    {
        .cbSize = sizeof(DRT_PROVIDER_DESCRIPTOR),
        .eKind = DRT_PROVIDER_KIND_SECURITY,
        .pszName = "null",
        .pszDescription = "No authentication: any key, any well-formed proof (protocol.md §5.7)",
        .CreateSecurityProvider = create_null_provider,
        .DeleteSecurityProvider = delete_null_provider,
        .CreateTransportProvider = nullptr,
        .DeleteTransportProvider = nullptr,
        .CreateBootstrapProvider = nullptr,
        .DeleteBootstrapProvider = nullptr,
        .DeriveKey = nullptr,  // keys are not derived from anything: any key may be registered
    },
    {
        .cbSize = sizeof(DRT_PROVIDER_DESCRIPTOR),
        .eKind = DRT_PROVIDER_KIND_SECURITY,
        .pszName = "derived-key",
        .pszDescription = "Certificate-derived keys: RSA (O1) or ECDSA P-256 (O2) chains to a root "
                          "(protocol.md §5.6, §5.6a)",
        .CreateSecurityProvider = create_derived_key_provider,
        .DeleteSecurityProvider = delete_derived_key_provider,
        .CreateTransportProvider = nullptr,
        .DeleteTransportProvider = nullptr,
        .CreateBootstrapProvider = nullptr,
        .DeleteBootstrapProvider = nullptr,
        .DeriveKey = derive_key,
    },
};

constexpr DRT_PLUGIN_DESCRIPTOR descriptor = {
    .cbSize = sizeof(DRT_PLUGIN_DESCRIPTOR),
    .wAbiMajor = DRT_PLUGIN_ABI_MAJOR,
    .wAbiMinor = DRT_PLUGIN_ABI_MINOR,
    .pszName = backend_plugin_name,
    .pszVersion = OPENDRT_PLUGIN_VERSION,
    .cProviders = static_cast<std::uint32_t>(std::size(providers)),
    .cbProviderSize = sizeof(DRT_PROVIDER_DESCRIPTOR),
    .pProviders = providers,
};

}  // namespace
}  // namespace drt::plugins::OPENDRT_SECURITY_BACKEND

DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) {
  return &drt::plugins::OPENDRT_SECURITY_BACKEND::descriptor;
}
