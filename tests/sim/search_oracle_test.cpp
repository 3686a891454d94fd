// Simulator tests: nearest, range, fAnyMatchInRange and iterative searches compared with a
// brute-force oracle over every registered key (api.md §5.3.1 "Effective parameters";
// protocol.md §3.10.5, §7 items 29–32). One converged cloud of ~150 nodes per test, with a few
// keys placed next to 0 and 2^256 − 1 so that targets and ranges at the ends of the ring meet
// real keys. Each test prints its seed for replay.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "sim/network.hpp"
#include "sim/oracle.hpp"

using namespace drt;
using engine::key256;

namespace {

// DRT_SIM_SEED=<n> replays or explores another cloud.
const std::uint64_t seed = [] {
  const char* e = std::getenv("DRT_SIM_SEED");
  return e != nullptr ? std::strtoull(e, nullptr, 10) : 41;
}();

using sim::random_key;

// A key within 2^(64·limbs) above 0 (limbs < 4): "near 0".
key256 small_key(engine::random_source& r, int limbs) {
  key256 k;
  for (int i = 0; i < limbs; ++i) k.limb[static_cast<std::size_t>(i)] = r.next_u64();
  return k;
}

std::string hex(const key256& k) {
  char b[70];
  std::snprintf(b, sizeof b, "%016llx%016llx…", static_cast<unsigned long long>(k.limb[3]),
                static_cast<unsigned long long>(k.limb[2]));
  return b;
}

std::string show(const std::vector<key256>& v) {
  std::string s = "[";
  for (const auto& k : v) s += hex(k) + " ";
  return s + "]";
}

using sim::oracle;

class SearchOracle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    net_ = new sim::network(seed, {});
    engine::seeded_random w(seed);
    // 140 random keys, and 5 keys close to each end of the ring.
    std::vector<key256> keys;
    for (int i = 0; i < 140; ++i) keys.push_back(random_key(w));
    for (int i = 0; i < 5; ++i) keys.push_back(small_key(w, 3));
    for (int i = 0; i < 5; ++i) keys.push_back(engine::sub_mod(engine::key_max(), small_key(w, 3)));
    for (const auto& k : keys) {
      net_->add_node(k);
      net_->run_for(20);
    }
    // Eight maintenance periods: leaf sets are complete by then (LeafSetsAreComplete), and the
    // searches' answers depend on them.
    net_->run_for(8 * sim::network::maintenance_period_ms());
  }
  static void TearDownTestSuite() {
    delete net_;
    net_ = nullptr;
  }

  // Runs a search from `from` and compares its results with the oracle; returns "" when they
  // agree, else a description.
  std::string check(std::size_t from, const engine::search_info& info) {
    const auto want = oracle(net_->live_keys(), info, *net_->key_of(from));
    const auto& out = net_->search_and_wait(from, info);
    std::vector<key256> got;
    bool types_ok = true;
    for (const auto& r : out.results) {
      got.push_back(r.key);
      const auto expected = (r.key == info.target || info.any_match_in_range) ? engine::match_type::exact : engine::match_type::near;
      types_ok = types_ok && r.type == expected;
    }
    const bool iterative_ok = !info.iterative || out.intermediates == out.lookups_sent;  // §7 item 32
    std::string what;
    if (!out.done) what += "not done; ";
    if (info.any_match_in_range) {
      // Any one candidate, or none when the range holds none.
      const auto all = oracle(net_->live_keys(), [&] { auto i = info; i.max_endpoints = 16; i.any_match_in_range = false; return i; }(),
                              *net_->key_of(from));
      const bool ok = want.empty() ? got.empty() : got.size() == 1 && std::find(all.begin(), all.end(), got[0]) != all.end();
      if (!ok) what += "any-match got " + show(got) + " candidates " + show(all);
    } else if (got != want) {
      what += "got " + show(got) + " want " + show(want);
    }
    if (!types_ok) what += " wrong match type;";
    if (!iterative_ok)
      what += " intermediates " + std::to_string(out.intermediates) + " != LOOKUPs " + std::to_string(out.lookups_sent);
    if (!what.empty()) {
      what = "target " + hex(info.target) + " from node " + std::to_string(from) + " (" + hex(*net_->key_of(from)) + "): " + what +
             "\n  search path (key, flags):";
      for (const auto& p : out.path) what += " " + hex(p.key).substr(0, 20) + "/" + std::to_string(p.flags);
    }
    return what;
  }

  static engine::search_info nearest(const key256& target, std::uint32_t max_endpoints) {
    engine::search_info info;
    info.target = target;
    info.minimum = key256{};
    info.maximum = engine::key_max();
    info.max_endpoints = max_endpoints;
    return info;
  }

  static sim::network* net_;
};

sim::network* SearchOracle::net_ = nullptr;

std::string replay() { return "seed=" + std::to_string(seed); }

}  // namespace

TEST_F(SearchOracle, LeafSetsAreComplete) {  // protocol.md §7 item 21, what the oracle relies on
  SCOPED_TRACE(replay());
  EXPECT_EQ(net_->leaf_set_correct_fraction(), 1.0);
}

TEST_F(SearchOracle, NearestSearchesNearBothEndsOfTheRing) {
  SCOPED_TRACE(replay());
  engine::seeded_random w(seed + 1);
  const key256 max = engine::key_max();
  const std::vector<key256> targets = {key256{}, key256::from_u64(1), small_key(w, 2), small_key(w, 3), max,
                                       engine::sub_small(max, 1), engine::sub_mod(max, small_key(w, 2)),
                                       engine::sub_mod(max, small_key(w, 3))};
  int failures = 0;
  for (std::uint32_t want : {1u, 3u, 6u, 12u}) {
    for (const auto& t : targets) {
      const auto what = check(w.uniform(net_->size()), nearest(t, want));
      if (!what.empty()) ADD_FAILURE() << "cMaxEndpoints " << want << ": " << what;
      failures += what.empty() ? 0 : 1;
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST_F(SearchOracle, NearestSearchesWithSeveralResults) {
  SCOPED_TRACE(replay());
  engine::seeded_random w(seed + 2);
  for (int i = 0; i < 24; ++i) {
    const std::uint32_t want = 1 + static_cast<std::uint32_t>(w.uniform(16));
    const auto what = check(w.uniform(net_->size()), nearest(random_key(w), want));
    EXPECT_TRUE(what.empty()) << "cMaxEndpoints " << want << ": " << what;
  }
}

TEST_F(SearchOracle, RangeSearchesReturnEveryKeyInTheRange) {
  SCOPED_TRACE(replay());
  engine::seeded_random w(seed + 3);
  const key256 max = engine::key_max();
  const auto keys = net_->live_keys();
  for (int i = 0; i < 30; ++i) {
    engine::search_info info;
    info.max_endpoints = 16;
    // Widths from a few keys (2^256/150 per key on average) to ~20.
    const key256 half = engine::div_small(max, 150 * 4 / (1 + static_cast<std::uint64_t>(w.uniform(20))));
    switch (i % 5) {
      case 0:  // touching 0
        info.minimum = key256{};
        info.maximum = engine::add_mod(key256{}, half);
        info.target = w.uniform(2) ? key256{} : small_key(w, 3);
        break;
      case 1:  // touching 2^256 − 1
        info.maximum = max;
        info.minimum = engine::sub_mod(max, half);
        info.target = w.uniform(2) ? max : engine::sub_mod(max, small_key(w, 3));
        break;
      case 2: {  // bounded by two registered keys: both ends are candidates
        const std::size_t a = w.uniform(keys.size() - 6);
        info.minimum = keys[a];
        info.maximum = keys[a + 1 + w.uniform(5)];
        info.target = w.uniform(2) ? *info.minimum : *info.maximum;
        break;
      }
      default: {  // around a random target, clipped at the ends (ranges do not wrap, §1.1)
        info.target = random_key(w);
        info.minimum = engine::sub_mod(info.target, half);
        if (info.target < *info.minimum) info.minimum = key256{};
        info.maximum = engine::add_mod(info.target, half);
        if (*info.maximum < info.target) info.maximum = max;
      }
    }
    if (i % 3 == 1) info.max_endpoints = 1 + static_cast<std::uint32_t>(w.uniform(4));
    const auto what = check(w.uniform(net_->size()), info);
    EXPECT_TRUE(what.empty()) << "range " << hex(*info.minimum) << " .. " << hex(*info.maximum) << " cMaxEndpoints "
                              << info.max_endpoints << ": " << what;
  }
}

TEST_F(SearchOracle, AbsentAndPresentKeysNearTheEndsEndWithNoMoreOrTheKey) {
  SCOPED_TRACE(replay());
  engine::seeded_random w(seed + 4);
  const auto keys = net_->live_keys();
  const key256 max = engine::key_max();
  std::vector<key256> targets = {key256{}, max, engine::add_small(keys.front(), 1), engine::sub_small(keys.back(), 1),
                                 keys.front(), keys.back(), keys[1], keys[keys.size() - 2]};
  for (int i = 0; i < 6; ++i) targets.push_back(random_key(w));
  for (const auto& t : targets) {
    engine::search_info info;  // exact search, pInfo NULL
    info.target = t;
    std::size_t from = w.uniform(net_->size());
    if (*net_->key_of(from) == t) from = (from + 1) % net_->size();
    const auto what = check(from, info);
    EXPECT_TRUE(what.empty()) << what;
  }
}

TEST_F(SearchOracle, AnyMatchInRangeEndsWithOneCandidateOrNone) {
  SCOPED_TRACE(replay());
  engine::seeded_random w(seed + 5);
  const key256 max = engine::key_max();
  for (int i = 0; i < 16; ++i) {
    engine::search_info info;
    info.any_match_in_range = true;
    info.target = i % 4 == 0 ? key256{} : i % 4 == 1 ? max : random_key(w);
    const key256 half = engine::div_small(max, 150 * 2 / (1 + static_cast<std::uint64_t>(w.uniform(6))));
    info.minimum = engine::sub_mod(info.target, half);
    if (info.target < *info.minimum) info.minimum = key256{};
    info.maximum = engine::add_mod(info.target, half);
    if (*info.maximum < info.target) info.maximum = max;
    const auto what = check(w.uniform(net_->size()), info);
    EXPECT_TRUE(what.empty()) << what;
  }
}

TEST_F(SearchOracle, AllowCurrentInstanceMatchIncludesTheSearchersOwnKey) {
  SCOPED_TRACE(replay());
  engine::seeded_random w(seed + 6);
  for (int i = 0; i < 8; ++i) {
    const std::size_t from = w.uniform(net_->size());
    auto info = nearest(engine::add_small(*net_->key_of(from), 1 + i), 3);  // own key is (among) the closest
    info.allow_current_instance_match = true;
    const auto what = check(from, info);
    EXPECT_TRUE(what.empty()) << what;
  }
}

TEST_F(SearchOracle, IterativeSearchesReportEveryHopAndEndWithTheClosestKey) {
  SCOPED_TRACE(replay());
  engine::seeded_random w(seed + 7);
  const key256 max = engine::key_max();
  for (int i = 0; i < 16; ++i) {
    const key256 t = i % 4 == 0 ? small_key(w, 3) : i % 4 == 1 ? engine::sub_mod(max, small_key(w, 3)) : random_key(w);
    auto info = nearest(t, 3);  // fIterative forces one result
    info.iterative = true;
    if (i % 2 == 1) {  // a range around the target
      const key256 half = engine::div_small(max, 100);
      info.minimum = t < half ? key256{} : engine::sub_mod(t, half);
      info.maximum = engine::sub_mod(max, half) < t ? max : engine::add_mod(t, half);
    }
    const auto what = check(w.uniform(net_->size()), info);
    EXPECT_TRUE(what.empty()) << what;
  }
}

// DrtContinueSearch: a paused iterative search waits however long it is left paused; each
// continue lets exactly one LOOKUP go, preceded by one INTERMEDIATE (§7 item 32), so the search
// ends having sent as many LOOKUPs as it was continued.
TEST_F(SearchOracle, IterativeSearchWaitsForEachContinue) {
  SCOPED_TRACE(replay());
  engine::seeded_random w(seed + 8);
  for (int i = 0; i < 6; ++i) {
    const std::size_t from = w.uniform(net_->size());
    auto info = nearest(i < 2 ? small_key(w, 3) : random_key(w), 1);
    info.iterative = true;
    const auto want = oracle(net_->live_keys(), info, *net_->key_of(from));
    const std::uint64_t h = net_->start_search(from, info, true);
    ASSERT_NE(h, 0u);
    int continues = 0;
    for (int step = 0; step < 200 && !net_->outcome(h).done; ++step) {
      net_->run_for(5'000);  // much longer than a LOOKUP round trip
      const auto& out = net_->outcome(h);
      if (out.done) break;
      ASSERT_TRUE(out.paused) << "search " << i << " neither done nor paused";
      EXPECT_EQ(out.intermediates, static_cast<std::size_t>(continues) + 1);
      ASSERT_EQ(net_->continue_search(h), S_OK);
      ++continues;
    }
    const auto& out = net_->outcome(h);
    ASSERT_TRUE(out.done);
    std::vector<key256> got;
    for (const auto& r : out.results) got.push_back(r.key);
    EXPECT_EQ(got, want) << "got " << show(got) << " want " << show(want);
    EXPECT_EQ(out.intermediates, out.lookups_sent);
    EXPECT_EQ(static_cast<std::size_t>(continues), out.lookups_sent);
  }
}
