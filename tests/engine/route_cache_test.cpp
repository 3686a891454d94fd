#include "engine/route_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace drt::engine;

namespace {

route_entry entry_for(const key256& k, int i) {
  route_entry r;
  r.key = k;
  r.port = 3540;
  ipv6_address a{0x20, 0x01};
  a[14] = static_cast<std::uint8_t>(i >> 8);
  a[15] = static_cast<std::uint8_t>(i);
  r.addresses.push_back(a);
  return r;
}

key256 random_key(random_source& r) {
  key256 k;
  for (auto& l : k.limb) l = r.next_u64();
  return k;
}

}  // namespace

TEST(LeafSet, HoldsTheFiveNearestOnEachSide) {
  std::vector<key256> keys;
  for (std::uint64_t v = 1; v <= 20; ++v) keys.push_back(key256::from_u64(v * 10));
  const auto ls = route_cache::compute_leaf_set(key256::from_u64(105), keys);
  ASSERT_EQ(ls.below.size(), 5u);
  ASSERT_EQ(ls.above.size(), 5u);
  EXPECT_EQ(ls.below.front(), key256::from_u64(100));
  EXPECT_EQ(ls.below.back(), key256::from_u64(60));
  EXPECT_EQ(ls.above.front(), key256::from_u64(110));
  EXPECT_EQ(ls.above.back(), key256::from_u64(150));
}

TEST(LeafSet, AnEqualKeyCountsAsAboveAndEachEntryHasOneSide) {
  std::vector<key256> keys = {key256::from_u64(5), key256::from_u64(7)};
  const auto ls = route_cache::compute_leaf_set(key256::from_u64(6), keys);
  EXPECT_EQ(ls.above.size(), 1u);
  EXPECT_EQ(ls.below.size(), 1u);
  const auto two = route_cache::compute_leaf_set(key256::from_u64(6), {key256::from_u64(7)});
  EXPECT_TRUE(two.below.empty());  // a small cloud: one entry is on one side only
}

TEST(RouteCache, LeafSetIsTheViewOverCpaValidatedEntries) {
  seeded_random rng(1);
  route_cache c(key256::from_u64(1000));
  c.set_local_keys({key256::from_u64(1000)}, key256::from_u64(1000));
  c.insert(entry_for(key256::from_u64(1001), 1), entry_for(key256::from_u64(1001), 1).addresses[0], false, 0, rng);
  EXPECT_FALSE(c.in_any_leaf_set(key256::from_u64(1001)));
  c.insert(entry_for(key256::from_u64(1001), 1), entry_for(key256::from_u64(1001), 1).addresses[0], true, 0, rng);
  EXPECT_EQ(c.size(), 1u);  // same key and endpoint: replaced in place
  EXPECT_TRUE(c.in_any_leaf_set(key256::from_u64(1001)));
  auto changes = c.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].added);
  c.remove(key256::from_u64(1001), std::nullopt);
  changes = c.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].added);
}

TEST(RouteCache, NoLevelHoldsMoreThanTwentyUnpinnedEntries) {
  seeded_random rng(2);
  const key256 anchor = random_key(rng);
  route_cache c(anchor);
  c.set_local_keys({anchor}, anchor);
  for (int i = 0; i < 5000; ++i) {
    const auto r = entry_for(random_key(rng), i);
    c.insert(r, r.addresses[0], i % 3 == 0, 0, rng);
  }
  for (int level = 0; level < c.levels(); ++level) {
    const auto unpinned = std::count_if(c.entries().begin(), c.entries().end(),
                                        [&](const cache_entry& e) { return e.level == level && !e.pinned; });
    EXPECT_LE(unpinned, 20) << "level " << level;
  }
  EXPECT_GE(c.levels(), 3);  // 5000 random keys: levels keep splitting towards the anchor
  EXPECT_LE(c.size(), static_cast<std::size_t>(20 * c.levels() + 10));
  EXPECT_TRUE(std::is_sorted(c.entries().begin(), c.entries().end(), [](auto& a, auto& b) { return a.key < b.key; }));
}

TEST(RouteCache, PinnedLeafSetEntriesSurviveOverflow) {
  seeded_random rng(3);
  const key256 anchor = key256::from_u64(0);
  route_cache c(anchor);
  c.set_local_keys({anchor}, anchor);
  std::vector<key256> near;
  for (int i = 1; i <= 5; ++i) {
    near.push_back(key256::from_u64(static_cast<std::uint64_t>(i)));
    c.insert(entry_for(near.back(), i), entry_for(near.back(), i).addresses[0], true, 0, rng);
  }
  for (int i = 0; i < 500; ++i) {
    const auto r = entry_for(random_key(rng), 100 + i);
    c.insert(r, r.addresses[0], false, 0, rng);
  }
  for (const auto& k : near) EXPECT_NE(c.find_key(k), nullptr);
}

TEST(RouteCache, UnconfirmedUnpinnedEntriesExpire) {
  seeded_random rng(4);
  route_cache c(key256::from_u64(0));
  const auto r = entry_for(key256::from_u64(1) , 1);
  c.insert(r, r.addresses[0], false, 10, rng);
  EXPECT_EQ(c.remove_unconfirmed(5), 0u);
  EXPECT_EQ(c.remove_unconfirmed(11), 1u);
}
