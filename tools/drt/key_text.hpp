// Keys as people write them (spec/api.md §1.7 text form): parsing the command-line forms
// "64 hex digits" (most significant byte first), "@FILE" and "sha256:TEXT", printing them, and
// comparing them as numbers on the 2^256 ring. drt::key itself is little-endian (pb[0] least
// significant).
#pragma once

#include <drt/drt.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace drt::tool {

// The key a command-line argument names; throws usage_error("<what>: <problem>") on bad input.
//   64 hex digits     the key, most significant byte first (as `drt key derive` prints)
//   @FILE             FILE holds 64 hex digits (surrounding white space ignored), or a
//                     certificate (PEM or DER) whose derived key is meant
//   sha256:TEXT       the SHA-256 digest of TEXT (its bytes as given), read as hex digits are
[[nodiscard]] drt::key parse_key(std::string_view text, std::string_view what);

// 64 lower-case hex digits, most significant byte first.
[[nodiscard]] std::string key_hex(const drt::key& k);

// A digest or any 32 bytes in wire order (most significant first) as a drt::key.
[[nodiscard]] drt::key key_from_wire(const std::array<std::uint8_t, 32>& wire);

// SHA-256 of text, as a key (the same as parse_key("sha256:" + text)).
[[nodiscard]] drt::key sha256_key(std::string_view text);

// Numeric order: negative, zero or positive like memcmp.
[[nodiscard]] int key_compare(const drt::key& a, const drt::key& b);

// Ring distance min((a - b), (b - a)) mod 2^256, as a key (little-endian integer).
[[nodiscard]] drt::key key_distance(const drt::key& a, const drt::key& b);

// Position on the ring in [0, 1): the top 64 bits divided by 2^64.
[[nodiscard]] double key_turn(const drt::key& k);

}  // namespace drt::tool
