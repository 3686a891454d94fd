#include "engine/key_math.hpp"

#include <bit>

namespace drt::engine {

key256 key256::from_api_bytes(const std::uint8_t* pb) {
  key256 k;
  for (int i = 0; i < 32; ++i) k.limb[i / 8] |= std::uint64_t{pb[i]} << (8 * (i % 8));
  return k;
}

void key256::to_api_bytes(std::uint8_t* pb) const {
  for (int i = 0; i < 32; ++i) pb[i] = static_cast<std::uint8_t>(limb[i / 8] >> (8 * (i % 8)));
}

key256 key256::from_wire(std::span<const std::uint8_t, 32> wire) {
  key256 k;
  for (int i = 0; i < 32; ++i) k.limb[(31 - i) / 8] |= std::uint64_t{wire[i]} << (8 * ((31 - i) % 8));
  return k;
}

void key256::to_wire(std::uint8_t* out) const {
  for (int i = 0; i < 32; ++i) out[i] = static_cast<std::uint8_t>(limb[(31 - i) / 8] >> (8 * ((31 - i) % 8)));
}

std::strong_ordering operator<=>(const key256& a, const key256& b) {
  for (int i = 3; i >= 0; --i) {
    if (a.limb[i] != b.limb[i]) return a.limb[i] <=> b.limb[i];
  }
  return std::strong_ordering::equal;
}

key256 sub_mod(const key256& a, const key256& b) {
  key256 r;
  std::uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t d = a.limb[i] - b.limb[i];
    const std::uint64_t out = d - borrow;
    borrow = (a.limb[i] < b.limb[i]) || (d < borrow) ? 1 : 0;
    r.limb[i] = out;
  }
  return r;
}

key256 add_mod(const key256& a, const key256& b) {
  key256 r;
  std::uint64_t carry = 0;
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t s = a.limb[i] + b.limb[i];
    const std::uint64_t out = s + carry;
    carry = (s < a.limb[i]) || (out < s) ? 1 : 0;
    r.limb[i] = out;
  }
  return r;
}

key256 ring_distance(const key256& a, const key256& b) {
  const key256 up = sub_mod(b, a);
  const key256 down = sub_mod(a, b);
  return up < down ? up : down;
}

int nearness(const key256& a, const key256& b) {
  for (int i = 3; i >= 0; --i) {
    const std::uint64_t x = a.limb[i] ^ b.limb[i];
    if (x != 0) return (3 - i) * 64 + std::countl_zero(x);
  }
  return 256;
}

bool closer_to(const key256& target, const key256& x, const key256& y) {
  const auto dx = ring_distance(x, target);
  const auto dy = ring_distance(y, target);
  if (dx != dy) return dx < dy;
  return x < y;
}

key256 shift_right(const key256& a, int n) {
  key256 r;
  const int limbs = n / 64;
  const int bits = n % 64;
  for (int i = 0; i < 4; ++i) {
    const int src = i + limbs;
    if (src > 3) break;
    std::uint64_t v = a.limb[src] >> bits;
    if (bits != 0 && src + 1 <= 3) v |= a.limb[src + 1] << (64 - bits);
    r.limb[i] = v;
  }
  return r;
}

__extension__ typedef unsigned __int128 uint128;

key256 div_small(const key256& a, std::uint64_t d) {
  key256 q;
  uint128 rem = 0;
  for (int i = 3; i >= 0; --i) {
    const uint128 cur = (rem << 64) | a.limb[i];
    q.limb[i] = static_cast<std::uint64_t>(cur / d);
    rem = cur % d;
  }
  return q;
}

key256 key_max() {
  key256 k;
  k.limb.fill(~std::uint64_t{0});
  return k;
}

key256 half_ring() {
  key256 k;
  k.limb[3] = std::uint64_t{1} << 63;
  return k;
}

}  // namespace drt::engine
