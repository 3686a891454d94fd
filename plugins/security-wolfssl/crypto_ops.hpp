// The primitives of the derived-key provider (protocol.md §5.6, §5.6a) on wolfCrypt, with the
// bytes of the OpenSSL plugin: RSASSA-PKCS1-v1_5/SHA-256 (O1) and ECDSA P-256/SHA-256 DER (O2)
// signatures, the 64-byte keytoken wrapped with RSA-OAEP-SHA-256 (O1) or ECDH-ES + HKDF-SHA-256
// + AES-256-GCM (O2), and AES-256-GCM per buffer (docs/security.md "EncryptData").
#pragma once

#include "credential.hpp"
#include "wc_types.hpp"

#include <drt/drt_errors.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace drt::plugins::wolfssl {

inline constexpr std::size_t keytoken_bytes = 64;
inline constexpr std::size_t gcm_iv_bytes = 12;
inline constexpr std::size_t gcm_tag_bytes = 16;
inline constexpr std::size_t aes_key_bytes = 32;
inline constexpr std::size_t ec_point_bytes = 65;
inline constexpr std::size_t o2_keytoken_wrap_bytes =
    ec_point_bytes + gcm_iv_bytes + keytoken_bytes + gcm_tag_bytes;  // 157

using byte_view_list = std::span<const std::span<const std::uint8_t>>;

struct content_key {
  std::array<std::uint8_t, aes_key_bytes> key{};
  std::array<std::uint8_t, gcm_iv_bytes> iv{};
  ~content_key();
};

// One per provider: owns the provider's DRBG (locked per use). Keys are locked per operation.
class crypto_suite {
 public:
  // False if the DRBG could not be seeded (DRT_E_CAPABILITY_MISMATCH at creation).
  [[nodiscard]] bool available() const noexcept { return rng_.ok(); }

  [[nodiscard]] HRESULT sign(pkey* key, byte_view_list parts, std::vector<std::uint8_t>& signature) const;
  // S_OK if it verifies, DRT_E_INVALID_MESSAGE if not.
  [[nodiscard]] HRESULT verify(pkey* key, byte_view_list parts, std::span<const std::uint8_t> signature) const;

  [[nodiscard]] HRESULT new_content_key(content_key& out) const;
  [[nodiscard]] HRESULT wrap(pkey* recipient, const content_key& ck, std::vector<std::uint8_t>& keytoken) const;
  [[nodiscard]] HRESULT unwrap(pkey* own_private, std::span<const std::uint8_t> keytoken, content_key& out) const;

  [[nodiscard]] HRESULT seal(const content_key& ck, std::uint32_t index, std::span<const std::uint8_t> plain,
                             std::vector<std::uint8_t>& out) const;
  [[nodiscard]] HRESULT open(const content_key& ck, std::uint32_t index, std::span<const std::uint8_t> sealed,
                             std::vector<std::uint8_t>& plain_out) const;

 private:
  [[nodiscard]] HRESULT random(std::span<std::uint8_t> out) const;
  mutable rng rng_;
};

[[nodiscard]] std::array<std::uint8_t, keytoken_bytes> encode_keytoken(const content_key& ck);
[[nodiscard]] bool decode_keytoken(std::span<const std::uint8_t> token, content_key& out);

}  // namespace drt::plugins::wolfssl
