// The encoded CPA (protocol.md §5.6): the ownership proof every security profile carries. This
// codec only knows the byte layout; which profiles a provider accepts, and whether it checks the
// signature, is the provider's business (null: §5.7, derived-key: §5.6/§5.6a).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace drt::plugins::openssl {

inline constexpr std::size_t key_bytes = 32;       // api.md §1.7
inline constexpr std::size_t nonce_bytes = 16;     // protocol.md §5.3
inline constexpr std::size_t endpoint_bytes = 18;  // IPV6_ENDPOINT, protocol.md §2.4
inline constexpr std::size_t ipv6_address_bytes = 16;
inline constexpr std::size_t payload_hash_bytes = 32;  // SHA-256
inline constexpr std::size_t cpa_addresses_max = 20;   // DRT_MAX_ROUTING_ADDRESSES

inline constexpr std::uint8_t cpa_profile_major = 0x4F;
inline constexpr std::uint8_t cpa_profile_minor_null = 0x00;  // §5.7
inline constexpr std::uint8_t cpa_profile_minor_o1 = 0x01;    // §5.6, RSA
inline constexpr std::uint8_t cpa_profile_minor_o2 = 0x02;    // §5.6a, ECDSA P-256

using key_bytes_t = std::array<std::uint8_t, key_bytes>;
using nonce_bytes_t = std::array<std::uint8_t, nonce_bytes>;
using payload_hash_t = std::array<std::uint8_t, payload_hash_bytes>;

// An IPV6_ENDPOINT: on the wire Port BE16 ‖ address; here the port is in host order.
struct endpoint {
  std::uint16_t port = 0;
  std::array<std::uint8_t, ipv6_address_bytes> address{};
};

// PUBLIC_KEY of the CPA. The null profile leaves every member empty (an all-zero 6-byte header).
struct cpa_public_key {
  std::string algorithm_id;              // dotted ASCII OID, no NUL, at most 255 bytes
  std::vector<std::uint8_t> parameters;  // DER, at most 65535 bytes
  std::vector<std::uint8_t> key;         // DER RSAPublicKey or EC point, at most 65535 bytes
  std::uint8_t unused_bits = 0;
};

struct cpa {
  std::vector<std::uint8_t> signature;  // over every byte after the SIGNATURE structure
  std::uint8_t protocol_major = 0;
  std::uint8_t protocol_minor = 0;
  std::uint8_t profile_major = cpa_profile_major;
  std::uint8_t profile_minor = cpa_profile_minor_null;
  key_bytes_t key_wire{};  // wire order: key_wire[i] = api_key[31 - i] (protocol.md §1.1)
  nonce_bytes_t nonce{};
  cpa_public_key public_key;
  std::vector<endpoint> addresses;  // at most cpa_addresses_max
  std::uint32_t flags = 0;          // bit 0 = DRT_PAYLOAD_REVOKED
  payload_hash_t payload_hash{};    // SHA-256 of the secured payload, zero when none
};

// The bytes a CPA signature covers: everything after Reserved and SIGNATURE. A signing provider
// encodes this part first, signs it, then calls encode_cpa with the signature filled in.
// Throws std::length_error if a member exceeds what its length field can express.
[[nodiscard]] std::vector<std::uint8_t> encode_cpa_signed_part(const cpa& value);

// Reserved (0) ‖ SIGNATURE (LE16 2 + S ‖ S bytes) ‖ encode_cpa_signed_part(value).
[[nodiscard]] std::vector<std::uint8_t> encode_cpa(const cpa& value);

// Strict parse: reserved byte 0, key length 32, nonce length 16, address count ≤ 20 with element
// length 18, and the input must end exactly after PayloadHash. Profile bytes are returned, not
// judged. std::nullopt on any violation; bytes from the network never assert.
[[nodiscard]] std::optional<cpa> decode_cpa(std::span<const std::uint8_t> bytes);

// API order (pb[0] least significant) to wire order and back; the same reversal both ways.
[[nodiscard]] key_bytes_t reverse_key(std::span<const std::uint8_t, key_bytes> key);

}  // namespace drt::plugins::openssl
