// Simulator tests: the brute-force oracle that nearest and range searches are checked against,
// and the random nearest/range searches the tests run.
#pragma once

#include "engine/key_math.hpp"
#include "engine/node.hpp"

#include <algorithm>
#include <vector>

namespace drt::sim {

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

}  // namespace drt::sim
