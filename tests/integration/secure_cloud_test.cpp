// tests/integration: clouds on [::1] secured by the derived-key provider (issue #7's network
// tests): every member resolves every key in DRT_SECURE_RESOLVE, DRT_SECURE_MEMBERSHIP and
// DRT_SECURE_CONFIDENTIALPAYLOAD, with EC (O2) and RSA (O1) members mixed, on security-openssl,
// security-wolfssl, or both; in MEMBERSHIP mode a node whose certificate another root issued can
// neither join nor find anything; in CONFIDENTIAL mode no captured datagram holds a payload or a
// CPA in clear.
#include "secure_member.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace {

using namespace std::chrono_literals;
namespace cg = drt::certgen;
using bytes = std::vector<std::uint8_t>;

bytes to_bytes(const std::string& s) { return {s.begin(), s.end()}; }

using member = drt_test::secure_member;
using drt_test::capture;
using drt_test::make_root;
using drt_test::text_view;

member open_member(const cg::identity& issuer, const cg::identity& trust_root, cg::key_type type,
                   std::optional<std::uint16_t> seed, DRT_SECURITY_MODE mode, const std::string& plugin = {},
                   capture* into = nullptr) {
  drt_test::member_options o;
  o.type = type;
  o.seed = seed;
  o.mode = mode;
  o.plugin = plugin;
  o.into = into;
  return drt_test::open_secure_member(issuer, trust_root, o);
}

class SecureCloud : public ::testing::TestWithParam<DRT_SECURITY_MODE> {};

// Opens `count` members under one root (member i on plugin_of(i) with a key of type_of(i);
// plugin "" = DrtCreateDerivedKeySecurityProvider, i.e. security-openssl), each publishing its
// derived key with the data "member i"; then every member finds every other member's key.
void every_member_finds_every_key(DRT_SECURITY_MODE mode, const char* root_name, int count,
                                  const std::function<std::string(int)>& plugin_of,
                                  const std::function<cg::key_type(int)>& type_of) {
  const cg::identity root = make_root(root_name);
  std::vector<member> members;
  for (int i = 0; i < count; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = members[0].port();
    members.push_back(open_member(root, root, type_of(i), seed, mode, plugin_of(i)));
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
      ASSERT_EQ(r.results.size(), 1u) << "key of member " << owner << " (" << plugin_of(owner) << ", "
                                      << (type_of(owner) == cg::key_type::rsa ? "O1 RSA" : "O2 EC") << ") from member "
                                      << from << " (" << plugin_of(from) << ")";
      EXPECT_EQ(r.results[0].data, to_bytes("member " + std::to_string(owner)));
    }
  }
}

TEST_P(SecureCloud, MixedO1AndO2MembersResolveEveryKey) {
  every_member_finds_every_key(GetParam(), "secure cloud root", 6, [](int) { return std::string(); },
                               [](int i) { return i % 3 == 2 ? cg::key_type::rsa : cg::key_type::ec; });
}

// The same cloud on security-wolfssl alone.
TEST_P(SecureCloud, WolfsslMembersResolveEveryKey) {
  every_member_finds_every_key(GetParam(), "wolfssl cloud root", 6, [](int) { return std::string("security-wolfssl"); },
                               [](int i) { return i % 3 == 2 ? cg::key_type::rsa : cg::key_type::ec; });
}

// issue #8: half the members on security-openssl, half on security-wolfssl, O1 and O2 mixed.
TEST_P(SecureCloud, OpensslAndWolfsslMembersResolveEachOther) {
  every_member_finds_every_key(
      GetParam(), "mixed plugins root", 6,
      [](int i) { return std::string(i % 2 == 0 ? "security-openssl" : "security-wolfssl"); },
      [](int i) { return i % 4 < 2 ? cg::key_type::ec : cg::key_type::rsa; });
}

INSTANTIATE_TEST_SUITE_P(Modes, SecureCloud,
                         ::testing::Values(DRT_SECURE_RESOLVE, DRT_SECURE_MEMBERSHIP, DRT_SECURE_CONFIDENTIALPAYLOAD),
                         [](const ::testing::TestParamInfo<DRT_SECURITY_MODE>& info) {
                           switch (info.param) {
                             case DRT_SECURE_RESOLVE: return std::string("Resolve");
                             case DRT_SECURE_MEMBERSHIP: return std::string("Membership");
                             default: return std::string("Confidential");
                           }
                         });

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

// protocol.md §7 rule 35 on real sockets: a cloud of O1 and O2 members on both plugins, every
// datagram captured at the transport. In CONFIDENTIAL mode no payload and no CPA appears in any
// of them; the same cloud in MEMBERSHIP mode shows both, so the capture sees what it looks for.
// A string split across two fragments still leaves one of its halves whole in one datagram, so
// each needle is searched for by halves.
struct wire_findings {
  std::size_t datagrams = 0, payloads = 0, cpas = 0, encrypted = 0;
};

wire_findings cloud_on_the_wire(DRT_SECURITY_MODE mode) {
  capture wire;
  const cg::identity root = make_root("captured cloud root");
  std::vector<member> members;
  std::vector<bytes> payloads;
  constexpr int count = 4;
  for (int i = 0; i < count; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = members[0].port();
    members.push_back(open_member(root, root, i % 2 == 0 ? cg::key_type::ec : cg::key_type::rsa, seed, mode,
                                  i < 2 ? "security-openssl" : "security-wolfssl", &wire));
    payloads.push_back(to_bytes("secret payload #" + std::to_string(i) + " of the captured cloud"));
    members.back().registration = members.back().node.register_key(members.back().key, payloads.back());
    if (i > 0) {
      EXPECT_EQ(drt_test::wait_status(members[i].node, DRT_ACTIVE, 10s), DRT_ACTIVE) << "member " << i;
    }
  }
  for (int owner = 0; owner < count; ++owner) {
    for (int from = 0; from < count; ++from) {
      if (from == owner) continue;
      const auto r = drt_test::search_until_found(members[from].node, members[owner].key);
      EXPECT_EQ(r.results.size(), 1u) << "key of member " << owner << " from member " << from;
      if (!r.results.empty()) {
        EXPECT_EQ(r.results[0].data, payloads[static_cast<std::size_t>(owner)]);
      }
    }
  }
  members[1].registration.reset();  // a revocation: a Revoke CPA flooded to the neighbours
  std::this_thread::sleep_for(300ms);
  members.clear();  // close: the last revocations

  // The CPA's PUBLIC_KEY names its algorithm in dotted ASCII (protocol.md §5.6, §5.6a), which
  // nothing else on the wire does (certificates encode OIDs in DER).
  std::vector<bytes> cpa_needles{to_bytes("1.2.840.10045.2.1"), to_bytes("1.2.840.113549.1.1.1")};
  auto halves = [](const bytes& b) {
    const auto mid = b.begin() + static_cast<std::ptrdiff_t>(b.size() / 2);
    return std::vector<bytes>{bytes(b.begin(), mid), bytes(mid, b.end())};
  };
  auto holds = [&](const bytes& d, const bytes& needle) {
    for (const bytes& h : halves(needle))
      if (std::search(d.begin(), d.end(), h.begin(), h.end()) != d.end()) return true;
    return false;
  };
  wire_findings f;
  std::lock_guard lock(wire.mutex);
  f.datagrams = wire.datagrams.size();
  for (const bytes& d : wire.datagrams) {
    for (const bytes& p : payloads) f.payloads += holds(d, p) ? 1 : 0;
    for (const bytes& c : cpa_needles) f.cpas += holds(d, c) ? 1 : 0;
    const bytes encrypted_field{0x7F, 0x03};  // ENCRYPTED_FIELD's FieldID
    f.encrypted += std::search(d.begin(), d.end(), encrypted_field.begin(), encrypted_field.end()) != d.end() ? 1 : 0;
  }
  return f;
}

TEST(SecureCloudConfidential, NoPayloadOrCpaInAnyCapturedDatagram) {
  const wire_findings secret = cloud_on_the_wire(DRT_SECURE_CONFIDENTIALPAYLOAD);
  std::printf("confidential: %zu datagrams captured, %zu with ENCRYPTED_FIELD\n", secret.datagrams, secret.encrypted);
  EXPECT_GT(secret.encrypted, 20u);
  EXPECT_EQ(secret.payloads, 0u) << "a payload travelled in clear";
  EXPECT_EQ(secret.cpas, 0u) << "a CPA travelled in clear";
  const wire_findings clear = cloud_on_the_wire(DRT_SECURE_MEMBERSHIP);
  std::printf("membership: %zu datagrams captured, %zu hold a payload, %zu a CPA\n", clear.datagrams, clear.payloads,
              clear.cpas);
  EXPECT_GT(clear.payloads, 0u);
  EXPECT_GT(clear.cpas, 0u);
}

// spec/api.md §5.1.1 row 21 with both plugins: without a local certificate a node can neither
// sign nor receive a keytoken, so DrtOpen refuses MEMBERSHIP and CONFIDENTIALPAYLOAD.
TEST(SecureCloudConfidential, WithoutALocalCertificateNeitherPluginOpens) {
  const cg::identity root = make_root("no local certificate root");
  const std::string root_pem = cg::cert_pem(root.cert.get());
  for (const char* plugin : {"security-openssl", "security-wolfssl"}) {
    for (DRT_SECURITY_MODE mode : {DRT_SECURE_MEMBERSHIP, DRT_SECURE_CONFIDENTIALPAYLOAD}) {
      drt::plugin p(plugin);
      drt::provider_config config;
      config.set("root_cert", text_view(root_pem));
      drt::security_provider security = drt::security_provider::from_plugin(p, "derived-key", &config);
      drt::transport transport = drt::transport::ipv6_udp(DRT_LINK_LOCAL_SCOPE, if_nametoindex("lo"));
      drt::bootstrap_provider bootstrap = drt::bootstrap_provider::static_list({});
      DRT_SETTINGS s{};
      s.dwSize = sizeof s;
      s.cbKey = DRT_KEY_SIZE;
      s.bProtocolMajorVersion = 1;
      s.ulMaxRoutingAddresses = 4;
      s.hTransport = transport.native_handle();
      s.pSecurityProvider = security.get();
      s.pBootstrapProvider = bootstrap.get();
      s.eSecurityMode = mode;
      HDRT h = nullptr;
      EXPECT_EQ(DrtOpen(&s, -1, nullptr, &h), DRT_E_CAPABILITY_MISMATCH) << plugin << ", mode " << mode;
      if (h != nullptr) DrtClose(h);
    }
  }
}

}  // namespace
