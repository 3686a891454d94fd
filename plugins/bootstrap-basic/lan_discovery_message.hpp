// LAN discovery messages (protocol.md Appendix A [D30]); integers big-endian:
//   "ODBS" | version 1 | type (1 QUERY, 2 ANSWER) | reserved (2, zero) | QueryID (4) |
//   protocol major (1) | protocol minor (1) | cloud-name length (1, 0..64) | cloud name |
//   ANSWER only: endpoint count (1, 1..20) | endpoints (18 each: port BE16, IPv6 address).
// Anything else, or trailing bytes, does not parse. Pure functions; thread-safe.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace drt::plugins::bootstrap {

enum class lan_message_type : std::uint8_t { query = 1, answer = 2 };

inline constexpr std::size_t lan_cloud_name_bytes_max = 64;
inline constexpr std::size_t lan_endpoints_max = 20;

struct lan_message {
  lan_message_type type = lan_message_type::query;
  std::uint32_t query_id = 0;
  std::uint8_t protocol_major = 1;
  std::uint8_t protocol_minor = 0;
  std::string cloud_name;               // at most 64 bytes
  std::vector<sockaddr_in6> endpoints;  // answer: 1..20 (port and address only)
};

// Encodes; the caller keeps cloud_name ≤ 64 bytes and an answer's endpoints 1..20.
[[nodiscard]] std::vector<std::uint8_t> encode(const lan_message& m);
[[nodiscard]] std::optional<lan_message> decode(std::span<const std::uint8_t> bytes);

}  // namespace drt::plugins::bootstrap
