// core/engine: a transport endpoint as the engine sees it (16-byte IPv6 address, port, zone).
// A value type; thread-safe. The 18-byte wire form is IPV6_ENDPOINT (protocol.md §2.4).
#pragma once

#include <array>
#include <compare>
#include <cstdint>

namespace drt::engine {

using ipv6_address = std::array<std::uint8_t, 16>;

enum class scope_class : std::uint8_t { global, link_local, loopback, invalid };

// Multicast and unspecified addresses are "invalid": never usable as a peer (§2.4).
scope_class classify(const ipv6_address& a);

struct endpoint {
  ipv6_address address{};
  std::uint16_t port = 0;
  std::uint32_t scope_id = 0;  // zone; applied locally, never on the wire

  friend auto operator<=>(const endpoint&, const endpoint&) = default;
  // Identity on the wire ignores the zone.
  bool same_wire(const endpoint& o) const { return address == o.address && port == o.port; }
};

}  // namespace drt::engine
