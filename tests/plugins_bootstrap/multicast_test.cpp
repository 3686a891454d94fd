// The "multicast" bootstrap provider: LAN discovery (api.md §5.7.4, protocol.md Appendix A).
// The wire codec is tested directly; discovery runs between network namespaces that the test
// creates itself and joins with a veth pair (skipped with the reason where not permitted).
#include "bootstrap_harness.hpp"
#include "lan_discovery_message.hpp"

#include <gtest/gtest.h>

#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

namespace drt::tests {
namespace {

using plugins::bootstrap::decode;
using plugins::bootstrap::encode;
using plugins::bootstrap::lan_message;
using plugins::bootstrap::lan_message_type;

TEST(LanDiscoveryMessage, QueryHasTheAppendixALayout) {
  lan_message q;
  q.type = lan_message_type::query;
  q.query_id = 0x01020304;
  q.protocol_major = 1;
  q.protocol_minor = 0;
  q.cloud_name = "ab";
  const std::vector<std::uint8_t> want{0x4F, 0x44, 0x42, 0x53, 1, 1, 0, 0, 1, 2, 3, 4, 1, 0, 2, 'a', 'b'};
  EXPECT_EQ(encode(q), want);
  const auto back = decode(want);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->query_id, 0x01020304u);
  EXPECT_EQ(back->cloud_name, "ab");
}

TEST(LanDiscoveryMessage, AnswerRoundTripsItsEndpoints) {
  lan_message a;
  a.type = lan_message_type::answer;
  a.query_id = 7;
  a.cloud_name = "cloud";
  a.endpoints = {ipv6("fe80::1", 7001), ipv6("fd00::5", 65535)};
  const auto bytes = encode(a);
  EXPECT_EQ(bytes.size(), 15u + 5 + 1 + 2 * 18);
  const auto back = decode(bytes);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->endpoints.size(), 2u);
  EXPECT_EQ(text_of(back->endpoints[0]), text_of(ipv6("fe80::1", 7001)));
  EXPECT_EQ(text_of(back->endpoints[1]), text_of(ipv6("fd00::5", 65535)));
}

TEST(LanDiscoveryMessage, AnythingMalformedDoesNotParse) {
  lan_message a;
  a.type = lan_message_type::answer;
  a.endpoints = {ipv6("fe80::1", 7001)};
  const auto good = encode(a);
  ASSERT_TRUE(decode(good));
  auto trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(decode(trailing));
  EXPECT_FALSE(decode({good.data(), good.size() - 1}));
  auto magic = good;
  magic[0] = 'X';
  EXPECT_FALSE(decode(magic));
  auto version = good;
  version[4] = 2;
  EXPECT_FALSE(decode(version));
  auto type = good;
  type[5] = 3;
  EXPECT_FALSE(decode(type));
  auto reserved = good;
  reserved[7] = 1;
  EXPECT_FALSE(decode(reserved));
  auto no_endpoints = good;
  no_endpoints[15] = 0;
  EXPECT_FALSE(decode(no_endpoints));
  std::vector<std::uint8_t> long_name{0x4F, 0x44, 0x42, 0x53, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 65};
  long_name.resize(long_name.size() + 65, 'x');
  EXPECT_FALSE(decode(long_name));
  for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(decode({good.data(), n})) << n;
}

TEST(LanDiscoveryMessage, WhatParsesReEncodesToTheSameBytes) {
  // Seeded, so a failure replays: random buffers, half of them starting with a valid header.
  std::mt19937 rng(0x0DB5u);
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> bytes(rng() % 80);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : rng() % 3);
    if (i % 2 == 0 && bytes.size() >= 16) {
      const std::uint8_t head[] = {0x4F, 0x44, 0x42, 0x53, 1, static_cast<std::uint8_t>(1 + rng() % 2), 0, 0};
      std::copy(std::begin(head), std::end(head), bytes.begin());
      bytes[14] = static_cast<std::uint8_t>(rng() % 4);
    }
    const auto m = decode(bytes);
    if (!m) continue;
    ++parsed;
    EXPECT_EQ(encode(*m), bytes) << "iteration " << i;
  }
  EXPECT_GT(parsed, 0) << "the generator should produce some valid messages";
}

class MulticastBootstrap : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(plugin_.loaded()) << plugin_.error(); }
  provider_plugin plugin_{bootstrap_plugin_path()};
};

TEST_F(MulticastBootstrap, RejectsAGroupThatIsNotMulticast) {
  params p;
  p.text("group", "[fd00::1]:61750");
  EXPECT_EQ(bootstrap(plugin_, "multicast", p).created(), DRT_E_INVALID_ADDRESS);
}

TEST_F(MulticastBootstrap, RejectsACloudNameOver64Bytes) {
  params p;
  p.text("cloud_name", std::string(65, 'c'));
  EXPECT_EQ(bootstrap(plugin_, "multicast", p).created(), E_INVALIDARG);
}

TEST_F(MulticastBootstrap, RejectsAnUnknownInterface) {
  params p;
  p.integer("interface", 999999);
  EXPECT_EQ(bootstrap(plugin_, "multicast", p).created(), DRT_E_INVALID_SCOPE);
}

class MulticastDiscovery : public MulticastBootstrap {
 protected:
  void SetUp() override {
    MulticastBootstrap::SetUp();
    std::string why;
    net_ = netns_pair::create(why);
    if (!net_) GTEST_SKIP() << "network namespaces unavailable: " << why;
  }
  // A provider created and attached inside namespace i (its sockets and thread live there).
  std::unique_ptr<bootstrap> make(int i, const std::string& cloud, bool every_interface = false) {
    std::unique_ptr<bootstrap> b;
    std::unique_ptr<params>& p = params_.emplace_back(std::make_unique<params>());
    const bool entered = net_->run_in(i, [&] {
      p->text("cloud_name", cloud).integer("interface", every_interface ? 0 : if_nametoindex(net_->interface(i).c_str()));
      b = std::make_unique<bootstrap>(plugin_, "multicast", *p);
      if (SUCCEEDED(b->created())) attached_ = b->attach();
    });
    EXPECT_TRUE(entered);
    EXPECT_EQ(b->created(), S_OK) << p->detail();
    EXPECT_EQ(attached_, S_OK);
    return b;
  }
  std::uint32_t index_in(int i) {
    std::uint32_t index = 0;
    EXPECT_TRUE(net_->run_in(i, [&] { index = if_nametoindex(net_->interface(i).c_str()); }));
    return index;
  }
  std::unique_ptr<netns_pair> net_;
  std::vector<std::unique_ptr<params>> params_;
  HRESULT attached_ = E_FAIL;
};

TEST_F(MulticastDiscovery, FindsARegisteredNodeOnTheLinkWithTheReceivingZone) {
  auto a = make(0, "alpha");
  auto b = make(1, "alpha", true);
  ASSERT_EQ(a->register_endpoints({ipv6("fe80::1", 7001, index_in(0)), ipv6("fd00:42::1", 7001)}), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b->resolve(r), S_OK);
  EXPECT_EQ(r.final_hr(), DRT_E_NO_MORE);
  EXPECT_FALSE(r.protocol_broken());
  ASSERT_EQ(r.batches().size(), 1u) << "one answer, one batch (answered once per QueryID)";
  const auto batch = r.batches()[0];
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(text_of(batch[0]), text_of(ipv6("fe80::1", 7001, index_in(1))));
  EXPECT_EQ(text_of(batch[1]), text_of(ipv6("fd00:42::1", 7001)));
  b->detach();
  a->detach();
}

TEST_F(MulticastDiscovery, IgnoresAnswersOfAnotherCloud) {
  auto a = make(0, "alpha");
  auto b = make(1, "beta");
  ASSERT_EQ(a->register_endpoints({ipv6("fd00:42::1", 7001)}), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b->resolve(r), S_OK);
  EXPECT_TRUE(r.batches().empty());
  EXPECT_EQ(r.final_hr(), DRT_E_NO_MORE);
  b->detach();
  a->detach();
}

TEST_F(MulticastDiscovery, NodesOnOneHostFindEachOther) {
  auto a = make(0, "alpha");
  auto b = make(0, "alpha");
  ASSERT_EQ(a->register_endpoints({ipv6("fd00:42::1", 7001)}), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b->resolve(r), S_OK);
  ASSERT_EQ(r.batches().size(), 1u);
  EXPECT_EQ(text_of(r.batches()[0][0]), text_of(ipv6("fd00:42::1", 7001)));
  b->detach();
  a->detach();
}

TEST_F(MulticastDiscovery, AnUnregisteredNodeDoesNotAnswerAndNeitherDoesTheAsker) {
  auto a = make(0, "alpha");
  auto b = make(1, "alpha");
  ASSERT_EQ(a->register_endpoints({ipv6("fd00:42::1", 7001)}), S_OK);
  ASSERT_EQ(b->register_endpoints({ipv6("fd00:42::2", 7002)}), S_OK);  // must not answer itself
  a->unregister();
  resolve_recorder r;
  ASSERT_EQ(b->resolve(r), S_OK);
  EXPECT_TRUE(r.batches().empty());
  EXPECT_EQ(r.final_hr(), DRT_E_NO_MORE);
  b->detach();
  a->detach();
}

TEST_F(MulticastDiscovery, EndsOnceMaxResultsWereDelivered) {
  auto a = make(0, "alpha");
  auto b = make(1, "alpha");
  ASSERT_EQ(a->register_endpoints({ipv6("fd00:42::1", 7001), ipv6("fd00:42::1", 80), ipv6("fd00:42::3", 7003)}), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b->resolve(r, 1, 60000), S_OK);
  ASSERT_EQ(r.batches().size(), 1u);
  ASSERT_EQ(r.batches()[0].size(), 1u);
  EXPECT_EQ(text_of(r.batches()[0][0]), text_of(ipv6("fd00:42::1", 7001)));
  EXPECT_EQ(r.final_hr(), DRT_E_NO_MORE);
  b->detach();
  a->detach();
}

TEST_F(MulticastDiscovery, GarbageOnTheGroupDoesNotDisturbDiscovery) {
  auto a = make(0, "alpha");
  auto b = make(1, "alpha");
  ASSERT_EQ(a->register_endpoints({ipv6("fd00:42::1", 7001)}), S_OK);
  // From namespace 1: junk, truncated and foreign-cloud messages to the group, reaching a.
  ASSERT_TRUE(net_->run_in(1, [&] {
    const std::uint32_t index = if_nametoindex(net_->interface(1).c_str());
    const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
    ASSERT_EQ(::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index), 0);
    const sockaddr_in6 group = ipv6("ff02::114", 61750, index);
    lan_message foreign;
    foreign.cloud_name = "beta";
    foreign.query_id = 99;
    auto truncated = encode(foreign);
    truncated.pop_back();
    lan_message answer;
    answer.type = lan_message_type::answer;
    answer.cloud_name = "alpha";
    answer.endpoints = {ipv6("fd00:66::6", 6666)};  // an answer nobody asked for
    std::mt19937 rng(7);
    std::vector<std::vector<std::uint8_t>> junk{encode(foreign), truncated, encode(answer), {}, {0x4F}};
    for (int i = 0; i < 50; ++i) {
      std::vector<std::uint8_t> noise(rng() % 200);
      for (auto& byte : noise) byte = static_cast<std::uint8_t>(rng());
      junk.push_back(std::move(noise));
    }
    for (const auto& j : junk) {
      EXPECT_GE(::sendto(fd, j.data(), j.size(), 0, reinterpret_cast<const sockaddr*>(&group), sizeof group), 0);
    }
    ::close(fd);
  }));
  resolve_recorder r;
  ASSERT_EQ(b->resolve(r), S_OK);
  ASSERT_EQ(r.batches().size(), 1u);
  ASSERT_EQ(r.batches()[0].size(), 1u);
  EXPECT_EQ(text_of(r.batches()[0][0]), text_of(ipv6("fd00:42::1", 7001)));
  b->detach();
  a->detach();
}

TEST_F(MulticastDiscovery, AttachTwiceIsBootstrapProviderInUse) {
  auto a = make(0, "alpha");
  EXPECT_EQ(a->attach(), DRT_E_BOOTSTRAPPROVIDER_IN_USE);
  a->detach();
}

TEST_F(MulticastDiscovery, EndResolveMidwayStopsCallbacks) {
  auto a = make(0, "alpha");
  auto b = make(1, "alpha");
  ASSERT_EQ(a->register_endpoints({ipv6("fd00:42::1", 7001)}), S_OK);
  for (int round = 0; round < 20; ++round) {
    resolve_recorder r;
    void* context = nullptr;
    ASSERT_EQ(b->init(5000, 10, &context), S_OK);
    ASSERT_EQ(b->issue(context, r), S_OK);
    b->end(context);
    const int seen = r.calls();
    EXPECT_FALSE(r.protocol_broken());
    EXPECT_EQ(r.calls(), seen);
  }
  b->detach();
  a->detach();
}

}  // namespace
}  // namespace drt::tests
