// Engine unit tests: two or three nodes driven by hand, datagrams passed between them directly.
#include "engine/node.hpp"
#include "hand_network.hpp"

#include <algorithm>

#include "engine/hash.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace drt::engine;
using namespace drt::engine::test;

namespace {

using trio = hand_network;  // two or three nodes at most, hence the name

}  // namespace

TEST(Node, StartsInNoNetworkAndBecomesAloneWhenNobodyAnswers) {
  trio t;
  t.nodes.push_back(std::make_unique<node>(node_config{}, t.rng, t.sec));
  EXPECT_EQ(t.nodes[0]->status(), node_status::no_network);
  t.nodes[0]->set_local_endpoints(0, {ep(1)});
  t.drain(0);
  t.step(6000);
  EXPECT_EQ(t.nodes[0]->status(), node_status::alone);
  ASSERT_FALSE(t.events.empty());
  EXPECT_EQ(t.events.back().type, node_event::kind::status_changed);
  EXPECT_EQ(t.events.back().status, node_status::alone);
}

TEST(Node, TwoPublishersFindEachOtherAndBecomeActive) {
  trio t;
  t.add();
  ASSERT_EQ(t.nodes[0]->register_key(t.now, k(1), {1}), S_OK);
  t.step(6000);
  t.add();
  ASSERT_EQ(t.nodes[1]->register_key(t.now, k(2), {2}), S_OK);
  t.step(3000);
  EXPECT_EQ(t.nodes[0]->status(), node_status::active);
  EXPECT_EQ(t.nodes[1]->status(), node_status::active);
  EXPECT_TRUE(t.nodes[0]->cache().in_any_leaf_set(k(2)));
  EXPECT_TRUE(t.nodes[1]->cache().in_any_leaf_set(k(1)));
  const bool saw_added = std::any_of(t.events.begin(), t.events.end(), [](const node_event& e) {
    return e.type == node_event::kind::leafset_key_changed && e.added;
  });
  EXPECT_TRUE(saw_added);
}

TEST(Node, ExactSearchReturnsTheAppDataThenNoMore) {
  trio t;
  for (int i = 0; i < 3; ++i) {
    t.add();
    ASSERT_EQ(t.nodes[i]->register_key(t.now, k(100 + i), {static_cast<std::uint8_t>(i), 7}), S_OK);
    t.step(6000);
  }
  std::uint64_t id = 0;
  search_info info;
  info.target = k(102);
  ASSERT_EQ(t.nodes[0]->start_search(t.now, info, id), S_OK);
  t.drain(0);
  t.step(3000);
  const auto& r = t.results_of(0, id);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].hr, S_OK);
  EXPECT_EQ(r[0].type, match_type::exact);
  EXPECT_EQ(r[0].key, k(102));
  EXPECT_EQ(r[0].app_data, (bytes{2, 7}));
  EXPECT_EQ(r[1].hr, DRT_E_NO_MORE);
  EXPECT_FALSE(t.nodes[0]->search_path(id).empty());
}

TEST(Node, AbsentKeyEndsWithNoMoreAndLocalKeyOnlyWhenAllowed) {
  trio t;
  for (int i = 0; i < 2; ++i) {
    t.add();
    ASSERT_EQ(t.nodes[i]->register_key(t.now, k(100 + i), {1}), S_OK);
    t.step(6000);
  }
  search_info info;
  info.target = k(555);
  std::uint64_t id = 0;
  ASSERT_EQ(t.nodes[0]->start_search(t.now, info, id), S_OK);
  t.drain(0);
  t.step(3000);
  ASSERT_EQ(t.results_of(0, id).size(), 1u);
  EXPECT_EQ(t.results_of(0, id)[0].hr, DRT_E_NO_MORE);
  // Own key: excluded unless fAllowCurrentInstanceMatch.
  info.target = k(100);
  ASSERT_EQ(t.nodes[0]->start_search(t.now, info, id), S_OK);
  t.drain(0);
  t.step(3000);
  EXPECT_EQ(t.results_of(0, id).size(), 1u);
  info.allow_current_instance_match = true;
  ASSERT_EQ(t.nodes[0]->start_search(t.now, info, id), S_OK);
  t.drain(0);
  t.step(3000);
  ASSERT_EQ(t.results_of(0, id).size(), 2u);
  EXPECT_EQ(t.results_of(0, id)[0].key, k(100));
  EXPECT_FALSE(t.results_of(0, id)[0].publisher.has_value());
}

TEST(Node, IterativeSearchPausesBeforeEveryLookup) {
  trio t;
  for (int i = 0; i < 3; ++i) {
    t.add();
    ASSERT_EQ(t.nodes[i]->register_key(t.now, k(100 + i), {1}), S_OK);
    t.step(6000);
  }
  search_info info;
  info.target = k(102);
  info.iterative = true;
  std::uint64_t id = 0;
  const auto lookups_before = t.nodes[0]->counters().lookups_sent;
  ASSERT_EQ(t.nodes[0]->start_search(t.now, info, id), S_OK);
  t.drain(0);
  t.step(2000);
  ASSERT_EQ(t.results_of(0, id).size(), 1u);
  EXPECT_EQ(t.results_of(0, id)[0].type, match_type::intermediate);
  EXPECT_EQ(t.nodes[0]->counters().lookups_sent, lookups_before);  // paused: nothing sent
  for (int i = 0; i < 10 && t.nodes[0]->search_active(id); ++i) {
    (void)t.nodes[0]->continue_search(t.now, id);
    t.drain(0);
    t.step(1000);
  }
  ASSERT_GE(t.results_of(0, id).size(), 3u);
  EXPECT_EQ(t.results_of(0, id)[t.results_of(0, id).size() - 2].type, match_type::exact);
  EXPECT_EQ(t.results_of(0, id).back().hr, DRT_E_NO_MORE);
}

TEST(Node, UnregisterRevokesTheKeyAtItsNeighbours) {
  trio t;
  for (int i = 0; i < 3; ++i) {
    t.add();
    ASSERT_EQ(t.nodes[i]->register_key(t.now, k(100 + i), {1}), S_OK);
    t.step(6000);
  }
  ASSERT_TRUE(t.nodes[0]->cache().in_any_leaf_set(k(101)));
  ASSERT_EQ(t.nodes[1]->unregister_key(t.now, k(101)), S_OK);
  t.drain(1);
  t.step(2000);
  EXPECT_EQ(t.nodes[0]->cache().find_key(k(101)), nullptr);
  EXPECT_EQ(t.nodes[2]->cache().find_key(k(101)), nullptr);
}

TEST(Node, GarbageIsCountedAndNeverCrashes) {
  trio t;
  t.add();
  seeded_random noise(9);
  for (int i = 0; i < 2000; ++i) {
    bytes d(20 + noise.uniform(200));
    for (auto& b : d) b = static_cast<std::uint8_t>(noise.next_u64());
    if (i % 2 == 0) { d[0] = 0; d[1] = 0x10; d[2] = 0; d[3] = 12; d[4] = 0x51; d[5] = 1; d[7] = static_cast<std::uint8_t>(noise.uniform(12)); }
    t.nodes[0]->on_datagram(t.now, ep(9), ep(1), d);
  }
  EXPECT_EQ(t.nodes[0]->counters().dropped_total(), 2000u);
  t.nodes[0]->on_datagram(t.now, [] { auto e = ep(9); e.port = 1023; return e; }(), ep(1), bytes(20, 0));
  EXPECT_EQ(t.nodes[0]->counters().dropped_total(), 2001u);
}

TEST(Node, RetransmitsAnUnansweredRequestTwiceWithTheSameId) {
  trio t;
  t.nodes.push_back(std::make_unique<node>(node_config{}, t.rng, t.sec));
  t.nodes[0]->set_local_endpoints(0, {ep(1)});
  (void)t.nodes[0]->take_bootstrap_requests();
  const endpoint silent = ep(50);
  t.nodes[0]->add_bootstrap_endpoints(0, 1, std::span(&silent, 1), true);
  auto first = t.nodes[0]->take_datagrams();
  ASSERT_EQ(first.size(), 1u);
  std::vector<bytes> sent{first[0].data};
  for (std::uint64_t now = 100; now <= 5000; now += 100) {
    t.nodes[0]->on_timer(now);
    for (auto& d : t.nodes[0]->take_datagrams()) if (d.to == silent) sent.push_back(d.data);
  }
  ASSERT_EQ(sent.size(), 3u);  // §7 item 12
  EXPECT_EQ(sent[0], sent[1]);
  EXPECT_EQ(sent[1], sent[2]);
}

namespace {

// Mode 1 test double: the null provider, plus a signature = SHA-256 of the signed bytes, so a
// changed byte (or a liar) is caught by verify_data.
class hashing_security final : public security_provider {
 public:
  bool lie = false;
  HRESULT register_key(const key256& k, void* c) override { return inner_.register_key(k, c); }
  HRESULT unregister_key(const key256& k, void* c) override { return inner_.unregister_key(k, c); }
  HRESULT secure_and_pack_payload(void* c, std::uint8_t a, std::uint8_t b, std::uint32_t f, const key256& k, const bytes* p,
                                  std::span<const endpoint> e, byte_span n, packed_payload& o) override {
    return inner_.secure_and_pack_payload(c, a, b, f, k, p, e, n, o);
  }
  HRESULT validate_and_unpack_payload(byte_span cpa, byte_span ch, byte_span cl, byte_span n, const bytes* sp,
                                      unpacked_payload& o) override {
    return inner_.validate_and_unpack_payload(cpa, ch, cl, n, sp, o);
  }
  HRESULT get_serialized_credential(bytes& c) override { c = {0xC0}; return S_OK; }
  HRESULT validate_remote_credential(byte_span c) override { return c.size() == 1 ? S_OK : DRT_E_INVALID_CERT_CHAIN; }
  HRESULT sign_data(std::span<const byte_span> buffers, bytes& key_id, bytes& sig) override {
    bytes all;
    for (auto b : buffers) all.insert(all.end(), b.begin(), b.end());
    const auto h = sha256(all);
    sig.assign(h.begin(), h.end());
    if (lie) sig[0] ^= 1;
    key_id = {1};
    return S_OK;
  }
  HRESULT verify_data(std::span<const byte_span> buffers, byte_span, byte_span, byte_span sig) override {
    bytes all;
    for (auto b : buffers) all.insert(all.end(), b.begin(), b.end());
    const auto h = sha256(all);
    return std::equal(h.begin(), h.end(), sig.begin(), sig.end()) ? S_OK : DRT_E_INVALID_MESSAGE;
  }
  HRESULT encrypt_data(byte_span c, std::span<const byte_span> b, std::vector<bytes>& e, bytes& k) override {
    return inner_.encrypt_data(c, b, e, k);
  }
  HRESULT decrypt_data(byte_span k, void* c, std::vector<bytes>& b) override { return inner_.decrypt_data(k, c, b); }

 private:
  null_security inner_;
};

}  // namespace

TEST(NodeMembershipMode, SignedMessagesAreVerifiedAndForgeriesDropped) {
  trio t;
  hashing_security honest, liar;
  liar.lie = true;
  node_config cfg;
  cfg.security_mode = 1;  // DRT_SECURE_MEMBERSHIP
  ASSERT_EQ(node::check_config(cfg), S_OK);
  for (int i = 0; i < 3; ++i) {
    t.nodes.push_back(std::make_unique<node>(cfg, t.rng, i == 2 ? static_cast<security_provider&>(liar) : honest));
    t.nodes[i]->set_local_endpoints(t.now, {ep(i + 1)});
    t.drain(i);
    if (i < 2) {
      ASSERT_EQ(t.nodes[i]->register_key(t.now, k(100 + i), {static_cast<std::uint8_t>(i)}), S_OK);
    }
    t.step(6000);
  }
  EXPECT_EQ(t.nodes[0]->status(), node_status::active);
  EXPECT_TRUE(t.nodes[0]->cache().in_any_leaf_set(k(101)));
  // The liar's SOLICIT is unsigned (fine) but its REQUEST / LOOKUP are dropped as forged.
  search_info info;
  info.target = k(101);
  std::uint64_t id = 0;
  const auto dropped_before = t.nodes[1]->counters().dropped[static_cast<std::size_t>(drop_reason::security_failure)] +
                              t.nodes[0]->counters().dropped[static_cast<std::size_t>(drop_reason::security_failure)];
  ASSERT_EQ(t.nodes[2]->start_search(t.now, info, id), S_OK);
  t.drain(2);
  t.step(5000);
  const auto dropped_after = t.nodes[1]->counters().dropped[static_cast<std::size_t>(drop_reason::security_failure)] +
                             t.nodes[0]->counters().dropped[static_cast<std::size_t>(drop_reason::security_failure)];
  EXPECT_GT(dropped_after, dropped_before);
  // An honest member finds the key.
  ASSERT_EQ(t.nodes[0]->start_search(t.now, info, id), S_OK);
  t.drain(0);
  t.step(3000);
  ASSERT_FALSE(t.results_of(0, id).empty());
  EXPECT_EQ(t.results_of(0, id)[0].key, k(101));
  EXPECT_EQ(t.results_of(0, id)[0].hr, S_OK);
}

TEST(NodeConfig, ModesUpToConfidentialAreAcceptedAndOthersRefused) {
  node_config cfg;
  cfg.security_mode = 2;
  EXPECT_EQ(node::check_config(cfg), S_OK);
  cfg.security_mode = 3;
  EXPECT_EQ(node::check_config(cfg), DRT_E_CAPABILITY_MISMATCH);
  cfg.security_mode = 0;
  cfg.max_routing_addresses = 21;
  EXPECT_EQ(node::check_config(cfg), DRT_E_INVALID_MAX_ADDRESSES);
}
