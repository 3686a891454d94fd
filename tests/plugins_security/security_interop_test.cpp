// security-openssl and security-wolfssl loaded into one process (RTLD_LOCAL, as the core loads
// them) and talking to each other, both ways, for each pairing of O1/O2 (docs/security.md
// "wolfSSL"): proofs, credentials, signatures and encrypted buffers made by one plugin are
// accepted by the other, and every deterministic output is byte-identical.
#include "derived_key_suite.hpp"
#include "plugin_harness.hpp"

#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <utility>

namespace drt::tests {
namespace {

const std::string openssl_path = OPENDRT_TEST_PLUGIN_DIR "/drt-security-openssl.so";
const std::string wolfssl_path = OPENDRT_TEST_PLUGIN_DIR "/drt-security-wolfssl.so";

// The suite's parameter gives the two nodes' profiles; library_/factory_ are security-openssl.
class CrossPluginSuite : public DerivedKeySuite {
 protected:
  void SetUp() override {
    DerivedKeySuite::SetUp();
    if (HasFatalFailure()) return;
    wolf_ = std::make_unique<plugin_library>(wolfssl_path);
    ASSERT_TRUE(wolf_->loaded()) << wolf_->error();
    wolf_factory_ = wolf_->provider(DRT_PROVIDER_KIND_SECURITY, "derived-key");
    ASSERT_NE(wolf_factory_, nullptr);
    ossl_factory_ = factory_;
  }

  // An attached derived-key provider of the given plugin with the given local identity.
  provider_ptr attached_in(const DRT_PROVIDER_DESCRIPTOR* plugin, const identity& local) {
    factory_ = plugin;
    provider_ptr p = attached(&local);
    factory_ = ossl_factory_;
    return p;
  }

  // (sender plugin, receiver plugin): OpenSSL → wolfSSL, then wolfSSL → OpenSSL.
  [[nodiscard]] std::vector<std::pair<const DRT_PROVIDER_DESCRIPTOR*, const DRT_PROVIDER_DESCRIPTOR*>>
  directions() const {
    return {{ossl_factory_, wolf_factory_}, {wolf_factory_, ossl_factory_}};
  }
  [[nodiscard]] std::string name(const DRT_PROVIDER_DESCRIPTOR* f) const {
    return f == ossl_factory_ ? "openssl" : "wolfssl";
  }

  std::unique_ptr<plugin_library> wolf_;
  const DRT_PROVIDER_DESCRIPTOR* wolf_factory_ = nullptr;
  const DRT_PROVIDER_DESCRIPTOR* ossl_factory_ = nullptr;
};

TEST_P(CrossPluginSuite, ProofFromOnePluginValidatesInTheOther) {
  for (auto [from, to] : directions()) {
    SCOPED_TRACE(name(from) + " -> " + name(to));
    auto sender = attached_in(from, me());
    auto receiver = attached_in(to, peer());
    const bytes nonce(16, 0x5A);
    const bytes payload = {'p', 'a', 'y', 'l', 'o', 'a', 'd'};
    const secured s = secure(*sender, derived_key_api(me()), payload, nonce, 0, {ipv6("2001:db8::9", 3540)});
    ASSERT_EQ(s.hr, S_OK);
    const unpacked u = validate(*receiver, s.cpa, s.chain, nonce, s.payload);
    ASSERT_EQ(u.hr, S_OK);
    EXPECT_EQ(u.key, derived_key_api(me()));
    EXPECT_EQ(u.payload, payload);
    EXPECT_EQ(u.addresses.size(), 1u);
    // A tampered proof is refused by the other plugin too.
    bytes tampered = s.cpa;
    tampered.back() ^= 1;
    EXPECT_EQ(validate(*receiver, tampered, s.chain, nonce, s.payload).hr, DRT_E_INVALID_MESSAGE);
    // Revocation: no nonce, no payload.
    const secured r = secure(*sender, derived_key_api(me()), {}, {}, DRT_PAYLOAD_REVOKED);
    ASSERT_EQ(r.hr, S_OK);
    const unpacked ur = validate(*receiver, r.cpa, r.chain, {}, {});
    EXPECT_EQ(ur.hr, S_OK);
    EXPECT_EQ(ur.flags, static_cast<std::uint32_t>(DRT_PAYLOAD_REVOKED));
  }
}

TEST_P(CrossPluginSuite, DeterministicOutputsAreByteIdentical) {
  auto ossl = attached_in(ossl_factory_, me());
  auto wolf = attached_in(wolf_factory_, me());
  // The credential (K6) and, for O1, the whole signed CPA (RSASSA-PKCS1-v1_5 is deterministic).
  EXPECT_EQ(credential_of(*ossl), credential_of(*wolf));
  const bytes nonce(16, 0x11);
  const secured a = secure(*ossl, derived_key_api(me()), {'x', 'y'}, nonce, 0, {ipv6("2001:db8::1", 1)});
  const secured b = secure(*wolf, derived_key_api(me()), {'x', 'y'}, nonce, 0, {ipv6("2001:db8::1", 1)});
  ASSERT_EQ(a.hr, S_OK);
  ASSERT_EQ(b.hr, S_OK);
  EXPECT_EQ(a.chain, b.chain);
  EXPECT_EQ(a.payload, b.payload);
  if (GetParam().me == key_type::rsa) {
    EXPECT_EQ(a.cpa, b.cpa);
    bytes id_a, sig_a, id_b, sig_b;
    ASSERT_EQ(sign(*ossl, {{1, 2, 3}, {}, {4}}, id_a, sig_a), S_OK);
    ASSERT_EQ(sign(*wolf, {{1, 2, 3}, {}, {4}}, id_b, sig_b), S_OK);
    EXPECT_EQ(id_a, id_b);
    EXPECT_EQ(sig_a, sig_b);
  } else {
    // ECDSA is randomised: everything after the signature is the same.
    const std::size_t sa = 3u + (a.cpa[1] | (a.cpa[2] << 8)) - 2u;
    const std::size_t sb = 3u + (b.cpa[1] | (b.cpa[2] << 8)) - 2u;
    ASSERT_LE(sa, a.cpa.size());
    ASSERT_LE(sb, b.cpa.size());
    EXPECT_EQ(bytes(a.cpa.begin() + static_cast<std::ptrdiff_t>(sa), a.cpa.end()),
              bytes(b.cpa.begin() + static_cast<std::ptrdiff_t>(sb), b.cpa.end()));
  }
}

TEST_P(CrossPluginSuite, CredentialFromOnePluginValidatesInTheOther) {
  for (auto [from, to] : directions()) {
    SCOPED_TRACE(name(from) + " -> " + name(to));
    auto sender = attached_in(from, me());
    auto receiver = attached_in(to, peer());
    EXPECT_EQ(validate_credential(*receiver, credential_of(*sender)), S_OK);
    EXPECT_EQ(validate_credential(*sender, credential_of(*receiver)), S_OK);
  }
}

TEST_P(CrossPluginSuite, SignaturesCrossVerify) {
  for (auto [from, to] : directions()) {
    SCOPED_TRACE(name(from) + " -> " + name(to));
    auto signer = attached_in(from, me());
    auto verifier = attached_in(to, peer());
    const std::vector<bytes> parts{{'a', 'b'}, {}, bytes(600, 0x42)};
    bytes id, sig;
    ASSERT_EQ(sign(*signer, parts, id, sig), S_OK);
    EXPECT_EQ(verify(*verifier, parts, credential_of(*signer), id, sig), S_OK);
    // Split differently: the same bytes verify (docs/security.md "SignData / VerifyData").
    // Built by copying into a sized vector: GCC 12 -O2 misreports insert() after a
    // two-byte initializer as out of bounds (-Warray-bounds).
    bytes joined(parts[0].size() + parts[2].size());
    std::copy(parts[0].begin(), parts[0].end(), joined.begin());
    std::copy(parts[2].begin(), parts[2].end(), joined.begin() + static_cast<std::ptrdiff_t>(parts[0].size()));
    EXPECT_EQ(verify(*verifier, {joined}, credential_of(*signer), id, sig), S_OK);
    sig[sig.size() / 2] ^= 0x01;
    EXPECT_EQ(verify(*verifier, parts, credential_of(*signer), id, sig), DRT_E_INVALID_MESSAGE);
  }
}

TEST_P(CrossPluginSuite, DataEncryptedByOneDecryptsInTheOther) {
  for (auto [from, to] : directions()) {
    SCOPED_TRACE(name(from) + " -> " + name(to));
    auto sender = attached_in(from, me());
    auto recipient = attached_in(to, peer());
    const std::vector<bytes> plain{{'s', 'e', 'c', 'r', 'e', 't'}, {}, bytes(5000, 0xC3)};
    std::vector<bytes> sealed;
    bytes token;
    ASSERT_EQ(encrypt(*sender, credential_of(*recipient), plain, sealed, token), S_OK);
    EXPECT_EQ(token.size(), GetParam().peer == key_type::rsa ? 256u : 157u);
    std::vector<bytes> buffers = sealed;
    ASSERT_EQ(decrypt(*recipient, token, buffers), S_OK);
    EXPECT_EQ(buffers, plain);
    // A flipped tag bit fails in the other plugin as well, leaving the buffers alone.
    std::vector<bytes> bad = sealed;
    bad[2].back() ^= 0x80;
    EXPECT_EQ(decrypt(*recipient, token, bad), DRT_E_INVALID_MESSAGE);
  }
}

TEST_P(CrossPluginSuite, TheSameCertificateGivesTheSameDerivedKey) {
  for (const identity* id : {&me(), &peer(), &pki().via_intermediate, &pki().rsa3072}) {
    bytes cert = cert_pem_bytes(*id);
    DRT_DATA in = data_of(cert);
    bytes a(32), b(32);
    DRT_DATA ka = data_of(a), kb = data_of(b);
    ASSERT_EQ(ossl_factory_->DeriveKey(&in, &ka), S_OK);
    ASSERT_EQ(wolf_factory_->DeriveKey(&in, &kb), S_OK);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, derived_key_api(*id));
    bytes der = cert_der_bytes(*id);
    DRT_DATA in_der = data_of(der);
    ASSERT_EQ(wolf_factory_->DeriveKey(&in_der, &kb), S_OK);
    EXPECT_EQ(b, derived_key_api(*id));
  }
  // Both refuse the same keys outside O1/O2.
  for (const identity* id : {&pki().p384, &pki().rsa1024}) {
    bytes cert = cert_pem_bytes(*id);
    DRT_DATA in = data_of(cert);
    bytes a(32), b(32);
    DRT_DATA ka = data_of(a), kb = data_of(b);
    EXPECT_EQ(ossl_factory_->DeriveKey(&in, &ka), DRT_E_CAPABILITY_MISMATCH);
    EXPECT_EQ(wolf_factory_->DeriveKey(&in, &kb), DRT_E_CAPABILITY_MISMATCH);
  }
}

TEST_P(CrossPluginSuite, BothRejectTheSameBadChains) {
  auto ossl = attached_in(ossl_factory_, me());
  auto wolf = attached_in(wolf_factory_, me());
  const std::vector<bytes> bad = {pkcs7_of({&pki().expired[0]}), pkcs7_of({&pki().expired[1]}),
                                  pkcs7_of({&pki().future}),     pkcs7_of({&pki().strangers[0]}),
                                  pkcs7_of({&pki().strangers[1]}), pkcs7_of({&pki().p384}),
                                  pkcs7_of({&pki().rsa1024}),    pkcs7_of({&pki().via_weak, &pki().weak_intermediate}),
                                  pkcs7_of({&pki().via_intermediate}), bytes{0x30, 0x00}};
  for (std::size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    EXPECT_EQ(validate_credential(*ossl, bad[i]), DRT_E_INVALID_CERT_CHAIN);
    EXPECT_EQ(validate_credential(*wolf, bad[i]), DRT_E_INVALID_CERT_CHAIN);
  }
  const bytes good = pkcs7_of({&pki().via_intermediate, &pki().intermediate});
  EXPECT_EQ(validate_credential(*ossl, good), S_OK);
  EXPECT_EQ(validate_credential(*wolf, good), S_OK);
}

// Single-byte changes of two credentials (a fixed pseudo-random sample of 800 each): both
// plugins give the same answer, and neither reads out of bounds (ASan builds run this too).
// This found the PKCS#7 details the wolfSSL plugin now judges as d2i_PKCS7 does.
TEST_P(CrossPluginSuite, BothJudgeMutatedCredentialsAlike) {
  auto ossl = attached_in(ossl_factory_, peer());
  auto wolf = attached_in(wolf_factory_, peer());
  const bytes inputs[] = {pkcs7_of({&me()}), pkcs7_of({&pki().intermediate, &pki().via_intermediate})};
  int accepted = 0;
  for (const bytes& good : inputs) {
    std::mt19937 random(static_cast<unsigned>(good.size()));
    for (int i = 0; i < 800; ++i) {
      bytes bad = good;
      const std::size_t at = random() % bad.size();
      bad[at] = static_cast<std::uint8_t>(bad[at] ^ (1u + random() % 255u));
      const HRESULT a = validate_credential(*ossl, bad);
      const HRESULT b = validate_credential(*wolf, bad);
      EXPECT_EQ(a, b) << "byte " << at << " of " << bad.size() << ": " << int(good[at]) << " -> "
                      << int(bad[at]);
      accepted += a == S_OK;
    }
  }
  RecordProperty("accepted", accepted);
}

// The same for proofs: single-byte changes of a signed CPA (its chain intact) and of a
// SignData signature get the same answer from both plugins.
TEST_P(CrossPluginSuite, BothJudgeMutatedProofsAndSignaturesAlike) {
  auto signer = attached_in(ossl_factory_, me());
  auto ossl = attached_in(ossl_factory_, peer());
  auto wolf = attached_in(wolf_factory_, peer());
  const bytes nonce(16, 0x77);
  const secured s = secure(*signer, derived_key_api(me()), {'p'}, nonce, 0, {ipv6("2001:db8::5", 9)});
  ASSERT_EQ(s.hr, S_OK);
  const std::vector<bytes> parts{bytes(100, 0x33)};
  bytes id, sig;
  ASSERT_EQ(sign(*signer, parts, id, sig), S_OK);
  std::mt19937 random(static_cast<unsigned>(s.cpa.size()));
  for (int i = 0; i < 600; ++i) {
    bytes cpa = s.cpa;
    const std::size_t at = random() % cpa.size();
    cpa[at] = static_cast<std::uint8_t>(cpa[at] ^ (1u + random() % 255u));
    EXPECT_EQ(validate(*ossl, cpa, s.chain, nonce, s.payload).hr, validate(*wolf, cpa, s.chain, nonce, s.payload).hr)
        << "CPA byte " << at;
    bytes bad = sig;
    const std::size_t sat = random() % bad.size();
    bad[sat] = static_cast<std::uint8_t>(bad[sat] ^ (1u + random() % 255u));
    EXPECT_EQ(verify(*ossl, parts, s.chain, id, bad), verify(*wolf, parts, s.chain, id, bad)) << "signature byte " << sat;
  }
}

// The private key in its type-specific PEM ("RSA PRIVATE KEY", or "EC PRIVATE KEY" as
// `openssl ecparam -genkey` writes it, K16), for EC optionally without the public point.
bytes type_specific_key_pem(EVP_PKEY* key, bool with_public_point) {
  EVP_PKEY* k = EVP_PKEY_dup(key);
  if (k == nullptr) return {};
  if (!with_public_point) EVP_PKEY_set_int_param(k, OSSL_PKEY_PARAM_EC_INCLUDE_PUBLIC, 0);
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_KEYPAIR, "PEM", "type-specific", nullptr);
  unsigned char* data = nullptr;
  std::size_t size = 0;
  bytes out;
  if (ctx != nullptr && OSSL_ENCODER_to_data(ctx, &data, &size) == 1) out.assign(data, data + size);
  OPENSSL_free(data);
  OSSL_ENCODER_CTX_free(ctx);
  EVP_PKEY_free(k);
  return out;
}

TEST_P(CrossPluginSuite, BothReadTypeSpecificPrivateKeys) {
  const bool ec = GetParam().me == key_type::ec;
  for (bool with_point : ec ? std::vector<bool>{true, false} : std::vector<bool>{true}) {
    SCOPED_TRACE(with_point ? "with public point" : "without public point");
    const bytes key_pem = type_specific_key_pem(me().key.get(), with_point);
    const std::string text(key_pem.begin(), key_pem.end());
    ASSERT_NE(text.find(ec ? "-----BEGIN EC PRIVATE KEY-----" : "-----BEGIN RSA PRIVATE KEY-----"), std::string::npos);
    bytes credentials[2];
    int i = 0;
    for (const DRT_PROVIDER_DESCRIPTOR* f : {ossl_factory_, wolf_factory_}) {
      factory_ = f;
      HRESULT hr = E_FAIL;
      std::string detail;
      auto p = create({{"root_cert", cert_pem_bytes(pki().root), ""},
                       {"local_cert", cert_pem_bytes(me()), ""},
                       {"local_key", key_pem, ""}},
                      hr, &detail);
      factory_ = ossl_factory_;
      ASSERT_EQ(hr, S_OK) << name(f) << ": " << detail;
      ASSERT_EQ(p->Attach(p->pvContext), S_OK);
      credentials[i++] = credential_of(*p);
      bytes id, sig;
      ASSERT_EQ(sign(*p, {{1, 2, 3}}, id, sig), S_OK);  // the key really is usable
    }
    EXPECT_EQ(credentials[0], credentials[1]);
  }
}

INSTANTIATE_TEST_SUITE_P(OpensslAndWolfssl, CrossPluginSuite, ::testing::ValuesIn(derived_key_params(openssl_path)),
                         derived_key_param_name);

// wolfSSL's own init count is not thread-safe on first use; the plugin serialises it
// (docs/security.md "wolfSSL plugin"). Providers made, used and deleted on several threads at
// once, with DeriveKey calls in between, all succeed.
TEST(WolfsslLibraryLifetime, ProvidersCreatedOnSeveralThreadsAtOnce) {
  plugin_library wolf(wolfssl_path);
  ASSERT_TRUE(wolf.loaded()) << wolf.error();
  const DRT_PROVIDER_DESCRIPTOR* f = wolf.provider(DRT_PROVIDER_KIND_SECURITY, "derived-key");
  ASSERT_NE(f, nullptr);
  bytes root = cert_pem_bytes(pki().root);
  bytes local = pem_of(pki().nodes[0][0], true);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        DRT_PROVIDER_PARAM params[2]{};
        params[0].pszName = "root_cert";
        params[0].eType = DRT_PARAM_BYTES;
        params[0].data = data_of(root);
        params[1].pszName = "local_cert";
        params[1].eType = DRT_PARAM_BYTES;
        params[1].data = data_of(local);
        const DRT_PROVIDER_CONFIG config{sizeof config, 2, params, nullptr, nullptr, 0};
        DRT_SECURITY_PROVIDER* p = nullptr;
        if (f->CreateSecurityProvider(&config, &p) != S_OK) {
          ++failures;
          continue;
        }
        DRT_DATA cert{static_cast<std::uint32_t>(local.size()), local.data()};
        bytes key(32);
        DRT_DATA k = data_of(key);
        if (f->DeriveKey(&cert, &k) != S_OK || key != derived_key_api(pki().nodes[0][0])) ++failures;
        f->DeleteSecurityProvider(p);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// The null providers write the same CPA and accept each other's.
TEST(CrossPluginNull, SameCpaBytesBothWays) {
  plugin_library ossl(openssl_path), wolf(wolfssl_path);
  ASSERT_TRUE(ossl.loaded()) << ossl.error();
  ASSERT_TRUE(wolf.loaded()) << wolf.error();
  const DRT_PROVIDER_DESCRIPTOR* fo = ossl.provider(DRT_PROVIDER_KIND_SECURITY, "null");
  const DRT_PROVIDER_DESCRIPTOR* fw = wolf.provider(DRT_PROVIDER_KIND_SECURITY, "null");
  ASSERT_NE(fo, nullptr);
  ASSERT_NE(fw, nullptr);
  DRT_SECURITY_PROVIDER *po = nullptr, *pw = nullptr;
  ASSERT_EQ(fo->CreateSecurityProvider(nullptr, &po), S_OK);
  ASSERT_EQ(fw->CreateSecurityProvider(nullptr, &pw), S_OK);
  ASSERT_EQ(po->Attach(po->pvContext), S_OK);
  ASSERT_EQ(pw->Attach(pw->pvContext), S_OK);
  pack_input in;
  in.key = bytes(32, 7);
  in.payload = {'h', 'i'};
  in.nonce = bytes(16, 3);
  in.addresses = {ipv6("2001:db8::2", 80)};
  const pack_output a = pack(*po, in), b = pack(*pw, in);
  ASSERT_EQ(a.hr, S_OK);
  ASSERT_EQ(b.hr, S_OK);
  EXPECT_EQ(a.cpa, b.cpa);
  EXPECT_EQ(unpack(*pw, a.cpa, in.nonce, in.payload).hr, S_OK);
  EXPECT_EQ(unpack(*po, b.cpa, in.nonce, in.payload).hr, S_OK);
  po->Detach(po->pvContext);
  pw->Detach(pw->pvContext);
  fo->DeleteSecurityProvider(po);
  fw->DeleteSecurityProvider(pw);
}

}  // namespace
}  // namespace drt::tests
