// core/runtime: address conversions (socket_address.hpp).
#include "runtime/socket_address.hpp"

#include <cstring>

namespace drt::runtime {

engine::endpoint to_endpoint(const sockaddr_in6& a) {
  engine::endpoint e;
  std::memcpy(e.address.data(), a.sin6_addr.s6_addr, 16);
  e.port = ntohs(a.sin6_port);
  e.scope_id = a.sin6_scope_id;
  return e;
}

std::vector<engine::endpoint> to_endpoints(std::span<const sockaddr_in6> addrs) {
  std::vector<engine::endpoint> out;
  out.reserve(addrs.size());
  for (const auto& a : addrs) out.push_back(to_endpoint(a));
  return out;
}

sockaddr_in6 to_sockaddr(const engine::endpoint& e) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  std::memcpy(a.sin6_addr.s6_addr, e.address.data(), 16);
  a.sin6_port = htons(e.port);
  a.sin6_scope_id = e.scope_id;
  return a;
}

std::vector<sockaddr_in6> copy_ipv6_addresses(const SOCKET_ADDRESS_LIST* list) {
  std::vector<sockaddr_in6> out;
  if (list == nullptr) return out;
  for (std::int32_t i = 0; i < list->iAddressCount; ++i) {
    const SOCKET_ADDRESS& a = list->Address[i];
    if (a.lpSockaddr && a.iSockaddrLength >= static_cast<int>(sizeof(sockaddr_in6)) &&
        a.lpSockaddr->sa_family == AF_INET6) {
      sockaddr_in6 sin6{};
      std::memcpy(&sin6, a.lpSockaddr, sizeof sin6);
      out.push_back(sin6);
    }
  }
  return out;
}

namespace {

std::vector<sockaddr_in6> to_sockaddrs(std::span<const engine::endpoint> endpoints) {
  std::vector<sockaddr_in6> out;
  out.reserve(endpoints.size());
  for (const auto& e : endpoints) out.push_back(to_sockaddr(e));
  return out;
}

}  // namespace

socket_address_list::socket_address_list(std::vector<sockaddr_in6> addrs) : storage_(std::move(addrs)) {
  const std::size_t bytes =
      offsetof(SOCKET_ADDRESS_LIST, Address) + std::max<std::size_t>(1, storage_.size()) * sizeof(SOCKET_ADDRESS);
  block_.resize((bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
  SOCKET_ADDRESS_LIST* list = get();
  list->iAddressCount = static_cast<std::int32_t>(storage_.size());
  for (std::size_t i = 0; i < storage_.size(); ++i) {
    list->Address[i].lpSockaddr = reinterpret_cast<sockaddr*>(&storage_[i]);
    list->Address[i].iSockaddrLength = sizeof(sockaddr_in6);
  }
}

socket_address_list::socket_address_list(std::span<const engine::endpoint> endpoints)
    : socket_address_list(to_sockaddrs(endpoints)) {}

}  // namespace drt::runtime
