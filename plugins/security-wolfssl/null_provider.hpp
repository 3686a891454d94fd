// The null security provider (protocol.md §5.7, api.md §5.6.4): any key may be registered and
// every well-formed, nonce-bound CPA is accepted. It authenticates nothing; it exists for tests
// and closed networks, and fills every table member so it runs in all three security modes.
#pragma once

#include <drt/drt_provider.h>

namespace drt::plugins::wolfssl {

// Factory pair of the "null" provider descriptor (drt_provider.h). The provider takes no
// settings: pConfig may be NULL or have no parameters. Returns S_OK or, first match:
//   E_INVALIDARG               ppProvider NULL; pConfig->cbSize too small; pParams NULL
//   DRT_E_CONFIG_INVALID       any parameter (with a detail line naming it)
//   DRT_E_CAPABILITY_MISMATCH  wolfCrypt offers no SHA-256 (never: it is built in)
//   E_OUTOFMEMORY
[[nodiscard]] HRESULT create_null_provider(const DRT_PROVIDER_CONFIG* pConfig,
                                           DRT_SECURITY_PROVIDER** ppProvider) noexcept;

// Releases what create_null_provider made; NULL is ignored. Never called while attached.
void delete_null_provider(DRT_SECURITY_PROVIDER* pProvider) noexcept;

}  // namespace drt::plugins::wolfssl
