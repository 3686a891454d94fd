// core/engine: 256-bit key arithmetic on the ring (spec/api.md §1.7, protocol.md §1.1).
// Keys arrive in API order (little-endian bytes); comparisons and distances are numeric.
// Pure functions, no state.
#pragma once

#include <array>
#include <compare>
#include <cstdint>

namespace drt::engine {

struct key256 {
  std::array<std::uint64_t, 4> limb{};  // limb[0] least significant

  static key256 from_api_bytes(const std::uint8_t* pb);
  friend std::strong_ordering operator<=>(const key256& a, const key256& b);
  friend bool operator==(const key256& a, const key256& b) = default;
};

// (a - b) mod 2^256
key256 sub_mod(const key256& a, const key256& b);
// min(up, down): the ring distance, at most 2^255.
key256 ring_distance(const key256& a, const key256& b);
// Leading bits two keys share, 0..256.
int nearness(const key256& a, const key256& b);
// "x is closer to target than y" with protocol.md §1.1 tie-break on the smaller key.
bool closer_to(const key256& target, const key256& x, const key256& y);

}  // namespace drt::engine
