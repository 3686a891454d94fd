// core/engine: encoding and strict decoding of DRT datagrams (protocol.md §2), including
// fragmentation at 1188 bytes (§2.6). Reassembly lives in reassembly.hpp. Pure functions:
// thread-safe.
#pragma once

#include <span>
#include <variant>

#include "engine/message.hpp"

namespace drt::engine {

inline constexpr std::size_t fragment_piece_bytes_max = 1188;
inline constexpr std::size_t fragmented_body_bytes_max = 37348;
inline constexpr std::size_t datagram_sent_bytes_max = 1232;
inline constexpr std::size_t datagram_received_bytes_max = 1500;

// Encodes a message into one or more datagrams. Empty when the body would exceed 37348 bytes
// (§2.6: not sent).
std::vector<bytes> encode(const message& m);

// A datagram split into its prefix and its body piece (§2.6) before reassembly.
struct datagram_view {
  message_type type{};
  std::uint8_t version_major = 0;
  std::uint32_t message_id = 0;
  std::optional<std::uint32_t> acked_id;
  std::span<const std::uint8_t> prefix;  // header + first control field, as received
  bool has_split = false;
  std::uint16_t split_size = 0;
  std::uint16_t split_offset = 0;
  std::span<const std::uint8_t> piece;   // body or body fragment
  bool complete() const { return !has_split || (split_offset == 0 && split_size == piece.size()); }
};

// §2.7 steps 1–2 and the prefix/split part of §2.6; `local_major` is our protocol major.
std::variant<drop_reason, datagram_view> split_datagram(std::span<const std::uint8_t> d,
                                                        std::uint8_t local_major);

// Parses a complete message from its prefix and whole body (§2.5 grammar, §2.1 rules).
// signed_body_bytes, if given, receives the body offset of the SIGNATURE field (or the body
// size without one): the signed bytes are prefix ‖ body[0, offset) (§5.4 [D8]).
std::variant<drop_reason, message> parse_message(std::span<const std::uint8_t> prefix,
                                                 std::span<const std::uint8_t> body,
                                                 std::size_t* signed_body_bytes = nullptr);

// Mode 2 (§5.5 [D7]): the protected fields of a message. A message type has at most these, in
// message order: FLOOD REVOKE_CPA, ROUTING_ENTRY; AUTHORITY EXTENDED_PAYLOAD, ROUTING_ENTRY,
// VALIDATE_CPA; LOOKUP IPV6_ENDPOINT_ARRAY (the flagged path). Everything else stays in clear.
struct protected_field {
  std::uint16_t id = 0;  // the FieldID the plaintext is the data of
  bytes data;            // the field's data, without TLV header and padding
};
// The protected fields `m` holds in clear, in message order (the buffers of one EncryptData).
std::vector<protected_field> protected_fields(const message& m);
// Removes the clear protected fields (after they were encrypted into m.encrypted).
void clear_protected_fields(message& m);
// Stores one decrypted plaintext as the data of protected field `id` of `m`, with every check a
// clear field of that ID gets (route entry layout, array consistency); the field must be
// protected in m's type and not present yet.
std::optional<drop_reason> store_decrypted_field(message& m, std::uint16_t id, std::span<const std::uint8_t> data);

// Convenience for tests: split + parse of an unfragmented datagram.
std::variant<drop_reason, message> decode_single(std::span<const std::uint8_t> d,
                                                 std::uint8_t local_major);

}  // namespace drt::engine
