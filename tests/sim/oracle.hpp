// Simulator tests: random keys, the brute-force oracle that nearest and range searches are
// checked against, and the random nearest/range searches the tests run.
#pragma once

#include "engine/key_math.hpp"
#include "engine/node.hpp"
#include "sim/network.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace drt::sim {

inline engine::key256 random_key(engine::random_source& r) {
  engine::key256 k;
  for (auto& l : k.limb) l = r.next_u64();
  return k;
}

// The API's answer computed from every registered key: the min(cMaxEndpoints, 16) candidates
// closest to the target (fIterative: 1), ties by the smaller key (protocol.md §1.1); the
// searcher's own key only with fAllowCurrentInstanceMatch.
inline std::vector<engine::key256> oracle(const std::vector<engine::key256>& keys, const engine::search_info& info,
                                          const engine::key256& own) {
  const engine::key256 lo = info.minimum.value_or(info.target), hi = info.maximum.value_or(info.target);
  std::vector<engine::key256> in;
  for (const auto& k : keys)
    if (!(k < lo) && !(hi < k) && (info.allow_current_instance_match || !(k == own))) in.push_back(k);
  std::sort(in.begin(), in.end(),
            [&](const engine::key256& a, const engine::key256& b) { return engine::closer_to(info.target, a, b); });
  const std::size_t wanted = info.iterative ? 1 : std::min<std::size_t>(info.max_endpoints, 16);
  if (in.size() > wanted) in.resize(wanted);
  return in;
}

// A nearest search over the whole ring for 1 key, or (range) one for 3 keys in
// [target - width, target + width] cut at the ends of the ring.
inline engine::search_info nearest_or_range(const engine::key256& target, bool range, const engine::key256& width) {
  engine::search_info info;
  info.target = target;
  info.minimum = range ? engine::sub_mod(target, width) : engine::key256{};
  info.maximum = range ? engine::add_mod(target, width) : engine::key_max();
  if (range && target < *info.minimum) info.minimum = engine::key256{};
  if (range && *info.maximum < target) info.maximum = engine::key_max();
  info.max_endpoints = range ? 3 : 1;
  return info;
}

// Runs `count` searches from random nodes, alternating nearest (whole ring, 1 key) and range
// (target ± 2^256 / width_divisor, 3 keys), and returns how many equal the oracle's answer; a
// result outside its range fails the calling test (protocol.md §7 item 30).
inline int searches_agreeing_with_oracle(network& net, engine::random_source& w, int count,
                                         std::uint64_t width_divisor) {
  const auto keys = net.live_keys();
  int agree = 0;
  for (int i = 0; i < count; ++i) {
    const engine::search_info info =
        nearest_or_range(random_key(w), i % 2 == 1, engine::div_small(engine::key_max(), width_divisor));
    const std::size_t from = w.uniform(net.size());
    const std::vector<engine::key256> want = oracle(keys, info, *net.key_of(from));
    const auto& out = net.search_and_wait(from, info);
    std::vector<engine::key256> got;
    for (const auto& r : out.results) got.push_back(r.key);
    agree += got == want ? 1 : 0;
    for (const auto& k : got) EXPECT_FALSE(k < *info.minimum || *info.maximum < k);
  }
  return agree;
}

}  // namespace drt::sim
