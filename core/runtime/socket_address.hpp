// core/runtime: addresses between the provider ABI (SOCKET_ADDRESS_LIST over sockaddr_in6, network
// byte order) and the engine (engine::endpoint, host byte order). One place for the conversions
// that the instance, the bootstrap glue and the security adapter all need.
#pragma once

#include "drt/drt.h"
#include "engine/endpoint.hpp"

#include <netinet/in.h>

#include <cstddef>
#include <span>
#include <vector>

namespace drt::runtime {

engine::endpoint to_endpoint(const sockaddr_in6& a);
std::vector<engine::endpoint> to_endpoints(std::span<const sockaddr_in6> addrs);
sockaddr_in6 to_sockaddr(const engine::endpoint& e);

// The IPv6 entries of a provider's address list, copied (NULL, short and non-IPv6 entries are
// skipped: the list came from outside the core).
std::vector<sockaddr_in6> copy_ipv6_addresses(const SOCKET_ADDRESS_LIST* list);

// A SOCKET_ADDRESS_LIST that owns its entries, to hand to a provider for the length of a call.
// Not copyable or movable: the list points into itself.
class socket_address_list {
 public:
  explicit socket_address_list(std::vector<sockaddr_in6> addrs);
  explicit socket_address_list(std::span<const engine::endpoint> endpoints);
  socket_address_list(const socket_address_list&) = delete;
  socket_address_list& operator=(const socket_address_list&) = delete;

  [[nodiscard]] SOCKET_ADDRESS_LIST* get() noexcept { return reinterpret_cast<SOCKET_ADDRESS_LIST*>(block_.data()); }

 private:
  std::vector<sockaddr_in6> storage_;
  std::vector<std::max_align_t> block_;  // the list header and its Address[] array, aligned
};

}  // namespace drt::runtime
