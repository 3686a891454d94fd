// SOCKET_ADDRESS_LIST (api.md §4.3) to and from the CPA's endpoints.
#pragma once

#include "c_abi.hpp"
#include "cpa.hpp"

#include <drt/drt.h>

#include <span>
#include <vector>

namespace drt::plugins::openssl {

// Reads the core's address list; NULL reads as no addresses. E_INVALIDARG if the count is
// negative or above 20, or an entry is not a struct sockaddr_in6 with sin6_family AF_INET6.
[[nodiscard]] HRESULT endpoints_from_list(const SOCKET_ADDRESS_LIST* list,
                                          std::vector<endpoint>& out);

// One malloc'ed block holding the list and its sockaddr_in6 entries, so the core frees it with a
// single FreeData. Scope id and flow info are 0: the engine applies zones (protocol.md §5.6).
// Throws std::bad_alloc.
[[nodiscard]] c_ptr<SOCKET_ADDRESS_LIST> make_address_list(std::span<const endpoint> endpoints);

}  // namespace drt::plugins::openssl
