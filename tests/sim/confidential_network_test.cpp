// Simulator tests of DRT_SECURE_CONFIDENTIALPAYLOAD (mode 2, protocol.md §5.5): networks of ≤ 50
// nodes resolve every key (exact, nearest, range) with the protected fields encrypted; every
// datagram sent is inspected for a payload, CPA, FLOOD/AUTHORITY route entry or flagged path in
// clear (§7 rule 35); split detection (D26) merges two halves in mode 2. Each prints its seed.
#include "engine/codec.hpp"
#include "sim/network.hpp"
#include "sim/oracle.hpp"
#include "sim/sealing_security.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

using namespace drt;
using engine::bytes;
using engine::key256;

namespace {

using sim::random_key;

std::string replay(std::uint64_t seed) { return "seed=" + std::to_string(seed); }

// 40 bytes no other field of the protocol contains by chance.
bytes payload_of(std::size_t i) {
  const std::string s = "confidential payload of node " + std::to_string(1000 + i) + " (mode 2)";
  return bytes(s.begin(), s.end());
}

sim::network_config sealed(std::uint8_t mode) {
  sim::network_config c;
  c.security_mode = mode;
  c.security_factory = [](std::size_t i) { return std::make_unique<sim::sealing_security>(i + 1); };
  return c;
}

void build(sim::network& net, engine::random_source& w, int n) {
  for (int i = 0; i < n; ++i) {
    net.add_node(random_key(w), payload_of(static_cast<std::size_t>(i)));
    net.run_for(20);
  }
  net.run_for(60'000);
}

bool contains(const bytes& haystack, const bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

// What a datagram shows in clear of the fields rule 35 protects.
struct wire_audit {
  std::size_t datagrams = 0, parsed = 0, unparsed_fragments = 0, with_encrypted_field = 0;
  std::size_t payload_in_clear = 0, cpa_in_clear = 0, protected_field_in_clear = 0;
  std::vector<bytes> payloads;

  void see(const bytes& d) {
    ++datagrams;
    for (const auto& p : payloads) payload_in_clear += contains(d, p) ? 1 : 0;
    // The null CPA's head (protocol.md §5.7): reserved 0, empty SIGNATURE, version 1.0, profile
    // 4F 00, key length 32. The sealing provider's proofs are null CPAs.
    static const bytes cpa_head{0x00, 0x02, 0x00, 0x01, 0x00, 0x4F, 0x00, 0x20, 0x00};
    cpa_in_clear += contains(d, cpa_head) ? 1 : 0;
    auto v = engine::split_datagram(d, 1);
    const auto* view = std::get_if<engine::datagram_view>(&v);
    if (view == nullptr) return;
    if (!view->complete()) {
      ++unparsed_fragments;  // covered by the byte searches above only
      return;
    }
    auto m = engine::parse_message(view->prefix, view->piece);
    const auto* msg = std::get_if<engine::message>(&m);
    if (msg == nullptr) return;
    ++parsed;
    if (!msg->encrypted.empty()) ++with_encrypted_field;
    if (!engine::protected_fields(*msg).empty()) ++protected_field_in_clear;
  }
};

}  // namespace

TEST(SimConfidential, EveryKeyResolvesExactNearestAndRange) {
  const std::uint64_t seed = 51;
  SCOPED_TRACE(replay(seed));
  sim::network net(seed, sealed(2));
  engine::seeded_random w(seed);
  constexpr int nodes = 40;
  build(net, w, nodes);
  net.run_for(60'000);
  EXPECT_EQ(net.leaf_set_correct_fraction(), 1.0);  // §7 item 21, in mode 2
  int exact_ok = 0;
  for (std::size_t i = 0; i < net.size(); ++i) {  // every key, from another node
    engine::search_info info;
    info.target = *net.key_of(i);
    const std::size_t from = (i + 1 + w.uniform(net.size() - 1)) % net.size();
    const auto& out = net.search_and_wait(from, info);
    exact_ok += out.done && out.results.size() == 1 && out.results[0].key == info.target &&
                        out.results[0].app_data == payload_of(i)
                    ? 1
                    : 0;
  }
  EXPECT_EQ(exact_ok, nodes);
  EXPECT_EQ(sim::searches_agreeing_with_oracle(net, w, 16, 10), 16);
  for (std::size_t i = 0; i < net.size(); ++i)
    EXPECT_EQ(net.engine(i).counters().dropped[static_cast<std::size_t>(engine::drop_reason::decrypt_failure)], 0u)
        << "node " << i;
}

TEST(SimConfidential, NullProviderNetworkResolvesEveryKey) {
  const std::uint64_t seed = 52;
  SCOPED_TRACE(replay(seed));
  sim::network_config c;
  c.security_mode = 2;  // the built-in null provider: encryption is a copy, the protocol is mode 2's
  sim::network net(seed, c);
  engine::seeded_random w(seed);
  constexpr int nodes = 30;
  build(net, w, nodes);
  int ok = 0;
  for (std::size_t i = 0; i < net.size(); ++i) {
    engine::search_info info;
    info.target = *net.key_of(i);
    const auto& out = net.search_and_wait((i + 7) % net.size(), info);
    ok += out.results.size() == 1 && out.results[0].app_data == payload_of(i) ? 1 : 0;
  }
  EXPECT_EQ(ok, nodes);
}

// §7 rule 35. The audit runs on every datagram of the whole life of the network: joins,
// synchronization, leaf-set floods, probes, searches and the revocations of graceful leaves.
TEST(SimConfidential, NoPayloadCpaRouteEntryOrFlaggedPathInClear) {
  auto run = [](std::uint8_t mode, int nodes) {
    const std::uint64_t seed = 53;
    wire_audit audit;
    for (int i = 0; i < nodes; ++i) audit.payloads.push_back(payload_of(static_cast<std::size_t>(i)));
    sim::network net(seed, sealed(mode));
    net.set_datagram_observer([&](std::size_t, const engine::outgoing_datagram& d) { audit.see(d.data); });
    engine::seeded_random w(seed);
    build(net, w, nodes);
    int found = 0;
    for (std::size_t i = 0; i < net.size(); ++i) {
      engine::search_info info;
      info.target = *net.key_of(i);
      const auto& out = net.search_and_wait((i + 3) % net.size(), info);
      found += out.results.size() == 1 && out.results[0].app_data == payload_of(i) ? 1 : 0;
    }
    engine::search_info near;
    near.target = random_key(w);
    near.minimum = key256{};
    near.maximum = engine::key_max();
    near.max_endpoints = 4;
    net.search_and_wait(0, near);
    for (std::size_t i = 0; i < net.size(); i += 5) net.remove_node(i, true);  // revocations
    net.run_for(20'000);
    EXPECT_EQ(found, nodes);
    return audit;
  };
  SCOPED_TRACE(replay(53));
  const wire_audit a = run(2, 30);
  std::printf("mode 2: %zu datagrams, %zu parsed, %zu with ENCRYPTED_FIELD, %zu fragments\n", a.datagrams, a.parsed,
              a.with_encrypted_field, a.unparsed_fragments);
  EXPECT_GT(a.with_encrypted_field, 100u);  // the audit saw the traffic it is about
  EXPECT_EQ(a.payload_in_clear, 0u);
  EXPECT_EQ(a.cpa_in_clear, 0u);
  EXPECT_EQ(a.protected_field_in_clear, 0u);
  EXPECT_EQ(a.parsed + a.unparsed_fragments, a.datagrams);
  // The same audit on a mode-1 network finds all three in clear: the check can fail.
  const wire_audit clear = run(1, 12);
  EXPECT_GT(clear.payload_in_clear, 0u);
  EXPECT_GT(clear.cpa_in_clear, 0u);
  EXPECT_GT(clear.protected_field_in_clear, 0u);
  EXPECT_EQ(clear.with_encrypted_field, 0u);
}

// D26: split detection in mode 2 (first hop by SOLICIT to a bootstrap endpoint, then the
// split-detection walk with encrypted flagged paths) merges two halves after a heal.
TEST(SimConfidential, HalvesMergeAfterHealThroughSplitDetection) {
  const std::uint64_t seed = 54;
  SCOPED_TRACE(replay(seed));
  sim::network net(seed, sealed(2));
  engine::seeded_random w(seed);
  build(net, w, 40);
  net.split_in_half();
  net.run_for(120'000);
  std::size_t cross = 0;
  for (const auto& e : net.engine(0).cache().leaf_sets().front().above)
    for (std::size_t j = 1; j < net.size(); j += 2) cross += *net.key_of(j) == e ? 1 : 0;
  EXPECT_EQ(cross, 0u);
  net.heal();
  net.run_for(3 * sim::network::maintenance_period_ms());
  int ok = 0, total = 0;
  for (std::size_t i = 0; i + 1 < net.size(); i += 2) {
    engine::search_info info;
    info.target = *net.key_of(i + 1);
    const auto& out = net.search_and_wait(i, info);  // even node looks up an odd node's key
    ++total;
    ok += out.results.size() == 1 && out.results[0].key == info.target ? 1 : 0;
  }
  EXPECT_EQ(ok, total);
}
