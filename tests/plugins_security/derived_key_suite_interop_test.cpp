// Derived-key suite, part 3: the bytes docs/security.md fixes for every implementation,
// re-derived here independently with OpenSSL primitives: the credential layout, the CPA size
// and signature scheme, and the keytoken wraps and buffer encryption.
#include "derived_key_suite.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <string>

namespace drt::tests {
namespace {

bytes der_length(std::size_t n) {
  if (n < 0x80) return {static_cast<std::uint8_t>(n)};
  bytes digits;
  for (; n != 0; n >>= 8) digits.insert(digits.begin(), static_cast<std::uint8_t>(n));
  digits.insert(digits.begin(), static_cast<std::uint8_t>(0x80 | digits.size()));
  return digits;
}

bytes tlv(std::uint8_t tag, const bytes& content) {
  bytes out{tag};
  const bytes l = der_length(content.size());
  out.insert(out.end(), l.begin(), l.end());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST_P(DerivedKeySuite, CredentialIsTheCrl2pkcs7Layout) {
  HRESULT hr = E_FAIL;
  auto p = create({{"root_cert", cert_pem_bytes(pki().root), ""},
                   {"local_cert", pem_of(pki().via_intermediate, true, {&pki().root, &pki().intermediate}), ""}},
                  hr);
  ASSERT_EQ(hr, S_OK);
  ASSERT_EQ(p->Attach(p->pvContext), S_OK);
  const bytes signed_data = cat({from_hex("020101"), from_hex("3100"), from_hex("300B06092A864886F70D010701"),
                                 tlv(0xA0, cat({cert_der_bytes(pki().via_intermediate), cert_der_bytes(pki().intermediate)})),
                                 from_hex("3100")});
  const bytes expected = tlv(0x30, cat({from_hex("06092A864886F70D010702"), tlv(0xA0, tlv(0x30, signed_data))}));
  EXPECT_EQ(credential_of(*p), expected);  // leaf, then intermediates; the root left out
}

TEST_P(DerivedKeySuite, CpaSizeAndSignatureFollowTheProfile) {
  auto mine = attached_me();
  const secured s = secure(*mine, derived_key_api(me()), {'x'}, bytes(16, 1));
  ASSERT_EQ(s.hr, S_OK);
  const std::size_t sig_len = (s.cpa[1] | (s.cpa[2] << 8)) - 2u;
  const bytes signature(s.cpa.begin() + 3, s.cpa.begin() + 3 + static_cast<std::ptrdiff_t>(sig_len));
  const bytes signed_part(s.cpa.begin() + 3 + static_cast<std::ptrdiff_t>(sig_len), s.cpa.end());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_NE(ctx, nullptr);
  if (GetParam().me == key_type::rsa) {
    EXPECT_EQ(s.cpa.size(), 653u);  // docs/security.md: 653 + 18·m for RSA-2048
    // Deterministic: an independent RSASSA-PKCS1-v1_5/SHA-256 gives the same bytes.
    EVP_PKEY_CTX* pctx = nullptr;
    ASSERT_EQ(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, me().key.get()), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), 1);
    std::size_t n = 0;
    ASSERT_EQ(EVP_DigestSign(ctx, nullptr, &n, signed_part.data(), signed_part.size()), 1);
    bytes mine_sig(n);
    ASSERT_EQ(EVP_DigestSign(ctx, mine_sig.data(), &n, signed_part.data(), signed_part.size()), 1);
    EXPECT_EQ(mine_sig, signature);
  } else {
    EXPECT_GE(s.cpa.size(), 267u);
    EXPECT_LE(s.cpa.size(), 269u);
    ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(me().cert.get())), 1);
    EXPECT_EQ(EVP_DigestVerify(ctx, signature.data(), signature.size(), signed_part.data(), signed_part.size()), 1);
  }
  EVP_MD_CTX_free(ctx);
}

// The 64-byte keytoken from KEYTOKEN with the recipient's private key, done by hand.
bytes unwrap_by_hand(const identity& recipient, const bytes& token, bool rsa) {
  bytes out;
  if (rsa) {
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_pkey(nullptr, recipient.key.get(), nullptr);
    EVP_PKEY_decrypt_init(c);
    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING);
    EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256());
    EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256());
    std::size_t n = token.size();
    out.resize(n);
    if (EVP_PKEY_decrypt(c, out.data(), &n, token.data(), token.size()) != 1) n = 0;
    out.resize(n);
    EVP_PKEY_CTX_free(c);
    return out;
  }
  if (token.size() != 157) return {};
  const bytes ephemeral(token.begin(), token.begin() + 65), nonce(token.begin() + 65, token.begin() + 77);
  const bytes sealed(token.begin() + 77, token.end());
  // The ephemeral point as a key, via a DER SPKI: the fixed P-256 prefix, then the point.
  bytes spki = from_hex("3059301306072A8648CE3D020106082A8648CE3D030107034200");
  spki.insert(spki.end(), ephemeral.begin(), ephemeral.end());
  const unsigned char* p = spki.data();
  EVP_PKEY* eph = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  EVP_PKEY_CTX* d = EVP_PKEY_CTX_new_from_pkey(nullptr, recipient.key.get(), nullptr);
  bytes z(32);
  std::size_t zn = z.size();
  EVP_PKEY_derive_init(d);
  EVP_PKEY_derive_set_peer(d, eph);
  EVP_PKEY_derive(d, z.data(), &zn);
  EVP_PKEY_CTX_free(d);
  EVP_PKEY_free(eph);
  std::size_t own_len = 0;
  bytes own(65);
  EVP_PKEY_get_octet_string_param(recipient.key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, own.data(), own.size(), &own_len);
  const std::string label = "OpenDRT O2 keytoken";
  bytes info(label.begin(), label.end());
  info.insert(info.end(), ephemeral.begin(), ephemeral.end());
  info.insert(info.end(), own.begin(), own.end());
  bytes kek(32);
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* k = EVP_KDF_CTX_new(kdf);
  char md[] = "SHA256";
  unsigned char empty_salt[1] = {0};  // a zero-length salt: the spec's "salt = empty" (K9)
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, md, 0),
                         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z.data(), z.size()),
                         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, empty_salt, 0),
                         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
                         OSSL_PARAM_construct_end()};
  if (EVP_KDF_derive(k, kek.data(), kek.size(), params) != 1) ADD_FAILURE() << "HKDF";
  EVP_KDF_CTX_free(k);
  EVP_KDF_free(kdf);
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  out.resize(64);
  int n = 0, f = 0;
  EVP_DecryptInit_ex2(c, EVP_aes_256_gcm(), kek.data(), nonce.data(), nullptr);
  EVP_DecryptUpdate(c, out.data(), &n, sealed.data(), 64);
  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, const_cast<std::uint8_t*>(sealed.data() + 64));
  if (EVP_DecryptFinal_ex(c, out.data() + n, &f) != 1) out.clear();
  EVP_CIPHER_CTX_free(c);
  return out;
}

TEST_P(DerivedKeySuite, KeytokenAndBuffersOpenByHandAsDocumented) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  const std::vector<bytes> plain{{'o', 'n', 'e'}, {'t', 'w', 'o'}};
  std::vector<bytes> sealed;
  bytes token;
  ASSERT_EQ(encrypt(*mine, credential_of(*theirs), plain, sealed, token), S_OK);
  const bytes keytoken = unwrap_by_hand(peer(), token, GetParam().peer == key_type::rsa);
  ASSERT_EQ(keytoken.size(), 64u);
  EXPECT_EQ(bytes(keytoken.begin(), keytoken.begin() + 8), from_hex("0C00000000000000"));
  EXPECT_EQ(bytes(keytoken.begin() + 20, keytoken.begin() + 32), from_hex("4B44424D0100000020000000"));
  const bytes iv(keytoken.begin() + 8, keytoken.begin() + 20), key(keytoken.begin() + 32, keytoken.end());
  for (std::uint32_t i = 0; i < plain.size(); ++i) {
    bytes nonce = iv;
    for (int b = 0; b < 4; ++b) nonce[8 + b] ^= static_cast<std::uint8_t>(i >> (24 - 8 * b));
    EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
    bytes out(sealed[i].size() - 16);
    int n = 0, f = 0;
    EVP_DecryptInit_ex2(c, EVP_aes_256_gcm(), key.data(), nonce.data(), nullptr);
    EVP_DecryptUpdate(c, out.data(), &n, sealed[i].data(), static_cast<int>(out.size()));
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, sealed[i].data() + out.size());
    EXPECT_EQ(EVP_DecryptFinal_ex(c, out.data() + n, &f), 1) << "buffer " << i;
    EVP_CIPHER_CTX_free(c);
    EXPECT_EQ(out, plain[i]);
  }
}

}  // namespace
}  // namespace drt::tests
