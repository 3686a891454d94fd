// The primitives of the derived-key provider (protocol.md §5.6, §5.6a) on OpenSSL 3 EVP:
// signatures (RSASSA-PKCS1-v1_5/SHA-256 for O1, ECDSA P-256/SHA-256 DER for O2), the 64-byte
// keytoken and its wraps (RSA-OAEP-SHA-256 for O1, ECDH-ES + HKDF + AES-256-GCM for O2), and
// AES-256-GCM per buffer. Algorithms are fetched once per provider (crypto_suite).
#pragma once

#include "credential.hpp"
#include "ossl_ptr.hpp"

#include <drt/drt_errors.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace drt::plugins::openssl {

inline constexpr std::size_t keytoken_bytes = 64;
inline constexpr std::size_t gcm_iv_bytes = 12;
inline constexpr std::size_t gcm_tag_bytes = 16;
inline constexpr std::size_t aes_key_bytes = 32;
inline constexpr std::size_t ec_point_bytes = 65;
inline constexpr std::size_t o2_keytoken_wrap_bytes =
    ec_point_bytes + gcm_iv_bytes + keytoken_bytes + gcm_tag_bytes;  // 157

using byte_view_list = std::span<const std::span<const std::uint8_t>>;

// The content key of one EncryptData call: AES-256 key and base IV.
struct content_key {
  std::array<std::uint8_t, aes_key_bytes> key{};
  std::array<std::uint8_t, gcm_iv_bytes> iv{};
  ~content_key();
};

class crypto_suite {
 public:
  crypto_suite();
  // False if SHA-256, AES-256-GCM or HKDF is missing (DRT_E_CAPABILITY_MISMATCH).
  [[nodiscard]] bool available() const noexcept { return sha_ && gcm_ && hkdf_; }

  // One signature over the concatenated buffers with the profile's scheme.
  [[nodiscard]] HRESULT sign(EVP_PKEY* key, byte_view_list parts,
                             std::vector<std::uint8_t>& signature) const;
  // S_OK if it verifies, DRT_E_INVALID_MESSAGE if not.
  [[nodiscard]] HRESULT verify(EVP_PKEY* key, byte_view_list parts,
                               std::span<const std::uint8_t> signature) const;

  // A fresh random content key.
  [[nodiscard]] HRESULT new_content_key(content_key& out) const;
  // KEYTOKEN for the recipient's leaf key: RSA-OAEP (O1) or ECDH-ES (O2).
  [[nodiscard]] HRESULT wrap(EVP_PKEY* recipient, const content_key& ck,
                             std::vector<std::uint8_t>& keytoken) const;
  // Reverses wrap with our private key. DRT_E_INVALID_MESSAGE for any malformed keytoken.
  [[nodiscard]] HRESULT unwrap(EVP_PKEY* own_private, std::span<const std::uint8_t> keytoken,
                               content_key& out) const;

  // Buffer i: AES-256-GCM, nonce = IV with its last 4 bytes XOR BE32(i), no AAD, ct ‖ tag.
  [[nodiscard]] HRESULT seal(const content_key& ck, std::uint32_t index,
                             std::span<const std::uint8_t> plain,
                             std::vector<std::uint8_t>& out) const;
  // Into plain_out (size = input − 16). DRT_E_INVALID_MESSAGE if short or the tag fails.
  [[nodiscard]] HRESULT open(const content_key& ck, std::uint32_t index,
                             std::span<const std::uint8_t> sealed,
                             std::vector<std::uint8_t>& plain_out) const;

 private:
  [[nodiscard]] HRESULT gcm(bool encrypt, std::span<const std::uint8_t> key,
                            std::span<const std::uint8_t> nonce,
                            std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) const;
  [[nodiscard]] HRESULT hkdf(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> info,
                             std::span<std::uint8_t> out) const;

  md_ptr sha_;
  cipher_ptr gcm_;
  kdf_ptr hkdf_;
};

// The 64-byte keytoken of §5.6 and its parse (layout checked byte for byte).
[[nodiscard]] std::array<std::uint8_t, keytoken_bytes> encode_keytoken(const content_key& ck);
[[nodiscard]] bool decode_keytoken(std::span<const std::uint8_t> token, content_key& out);

// The uncompressed P-256 point of an EC key (65 bytes), false if not available.
[[nodiscard]] bool ec_public_point(EVP_PKEY* key, std::array<std::uint8_t, ec_point_bytes>& out);

}  // namespace drt::plugins::openssl
