// The null provider's proofs (protocol.md §5.6 layout, §5.7 rules): SecureAndPackPayload writes
// the documented bytes, ValidateAndUnpackPayload parses strictly and checks nonce and PayloadHash.
#include "null_provider_fixture.hpp"

namespace drt::tests {
namespace {

// ---- SecureAndPackPayload ---------------------------------------------------------------------

TEST_F(NullProviderSecure, EncodesTheDocumentedExampleByteForByte) {
  const pack_output out = pack(p(), example_input());
  ASSERT_EQ(out.hr, S_OK);
  EXPECT_EQ(out.cpa, example_cpa);
}

TEST_F(NullProviderSecure, ReturnsPayloadUnchangedAsSecuredPayload) {
  EXPECT_EQ(pack(p(), example_input()).secured_payload, example_payload);
}

TEST_F(NullProviderSecure, ReturnsEmptyClassifierAndCertChain) {
  const pack_output out = pack(p(), example_input());
  EXPECT_EQ(out.classifier.cb, 0u);
  EXPECT_EQ(out.classifier.pb, nullptr);
  EXPECT_EQ(out.cert_chain.cb, 0u);
  EXPECT_EQ(out.cert_chain.pb, nullptr);
}

TEST_F(NullProviderSecure, WritesZeroNonceWhenNoneIsGiven) {
  pack_input in = example_input();
  in.nonce.clear();
  const bytes cpa = pack(p(), in).cpa;
  ASSERT_EQ(cpa.size(), example_cpa.size());
  EXPECT_EQ(bytes(cpa.begin() + 43, cpa.begin() + 59), bytes(16, 0));
}

TEST_F(NullProviderSecure, WritesZeroPayloadHashWhenNoPayloadIsGiven) {
  pack_input in = example_input();
  in.payload.clear();
  const pack_output out = pack(p(), in);
  ASSERT_EQ(out.hr, S_OK);
  EXPECT_EQ(bytes(out.cpa.end() - 32, out.cpa.end()), bytes(32, 0));
  EXPECT_TRUE(out.secured_payload.empty());
}

TEST_F(NullProviderSecure, ProducesOnlyTheCpaWhenOptionalOutputsAreNull) {
  bytes key = example_key;
  DRT_DATA key_data = data_of(key), cpa{};
  ASSERT_EQ(p().SecureAndPackPayload(p().pvContext, nullptr, 1, 0, 0, &key_data, nullptr, nullptr,
                                     nullptr, &cpa, nullptr, nullptr, nullptr),
            S_OK);
  EXPECT_EQ(take(p(), cpa).size(), 105u);  // 105 + 18 per address
}

TEST_F(NullProviderSecure, AcceptsTwentyAddresses) {
  pack_input in = example_input();
  in.addresses = many_addresses(20);
  const pack_output out = pack(p(), in);
  ASSERT_EQ(out.hr, S_OK);
  EXPECT_EQ(out.cpa.size(), 105u + 20 * 18);
}

TEST_F(NullProviderSecure, RejectsTwentyOneAddresses) {
  pack_input in = example_input();
  in.addresses = many_addresses(21);
  EXPECT_EQ(pack(p(), in).hr, E_INVALIDARG);
}

TEST_F(NullProviderSecure, RejectsAddressThatIsNotIpv6) {
  pack_input in = example_input();
  in.addresses[0].sin6_family = AF_INET;
  EXPECT_EQ(pack(p(), in).hr, E_INVALIDARG);
}

TEST_F(NullProviderSecure, RejectsNonceOf15Bytes) {
  pack_input in = example_input();
  in.nonce.pop_back();
  EXPECT_EQ(pack(p(), in).hr, E_INVALIDARG);
}

TEST_F(NullProviderSecure, RejectsKeyOf33Bytes) {
  pack_input in = example_input();
  in.key.push_back(0);
  EXPECT_EQ(pack(p(), in).hr, E_INVALIDARG);
}

TEST_F(NullProviderSecure, RejectsNullCpaOutput) {
  bytes key = example_key;
  DRT_DATA key_data = data_of(key);
  EXPECT_EQ(p().SecureAndPackPayload(p().pvContext, nullptr, 1, 0, 0, &key_data, nullptr, nullptr,
                                     nullptr, nullptr, nullptr, nullptr, nullptr),
            E_INVALIDARG);
}

TEST_F(NullProviderSecure, LeavesOutputsEmptyOnFailure) {
  bytes key = example_key, nonce(15, 1);
  DRT_DATA key_data = data_of(key), nonce_data = data_of(nonce);
  DRT_DATA cpa{1, key.data()}, classifier{1, key.data()}, secured{1, key.data()},
      chain{1, key.data()};
  ASSERT_EQ(p().SecureAndPackPayload(p().pvContext, nullptr, 1, 0, 0, &key_data, nullptr, nullptr,
                                     &nonce_data, &cpa, &classifier, &secured, &chain),
            E_INVALIDARG);
  for (const DRT_DATA& out : {cpa, classifier, secured, chain}) {
    EXPECT_EQ(out.cb, 0u);
    EXPECT_EQ(out.pb, nullptr);
  }
}
// ---- ValidateAndUnpackPayload -----------------------------------------------------------------

TEST_F(NullProviderValidate, RoundTripsKeyAddressesFlagsPayloadAndVersions) {
  pack_input in = example_input();
  in.protocol_major = 2;
  in.protocol_minor = 7;
  in.flags = 0x80000000u;
  in.addresses.push_back(ipv6("fe80::2", 4000));
  const pack_output packed = pack(p(), in);
  ASSERT_EQ(packed.hr, S_OK);
  const unpack_output out = unpack(p(), packed.cpa, in.nonce, packed.secured_payload);
  ASSERT_EQ(out.hr, S_OK);
  EXPECT_EQ(out.protocol_major, 2);
  EXPECT_EQ(out.protocol_minor, 7);
  EXPECT_EQ(out.key, in.key);
  EXPECT_EQ(out.payload, in.payload);
  EXPECT_EQ(out.flags, 0x80000000u);
  ASSERT_EQ(out.addresses.size(), 2u);
  EXPECT_TRUE(same_endpoint(out.addresses[0], in.addresses[0]));
  EXPECT_TRUE(same_endpoint(out.addresses[1], in.addresses[1]));
}

TEST_F(NullProviderValidate, RoundTripsRevokeFlagWithZeroNonceAndNoPayload) {
  pack_input in = example_input();
  in.flags = DRT_PAYLOAD_REVOKED;
  in.nonce.clear();
  in.payload.clear();
  const unpack_output out = unpack(p(), pack(p(), in).cpa, {}, {});
  ASSERT_EQ(out.hr, S_OK);
  EXPECT_EQ(out.flags, DRT_PAYLOAD_REVOKED);
  EXPECT_TRUE(out.payload.empty());
}

TEST_F(NullProviderValidate, AcceptsTheDocumentedExample) {
  EXPECT_EQ(unpack(p(), example_cpa, example_nonce, example_payload).hr, S_OK);
}

TEST_F(NullProviderValidate, ReportsNoPublicKey) {
  EXPECT_TRUE(unpack(p(), example_cpa, example_nonce, example_payload).public_key_is_null);
}

TEST_F(NullProviderValidate, ReturnsZeroScopeIdInAddresses) {
  pack_input in = example_input();
  in.addresses[0].sin6_scope_id = 5;
  const unpack_output out = unpack(p(), pack(p(), in).cpa, example_nonce, {});
  ASSERT_EQ(out.addresses.size(), 1u);
  EXPECT_EQ(out.addresses[0].sin6_scope_id, 0u);
}

TEST_F(NullProviderValidate, ReturnsAddressListAsOneBlock) {
  pack_input in = example_input();
  in.addresses = many_addresses(3);
  bytes cpa = pack(p(), in).cpa;
  bytes nonce = example_nonce;
  DRT_DATA cpa_data = data_of(cpa), nonce_data = data_of(nonce), key{};
  std::uint8_t major = 0, minor = 0;
  std::uint32_t flags = 0;
  CERT_PUBLIC_KEY_INFO* public_key = nullptr;
  SOCKET_ADDRESS_LIST* list = nullptr;
  ASSERT_EQ(
      p().ValidateAndUnpackPayload(p().pvContext, &cpa_data, nullptr, nullptr, &nonce_data, nullptr,
                                   &major, &minor, &key, nullptr, &public_key, &list, &flags),
      S_OK);
  ASSERT_EQ(list->iAddressCount, 3);
  const SOCKET_ADDRESS* slots = list->Address;
  const auto* entries = reinterpret_cast<const std::byte*>(slots + 3);  // right after the array
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(reinterpret_cast<const std::byte*>(slots[i].lpSockaddr),
              entries + i * sizeof(sockaddr_in6));
    EXPECT_EQ(slots[i].iSockaddrLength, static_cast<std::int32_t>(sizeof(sockaddr_in6)));
  }
  p().FreeData(p().pvContext, list);  // the only FreeData: LeakSanitizer checks nothing is left
  p().FreeData(p().pvContext, key.pb);
}

TEST_F(NullProviderValidate, SkipsOutputsThatAreNotWanted) {
  bytes cpa = example_cpa, nonce = example_nonce;
  DRT_DATA cpa_data = data_of(cpa), nonce_data = data_of(nonce), key{};
  std::uint8_t major = 0, minor = 0;
  std::uint32_t flags = 0;
  CERT_PUBLIC_KEY_INFO* public_key = nullptr;
  ASSERT_EQ(
      p().ValidateAndUnpackPayload(p().pvContext, &cpa_data, nullptr, nullptr, &nonce_data, nullptr,
                                   &major, &minor, &key, nullptr, &public_key, nullptr, &flags),
      S_OK);
  EXPECT_EQ(take(p(), key), example_key);
}

TEST_F(NullProviderValidate, RejectsNullKeyOutput) {
  bytes cpa = example_cpa;
  DRT_DATA cpa_data = data_of(cpa);
  std::uint8_t major = 0, minor = 0;
  std::uint32_t flags = 0;
  CERT_PUBLIC_KEY_INFO* public_key = nullptr;
  EXPECT_EQ(
      p().ValidateAndUnpackPayload(p().pvContext, &cpa_data, nullptr, nullptr, nullptr, nullptr,
                                   &major, &minor, nullptr, nullptr, &public_key, nullptr, &flags),
      E_INVALIDARG);
}

TEST_F(NullProviderValidate, LeavesOutputsEmptyOnFailure) {
  bytes cpa = example_cpa, nonce(16, 0x55), sentinel{1};
  DRT_DATA cpa_data = data_of(cpa), nonce_data = data_of(nonce);
  DRT_DATA key{1, sentinel.data()}, payload{1, sentinel.data()};
  std::uint8_t major = 0, minor = 0;
  std::uint32_t flags = 0;
  CERT_PUBLIC_KEY_INFO info{};
  CERT_PUBLIC_KEY_INFO* public_key = &info;
  SOCKET_ADDRESS_LIST* list = reinterpret_cast<SOCKET_ADDRESS_LIST*>(sentinel.data());
  ASSERT_EQ(
      p().ValidateAndUnpackPayload(p().pvContext, &cpa_data, nullptr, nullptr, &nonce_data, nullptr,
                                   &major, &minor, &key, &payload, &public_key, &list, &flags),
      DRT_E_INVALID_MESSAGE);
  EXPECT_EQ(key.pb, nullptr);
  EXPECT_EQ(payload.pb, nullptr);
  EXPECT_EQ(public_key, nullptr);
  EXPECT_EQ(list, nullptr);
}

TEST_F(NullProviderValidate, RejectsWrongNonce) {
  bytes nonce = example_nonce;
  nonce[15] ^= 1;
  EXPECT_EQ(unpack(p(), example_cpa, nonce, example_payload).hr, DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, RejectsMissingNonceWhenTheCpaCarriesOne) {
  EXPECT_EQ(unpack(p(), example_cpa, {}, example_payload).hr, DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, RejectsNonceArgumentOf15Bytes) {
  EXPECT_EQ(unpack(p(), example_cpa, bytes(15, 0), {}).hr, E_INVALIDARG);
}

TEST_F(NullProviderValidate, RejectsTamperedPayload) {
  bytes payload = example_payload;
  payload[0] = 'j';
  EXPECT_EQ(unpack(p(), example_cpa, example_nonce, payload).hr, DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, RejectsTamperedPayloadHash) {
  bytes cpa = example_cpa;
  cpa.back() ^= 0x01;
  EXPECT_EQ(unpack(p(), cpa, example_nonce, example_payload).hr, DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, SkipsHashCheckWhenNoSecuredPayloadIsGiven) {
  const unpack_output out = unpack(p(), example_cpa, example_nonce, {});
  ASSERT_EQ(out.hr, S_OK);
  EXPECT_TRUE(out.payload.empty());
}

TEST_F(NullProviderValidate, RejectsEveryTruncation) {
  for (std::size_t size = 0; size < example_cpa.size(); ++size) {
    EXPECT_EQ(
        unpack(p(), bytes(example_cpa.begin(), example_cpa.begin() + size), example_nonce, {}).hr,
        DRT_E_INVALID_MESSAGE)
        << "truncated to " << size << " bytes";
  }
}

TEST_F(NullProviderValidate, RejectsTrailingByte) {
  bytes cpa = example_cpa;
  cpa.push_back(0);
  EXPECT_EQ(unpack(p(), cpa, example_nonce, {}).hr, DRT_E_INVALID_MESSAGE);
}

// Malformed CPAs from the independent writer; its defaults are a valid null CPA.
HRESULT validate_fields(const DRT_SECURITY_PROVIDER& p, const cpa_fields& fields) {
  return unpack(p, build_cpa(fields), {}, {}).hr;
}

TEST_F(NullProviderValidate, AcceptsNullCpaWithoutAddresses) {
  EXPECT_EQ(validate_fields(p(), {}), S_OK);
}

TEST_F(NullProviderValidate, AcceptsProfile4F01WithoutCheckingSignatureOrKey) {
  cpa_fields f;
  f.profile_minor = 0x01;
  f.signature = bytes(256, 0xAB);
  f.public_key = {20, 2, 0, 3, 0, 0};  // AlgorithmId 20, parameters 2, key 3, unused bits 0
  for (char c : std::string("1.2.840.113549.1.1.1"))
    f.public_key.push_back(static_cast<std::uint8_t>(c));
  f.public_key.insert(f.public_key.end(), {0x05, 0x00, 0x30, 0x01, 0x00});
  EXPECT_EQ(validate_fields(p(), f), S_OK);
}

TEST_F(NullProviderValidate, RejectsProfile4F02) {
  cpa_fields f;
  f.profile_minor = 0x02;
  EXPECT_EQ(validate_fields(p(), f), DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, RejectsProfileMajorOtherThan4F) {
  cpa_fields f;
  f.profile_major = 0x4E;
  EXPECT_EQ(validate_fields(p(), f), DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, RejectsNonZeroReservedByte) {
  cpa_fields f;
  f.reserved = 1;
  EXPECT_EQ(validate_fields(p(), f), DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, RejectsSignatureLengthBelowTwo) {
  cpa_fields f;
  f.signature_length = 1;
  EXPECT_EQ(validate_fields(p(), f), DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, RejectsKeyLengthOtherThan32) {
  cpa_fields f;
  f.key_length = 31;
  f.key_wire.pop_back();
  EXPECT_EQ(validate_fields(p(), f), DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, RejectsNonceLengthOtherThan16) {
  cpa_fields f;
  f.nonce_length = 17;
  f.nonce.push_back(0);
  EXPECT_EQ(validate_fields(p(), f), DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, RejectsAddressElementLengthOtherThan18) {
  cpa_fields f;
  f.element_length = 20;
  f.endpoints.push_back({3540, bytes(18, 1)});  // 2 + 18 = 20 bytes, consistent with the field
  EXPECT_EQ(validate_fields(p(), f), DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, RejectsTwentyOneAddresses) {
  cpa_fields f;
  f.endpoints.assign(21, {3540, bytes(16, 1)});
  EXPECT_EQ(validate_fields(p(), f), DRT_E_INVALID_MESSAGE);
}

TEST_F(NullProviderValidate, AcceptsTwentyAddresses) {
  cpa_fields f;
  f.endpoints.assign(20, {3540, bytes(16, 1)});
  EXPECT_EQ(validate_fields(p(), f), S_OK);
}

}  // namespace
}  // namespace drt::tests
