// Simulator tests of small networks (≤ 200 nodes): correctness against a brute-force oracle,
// determinism, partition heal and churn with loss. Each prints its seed for replay.
#include "sim/network.hpp"
#include "sim/oracle.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace drt;
using engine::key256;

namespace {

using sim::random_key;

void build(sim::network& net, engine::random_source& w, int n) {
  for (int i = 0; i < n; ++i) {
    net.add_node(random_key(w));
    net.run_for(20);
  }
  net.run_for(60'000);
}

std::string replay(std::uint64_t seed) { return "seed=" + std::to_string(seed); }

}  // namespace

TEST(SimCorrectness, EveryRegisteredKeyIsFoundExactly) {
  const std::uint64_t seed = 11;
  SCOPED_TRACE(replay(seed));
  sim::network net(seed, {});
  engine::seeded_random w(seed);
  build(net, w, 120);
  net.run_for(120'000);  // leaf-set maintenance converges within a few periods
  EXPECT_EQ(net.leaf_set_correct_fraction(), 1.0);  // protocol.md §7 item 21
  int ok = 0, total = 0;
  for (std::size_t i = 0; i < net.size(); i += 3) {
    engine::search_info info;
    info.target = *net.key_of(i);
    const auto& out = net.search_and_wait(w.uniform(net.size()), info);
    ++total;
    ok += out.done && out.results.size() == 1 && out.results[0].key == info.target ? 1 : 0;
  }
  EXPECT_EQ(ok, total);
}

TEST(SimCorrectness, AbsentKeysEndWithNoMore) {
  const std::uint64_t seed = 12;
  SCOPED_TRACE(replay(seed));
  sim::network net(seed, {});
  engine::seeded_random w(seed);
  build(net, w, 80);
  for (int i = 0; i < 20; ++i) {
    engine::search_info info;
    info.target = random_key(w);
    const auto& out = net.search_and_wait(w.uniform(net.size()), info);
    EXPECT_TRUE(out.done);
    EXPECT_TRUE(out.results.empty());
  }
}

TEST(SimCorrectness, NearestAndRangeSearchesAgreeWithTheOracle) {
  const std::uint64_t seed = 13;
  SCOPED_TRACE(replay(seed));
  sim::network net(seed, {});
  engine::seeded_random w(seed);
  build(net, w, 100);
  EXPECT_EQ(sim::searches_agreeing_with_oracle(net, w, 30, 25), 30);
}

TEST(SimDeterminism, TheSameSeedGivesTheSameTraceHash) {
  auto run = [](std::uint64_t seed) {
    sim::network net(seed, {.loss_pct = 2, .duplicate_pct = 1, .reorder_pct = 5});
    engine::seeded_random w(seed);
    for (int i = 0; i < 40; ++i) { net.add_node(random_key(w)); net.run_for(30); }
    net.run_for(20'000);
    for (int i = 0; i < 10; ++i) {
      engine::search_info info;
      info.target = *net.key_of(w.uniform(net.size()));
      net.start_search(w.uniform(net.size()), info);
    }
    net.run_for(10'000);
    return net.trace_hash();
  };
  const auto a = run(77), b = run(77), c = run(78);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(SimPartition, AllKeysResolveWithinThreeMaintenancePeriodsAfterHeal) {
  const std::uint64_t seed = 21;
  SCOPED_TRACE(replay(seed));
  sim::network net(seed, {});
  engine::seeded_random w(seed);
  build(net, w, 100);
  net.split_in_half();
  net.run_for(120'000);
  // During the split each half forgets the other.
  std::size_t cross = 0;
  for (const auto& e : net.engine(0).cache().leaf_sets().front().above)
    for (std::size_t j = 1; j < net.size(); j += 2) cross += *net.key_of(j) == e ? 1 : 0;
  EXPECT_EQ(cross, 0u);
  net.heal();
  net.run_for(3 * sim::network::maintenance_period_ms());
  int ok = 0, total = 0;
  for (std::size_t i = 0; i < net.size(); i += 2) {
    engine::search_info info;
    info.target = *net.key_of(i + 1 < net.size() ? i + 1 : i);
    const auto& out = net.search_and_wait(i, info);  // even node looks up an odd node's key
    ++total;
    ok += out.results.size() == 1 && out.results[0].key == info.target ? 1 : 0;
  }
  EXPECT_EQ(ok, total);
}

TEST(SimChurn, LiveKeysStayResolvableUnderChurnAndLoss) {
  const std::uint64_t seed = 31;
  SCOPED_TRACE(replay(seed));
  sim::network net(seed, {});
  engine::seeded_random w(seed);
  build(net, w, 150);
  net.set_config({.loss_pct = 1});
  int ok = 0, total = 0;
  for (int minute = 0; minute < 2; ++minute) {
    for (int c = 0; c < 8; ++c) {  // ~5 % per minute
      const auto live = net.live_nodes();
      net.remove_node(live[w.uniform(live.size())], c % 2 == 0);
      net.add_node(random_key(w));
      net.run_for(7'500);
    }
    for (int i = 0; i < 25; ++i) {
      const auto live = net.live_nodes();
      std::size_t target = live[w.uniform(live.size())];
      if (net.now_ms() < net.joined_ms(target) + 30'000) continue;
      engine::search_info info;
      info.target = *net.key_of(target);
      const auto& out = net.search_and_wait(live[w.uniform(live.size())], info);
      ++total;
      ok += out.results.size() == 1 && out.results[0].key == info.target ? 1 : 0;
    }
  }
  EXPECT_GE(ok * 100, total * 95) << ok << "/" << total;
}
