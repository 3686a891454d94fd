// A bounds-checked reader for the DER this plugin needs to take apart itself: certificates
// (to find the signed part, names, validity and SPKI) and PKCS#7 certs-only credentials.
// wolfCrypt's PKCS#7 decoder keeps at most a handful of certificates, so the credential is
// read here (docs/security.md K6 allows 25).
#pragma once

#include <cstdint>
#include <span>

namespace drt::plugins::wolfssl::der {

using bytes_view = std::span<const std::uint8_t>;

struct tlv {
  std::uint8_t tag = 0;
  bytes_view content;  // the value
  bytes_view whole;    // tag, length and value
};

// Reads one TLV (single-byte tag, definite length of at most 4 length bytes) from the front of
// in and advances in past it. False, with in unchanged, if it is malformed or runs past the end.
[[nodiscard]] bool read(bytes_view& in, tlv& out) noexcept;

// read() that also requires the given tag.
[[nodiscard]] bool read(bytes_view& in, std::uint8_t tag, tlv& out) noexcept;

// UTCTime (0x17, years 1950..2049) or GeneralizedTime (0x18), "Z" form, to Unix seconds.
[[nodiscard]] bool to_unix_seconds(const tlv& time, std::int64_t& out) noexcept;

}  // namespace drt::plugins::wolfssl::der
