// The "static" bootstrap provider (api.md §5.7.3): a fixed list of seed endpoints.
// Parameters: "peers" (string "[addr]:port", "[addr%ifname]:port" or "[addr%index]:port"; one
// parameter per seed, in order). Each resolve delivers the first cMaxResults seeds as one batch
// inside IssueResolve, then DRT_E_NO_MORE; an empty list yields DRT_E_NO_MORE at once.
// Register/Unregister do nothing. Factory returns S_OK or, first match: E_INVALIDARG (NULL
// output, bad config size) | DRT_E_CONFIG_INVALID (unknown or wrongly typed parameter, or a peer
// that does not parse) | DRT_E_INVALID_ADDRESS (a peer with port < 1024, the unspecified or a
// multicast address) | E_OUTOFMEMORY.
#pragma once

#include <drt/drt_provider.h>

namespace drt::plugins::bootstrap {

[[nodiscard]] HRESULT create_static(const DRT_PROVIDER_CONFIG* pConfig, DRT_BOOTSTRAP_PROVIDER** ppProvider) noexcept;
[[nodiscard]] HRESULT create_dns(const DRT_PROVIDER_CONFIG* pConfig, DRT_BOOTSTRAP_PROVIDER** ppProvider) noexcept;
[[nodiscard]] HRESULT create_multicast(const DRT_PROVIDER_CONFIG* pConfig, DRT_BOOTSTRAP_PROVIDER** ppProvider) noexcept;

// Shared delete function of the three providers: stops every thread the object started and
// waits for it (a DNS lookup in progress is waited for; it cannot be interrupted).
void delete_provider(DRT_BOOTSTRAP_PROVIDER* pProvider) noexcept;

}  // namespace drt::plugins::bootstrap
