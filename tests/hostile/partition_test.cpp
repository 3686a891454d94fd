// A partition that heals, with the real derived-key provider (OpenSSL, through the adapter):
// while split, each half forgets the other; after healing, every key of every live node is
// found again from the other half. The same scenario at 200 nodes is bench_secure_partition.
// The certificates (hence the keys) are new in every run.
#include "derived_key_sim.hpp"

#include <gtest/gtest.h>

#include <cstdio>

TEST(SecurePartition, EveryKeyIsResolvableAfterTheSplitHeals) {
  const auto out = drt::hostile::run_secure_partition(24, 61);
  std::printf("secure partition: %zu nodes, %zu/%zu keys found after heal (%.1f %%), leaf sets correct %.0f %%\n",
              out.nodes, out.keys_found, out.keys_searched, out.found_pct(), 100 * out.leaf_sets_correct);
  EXPECT_EQ(out.cross_leaf_entries_during_split, 0u);
  EXPECT_EQ(out.keys_found, out.keys_searched);
  // Leaf sets are printed, not asserted: with fresh certificates (random keys) each run, three
  // maintenance periods after the heal are not always enough for every leaf set to equal the
  // oracle (seen: 21 of 24), while every key is already found.
}
