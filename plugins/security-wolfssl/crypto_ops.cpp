#include "crypto_ops.hpp"

#include "sha256.hpp"

#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include <algorithm>
#include <string_view>

namespace drt::plugins::wolfssl {
namespace {

constexpr std::uint8_t keytoken_magic[] = {0x4B, 0x44, 0x42, 0x4D, 0x01, 0x00,
                                           0x00, 0x00, 0x20, 0x00, 0x00, 0x00};
constexpr std::string_view o2_info_label = "OpenDRT O2 keytoken";

template <class T>
struct wipe_on_exit {
  T& bytes;
  ~wipe_on_exit() { wipe(bytes.data(), bytes.size()); }
};

[[nodiscard]] bool fits_word32(std::size_t n) noexcept { return n <= 0x7FFFFFFFu; }

[[nodiscard]] std::vector<std::uint8_t> o2_info(std::span<const std::uint8_t> ephemeral,
                                                std::span<const std::uint8_t> recipient) {
  std::vector<std::uint8_t> info(o2_info_label.begin(), o2_info_label.end());
  info.insert(info.end(), ephemeral.begin(), ephemeral.end());
  info.insert(info.end(), recipient.begin(), recipient.end());
  return info;
}

// AES-256-GCM with a 12-byte nonce, no AAD; the output (encrypt) or input (decrypt) is ct ‖ tag.
[[nodiscard]] HRESULT gcm(bool encrypt, std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                          std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  if (!fits_word32(in.size())) return DRT_E_INVALID_MESSAGE;
  if (!encrypt && in.size() < gcm_tag_bytes) return DRT_E_INVALID_MESSAGE;
  const std::size_t body = encrypt ? in.size() : in.size() - gcm_tag_bytes;
  aes_context aes;
  if (!aes.ok() || wc_AesGcmSetKey(aes.get(), key.data(), static_cast<word32>(key.size())) != 0) return E_FAIL;
  out.assign(encrypt ? body + gcm_tag_bytes : body, 0);
  // wolfCrypt rejects a NULL buffer even for length 0; give it a scratch byte.
  std::uint8_t scratch_out[1];
  std::uint8_t* out_data = body > 0 ? out.data() : scratch_out;
  const std::uint8_t scratch_in[1] = {0};
  const std::uint8_t* in_data = body > 0 ? in.data() : scratch_in;
  if (encrypt) {
    return wc_AesGcmEncrypt(aes.get(), out_data, in_data, static_cast<word32>(body), nonce.data(),
                            static_cast<word32>(nonce.size()), out.data() + body, gcm_tag_bytes, nullptr,
                            0) == 0
               ? S_OK
               : E_FAIL;
  }
  const int rc = wc_AesGcmDecrypt(aes.get(), out_data, in_data, static_cast<word32>(body), nonce.data(),
                                  static_cast<word32>(nonce.size()), in.data() + body, gcm_tag_bytes, nullptr, 0);
  if (rc != 0) {
    wipe(out.data(), out.size());
    out.clear();
    return DRT_E_INVALID_MESSAGE;
  }
  return S_OK;
}

// HKDF-SHA-256 with no salt (RFC 5869: HashLen zero bytes), K9.
[[nodiscard]] HRESULT hkdf(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> info,
                           std::span<std::uint8_t> out) {
  return wc_HKDF(WC_SHA256, ikm.data(), static_cast<word32>(ikm.size()), nullptr, 0, info.data(),
                 static_cast<word32>(info.size()), out.data(), static_cast<word32>(out.size())) == 0
             ? S_OK
             : E_FAIL;
}

[[nodiscard]] bool ec_point(ecc_key* key, std::array<std::uint8_t, ec_point_bytes>& out) {
  word32 size = static_cast<word32>(out.size());
  return wc_ecc_export_x963(key, out.data(), &size) == 0 && size == ec_point_bytes && out[0] == 0x04;
}

// Z = the x-coordinate of ECDH(own private, peer public); own is locked by the caller.
[[nodiscard]] HRESULT ecdh(ecc_key* own, ecc_key* peer, WC_RNG* rng, std::array<std::uint8_t, 32>& z) {
  word32 size = static_cast<word32>(z.size());
  if (wc_ecc_set_rng(own, rng) != 0) return E_FAIL;
  const int rc = wc_ecc_shared_secret(own, peer, z.data(), &size);
  wc_ecc_set_rng(own, nullptr);
  return rc == 0 && size == z.size() ? S_OK : DRT_E_INVALID_MESSAGE;
}

}  // namespace

content_key::~content_key() {
  wipe(key.data(), key.size());
  wipe(iv.data(), iv.size());
}

HRESULT crypto_suite::random(std::span<std::uint8_t> out) const {
  return rng_.with([&](WC_RNG* r) {
    return wc_RNG_GenerateBlock(r, out.data(), static_cast<word32>(out.size())) == 0 ? S_OK : E_FAIL;
  });
}

HRESULT crypto_suite::sign(pkey* key, byte_view_list parts, std::vector<std::uint8_t>& signature) const {
  if (key == nullptr || !key->has_private) return E_FAIL;
  sha256_digest digest{};
  if (HRESULT hr = sha256{}.digest(parts, digest); FAILED(hr)) return hr;
  std::lock_guard lock(key->mutex);
  if (key->type == pkey::family::rsa) {
    std::uint8_t encoded[MAX_ENCODED_SIG_SZ];
    const word32 encoded_size = wc_EncodeSignature(encoded, digest.data(), digest.size(), SHA256h);
    const int size = wc_RsaEncryptSize(key->rsa.get());
    if (size <= 0 || encoded_size == 0) return E_FAIL;
    signature.assign(static_cast<std::size_t>(size), 0);
    const int rc = rng_.with([&](WC_RNG* r) {
      return wc_RsaSSL_Sign(encoded, encoded_size, signature.data(), static_cast<word32>(signature.size()),
                            key->rsa.get(), r);
    });
    if (rc != size) return E_FAIL;
    return S_OK;
  }
  own_thread_ecc_cache();
  signature.assign(ECC_MAX_SIG_SIZE, 0);
  word32 size = static_cast<word32>(signature.size());
  const int rc = rng_.with([&](WC_RNG* r) {
    return wc_ecc_sign_hash(digest.data(), static_cast<word32>(digest.size()), signature.data(), &size, r,
                            key->ec.get());
  });
  if (rc != 0) return E_FAIL;
  signature.resize(size);
  return S_OK;
}

HRESULT crypto_suite::verify(pkey* key, byte_view_list parts, std::span<const std::uint8_t> signature) const {
  if (key == nullptr) return E_FAIL;
  if (signature.empty() || !fits_word32(signature.size())) return DRT_E_INVALID_MESSAGE;
  sha256_digest digest{};
  if (HRESULT hr = sha256{}.digest(parts, digest); FAILED(hr)) return hr;
  std::lock_guard lock(key->mutex);
  if (key->type == pkey::family::rsa) {
    // OpenSSL accepts only a modulus-sized PKCS#1 v1.5 signature; so does this.
    if (static_cast<int>(signature.size()) != wc_RsaEncryptSize(key->rsa.get())) return DRT_E_INVALID_MESSAGE;
    std::vector<std::uint8_t> copy(signature.begin(), signature.end());
    byte* decoded = nullptr;
    const int n = wc_RsaSSL_VerifyInline(copy.data(), static_cast<word32>(copy.size()), &decoded, key->rsa.get());
    if (n <= 0 || decoded == nullptr) return DRT_E_INVALID_MESSAGE;
    std::uint8_t expected[MAX_ENCODED_SIG_SZ];
    const word32 m = wc_EncodeSignature(expected, digest.data(), digest.size(), SHA256h);
    return ct_equal({decoded, static_cast<std::size_t>(n)}, {expected, m}) ? S_OK : DRT_E_INVALID_MESSAGE;
  }
  own_thread_ecc_cache();
  int verified = 0;
  const int rc = wc_ecc_verify_hash(signature.data(), static_cast<word32>(signature.size()), digest.data(),
                                    static_cast<word32>(digest.size()), &verified, key->ec.get());
  return rc == 0 && verified == 1 ? S_OK : DRT_E_INVALID_MESSAGE;
}

HRESULT crypto_suite::new_content_key(content_key& out) const {
  if (HRESULT hr = random(out.key); FAILED(hr)) return hr;
  return random(out.iv);
}

HRESULT crypto_suite::wrap(pkey* recipient, const content_key& ck, std::vector<std::uint8_t>& keytoken) const {
  auto token = encode_keytoken(ck);
  wipe_on_exit<decltype(token)> wipe_token{token};
  const key_profile profile = profile_of(recipient);
  if (profile == key_profile::o1) {
    std::lock_guard lock(recipient->mutex);
    const int size = wc_RsaEncryptSize(recipient->rsa.get());
    if (size <= 0) return E_FAIL;
    keytoken.assign(static_cast<std::size_t>(size), 0);
    const int rc = rng_.with([&](WC_RNG* r) {
      return wc_RsaPublicEncrypt_ex(token.data(), static_cast<word32>(token.size()), keytoken.data(),
                                    static_cast<word32>(keytoken.size()), recipient->rsa.get(), r,
                                    WC_RSA_OAEP_PAD, WC_HASH_TYPE_SHA256, WC_MGF1SHA256, nullptr, 0);
    });
    return rc == size ? S_OK : E_FAIL;
  }
  if (profile != key_profile::o2) return DRT_E_INVALID_CERT_CHAIN;
  own_thread_ecc_cache();
  ecc_ptr ephemeral = new_ecc_key();
  if (!ephemeral) throw std::bad_alloc();
  std::array<std::uint8_t, ec_point_bytes> recipient_point{};
  std::array<std::uint8_t, ec_point_bytes> ephemeral_point{};
  std::array<std::uint8_t, 32> z{};
  std::array<std::uint8_t, 32> kek{};
  wipe_on_exit<decltype(z)> wipe_z{z};
  wipe_on_exit<decltype(kek)> wipe_kek{kek};
  std::array<std::uint8_t, gcm_iv_bytes> nonce{};
  std::lock_guard lock(recipient->mutex);
  HRESULT hr = rng_.with([&](WC_RNG* r) -> HRESULT {
    if (wc_ecc_make_key_ex(r, 32, ephemeral.get(), ECC_SECP256R1) != 0) return E_FAIL;
    if (!ec_point(recipient->ec.get(), recipient_point) || !ec_point(ephemeral.get(), ephemeral_point)) {
      return DRT_E_INVALID_CERT_CHAIN;
    }
    return ecdh(ephemeral.get(), recipient->ec.get(), r, z);
  });
  if (SUCCEEDED(hr)) hr = hkdf(z, o2_info(ephemeral_point, recipient_point), kek);
  if (SUCCEEDED(hr)) hr = random(nonce);
  std::vector<std::uint8_t> sealed;
  if (SUCCEEDED(hr)) hr = gcm(true, kek, nonce, token, sealed);
  if (FAILED(hr)) return hr;
  keytoken.assign(ephemeral_point.begin(), ephemeral_point.end());
  keytoken.insert(keytoken.end(), nonce.begin(), nonce.end());
  keytoken.insert(keytoken.end(), sealed.begin(), sealed.end());
  return S_OK;
}

HRESULT crypto_suite::unwrap(pkey* own_private, std::span<const std::uint8_t> keytoken, content_key& out) const {
  std::vector<std::uint8_t> token;
  wipe_on_exit<decltype(token)> wipe_token{token};
  const key_profile profile = profile_of(own_private);
  if (profile == key_profile::o1) {
    std::lock_guard lock(own_private->mutex);
    const int size = wc_RsaEncryptSize(own_private->rsa.get());
    if (size <= 0 || keytoken.size() != static_cast<std::size_t>(size)) return DRT_E_INVALID_MESSAGE;
    token.assign(keytoken.size(), 0);
    const int n = rng_.with([&](WC_RNG* r) {
      if (wc_RsaSetRNG(own_private->rsa.get(), r) != 0) return -1;  // blinding
      const int rc = wc_RsaPrivateDecrypt_ex(keytoken.data(), static_cast<word32>(keytoken.size()), token.data(),
                                             static_cast<word32>(token.size()), own_private->rsa.get(),
                                             WC_RSA_OAEP_PAD, WC_HASH_TYPE_SHA256, WC_MGF1SHA256, nullptr, 0);
      wc_RsaSetRNG(own_private->rsa.get(), nullptr);
      return rc;
    });
    if (n < 0) return DRT_E_INVALID_MESSAGE;
    token.resize(static_cast<std::size_t>(n));
  } else if (profile == key_profile::o2) {
    if (keytoken.size() != o2_keytoken_wrap_bytes) return DRT_E_INVALID_MESSAGE;
    own_thread_ecc_cache();
    const auto ephemeral_point = keytoken.first(ec_point_bytes);
    const auto nonce = keytoken.subspan(ec_point_bytes, gcm_iv_bytes);
    const auto sealed = keytoken.subspan(ec_point_bytes + gcm_iv_bytes);
    ecc_ptr ephemeral = new_ecc_key();
    if (!ephemeral) throw std::bad_alloc();
    // The point must be an uncompressed point on P-256 (wc_ecc_check_key), as OpenSSL requires.
    if (ephemeral_point[0] != 0x04 ||
        wc_ecc_import_x963_ex(ephemeral_point.data(), static_cast<word32>(ephemeral_point.size()),
                              ephemeral.get(), ECC_SECP256R1) != 0 ||
        wc_ecc_check_key(ephemeral.get()) != 0) {
      return DRT_E_INVALID_MESSAGE;
    }
    std::array<std::uint8_t, ec_point_bytes> own_point{};
    std::array<std::uint8_t, 32> z{};
    std::array<std::uint8_t, 32> kek{};
    wipe_on_exit<decltype(z)> wipe_z{z};
    wipe_on_exit<decltype(kek)> wipe_kek{kek};
    std::lock_guard lock(own_private->mutex);
    if (!ec_point(own_private->ec.get(), own_point)) return E_FAIL;
    HRESULT hr = rng_.with([&](WC_RNG* r) { return ecdh(own_private->ec.get(), ephemeral.get(), r, z); });
    if (SUCCEEDED(hr)) hr = hkdf(z, o2_info(ephemeral_point, own_point), kek);
    if (SUCCEEDED(hr)) hr = gcm(false, kek, nonce, sealed, token);
    if (FAILED(hr)) return hr;
  } else {
    return E_FAIL;
  }
  return decode_keytoken(token, out) ? S_OK : DRT_E_INVALID_MESSAGE;
}

HRESULT crypto_suite::seal(const content_key& ck, std::uint32_t index, std::span<const std::uint8_t> plain,
                           std::vector<std::uint8_t>& out) const {
  auto nonce = ck.iv;
  for (int i = 0; i < 4; ++i) nonce[8 + i] ^= static_cast<std::uint8_t>(index >> (24 - 8 * i));
  return gcm(true, ck.key, nonce, plain, out);
}

HRESULT crypto_suite::open(const content_key& ck, std::uint32_t index, std::span<const std::uint8_t> sealed,
                           std::vector<std::uint8_t>& plain_out) const {
  auto nonce = ck.iv;
  for (int i = 0; i < 4; ++i) nonce[8 + i] ^= static_cast<std::uint8_t>(index >> (24 - 8 * i));
  return gcm(false, ck.key, nonce, sealed, plain_out);
}

std::array<std::uint8_t, keytoken_bytes> encode_keytoken(const content_key& ck) {
  std::array<std::uint8_t, keytoken_bytes> t{};
  t[0] = static_cast<std::uint8_t>(gcm_iv_bytes);  // LE16 = 12, then 6 zero bytes
  std::copy(ck.iv.begin(), ck.iv.end(), t.begin() + 8);
  std::copy(std::begin(keytoken_magic), std::end(keytoken_magic), t.begin() + 20);
  std::copy(ck.key.begin(), ck.key.end(), t.begin() + 32);
  return t;
}

bool decode_keytoken(std::span<const std::uint8_t> token, content_key& out) {
  if (token.size() != keytoken_bytes || token[0] != gcm_iv_bytes) return false;
  if (std::any_of(token.begin() + 1, token.begin() + 8, [](std::uint8_t b) { return b != 0; })) return false;
  if (!std::equal(std::begin(keytoken_magic), std::end(keytoken_magic), token.begin() + 20)) return false;
  std::copy(token.begin() + 8, token.begin() + 20, out.iv.begin());
  std::copy(token.begin() + 32, token.end(), out.key.begin());
  return true;
}

}  // namespace drt::plugins::wolfssl
