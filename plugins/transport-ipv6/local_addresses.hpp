// Which local IPv6 addresses a transport of a given scope may use (api.md §5.5.1): addresses of
// the scope that are preferred (not tentative, deprecated, duplicate or temporary) on an
// interface that is up. Loopback, multicast and IPv4-mapped addresses are never used, except
// [::1] in loopback mode. Stateless and thread-safe; reads the calling thread's network
// namespace (getifaddrs and /proc/thread-self/net/if_inet6).
#pragma once

#include <drt/drt.h>

#include <netinet/in.h>

#include <cstdint>
#include <vector>

namespace drt::plugins::transport {

struct scope_choice {
  DRT_SCOPE scope = DRT_GLOBAL_SCOPE;
  std::uint32_t scope_id = 0;  // link-local: interface index, 0 = lowest suitable at query time
  bool loopback = false;       // [::1] only
};

// The usable addresses (port 0), in ascending byte order without duplicates. Link-local
// addresses carry their interface index in sin6_scope_id.
[[nodiscard]] std::vector<sockaddr_in6> usable_addresses(const scope_choice& choice);

// For link-local scope with scope_id 0: the lowest-index non-loopback interface that is up and
// has a usable link-local address, or 0 if there is none.
[[nodiscard]] std::uint32_t default_link_local_interface();

[[nodiscard]] bool interface_exists(std::uint32_t index);
[[nodiscard]] bool interface_is_loopback(std::uint32_t index);

// Scope class of one address: what the transport compares destinations with.
enum class address_class { loopback, link_local, site_local, global, unusable };
[[nodiscard]] address_class classify(const in6_addr& a);

}  // namespace drt::plugins::transport
