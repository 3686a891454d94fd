// tests/integration: clouds on [::1] secured by the derived-key provider (issue #7's network
// tests): every member resolves every key in DRT_SECURE_RESOLVE and DRT_SECURE_MEMBERSHIP, with
// EC (O2) and RSA (O1) members mixed; in MEMBERSHIP mode a node whose certificate another root
// issued can neither join nor find anything.
#include "certgen.hpp"
#include "loopback_cloud.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace std::chrono_literals;
namespace cg = drt::certgen;
using bytes = std::vector<std::uint8_t>;

bytes to_bytes(const std::string& s) { return {s.begin(), s.end()}; }

struct member {
  drt::transport transport;
  drt::security_provider security;
  drt::bootstrap_provider bootstrap;
  drt::node node;
  drt::key key{};
  std::optional<drt::registration> registration;
};

cg::identity make_root(const char* name) {
  cg::cert_spec ca;
  ca.is_ca = true;
  ca.common_name = name;
  return cg::issue(ca, cg::generate_key({cg::key_type::ec, 0}), nullptr);
}

drt::byte_view view(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// A member with a certificate from `issuer` that trusts `trust_root`; publishes its derived key.
// `plugin` empty: DrtCreateDerivedKeySecurityProvider (security-openssl); else that plugin's
// "derived-key" provider.
member open_member(const cg::identity& issuer, const cg::identity& trust_root, cg::key_type type,
                   std::optional<std::uint16_t> seed, DRT_SECURITY_MODE mode, const std::string& plugin = {}) {
  member m;
  cg::cert_spec spec;
  spec.common_name = "member";
  const cg::identity id = cg::issue(spec, cg::generate_key({type, 2048}), &issuer);
  const std::string root_pem = cg::cert_pem(trust_root.cert.get());
  const std::string local_pem = cg::cert_pem(id.cert.get()) + cg::key_pem(id.key.get());
  if (plugin.empty()) {
    m.security = drt::security_provider::derived_key(view(root_pem), view(local_pem));
  } else {
    drt::plugin p(plugin);
    drt::provider_config config;
    config.set("root_cert", view(root_pem)).set("local_cert", view(local_pem));
    m.security = drt::security_provider::from_plugin(p, "derived-key", &config);
  }
  const auto wire = cg::derived_key_wire(id.cert.get());
  for (std::size_t i = 0; i < 32; ++i) m.key[i] = wire[31 - i];  // API order is little-endian
  m.transport = drt::transport::ipv6_udp(DRT_LINK_LOCAL_SCOPE, if_nametoindex("lo"));
  std::vector<sockaddr_storage> peers;
  if (seed) peers.push_back(drt_test::loopback(*seed));
  m.bootstrap = drt::bootstrap_provider::static_list(peers);
  DRT_SETTINGS s{};
  s.dwSize = sizeof s;
  s.cbKey = DRT_KEY_SIZE;
  s.bProtocolMajorVersion = 1;
  s.ulMaxRoutingAddresses = 4;
  s.hTransport = m.transport.native_handle();
  s.pSecurityProvider = m.security.get();
  s.pBootstrapProvider = m.bootstrap.get();
  s.eSecurityMode = mode;
  m.node = drt::node::open(s);
  return m;
}

class SecureCloud : public ::testing::TestWithParam<DRT_SECURITY_MODE> {};

TEST_P(SecureCloud, MixedO1AndO2MembersResolveEveryKey) {
  const cg::identity root = make_root("secure cloud root");
  std::vector<member> members;
  constexpr int count = 6;
  for (int i = 0; i < count; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = members[0].transport.port();
    members.push_back(open_member(root, root, i % 3 == 2 ? cg::key_type::rsa : cg::key_type::ec, seed, GetParam()));
    members.back().registration = members.back().node.register_key(members.back().key, to_bytes("member " + std::to_string(i)));
    if (i > 0) {
      EXPECT_EQ(drt_test::wait_status(members[i].node, DRT_ACTIVE, 10s), DRT_ACTIVE) << "member " << i;
    }
  }
  std::this_thread::sleep_for(300ms);
  for (int owner = 0; owner < count; ++owner) {
    for (int from = 0; from < count; ++from) {
      if (from == owner) continue;
      const auto r = drt_test::search_until_found(members[from].node, members[owner].key);
      ASSERT_EQ(r.results.size(), 1u) << "key of member " << owner << " from member " << from;
      EXPECT_EQ(r.results[0].data, to_bytes("member " + std::to_string(owner)));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, SecureCloud, ::testing::Values(DRT_SECURE_RESOLVE, DRT_SECURE_MEMBERSHIP),
                         [](const ::testing::TestParamInfo<DRT_SECURITY_MODE>& info) {
                           return info.param == DRT_SECURE_RESOLVE ? std::string("Resolve") : std::string("Membership");
                         });

// issue #8: half the members on security-openssl, half on security-wolfssl, O1 and O2 mixed.
TEST_P(SecureCloud, OpensslAndWolfsslMembersResolveEachOther) {
  const cg::identity root = make_root("mixed plugins root");
  std::vector<member> members;
  constexpr int count = 6;
  for (int i = 0; i < count; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = members[0].transport.port();
    members.push_back(open_member(root, root, i % 4 < 2 ? cg::key_type::ec : cg::key_type::rsa, seed, GetParam(),
                                  i % 2 == 0 ? "security-openssl" : "security-wolfssl"));
    members.back().registration = members.back().node.register_key(members.back().key, to_bytes("member " + std::to_string(i)));
    if (i > 0) {
      EXPECT_EQ(drt_test::wait_status(members[i].node, DRT_ACTIVE, 10s), DRT_ACTIVE) << "member " << i;
    }
  }
  std::this_thread::sleep_for(300ms);
  for (int owner = 0; owner < count; ++owner) {
    for (int from = 0; from < count; ++from) {
      if (from == owner) continue;
      const auto r = drt_test::search_until_found(members[from].node, members[owner].key);
      ASSERT_EQ(r.results.size(), 1u) << "key of member " << owner << " (" << (owner % 2 ? "wolfssl" : "openssl")
                                      << ") from member " << from;
      EXPECT_EQ(r.results[0].data, to_bytes("member " + std::to_string(owner)));
    }
  }
}

TEST(SecureCloudMembership, AnOutsiderCanNeitherJoinNorSearch) {
  const cg::identity root = make_root("members' root");
  const cg::identity other = make_root("outsiders' root");
  member a = open_member(root, root, cg::key_type::ec, std::nullopt, DRT_SECURE_MEMBERSHIP);
  a.registration = a.node.register_key(a.key, to_bytes("members only"));
  member b = open_member(root, root, cg::key_type::ec, a.transport.port(), DRT_SECURE_MEMBERSHIP);
  b.registration = b.node.register_key(b.key, to_bytes("b"));
  ASSERT_EQ(drt_test::wait_status(b.node, DRT_ACTIVE, 10s), DRT_ACTIVE);

  // The outsider's certificate chains to another root; the members refuse its credential.
  member outsider = open_member(other, other, cg::key_type::ec, a.transport.port(), DRT_SECURE_MEMBERSHIP);
  outsider.registration = outsider.node.register_key(outsider.key, to_bytes("outsider"));
  EXPECT_NE(drt_test::wait_status(outsider.node, DRT_ACTIVE, 3s), DRT_ACTIVE) << "the outsider joined";
  const auto r = drt_test::run_search(outsider.node, a.key, {}, 3000ms);
  EXPECT_TRUE(r.results.empty()) << "the outsider found a member's key";
  // And the members do not find the outsider's key either.
  EXPECT_TRUE(drt_test::run_search(b.node, outsider.key, {}, 3000ms).results.empty());
  EXPECT_EQ(drt_test::search_until_found(b.node, a.key).results.size(), 1u) << "members still resolve";
}

}  // namespace
