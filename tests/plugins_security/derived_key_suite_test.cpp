// Derived-key suite, part 1: creation, attach, keys, proofs of ownership (CPA).
#include "derived_key_suite.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>

namespace drt::tests {
namespace {

const bytes nonce_a = from_hex("000102030405060708090A0B0C0D0E0F");
const bytes nonce_b = from_hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF");
const bytes payload = {'p', 'a', 'y', 'l', 'o', 'a', 'd'};

std::vector<setting> root_and(const identity& local) {
  return {{"root_cert", cert_pem_bytes(pki().root), ""}, {"local_cert", pem_of(local, true), ""}};
}

// ---- Create (api.md §5.6.1) --------------------------------------------------------------------

TEST_P(DerivedKeySuite, CreatesWithRootOnly) {
  HRESULT hr = E_FAIL;
  auto p = create({{"root_cert", cert_der_bytes(pki().root), ""}}, hr);
  EXPECT_EQ(hr, S_OK);
  ASSERT_TRUE(p);
  EXPECT_NE(p->ValidateAndUnpackPayload, nullptr);
  EXPECT_NE(p->EncryptData, nullptr);
  EXPECT_NE(p->VerifyData, nullptr);
}

TEST_P(DerivedKeySuite, CreatesFromDerCertificateAndSeparateDerKey) {
  HRESULT hr = E_FAIL;
  auto p = create({{"root_cert", cert_der_bytes(pki().root), ""},
                   {"local_cert", cert_der_bytes(me()), ""},
                   {"local_key", key_der_bytes(me()), ""}},
                  hr);
  EXPECT_EQ(hr, S_OK);
}

TEST_P(DerivedKeySuite, CreatesFromFilesRelativeToBaseDirectory) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("drt-dk-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                    derived_key_param_name({GetParam(), 0}));
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const bytes& b) {
    std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                                      static_cast<std::streamsize>(b.size()));
  };
  write("root.pem", cert_pem_bytes(pki().root));
  write("node.pem", cert_pem_bytes(me()));
  write("node.key", pem_of(me(), true));  // certificate and key: the key file may hold both
  HRESULT hr = E_FAIL;
  std::string detail;
  auto p = create({{"root_cert", {}, "root.pem"}, {"local_cert", {}, "node.pem"}, {"local_key", {}, "node.key"}},
                  hr, &detail, dir.c_str());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(hr, S_OK) << detail;
}

TEST_P(DerivedKeySuite, RejectsMissingFileAsConfigInvalid) {
  HRESULT hr = E_FAIL;
  std::string detail;
  auto p = create({{"root_cert", {}, "/nonexistent/opendrt/root.pem"}}, hr, &detail);
  EXPECT_EQ(hr, DRT_E_CONFIG_INVALID);
  EXPECT_NE(detail.find("root.pem"), std::string::npos) << detail;
}

TEST_P(DerivedKeySuite, RequiresRootCert) {
  HRESULT hr = E_FAIL;
  auto p = create({{"local_cert", pem_of(me(), true), ""}}, hr);
  EXPECT_EQ(hr, E_INVALIDARG);
}

TEST_P(DerivedKeySuite, RejectsUnknownSettingWithDetail) {
  HRESULT hr = E_FAIL;
  std::string detail;
  auto p = create({{"root_cert", cert_pem_bytes(pki().root), ""}, {"options.curve", {1}, ""}}, hr, &detail);
  EXPECT_EQ(hr, DRT_E_CONFIG_INVALID);
  EXPECT_NE(detail.find("options.curve"), std::string::npos) << detail;
}

TEST_P(DerivedKeySuite, RejectsRootThatIsNotExactlyOneCertificate) {
  HRESULT hr = E_FAIL;
  auto two = create({{"root_cert", pem_of(pki().root, false, {&pki().other_root}), ""}}, hr);
  EXPECT_EQ(hr, DRT_E_INVALID_CERT_CHAIN);
  auto garbage = create({{"root_cert", bytes{0x30, 0x03, 0x02, 0x01, 0x01}, ""}}, hr);
  EXPECT_EQ(hr, DRT_E_INVALID_CERT_CHAIN);
  bytes truncated = cert_der_bytes(pki().root);
  truncated.resize(truncated.size() / 2);
  auto half = create({{"root_cert", truncated, ""}}, hr);
  EXPECT_EQ(hr, DRT_E_INVALID_CERT_CHAIN);
}

TEST_P(DerivedKeySuite, RejectsLocalCertificateOfAnotherRoot) {
  HRESULT hr = E_FAIL;
  auto p = create(root_and(pki().strangers[index_of(GetParam().me)]), hr);
  EXPECT_EQ(hr, DRT_E_INVALID_CERT_CHAIN);
}

TEST_P(DerivedKeySuite, RejectsExpiredLocalCertificate) {
  HRESULT hr = E_FAIL;
  auto p = create(root_and(pki().expired[index_of(GetParam().me)]), hr);
  EXPECT_EQ(hr, DRT_E_INVALID_CERT_CHAIN);
}

TEST_P(DerivedKeySuite, RejectsLocalCertificateWithoutPrivateKey) {
  HRESULT hr = E_FAIL;
  auto p = create({{"root_cert", cert_pem_bytes(pki().root), ""}, {"local_cert", cert_pem_bytes(me()), ""}}, hr);
  EXPECT_EQ(hr, DRT_E_CAPABILITY_MISMATCH);
}

TEST_P(DerivedKeySuite, RejectsPrivateKeyOfAnotherCertificate) {
  bytes local = cert_pem_bytes(me());
  // The second node of the same profile: its PEM holds its certificate too; keep the key block.
  const bytes other_key = pem_of(pki().nodes[index_of(GetParam().me)][1], true);
  const std::string text(other_key.begin(), other_key.end());
  const std::string key_block = text.substr(text.find("-----BEGIN PRIVATE KEY"));
  local.insert(local.end(), key_block.begin(), key_block.end());
  HRESULT hr = E_FAIL;
  auto p = create({{"root_cert", cert_pem_bytes(pki().root), ""}, {"local_cert", local, ""}}, hr);
  EXPECT_EQ(hr, DRT_E_CAPABILITY_MISMATCH);
}

TEST_P(DerivedKeySuite, RejectsLocalKeyOutsideBothProfiles) {
  HRESULT hr = E_FAIL;
  auto p = create(root_and(pki().p384), hr);
  EXPECT_EQ(hr, DRT_E_CAPABILITY_MISMATCH);
}

TEST_P(DerivedKeySuite, AcceptsRsaModuliFrom2048To4096Only) {
  HRESULT hr = E_FAIL;
  auto small = create(root_and(pki().rsa1024), hr);
  EXPECT_EQ(hr, DRT_E_CAPABILITY_MISMATCH);
  auto large = create(root_and(pki().rsa3072), hr);
  ASSERT_EQ(hr, S_OK);
  ASSERT_EQ(large->Attach(large->pvContext), S_OK);
  auto theirs = attached_peer();
  const secured s = secure(*large, derived_key_api(pki().rsa3072), payload, nonce_a);
  ASSERT_EQ(s.hr, S_OK);
  EXPECT_EQ(s.cpa[1] | (s.cpa[2] << 8), 2 + 384);  // a 3072-bit signature
  EXPECT_EQ(validate(*theirs, s.cpa, s.chain, nonce_a, s.payload).hr, S_OK);
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&pki().rsa1024})), DRT_E_INVALID_CERT_CHAIN);
}

TEST_P(DerivedKeySuite, RejectsChainsThroughAWeakIntermediate) {
  HRESULT hr = E_FAIL;
  auto p = create({{"root_cert", cert_pem_bytes(pki().root), ""},
                   {"local_cert", pem_of(pki().via_weak, true, {&pki().weak_intermediate}), ""}},
                  hr);
  EXPECT_EQ(hr, DRT_E_INVALID_CERT_CHAIN);
  auto theirs = attached_peer();
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&pki().via_weak, &pki().weak_intermediate})),
            DRT_E_INVALID_CERT_CHAIN);
}

TEST_P(DerivedKeySuite, AcceptsLocalChainThroughAnIntermediate) {
  HRESULT hr = E_FAIL;
  auto p = create({{"root_cert", cert_pem_bytes(pki().root), ""},
                   {"local_cert", pem_of(pki().via_intermediate, true, {&pki().intermediate}), ""}},
                  hr);
  ASSERT_EQ(hr, S_OK);
  ASSERT_EQ(p->Attach(p->pvContext), S_OK);
  auto observer = attached(nullptr);
  const bytes key = derived_key_api(pki().via_intermediate);
  const secured s = secure(*p, key, payload, nonce_a);
  ASSERT_EQ(s.hr, S_OK);
  EXPECT_EQ(validate(*observer, s.cpa, s.chain, nonce_a, s.payload).hr, S_OK);
}

// ---- Attach, RegisterKey --------------------------------------------------------------------

TEST_P(DerivedKeySuite, SecondAttachIsInUse) {
  auto p = attached_me();
  EXPECT_EQ(p->Attach(p->pvContext), DRT_E_SECURITYPROVIDER_IN_USE);
  p->Detach(p->pvContext);
  EXPECT_EQ(p->Attach(p->pvContext), S_OK);
}

TEST_P(DerivedKeySuite, ACopyOfTheTableSharesTheAttachment) {
  auto p = attached_me();
  const DRT_SECURITY_PROVIDER copy = *p;
  EXPECT_EQ(copy.Attach(copy.pvContext), DRT_E_SECURITYPROVIDER_IN_USE);
}

TEST_P(DerivedKeySuite, RacingAttachesSucceedExactlyOnce) {
  HRESULT hr = E_FAIL;
  auto p = create(root_and(me()), hr);
  ASSERT_EQ(hr, S_OK);
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (p->Attach(p->pvContext) == S_OK) ++successes;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(successes.load(), 1);
}

TEST_P(DerivedKeySuite, CallsBeforeAttachAreRefused) {
  HRESULT hr = E_FAIL;
  auto p = create(root_and(me()), hr);
  ASSERT_EQ(hr, S_OK);
  bytes key = derived_key_api(me());
  DRT_REGISTRATION reg{data_of(key), {}};
  EXPECT_EQ(p->RegisterKey(p->pvContext, &reg, nullptr), DRT_E_SECURITYPROVIDER_NOT_ATTACHED);
  EXPECT_EQ(credential_of(*p, &hr).size(), 0u);
  EXPECT_EQ(hr, DRT_E_SECURITYPROVIDER_NOT_ATTACHED);
}

TEST_P(DerivedKeySuite, RegistersOnlyTheDerivedKey) {
  auto p = attached_me();
  bytes key = derived_key_api(me());
  DRT_REGISTRATION reg{data_of(key), {}};
  EXPECT_EQ(p->RegisterKey(p->pvContext, &reg, nullptr), S_OK);
  EXPECT_EQ(p->UnregisterKey(p->pvContext, &reg.key, nullptr), S_OK);
  key[0] ^= 1;
  EXPECT_EQ(p->RegisterKey(p->pvContext, &reg, nullptr), DRT_E_INVALID_KEY);
  bytes reversed = derived_key_api(me());
  std::reverse(reversed.begin(), reversed.end());  // wire order is not API order
  DRT_REGISTRATION wrong_order{data_of(reversed), {}};
  EXPECT_EQ(p->RegisterKey(p->pvContext, &wrong_order, nullptr), DRT_E_INVALID_KEY);
  bytes short_key(31, 0);
  DRT_REGISTRATION bad{data_of(short_key), {}};
  EXPECT_EQ(p->RegisterKey(p->pvContext, &bad, nullptr), E_INVALIDARG);
}

TEST_P(DerivedKeySuite, WithoutLocalCertificateRegistersNothing) {
  auto p = attached(nullptr);
  bytes key = derived_key_api(me());
  DRT_REGISTRATION reg{data_of(key), {}};
  EXPECT_EQ(p->RegisterKey(p->pvContext, &reg, nullptr), DRT_E_CAPABILITY_MISMATCH);
  EXPECT_EQ(secure(*p, key, payload, nonce_a).hr, DRT_E_CAPABILITY_MISMATCH);
  HRESULT hr = S_OK;
  EXPECT_TRUE(credential_of(*p, &hr).empty());
  EXPECT_EQ(hr, DRT_E_CAPABILITY_MISMATCH);
}

// ---- SecureAndPackPayload / ValidateAndUnpackPayload ------------------------------------------

TEST_P(DerivedKeySuite, ProofRoundTripsToAPeer) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  const bytes key = derived_key_api(me());
  const std::vector<sockaddr_in6> endpoints{ipv6("2001:db8::1", 3540), ipv6("fe80::2", 4000)};
  const secured s = secure(*mine, key, payload, nonce_a, 0, endpoints);
  ASSERT_EQ(s.hr, S_OK);
  EXPECT_EQ(s.payload, payload);  // the secured payload is the payload unchanged
  EXPECT_EQ(s.classifier.cb, 0u);
  EXPECT_EQ(s.classifier.pb, nullptr);
  ASSERT_FALSE(s.chain.empty());
  EXPECT_EQ(s.chain, credential_of(*mine));  // the chain is the credential
  const unpacked u = validate(*theirs, s.cpa, s.chain, nonce_a, s.payload);
  ASSERT_EQ(u.hr, S_OK);
  EXPECT_EQ(u.major, 1);
  EXPECT_EQ(u.minor, 0);
  EXPECT_EQ(u.key, key);
  EXPECT_EQ(u.payload, payload);
  EXPECT_EQ(u.flags, 0u);
  ASSERT_EQ(u.addresses.size(), 2u);
  EXPECT_EQ(std::memcmp(&u.addresses[0].sin6_addr, &endpoints[0].sin6_addr, 16), 0);
  EXPECT_EQ(u.addresses[1].sin6_port, endpoints[1].sin6_port);
  EXPECT_EQ(u.addresses[1].sin6_scope_id, 0u);
  ASSERT_FALSE(u.public_key_is_null);
  if (GetParam().me == key_type::rsa) {
    EXPECT_EQ(u.public_key_oid, "1.2.840.113549.1.1.1");
    EXPECT_EQ(u.public_key_parameters, (bytes{0x05, 0x00}));
    EXPECT_EQ(u.public_key[0], 0x30);  // DER RSAPublicKey
  } else {
    EXPECT_EQ(u.public_key_oid, "1.2.840.10045.2.1");
    EXPECT_EQ(u.public_key_parameters, from_hex("06082A8648CE3D030107"));
    ASSERT_EQ(u.public_key.size(), 65u);
    EXPECT_EQ(u.public_key[0], 0x04);
  }
}

TEST_P(DerivedKeySuite, ProofCarriesTheProfileOfTheSignersKey) {
  auto mine = attached_me();
  const secured s = secure(*mine, derived_key_api(me()), payload, nonce_a);
  ASSERT_EQ(s.hr, S_OK);
  const std::size_t signature_length = s.cpa[1] | (s.cpa[2] << 8);
  ASSERT_GT(s.cpa.size(), 1 + signature_length + 4);
  EXPECT_EQ(s.cpa[0], 0);
  EXPECT_EQ(s.cpa[1 + signature_length + 2], 0x4F);
  EXPECT_EQ(s.cpa[1 + signature_length + 3], GetParam().me == key_type::rsa ? 0x01 : 0x02);
  if (GetParam().me == key_type::rsa) {
    EXPECT_EQ(signature_length, 2u + 256u);  // RSA-2048
  }
}

TEST_P(DerivedKeySuite, RevocationRoundTripsWithZeroNonce) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  const secured s = secure(*mine, derived_key_api(me()), {}, {}, DRT_PAYLOAD_REVOKED);
  ASSERT_EQ(s.hr, S_OK);
  EXPECT_TRUE(s.payload.empty());
  const unpacked u = validate(*theirs, s.cpa, s.chain, {}, {});
  ASSERT_EQ(u.hr, S_OK);
  EXPECT_EQ(u.flags, static_cast<std::uint32_t>(DRT_PAYLOAD_REVOKED));
  EXPECT_EQ(validate(*theirs, s.cpa, s.chain, nonce_a, {}).hr, DRT_E_INVALID_MESSAGE);
}

TEST_P(DerivedKeySuite, RejectsReplayUnderAnotherNonce) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  const secured s = secure(*mine, derived_key_api(me()), payload, nonce_a);
  EXPECT_EQ(validate(*theirs, s.cpa, s.chain, nonce_b, s.payload).hr, DRT_E_INVALID_MESSAGE);
  EXPECT_EQ(validate(*theirs, s.cpa, s.chain, {}, s.payload).hr, DRT_E_INVALID_MESSAGE);
  bytes long_nonce = nonce_a;
  long_nonce.push_back(0);  // a nonce is 16 bytes: anything else is an argument error
  EXPECT_EQ(validate(*theirs, s.cpa, s.chain, long_nonce, s.payload).hr, E_INVALIDARG);
}

TEST_P(DerivedKeySuite, RejectsTamperedSignatureAndSignedBytes) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  const secured s = secure(*mine, derived_key_api(me()), payload, nonce_a);
  ASSERT_EQ(s.hr, S_OK);
  bytes bad_sig = s.cpa;
  bad_sig[3 + 10] ^= 0x01;  // inside the signature
  EXPECT_NE(validate(*theirs, bad_sig, s.chain, nonce_a, s.payload).hr, S_OK);
  bytes bad_flags = s.cpa;
  bad_flags[bad_flags.size() - 33] ^= 0x80;  // the flags word, signed
  EXPECT_EQ(validate(*theirs, bad_flags, s.chain, nonce_a, s.payload).hr, DRT_E_INVALID_MESSAGE);
}

TEST_P(DerivedKeySuite, RejectsPayloadThatDoesNotMatchItsHash) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  const secured s = secure(*mine, derived_key_api(me()), payload, nonce_a);
  bytes other = payload;
  other.back() ^= 1;
  EXPECT_EQ(validate(*theirs, s.cpa, s.chain, nonce_a, other).hr, DRT_E_INVALID_MESSAGE);
}

TEST_P(DerivedKeySuite, RejectsProofWithoutChainOrWithAnotherNodesChain) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  const secured s = secure(*mine, derived_key_api(me()), payload, nonce_a);
  EXPECT_EQ(validate(*theirs, s.cpa, {}, nonce_a, s.payload).hr, DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate(*theirs, s.cpa, credential_of(*theirs), nonce_a, s.payload).hr, DRT_E_INVALID_KEY);
}

TEST_P(DerivedKeySuite, RejectsProofUnderAnotherRoot) {
  auto mine = attached_me();
  const secured s = secure(*mine, derived_key_api(me()), payload, nonce_a);
  HRESULT hr = E_FAIL;
  auto elsewhere = create({{"root_cert", cert_pem_bytes(pki().other_root), ""}}, hr);
  ASSERT_EQ(hr, S_OK);
  ASSERT_EQ(elsewhere->Attach(elsewhere->pvContext), S_OK);
  EXPECT_EQ(validate(*elsewhere, s.cpa, s.chain, nonce_a, s.payload).hr, DRT_E_INVALID_CERT_CHAIN);
}

TEST_P(DerivedKeySuite, RejectsExpiredRemoteChain) {
  auto theirs = attached_peer();
  const identity& expired = pki().expired[index_of(GetParam().me)];
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&expired})), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&pki().future})), DRT_E_INVALID_CERT_CHAIN);
  auto mine = attached_me();
  const secured s = secure(*mine, derived_key_api(me()), payload, nonce_a);
  EXPECT_EQ(validate(*theirs, s.cpa, pkcs7_of({&expired}), nonce_a, s.payload).hr, DRT_E_INVALID_CERT_CHAIN);
}

TEST_P(DerivedKeySuite, RejectsEveryTruncationAndTrailingBytes) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  const secured s = secure(*mine, derived_key_api(me()), payload, nonce_a);
  ASSERT_EQ(s.hr, S_OK);
  for (std::size_t n = 0; n < s.cpa.size(); ++n) {
    const bytes cut(s.cpa.begin(), s.cpa.begin() + static_cast<std::ptrdiff_t>(n));
    const HRESULT hr = validate(*theirs, cut, s.chain, nonce_a, s.payload).hr;
    EXPECT_TRUE(n == 0 ? hr == E_INVALIDARG || hr == DRT_E_INVALID_MESSAGE : hr == DRT_E_INVALID_MESSAGE)
        << "length " << n << " gave 0x" << std::hex << hr;
  }
  bytes longer = s.cpa;
  longer.push_back(0);
  EXPECT_EQ(validate(*theirs, longer, s.chain, nonce_a, s.payload).hr, DRT_E_INVALID_MESSAGE);
}

TEST_P(DerivedKeySuite, RefusesToProveAKeyOtherThanTheDerivedOne) {
  auto mine = attached_me();
  bytes key = derived_key_api(me());
  key[31] ^= 0x40;
  const secured s = secure(*mine, key, payload, nonce_a);
  EXPECT_EQ(s.hr, DRT_E_INVALID_KEY);
  EXPECT_TRUE(s.cpa.empty());
  EXPECT_TRUE(s.chain.empty());
}

TEST_P(DerivedKeySuite, ValidationOutputsAreEmptyOnFailure) {
  auto theirs = attached_peer();
  const unpacked u = validate(*theirs, bytes(120, 0), credential_of(*theirs), nonce_a, {});
  EXPECT_NE(u.hr, S_OK);
  EXPECT_TRUE(u.key.empty());
  EXPECT_TRUE(u.payload.empty());
  EXPECT_TRUE(u.public_key_is_null);
  EXPECT_TRUE(u.addresses.empty());
}

}  // namespace
}  // namespace drt::tests
