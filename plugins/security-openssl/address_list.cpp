#include "address_list.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace drt::plugins::openssl {

HRESULT endpoints_from_list(const SOCKET_ADDRESS_LIST* list, std::vector<endpoint>& out) {
  out.clear();
  if (list == nullptr) return S_OK;
  if (list->iAddressCount < 0 ||
      static_cast<std::size_t>(list->iAddressCount) > cpa_addresses_max) {
    return E_INVALIDARG;
  }
  // Address is declared [1] but holds iAddressCount entries (api.md §4.3).
  const std::span<const SOCKET_ADDRESS> entries(list->Address,
                                                static_cast<std::size_t>(list->iAddressCount));
  out.resize(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].lpSockaddr == nullptr ||
        entries[i].iSockaddrLength < static_cast<std::int32_t>(sizeof(sockaddr_in6))) {
      return E_INVALIDARG;
    }
    sockaddr_in6 sa;
    std::memcpy(&sa, entries[i].lpSockaddr, sizeof sa);  // the caller's pointer need not be aligned
    if (sa.sin6_family != AF_INET6) return E_INVALIDARG;
    out[i].port = ntohs(sa.sin6_port);
    std::memcpy(out[i].address.data(), &sa.sin6_addr, ipv6_address_bytes);
  }
  return S_OK;
}

c_ptr<SOCKET_ADDRESS_LIST> make_address_list(std::span<const endpoint> endpoints) {
  // api.md §4.3: offsetof(Address) + n·sizeof(SOCKET_ADDRESS), at least sizeof the list. The
  // entries follow the array; that offset is a multiple of alignof(SOCKET_ADDRESS) ≥ 4.
  static_assert(alignof(SOCKET_ADDRESS) % alignof(sockaddr_in6) == 0);
  const std::size_t n = endpoints.size();
  const std::size_t entries_offset =
      std::max(offsetof(SOCKET_ADDRESS_LIST, Address) + n * sizeof(SOCKET_ADDRESS),
               sizeof(SOCKET_ADDRESS_LIST));
  auto* block = static_cast<std::byte*>(checked_malloc(entries_offset + n * sizeof(sockaddr_in6)));
  std::memset(block, 0, entries_offset + n * sizeof(sockaddr_in6));
  c_ptr<SOCKET_ADDRESS_LIST> list(reinterpret_cast<SOCKET_ADDRESS_LIST*>(block));
  list->iAddressCount = static_cast<std::int32_t>(n);
  const std::span<SOCKET_ADDRESS> slots(list->Address, n);
  auto* entries = reinterpret_cast<sockaddr_in6*>(block + entries_offset);
  for (std::size_t i = 0; i < n; ++i) {
    entries[i].sin6_family = AF_INET6;
    entries[i].sin6_port = htons(endpoints[i].port);
    std::memcpy(&entries[i].sin6_addr, endpoints[i].address.data(), ipv6_address_bytes);
    slots[i].lpSockaddr = reinterpret_cast<sockaddr*>(&entries[i]);
    slots[i].iSockaddrLength = static_cast<std::int32_t>(sizeof(sockaddr_in6));
  }
  return list;
}

}  // namespace drt::plugins::openssl
