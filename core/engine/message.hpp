// core/engine: the DRT messages as values (protocol.md §1.6, §2.3–§2.5) and the reasons a
// received datagram is dropped. Value types only: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/endpoint.hpp"
#include "engine/key_math.hpp"

namespace drt::engine {

using bytes = std::vector<std::uint8_t>;

enum class message_type : std::uint8_t {
  solicit = 0x01, advertise = 0x02, request = 0x03, flood = 0x04,
  inquire = 0x07, authority = 0x08, ack = 0x09, lookup = 0x0B,
};
bool is_known_message_type(std::uint8_t t);

namespace field_id {
inline constexpr std::uint16_t header = 0x0010, header_acked = 0x0018, drt_id = 0x0030,
    target_drt_id = 0x0038, validate_drt_id = 0x0039, flags_field = 0x0040,
    flood_controls = 0x0043, solicit_controls = 0x0044, lookup_controls = 0x0045,
    extended_payload = 0x005A, drt_id_array = 0x0060, credential = 0x0080, wchar = 0x0084,
    classifier = 0x0085, hashed_nonce = 0x0092, nonce = 0x0093, split_controls = 0x0098,
    routing_entry = 0x009A, validate_cpa = 0x009B, revoke_cpa = 0x009C, ipv6_endpoint = 0x009D,
    ipv6_endpoint_array = 0x009E, keytoken = 0x009F, signature = 0x7F01,
    key_identifier = 0x7F02, encrypted_field = 0x7F03;
}

// Flag masks (protocol.md §2.4).
namespace flags {
inline constexpr std::uint16_t inquire_want_cpa = 0x0010, inquire_want_payload = 0x0008,
    inquire_want_chain = 0x0004;
inline constexpr std::uint16_t authority_unknown_in_leafset = 0x0200, authority_busy = 0x0008,
    authority_not_published = 0x0001;
inline constexpr std::uint16_t ack_not_published = 0x0001;
inline constexpr std::uint16_t flood_no_ack = 0x0001;
inline constexpr std::uint16_t lookup_any_referral = 0x0002;
}  // namespace flags

enum class resolve_criteria : std::uint8_t { none = 0x00, any = 0x01, nearest = 0x02, nearest64 = 0x04, upper_bits = 0x08 };
enum class resolve_reason : std::uint8_t { app_request = 0, registration = 1, cache_maintenance = 2, split_detection = 3 };

// ROUTE_ENTRY (§2.4): one node's key and endpoints, all sharing one port.
struct route_entry {
  key256 key;
  std::uint8_t version_major = 1;
  std::uint8_t version_minor = 0;
  std::uint16_t port = 0;
  std::uint8_t flags = 0;
  std::vector<ipv6_address> addresses;
  friend bool operator==(const route_entry&, const route_entry&) = default;
};

struct lookup_controls {
  std::uint16_t flags = 0;
  std::uint16_t precision = 0;
  std::uint8_t criteria = 0;
  std::uint8_t reason = 0;
  friend bool operator==(const lookup_controls&, const lookup_controls&) = default;
};

struct encrypted_field {
  std::uint16_t inner_id = 0;
  bytes ciphertext;
  friend bool operator==(const encrypted_field&, const encrypted_field&) = default;
};

// One message, every field optional; which ones a type carries is fixed by the codec's grammar.
struct message {
  message_type type = message_type::ack;
  std::uint8_t version_major = 1;
  std::uint8_t version_minor = 0;
  std::uint32_t message_id = 0;  // opaque, copied verbatim (held as its BE32 value)
  std::optional<std::uint32_t> acked_id;
  std::optional<std::uint16_t> flags;        // FLAGS_FIELD
  std::optional<std::uint16_t> flood_flags;  // FLOOD_CONTROLS
  std::optional<lookup_controls> lookup;
  std::optional<key256> target_id;
  std::optional<key256> validate_id;
  std::optional<std::vector<key256>> id_array;
  std::optional<std::array<std::uint8_t, 20>> hashed_nonce;
  std::optional<std::array<std::uint8_t, 16>> nonce;
  std::optional<route_entry> route;
  std::optional<std::vector<endpoint>> endpoints;  // IPV6_ENDPOINT_ARRAY (flagged path / flooded list)
  std::optional<bytes> credential, keytoken, extended_payload, validate_cpa, revoke_cpa,
      signature, key_identifier;
  std::optional<std::vector<std::uint16_t>> classifier;
  std::vector<encrypted_field> encrypted;  // mode 2: protected fields, in message order
  friend bool operator==(const message&, const message&) = default;
};

// Why a received datagram was dropped; counted per instance (engine counters).
enum class drop_reason : std::uint8_t {
  too_short, too_long, bad_header, unknown_type, version_mismatch, bad_source,
  bad_field_length, bad_fixed_length, field_order, missing_field, bad_array, bad_route_entry,
  bad_split, fragment_invalid, reassembly_full, unmatched_answer, bad_nonce, security_failure,
  unusable_route_entry, not_applicable,
  decrypt_failure,  // mode 2: no KEYTOKEN, DecryptData refused, or a protected field in clear (§5.5)
  rate_limited,  // an unsolicited request above its source's rate (rate_limit.hpp)
  count_
};
const char* to_string(drop_reason r);

}  // namespace drt::engine
