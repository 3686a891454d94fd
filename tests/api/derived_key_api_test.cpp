// tests/api: DrtCreateDerivedKey and DrtCreateDerivedKeySecurityProvider through libdrt and the
// security-openssl plugin, with certificates generated here (tools/certgen), in the row order
// of spec/api.md §5.6.1-§5.6.2; and the provider behind DrtOpen / DrtRegisterKey.
#include "certgen.hpp"
#include "fake_providers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;
using drt_test::fake_bootstrap;
using drt_test::fake_transport;
namespace cg = drt::certgen;

struct test_certs {
  cg::identity root, other_root, ec_node, rsa_node, p384_node;
};

const test_certs& certs() {
  static const test_certs c = [] {
    test_certs t;
    cg::cert_spec ca;
    ca.is_ca = true;
    ca.common_name = "api root";
    t.root = cg::issue(ca, cg::generate_key({cg::key_type::ec, 0}), nullptr);
    ca.common_name = "api other root";
    t.other_root = cg::issue(ca, cg::generate_key({cg::key_type::ec, 0}), nullptr);
    cg::cert_spec node;
    t.ec_node = cg::issue(node, cg::generate_key({cg::key_type::ec, 0}), &t.root);
    t.rsa_node = cg::issue(node, cg::generate_key({cg::key_type::rsa, 2048}), &t.root);
    t.p384_node = cg::issue(node, cg::pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384")), &t.root);
    return t;
  }();
  return c;
}

bytes text_bytes(const std::string& s) { return bytes(s.begin(), s.end()); }
bytes pem(const cg::identity& id, bool with_key) {
  return text_bytes(cg::cert_pem(id.cert.get()) + (with_key ? cg::key_pem(id.key.get()) : ""));
}
DRT_DATA data_of(bytes& b) { return {static_cast<uint32_t>(b.size()), b.data()}; }

bytes api_key_of(const cg::identity& id) {
  const auto wire = cg::derived_key_wire(id.cert.get());
  return bytes(wire.rbegin(), wire.rend());
}

TEST(DrtCreateDerivedKey, IsTheSpkiDigestInApiOrderForBothProfiles) {
  for (const cg::identity* id : {&certs().ec_node, &certs().rsa_node}) {
    for (bytes input : {pem(*id, true), cg::cert_der(id->cert.get())}) {
      DRT_DATA cert = data_of(input);
      bytes key(32, 0);
      DRT_DATA out = data_of(key);
      ASSERT_EQ(DrtCreateDerivedKey(&cert, &out), S_OK) << DrtGetLastErrorDetail();
      EXPECT_EQ(key, api_key_of(*id));
    }
  }
}

TEST(DrtCreateDerivedKey, RejectsEachBadInputWithItsRowCode) {
  bytes good = pem(certs().ec_node, false), key(32, 0), short_key(31, 0);
  DRT_DATA cert = data_of(good), out = data_of(key), short_out = data_of(short_key);
  DRT_DATA empty{0, good.data()}, null_pb{5, nullptr};
  EXPECT_EQ(DrtCreateDerivedKey(nullptr, &out), E_INVALIDARG);       // row 1
  EXPECT_EQ(DrtCreateDerivedKey(&empty, &out), E_INVALIDARG);        // row 1
  EXPECT_EQ(DrtCreateDerivedKey(&null_pb, &out), E_INVALIDARG);      // row 1
  EXPECT_EQ(DrtCreateDerivedKey(&cert, nullptr), E_INVALIDARG);      // row 2
  EXPECT_EQ(DrtCreateDerivedKey(&cert, &short_out), E_INVALIDARG);   // row 2
  bytes garbage = text_bytes("not a certificate");
  DRT_DATA g = data_of(garbage);
  EXPECT_EQ(DrtCreateDerivedKey(&g, &out), DRT_E_INVALID_CERT_CHAIN);  // row 6
  bytes p384 = pem(certs().p384_node, false);
  DRT_DATA p = data_of(p384);
  EXPECT_EQ(DrtCreateDerivedKey(&p, &out), DRT_E_CAPABILITY_MISMATCH);  // row 7
}

TEST(DrtCreateDerivedKeySecurityProvider, RejectsEachBadInputWithItsRowCode) {
  bytes root = pem(certs().root, false), local = pem(certs().ec_node, true);
  DRT_DATA r = data_of(root), l = data_of(local), empty{0, nullptr};
  DRT_SECURITY_PROVIDER* p = nullptr;
  EXPECT_EQ(DrtCreateDerivedKeySecurityProvider(&r, &l, nullptr), E_INVALIDARG);  // row 1
  EXPECT_EQ(DrtCreateDerivedKeySecurityProvider(nullptr, &l, &p), E_INVALIDARG);  // row 2
  EXPECT_EQ(DrtCreateDerivedKeySecurityProvider(&r, &empty, &p), E_INVALIDARG);   // row 3
  bytes garbage = text_bytes("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n");
  DRT_DATA g = data_of(garbage);
  EXPECT_EQ(DrtCreateDerivedKeySecurityProvider(&g, &l, &p), DRT_E_INVALID_CERT_CHAIN);  // row 7
  bytes other = pem(certs().other_root, false);
  DRT_DATA o = data_of(other);
  EXPECT_EQ(DrtCreateDerivedKeySecurityProvider(&o, &l, &p), DRT_E_INVALID_CERT_CHAIN);  // row 8
  bytes no_key = pem(certs().ec_node, false);
  DRT_DATA n = data_of(no_key);
  EXPECT_EQ(DrtCreateDerivedKeySecurityProvider(&r, &n, &p), DRT_E_CAPABILITY_MISMATCH);  // row 9
  EXPECT_EQ(p, nullptr);
}

class DerivedKeyInstance : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(DrtCreateTransport(&transport.table, &htransport), S_OK); }
  void TearDown() override { EXPECT_EQ(DrtDeleteTransport(htransport), S_OK); }

  DRT_SETTINGS settings_for(DRT_SECURITY_PROVIDER* security, DRT_SECURITY_MODE mode) {
    DRT_SETTINGS s{};
    s.dwSize = sizeof s;
    s.cbKey = 32;
    s.ulMaxRoutingAddresses = 1;
    s.hTransport = htransport;
    s.pSecurityProvider = security;
    s.pBootstrapProvider = &bootstrap.table;
    s.eSecurityMode = mode;
    return s;
  }

  fake_transport transport;
  fake_bootstrap bootstrap;
  HDRT_TRANSPORT htransport = nullptr;
};

TEST_F(DerivedKeyInstance, RegistersTheDerivedKeyAndRefusesAnyOther) {
  for (const cg::identity* id : {&certs().ec_node, &certs().rsa_node}) {
    bytes root = pem(certs().root, false), local = pem(*id, true);
    DRT_DATA r = data_of(root), l = data_of(local);
    DRT_SECURITY_PROVIDER* security = nullptr;
    ASSERT_EQ(DrtCreateDerivedKeySecurityProvider(&r, &l, &security), S_OK) << DrtGetLastErrorDetail();
    DRT_SETTINGS s = settings_for(security, DRT_SECURE_MEMBERSHIP);
    HDRT h = nullptr;
    ASSERT_EQ(DrtOpen(&s, -1, nullptr, &h), S_OK) << DrtGetLastErrorDetail();
    bytes key = api_key_of(*id), data{1, 2, 3};
    DRT_REGISTRATION reg{data_of(key), data_of(data)};
    HDRT_REGISTRATION_CONTEXT ctx = nullptr;
    EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &ctx), S_OK) << DrtGetLastErrorDetail();
    bytes other = key;
    other[0] ^= 1;
    DRT_REGISTRATION bad{data_of(other), data_of(data)};
    HDRT_REGISTRATION_CONTEXT ctx2 = nullptr;
    EXPECT_EQ(DrtRegisterKey(h, &bad, nullptr, &ctx2), DRT_E_INVALID_KEY);
    DrtUnregisterKey(ctx);
    DrtClose(h);
    DrtDeleteDerivedKeySecurityProvider(security);
  }
}

// spec/api.md §5.1.1: DRT_SECURE_CONFIDENTIALPAYLOAD opens like MEMBERSHIP (the engine runs mode
// 2), with either leaf type.
TEST_F(DerivedKeyInstance, ConfidentialModeOpensWithALocalCertificate) {
  for (const cg::identity* id : {&certs().ec_node, &certs().rsa_node}) {
    bytes root = pem(certs().root, false), local = pem(*id, true);
    DRT_DATA r = data_of(root), l = data_of(local);
    DRT_SECURITY_PROVIDER* security = nullptr;
    ASSERT_EQ(DrtCreateDerivedKeySecurityProvider(&r, &l, &security), S_OK);
    DRT_SETTINGS s = settings_for(security, DRT_SECURE_CONFIDENTIALPAYLOAD);
    HDRT h = nullptr;
    ASSERT_EQ(DrtOpen(&s, -1, nullptr, &h), S_OK) << DrtGetLastErrorDetail();
    bytes key = api_key_of(*id), data{1, 2, 3};
    DRT_REGISTRATION reg{data_of(key), data_of(data)};
    HDRT_REGISTRATION_CONTEXT ctx = nullptr;
    EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &ctx), S_OK) << DrtGetLastErrorDetail();
    DrtUnregisterKey(ctx);
    DrtClose(h);
    DrtDeleteDerivedKeySecurityProvider(security);
  }
}

TEST_F(DerivedKeyInstance, MembershipWithoutLocalCertificateFailsToOpen) {
  bytes root = pem(certs().root, false);
  DRT_DATA r = data_of(root);
  DRT_SECURITY_PROVIDER* security = nullptr;
  ASSERT_EQ(DrtCreateDerivedKeySecurityProvider(&r, nullptr, &security), S_OK);
  for (DRT_SECURITY_MODE mode : {DRT_SECURE_MEMBERSHIP, DRT_SECURE_CONFIDENTIALPAYLOAD}) {
    DRT_SETTINGS s = settings_for(security, mode);
    HDRT h = nullptr;
    EXPECT_EQ(DrtOpen(&s, -1, nullptr, &h), DRT_E_CAPABILITY_MISMATCH);
  }
  DRT_SETTINGS s = settings_for(security, DRT_SECURE_RESOLVE);  // a search-only node is fine
  HDRT h = nullptr;
  ASSERT_EQ(DrtOpen(&s, -1, nullptr, &h), S_OK);
  DrtClose(h);
  DrtDeleteDerivedKeySecurityProvider(security);
}

}  // namespace
