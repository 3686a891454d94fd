#include "crypto_ops.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>
#include <string_view>

namespace drt::plugins::openssl {
namespace {

constexpr std::uint8_t keytoken_magic[] = {0x4B, 0x44, 0x42, 0x4D, 0x01, 0x00,
                                           0x00, 0x00, 0x20, 0x00, 0x00, 0x00};
constexpr std::string_view o2_info_label = "OpenDRT O2 keytoken";

// Wipes a vector that held key material when it goes out of scope.
struct wipe_on_exit {
  std::vector<std::uint8_t>& bytes;
  ~wipe_on_exit() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

[[nodiscard]] bool fits_int(std::size_t n) noexcept { return n <= static_cast<std::size_t>(INT_MAX); }

// An EC P-256 public key from its 65-byte uncompressed point; null if the point is invalid.
[[nodiscard]] pkey_ptr ec_key_from_point(std::span<const std::uint8_t> point) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx) throw std::bad_alloc();
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                        const_cast<std::uint8_t*>(point.data()), point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return pkey_ptr(key);
}

// Z = x-coordinate of ECDH(own private, peer public), 32 bytes.
[[nodiscard]] HRESULT ecdh(EVP_PKEY* own, EVP_PKEY* peer, std::array<std::uint8_t, 32>& z) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (!ctx) throw std::bad_alloc();
  std::size_t length = z.size();
  if (EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), z.data(), &length) != 1 || length != z.size()) {
    ERR_clear_error();
    return DRT_E_INVALID_MESSAGE;
  }
  return S_OK;
}

[[nodiscard]] std::vector<std::uint8_t> o2_info(std::span<const std::uint8_t> ephemeral,
                                                std::span<const std::uint8_t> recipient) {
  std::vector<std::uint8_t> info(o2_info_label.begin(), o2_info_label.end());
  info.insert(info.end(), ephemeral.begin(), ephemeral.end());
  info.insert(info.end(), recipient.begin(), recipient.end());
  return info;
}

[[nodiscard]] HRESULT set_oaep(EVP_PKEY_CTX* ctx, const EVP_MD* sha) {
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx, sha) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, sha) != 1) {
    return E_FAIL;
  }
  return S_OK;
}

}  // namespace

content_key::~content_key() {
  OPENSSL_cleanse(key.data(), key.size());
  OPENSSL_cleanse(iv.data(), iv.size());
}

crypto_suite::crypto_suite()
    : sha_(EVP_MD_fetch(nullptr, "SHA256", nullptr)),
      gcm_(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)),
      hkdf_(EVP_KDF_fetch(nullptr, "HKDF", nullptr)) {
  ERR_clear_error();
}

HRESULT crypto_suite::sign(EVP_PKEY* key, byte_view_list parts,
                           std::vector<std::uint8_t>& signature) const {
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, sha_.get(), nullptr, key) != 1) return E_FAIL;
  if (EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return E_FAIL;
  }
  for (auto part : parts) {
    if (!part.empty() && EVP_DigestSignUpdate(ctx.get(), part.data(), part.size()) != 1) {
      return E_FAIL;
    }
  }
  std::size_t length = 0;
  if (EVP_DigestSignFinal(ctx.get(), nullptr, &length) != 1) return E_FAIL;
  signature.resize(length);
  if (EVP_DigestSignFinal(ctx.get(), signature.data(), &length) != 1) return E_FAIL;
  signature.resize(length);
  return S_OK;
}

HRESULT crypto_suite::verify(EVP_PKEY* key, byte_view_list parts,
                             std::span<const std::uint8_t> signature) const {
  if (signature.empty()) return DRT_E_INVALID_MESSAGE;
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, sha_.get(), nullptr, key) != 1) return E_FAIL;
  if (EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return E_FAIL;
  }
  for (auto part : parts) {
    if (!part.empty() && EVP_DigestVerifyUpdate(ctx.get(), part.data(), part.size()) != 1) {
      return E_FAIL;
    }
  }
  const int ok = EVP_DigestVerifyFinal(ctx.get(), signature.data(), signature.size());
  ERR_clear_error();
  return ok == 1 ? S_OK : DRT_E_INVALID_MESSAGE;
}

HRESULT crypto_suite::new_content_key(content_key& out) const {
  if (RAND_bytes(out.key.data(), static_cast<int>(out.key.size())) != 1 ||
      RAND_bytes(out.iv.data(), static_cast<int>(out.iv.size())) != 1) {
    return E_FAIL;
  }
  return S_OK;
}

HRESULT crypto_suite::wrap(EVP_PKEY* recipient, const content_key& ck,
                           std::vector<std::uint8_t>& keytoken) const {
  auto token = encode_keytoken(ck);
  struct wipe_token {
    std::array<std::uint8_t, keytoken_bytes>& t;
    ~wipe_token() { OPENSSL_cleanse(t.data(), t.size()); }
  } wipe{token};
  const key_profile profile = profile_of(recipient);
  if (profile == key_profile::o1) {
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, recipient, nullptr));
    if (!ctx) throw std::bad_alloc();
    if (EVP_PKEY_encrypt_init(ctx.get()) != 1) return E_FAIL;
    if (HRESULT hr = set_oaep(ctx.get(), sha_.get()); FAILED(hr)) return hr;
    std::size_t length = 0;
    if (EVP_PKEY_encrypt(ctx.get(), nullptr, &length, token.data(), token.size()) != 1) return E_FAIL;
    keytoken.resize(length);
    if (EVP_PKEY_encrypt(ctx.get(), keytoken.data(), &length, token.data(), token.size()) != 1) {
      return E_FAIL;
    }
    keytoken.resize(length);
    return S_OK;
  }
  if (profile != key_profile::o2) return DRT_E_INVALID_CERT_CHAIN;
  std::array<std::uint8_t, ec_point_bytes> recipient_point{};
  std::array<std::uint8_t, ec_point_bytes> ephemeral_point{};
  pkey_ptr ephemeral(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!ephemeral) return E_FAIL;
  if (!ec_public_point(recipient, recipient_point) || !ec_public_point(ephemeral.get(), ephemeral_point)) {
    return DRT_E_INVALID_CERT_CHAIN;
  }
  std::array<std::uint8_t, 32> z{};
  std::array<std::uint8_t, 32> kek{};
  std::array<std::uint8_t, gcm_iv_bytes> nonce{};
  HRESULT hr = ecdh(ephemeral.get(), recipient, z);
  if (SUCCEEDED(hr)) hr = hkdf(z, o2_info(ephemeral_point, recipient_point), kek);
  OPENSSL_cleanse(z.data(), z.size());
  if (SUCCEEDED(hr) && RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) hr = E_FAIL;
  std::vector<std::uint8_t> sealed;
  if (SUCCEEDED(hr)) hr = gcm(true, kek, nonce, token, sealed);
  OPENSSL_cleanse(kek.data(), kek.size());
  if (FAILED(hr)) return hr;
  keytoken.assign(ephemeral_point.begin(), ephemeral_point.end());
  keytoken.insert(keytoken.end(), nonce.begin(), nonce.end());
  keytoken.insert(keytoken.end(), sealed.begin(), sealed.end());
  return S_OK;
}

HRESULT crypto_suite::unwrap(EVP_PKEY* own_private, std::span<const std::uint8_t> keytoken,
                             content_key& out) const {
  std::vector<std::uint8_t> token;
  wipe_on_exit wipe{token};
  const key_profile profile = profile_of(own_private);
  if (profile == key_profile::o1) {
    if (keytoken.size() != static_cast<std::size_t>(EVP_PKEY_get_size(own_private))) {
      return DRT_E_INVALID_MESSAGE;
    }
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own_private, nullptr));
    if (!ctx) throw std::bad_alloc();
    if (EVP_PKEY_decrypt_init(ctx.get()) != 1) return E_FAIL;
    if (HRESULT hr = set_oaep(ctx.get(), sha_.get()); FAILED(hr)) return hr;
    std::size_t length = keytoken.size();
    token.resize(length);
    const int ok = EVP_PKEY_decrypt(ctx.get(), token.data(), &length, keytoken.data(), keytoken.size());
    ERR_clear_error();
    if (ok != 1) return DRT_E_INVALID_MESSAGE;
    token.resize(length);
  } else if (profile == key_profile::o2) {
    if (keytoken.size() != o2_keytoken_wrap_bytes) return DRT_E_INVALID_MESSAGE;
    const auto ephemeral_point = keytoken.first(ec_point_bytes);
    const auto nonce = keytoken.subspan(ec_point_bytes, gcm_iv_bytes);
    const auto sealed = keytoken.subspan(ec_point_bytes + gcm_iv_bytes);
    std::array<std::uint8_t, ec_point_bytes> own_point{};
    if (!ec_public_point(own_private, own_point)) return E_FAIL;
    pkey_ptr ephemeral = ec_key_from_point(ephemeral_point);
    if (!ephemeral) return DRT_E_INVALID_MESSAGE;
    std::array<std::uint8_t, 32> z{};
    std::array<std::uint8_t, 32> kek{};
    HRESULT hr = ecdh(own_private, ephemeral.get(), z);
    if (SUCCEEDED(hr)) hr = hkdf(z, o2_info(ephemeral_point, own_point), kek);
    OPENSSL_cleanse(z.data(), z.size());
    if (SUCCEEDED(hr)) hr = gcm(false, kek, nonce, sealed, token);
    OPENSSL_cleanse(kek.data(), kek.size());
    if (FAILED(hr)) return hr;
  } else {
    return E_FAIL;
  }
  return decode_keytoken(token, out) ? S_OK : DRT_E_INVALID_MESSAGE;
}

HRESULT crypto_suite::seal(const content_key& ck, std::uint32_t index,
                           std::span<const std::uint8_t> plain, std::vector<std::uint8_t>& out) const {
  auto nonce = ck.iv;
  for (int i = 0; i < 4; ++i) nonce[8 + i] ^= static_cast<std::uint8_t>(index >> (24 - 8 * i));
  return gcm(true, ck.key, nonce, plain, out);
}

HRESULT crypto_suite::open(const content_key& ck, std::uint32_t index,
                           std::span<const std::uint8_t> sealed,
                           std::vector<std::uint8_t>& plain_out) const {
  auto nonce = ck.iv;
  for (int i = 0; i < 4; ++i) nonce[8 + i] ^= static_cast<std::uint8_t>(index >> (24 - 8 * i));
  return gcm(false, ck.key, nonce, sealed, plain_out);
}

HRESULT crypto_suite::gcm(bool encrypt, std::span<const std::uint8_t> key,
                          std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> in,
                          std::vector<std::uint8_t>& out) const {
  if (!fits_int(in.size())) return DRT_E_INVALID_MESSAGE;
  if (!encrypt && in.size() < gcm_tag_bytes) return DRT_E_INVALID_MESSAGE;
  const std::size_t body = encrypt ? in.size() : in.size() - gcm_tag_bytes;
  cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw std::bad_alloc();
  if (EVP_CipherInit_ex2(ctx.get(), gcm_.get(), key.data(), nonce.data(), encrypt ? 1 : 0,
                         nullptr) != 1) {
    return E_FAIL;
  }
  out.assign(encrypt ? body + gcm_tag_bytes : body, 0);
  int written = 0;
  if (body > 0 && EVP_CipherUpdate(ctx.get(), out.data(), &written, in.data(),
                                   static_cast<int>(body)) != 1) {
    return E_FAIL;
  }
  if (!encrypt) {
    std::array<std::uint8_t, gcm_tag_bytes> tag{};
    std::copy(in.end() - gcm_tag_bytes, in.end(), tag.begin());
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag.size()),
                            tag.data()) != 1) {
      return E_FAIL;
    }
  }
  int final_bytes = 0;
  std::uint8_t scratch[16];
  const int ok = EVP_CipherFinal_ex(ctx.get(), body > 0 ? out.data() + written : scratch, &final_bytes);
  ERR_clear_error();
  if (ok != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    out.clear();
    return encrypt ? E_FAIL : DRT_E_INVALID_MESSAGE;
  }
  if (encrypt && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(gcm_tag_bytes),
                                     out.data() + body) != 1) {
    return E_FAIL;
  }
  return S_OK;
}

HRESULT crypto_suite::hkdf(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> info,
                           std::span<std::uint8_t> out) const {
  kdf_ctx_ptr ctx(EVP_KDF_CTX_new(hkdf_.get()));
  if (!ctx) throw std::bad_alloc();
  char digest[] = "SHA256";
  // No salt parameter: RFC 5869 then uses HashLen zero bytes, the same HMAC key as an empty salt.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(ikm.data()),
                                        ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(info.data()),
                                        info.size()),
      OSSL_PARAM_construct_end()};
  return EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1 ? S_OK : E_FAIL;
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
  if (std::any_of(token.begin() + 1, token.begin() + 8, [](std::uint8_t b) { return b != 0; })) {
    return false;
  }
  if (!std::equal(std::begin(keytoken_magic), std::end(keytoken_magic), token.begin() + 20)) {
    return false;
  }
  std::copy(token.begin() + 8, token.begin() + 20, out.iv.begin());
  std::copy(token.begin() + 32, token.end(), out.key.begin());
  return true;
}

bool ec_public_point(EVP_PKEY* key, std::array<std::uint8_t, ec_point_bytes>& out) {
  std::size_t length = 0;
  const int ok = EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(),
                                                 out.size(), &length);
  ERR_clear_error();
  return ok == 1 && length == ec_point_bytes && out[0] == 0x04;
}

}  // namespace drt::plugins::openssl
