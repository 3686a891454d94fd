#include "lan_discovery_message.hpp"

#include <cstring>

namespace drt::plugins::bootstrap {
namespace {

constexpr std::uint8_t magic[4] = {0x4F, 0x44, 0x42, 0x53};  // "ODBS"
constexpr std::uint8_t version = 1;
constexpr std::size_t fixed_bytes = 4 + 1 + 1 + 2 + 4 + 1 + 1 + 1;
constexpr std::size_t endpoint_bytes = 18;

}  // namespace

std::vector<std::uint8_t> encode(const lan_message& m) {
  std::vector<std::uint8_t> out(magic, magic + 4);
  out.push_back(version);
  out.push_back(static_cast<std::uint8_t>(m.type));
  out.insert(out.end(), {0, 0});
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(m.query_id >> shift));
  out.push_back(m.protocol_major);
  out.push_back(m.protocol_minor);
  out.push_back(static_cast<std::uint8_t>(m.cloud_name.size()));
  out.insert(out.end(), m.cloud_name.begin(), m.cloud_name.end());
  if (m.type == lan_message_type::answer) {
    out.push_back(static_cast<std::uint8_t>(m.endpoints.size()));
    for (const auto& e : m.endpoints) {
      const std::uint16_t port = ntohs(e.sin6_port);
      out.push_back(static_cast<std::uint8_t>(port >> 8));
      out.push_back(static_cast<std::uint8_t>(port));
      const auto* a = reinterpret_cast<const std::uint8_t*>(&e.sin6_addr);
      out.insert(out.end(), a, a + 16);
    }
  }
  return out;
}

std::optional<lan_message> decode(std::span<const std::uint8_t> b) {
  if (b.size() < fixed_bytes || std::memcmp(b.data(), magic, 4) != 0 || b[4] != version || b[6] != 0 || b[7] != 0) {
    return std::nullopt;
  }
  lan_message m;
  if (b[5] == 1) {
    m.type = lan_message_type::query;
  } else if (b[5] == 2) {
    m.type = lan_message_type::answer;
  } else {
    return std::nullopt;
  }
  m.query_id = (std::uint32_t{b[8]} << 24) | (std::uint32_t{b[9]} << 16) | (std::uint32_t{b[10]} << 8) | b[11];
  m.protocol_major = b[12];
  m.protocol_minor = b[13];
  const std::size_t name_bytes = b[14];
  if (name_bytes > lan_cloud_name_bytes_max || b.size() < fixed_bytes + name_bytes) return std::nullopt;
  m.cloud_name.assign(reinterpret_cast<const char*>(b.data() + fixed_bytes), name_bytes);
  std::size_t at = fixed_bytes + name_bytes;
  if (m.type == lan_message_type::query) {
    if (at != b.size()) return std::nullopt;
    return m;
  }
  if (at >= b.size()) return std::nullopt;
  const std::size_t count = b[at++];
  if (count < 1 || count > lan_endpoints_max || b.size() - at != count * endpoint_bytes) return std::nullopt;
  for (std::size_t i = 0; i < count; ++i, at += endpoint_bytes) {
    sockaddr_in6 e{};
    e.sin6_family = AF_INET6;
    e.sin6_port = htons(static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]));
    std::memcpy(&e.sin6_addr, b.data() + at + 2, 16);
    m.endpoints.push_back(e);
  }
  return m;
}

}  // namespace drt::plugins::bootstrap
