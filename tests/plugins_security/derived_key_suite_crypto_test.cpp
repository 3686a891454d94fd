// Derived-key suite, part 2: credentials, message signatures, confidential payloads,
// DeriveKey and FreeData.
#include "derived_key_suite.hpp"

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <algorithm>

namespace drt::tests {
namespace {

bool contains(const bytes& haystack, const bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

// ---- GetSerializedCredential / ValidateRemoteCredential --------------------------------------

TEST_P(DerivedKeySuite, CredentialIsPkcs7WithTheLeafFirst) {
  auto mine = attached_me();
  const bytes credential = credential_of(*mine);
  const unsigned char* p = credential.data();
  PKCS7* p7 = d2i_PKCS7(nullptr, &p, static_cast<long>(credential.size()));
  ASSERT_NE(p7, nullptr);
  EXPECT_EQ(p, credential.data() + credential.size());
  ASSERT_TRUE(PKCS7_type_is_signed(p7));
  ASSERT_EQ(sk_X509_num(p7->d.sign->cert), 1);  // the root is not sent
  EXPECT_EQ(X509_cmp(sk_X509_value(p7->d.sign->cert, 0), me().cert.get()), 0);
  EXPECT_EQ(sk_PKCS7_SIGNER_INFO_num(p7->d.sign->signer_info), 0);
  PKCS7_free(p7);
}

TEST_P(DerivedKeySuite, PeerAcceptsCredentialsFromEitherEncoder) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  EXPECT_EQ(validate_credential(*theirs, credential_of(*mine)), S_OK);
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&me()})), S_OK);
  // Order does not matter, the root may be included.
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&pki().root, &pki().intermediate, &pki().via_intermediate})), S_OK);
}

TEST_P(DerivedKeySuite, RejectsBadRemoteCredentials) {
  auto theirs = attached_peer();
  const int mine = index_of(GetParam().me);
  EXPECT_EQ(validate_credential(*theirs, {}), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate_credential(*theirs, bytes(64, 0x30)), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate_credential(*theirs, cert_der_bytes(me())), DRT_E_INVALID_CERT_CHAIN);  // not PKCS#7
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&pki().strangers[mine]})), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&pki().p384})), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&pki().root})), DRT_E_INVALID_CERT_CHAIN);  // not a node
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&pki().via_intermediate})), DRT_E_INVALID_CERT_CHAIN);
  // Two unrelated leaves: no single leaf.
  EXPECT_EQ(validate_credential(*theirs, pkcs7_of({&me(), &pki().nodes[mine][1]})), DRT_E_INVALID_CERT_CHAIN);
  const bytes good = pkcs7_of({&me()});
  for (std::size_t n = 1; n < good.size(); n += 7) {
    EXPECT_EQ(validate_credential(*theirs, bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n))),
              DRT_E_INVALID_CERT_CHAIN)
        << "length " << n;
  }
  bytes longer = good;
  longer.push_back(0);
  EXPECT_EQ(validate_credential(*theirs, longer), DRT_E_INVALID_CERT_CHAIN);
  // Larger than the largest message (37348 bytes) is refused before parsing.
  bytes huge = good;
  huge.resize(37349, 0);
  EXPECT_EQ(validate_credential(*theirs, huge), DRT_E_INVALID_CERT_CHAIN);
}

// ---- SignData / VerifyData -------------------------------------------------------------------

TEST_P(DerivedKeySuite, SignatureVerifiesOverTheConcatenation) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  bytes key_id, sig;
  ASSERT_EQ(sign(*mine, {{1, 2, 3}, {}, {4, 5}}, key_id, sig), S_OK);
  bytes wire = derived_key_api(me());
  std::reverse(wire.begin(), wire.end());
  EXPECT_EQ(key_id, wire);  // the key identifier is the derived key, wire order
  const bytes credential = credential_of(*mine);
  EXPECT_EQ(verify(*theirs, {{1, 2, 3}, {}, {4, 5}}, credential, key_id, sig), S_OK);
  EXPECT_EQ(verify(*theirs, {{1}, {2, 3, 4, 5}}, credential, key_id, sig), S_OK);
  if (GetParam().me == key_type::rsa) {
    bytes id2, sig2;
    ASSERT_EQ(sign(*mine, {{1, 2, 3, 4, 5}}, id2, sig2), S_OK);
    EXPECT_EQ(sig2, sig);  // RSASSA-PKCS1-v1_5 is deterministic (§5.6)
    EXPECT_EQ(sig.size(), 256u);
  }
}

TEST_P(DerivedKeySuite, RejectsTamperedSignatureDataOrKeyIdentifier) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  bytes key_id, sig;
  ASSERT_EQ(sign(*mine, {{9, 9, 9}}, key_id, sig), S_OK);
  const bytes credential = credential_of(*mine);
  bytes bad_sig = sig;
  bad_sig[bad_sig.size() / 2] ^= 0x10;
  EXPECT_EQ(verify(*theirs, {{9, 9, 9}}, credential, key_id, bad_sig), DRT_E_INVALID_MESSAGE);
  EXPECT_EQ(verify(*theirs, {{9, 9, 8}}, credential, key_id, sig), DRT_E_INVALID_MESSAGE);
  bytes bad_id = key_id;
  bad_id[0] ^= 1;
  EXPECT_EQ(verify(*theirs, {{9, 9, 9}}, credential, bad_id, sig), DRT_E_INVALID_MESSAGE);
  EXPECT_EQ(verify(*theirs, {{9, 9, 9}}, credential, key_id, {}), DRT_E_INVALID_MESSAGE);
  EXPECT_EQ(verify(*theirs, {{9, 9, 9}}, credential_of(*theirs), key_id, sig), DRT_E_INVALID_MESSAGE);
  EXPECT_EQ(verify(*theirs, {{9, 9, 9}}, pkcs7_of({&pki().strangers[0]}), key_id, sig), DRT_E_INVALID_CERT_CHAIN);
}

TEST_P(DerivedKeySuite, ObserverWithoutCertificateCannotSign) {
  auto observer = attached(nullptr);
  bytes key_id{1}, sig{1};
  EXPECT_EQ(sign(*observer, {{1}}, key_id, sig), DRT_E_CAPABILITY_MISMATCH);
  EXPECT_TRUE(key_id.empty());
  EXPECT_TRUE(sig.empty());
}

// ---- EncryptData / DecryptData ---------------------------------------------------------------

TEST_P(DerivedKeySuite, EncryptedBuffersDecryptAtTheRecipientOnly) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  const bytes secret = {'s', 'e', 'c', 'r', 'e', 't', '-', 'p', 'a', 'y', 'l', 'o', 'a', 'd'};
  const std::vector<bytes> plain{secret, {}, bytes(1000, 0xAB)};
  std::vector<bytes> sealed;
  bytes token;
  ASSERT_EQ(encrypt(*mine, credential_of(*theirs), plain, sealed, token), S_OK);
  ASSERT_EQ(sealed.size(), 3u);
  EXPECT_EQ(token.size(), GetParam().peer == key_type::rsa ? 256u : 157u);
  for (std::size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(sealed[i].size(), plain[i].size() + 16);
  EXPECT_FALSE(contains(sealed[0], secret));
  EXPECT_FALSE(contains(token, secret));
  std::vector<bytes> buffers = sealed;
  ASSERT_EQ(decrypt(*theirs, token, buffers), S_OK);
  EXPECT_EQ(buffers, plain);
  // The sender itself is not the recipient.
  std::vector<bytes> again = sealed;
  EXPECT_EQ(decrypt(*mine, token, again), DRT_E_INVALID_MESSAGE);
  EXPECT_EQ(again, sealed);
}

TEST_P(DerivedKeySuite, RejectsTamperedCiphertextKeytokenOrOrder) {
  auto mine = attached_me();
  auto theirs = attached_peer();
  std::vector<bytes> sealed;
  bytes token;
  ASSERT_EQ(encrypt(*mine, credential_of(*theirs), {{1, 2, 3}, {4, 5, 6}}, sealed, token), S_OK);
  std::vector<bytes> tampered = sealed;
  tampered[1][0] ^= 1;
  EXPECT_EQ(decrypt(*theirs, token, tampered), DRT_E_INVALID_MESSAGE);
  EXPECT_EQ(tampered[0], sealed[0]);  // nothing is overwritten on failure
  tampered = sealed;
  tampered[0].back() ^= 1;  // the tag
  EXPECT_EQ(decrypt(*theirs, token, tampered), DRT_E_INVALID_MESSAGE);
  std::vector<bytes> swapped{sealed[1], sealed[0]};  // nonces are bound to positions
  EXPECT_EQ(decrypt(*theirs, token, swapped), DRT_E_INVALID_MESSAGE);
  std::vector<bytes> short_buffer{bytes(15, 0)};
  EXPECT_EQ(decrypt(*theirs, token, short_buffer), DRT_E_INVALID_MESSAGE);
  bytes bad_token = token;
  bad_token[bad_token.size() - 1] ^= 1;
  tampered = sealed;
  EXPECT_EQ(decrypt(*theirs, bad_token, tampered), DRT_E_INVALID_MESSAGE);
  tampered = sealed;
  EXPECT_EQ(decrypt(*theirs, bytes(token.begin(), token.end() - 1), tampered), DRT_E_INVALID_MESSAGE);
  tampered = sealed;
  bytes longer_token = token;
  longer_token.push_back(0);
  EXPECT_EQ(decrypt(*theirs, longer_token, tampered), DRT_E_INVALID_MESSAGE);
  tampered = sealed;
  EXPECT_EQ(decrypt(*theirs, {}, tampered), DRT_E_INVALID_MESSAGE);
}

TEST_P(DerivedKeySuite, EncryptsOnlyToValidCredentials) {
  auto mine = attached_me();
  std::vector<bytes> sealed{{7}};
  bytes token{7};
  EXPECT_EQ(encrypt(*mine, pkcs7_of({&pki().strangers[index_of(GetParam().peer)]}), {{1}}, sealed, token),
            DRT_E_INVALID_CERT_CHAIN);
  EXPECT_TRUE(token.empty());
  ASSERT_EQ(sealed.size(), 1u);
  EXPECT_TRUE(sealed[0].empty());
}

// ---- DeriveKey (api.md §5.6.2) ----------------------------------------------------------------

TEST_P(DerivedKeySuite, DeriveKeyIsTheSpkiDigestInApiOrder) {
  ASSERT_NE(factory_->DeriveKey, nullptr);
  for (const bytes& input : {cert_pem_bytes(me()), cert_der_bytes(me()), pem_of(me(), true, {&pki().root})}) {
    bytes in = input;
    DRT_DATA cert = data_of(in);
    bytes key(32, 0);
    DRT_DATA out = data_of(key);
    ASSERT_EQ(factory_->DeriveKey(&cert, &out), S_OK);
    EXPECT_EQ(key, derived_key_api(me()));
  }
}

TEST_P(DerivedKeySuite, DeriveKeyRejectsBadInput) {
  bytes key(32, 0), short_key(31, 0);
  DRT_DATA out = data_of(key), short_out = data_of(short_key);
  bytes garbage{0x30, 0x02, 0x05, 0x00};
  DRT_DATA g = data_of(garbage);
  EXPECT_EQ(factory_->DeriveKey(&g, &out), DRT_E_INVALID_CERT_CHAIN);
  bytes p384 = cert_pem_bytes(pki().p384);
  DRT_DATA p = data_of(p384);
  EXPECT_EQ(factory_->DeriveKey(&p, &out), DRT_E_CAPABILITY_MISMATCH);
  bytes good = cert_der_bytes(me());
  DRT_DATA c = data_of(good);
  EXPECT_EQ(factory_->DeriveKey(&c, &short_out), E_INVALIDARG);
  EXPECT_EQ(factory_->DeriveKey(nullptr, &out), E_INVALIDARG);
  EXPECT_EQ(factory_->DeriveKey(&c, nullptr), E_INVALIDARG);
}

// ---- FreeData ---------------------------------------------------------------------------------

TEST_P(DerivedKeySuite, FreeDataAcceptsNullAndWorksAfterDetach) {
  auto mine = attached_me();
  DRT_DATA credential{};
  ASSERT_EQ(mine->GetSerializedCredential(mine->pvContext, &credential), S_OK);
  mine->FreeData(mine->pvContext, nullptr);
  mine->Detach(mine->pvContext);
  mine->FreeData(mine->pvContext, credential.pb);  // LSan would report a leak otherwise
}

}  // namespace
}  // namespace drt::tests
