// core/engine: 256-bit key arithmetic on the ring (spec/api.md §1.7, protocol.md §1.1).
// Keys arrive in API order (little-endian bytes) and travel in wire order (big-endian, [D2]);
// comparisons and distances are numeric. Pure functions and a value type: thread-safe.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>

namespace drt::engine {

struct key256 {
  std::array<std::uint64_t, 4> limb{};  // limb[0] least significant

  static key256 from_api_bytes(const std::uint8_t* pb);
  void to_api_bytes(std::uint8_t* pb) const;
  // Wire order: most significant byte first (protocol.md §1.1 [D2]).
  static key256 from_wire(std::span<const std::uint8_t, 32> wire);
  void to_wire(std::uint8_t* out) const;
  static key256 from_u64(std::uint64_t v) { key256 k; k.limb[0] = v; return k; }
  friend std::strong_ordering operator<=>(const key256& a, const key256& b);
  friend bool operator==(const key256& a, const key256& b) = default;
};

// (a - b) mod 2^256
key256 sub_mod(const key256& a, const key256& b);
// (a + b) mod 2^256
key256 add_mod(const key256& a, const key256& b);
inline key256 add_small(const key256& a, std::uint64_t v) { return add_mod(a, key256::from_u64(v)); }
inline key256 sub_small(const key256& a, std::uint64_t v) { return sub_mod(a, key256::from_u64(v)); }
// up(a,b) = (b - a) mod 2^256; down(a,b) = (a - b) mod 2^256 (protocol.md §1.1).
inline key256 up_distance(const key256& a, const key256& b) { return sub_mod(b, a); }
inline key256 down_distance(const key256& a, const key256& b) { return sub_mod(a, b); }
// min(up, down): the ring distance, at most 2^255.
key256 ring_distance(const key256& a, const key256& b);
// Leading bits two keys share, 0..256.
int nearness(const key256& a, const key256& b);
// "x is closer to target than y" with protocol.md §1.1 tie-break on the smaller key.
bool closer_to(const key256& target, const key256& x, const key256& y);
// Shift right by n bits (n < 256); used for the cache level radii and arc midpoints.
key256 shift_right(const key256& a, int n);
// a / d for a small divisor d > 0 (level radii 2^255 / 10^i, arc width 2^256 / 10).
key256 div_small(const key256& a, std::uint64_t d);
// Largest key value, 2^256 - 1.
key256 key_max();
// 2^255, the largest ring distance.
key256 half_ring();

}  // namespace drt::engine
