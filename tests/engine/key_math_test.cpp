#include "engine/key_math.hpp"

#include <gtest/gtest.h>

using drt::engine::key256;

TEST(KeyMath, WireOrderIsTheReverseOfApiOrder) {
  std::uint8_t api[32] = {1};
  const key256 k = key256::from_api_bytes(api);
  std::uint8_t wire[32];
  k.to_wire(wire);
  EXPECT_EQ(wire[31], 1);  // protocol.md §7 item 6
  for (int i = 0; i < 31; ++i) EXPECT_EQ(wire[i], 0);
  EXPECT_EQ(key256::from_wire(wire), k);
  std::uint8_t back[32];
  k.to_api_bytes(back);
  EXPECT_EQ(back[0], 1);
}

TEST(KeyMath, RingDistanceWrapsAround) {
  const key256 top = drt::engine::key_max();
  const key256 zero{};
  EXPECT_EQ(drt::engine::ring_distance(top, zero), key256::from_u64(1));
  EXPECT_EQ(drt::engine::up_distance(top, zero), key256::from_u64(1));
  EXPECT_EQ(drt::engine::add_small(top, 1), zero);
  EXPECT_EQ(drt::engine::sub_small(zero, 1), top);
}

TEST(KeyMath, CloserToBreaksTiesOnTheSmallerKey) {
  const key256 t = key256::from_u64(10);
  EXPECT_TRUE(drt::engine::closer_to(t, key256::from_u64(9), key256::from_u64(11)));
  EXPECT_FALSE(drt::engine::closer_to(t, key256::from_u64(11), key256::from_u64(9)));
  EXPECT_TRUE(drt::engine::closer_to(t, key256::from_u64(10), key256::from_u64(9)));
}

TEST(KeyMath, NearnessCountsSharedLeadingBits) {
  EXPECT_EQ(drt::engine::nearness(key256{}, key256{}), 256);
  EXPECT_EQ(drt::engine::nearness(key256{}, key256::from_u64(1)), 255);
  EXPECT_EQ(drt::engine::nearness(key256{}, drt::engine::half_ring()), 0);
}

TEST(KeyMath, DivisionAndShiftMatchSmallValues) {
  EXPECT_EQ(drt::engine::div_small(key256::from_u64(100), 10), key256::from_u64(10));
  key256 big;
  big.limb[1] = 1;  // 2^64
  EXPECT_EQ(drt::engine::div_small(big, 2), key256::from_u64(std::uint64_t{1} << 63));
  EXPECT_EQ(drt::engine::shift_right(big, 1), key256::from_u64(std::uint64_t{1} << 63));
  EXPECT_EQ(drt::engine::shift_right(drt::engine::half_ring(), 255), key256::from_u64(1));
}
