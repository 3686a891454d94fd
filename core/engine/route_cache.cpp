#include "engine/route_cache.hpp"

#include <algorithm>

namespace drt::engine {

bool cache_entry::has_endpoint(const endpoint& e) const {
  if (e.port != port) return false;
  if (e.address == address) return true;
  return others && std::find(others->begin(), others->end(), e.address) != others->end();
}

route_entry cache_entry::to_route_entry() const {
  route_entry r;
  r.key = key;
  r.version_major = version_major;
  r.version_minor = version_minor;
  r.port = port;
  r.addresses.push_back(address);
  if (others) r.addresses.insert(r.addresses.end(), others->begin(), others->end());
  return r;
}

bool leaf_set::contains(const key256& k) const {
  return std::find(below.begin(), below.end(), k) != below.end() ||
         std::find(above.begin(), above.end(), k) != above.end();
}

leaf_set route_cache::compute_leaf_set(const key256& local, const std::vector<key256>& sorted_keys) {
  leaf_set ls;
  ls.local = local;
  ls.below.reserve(leaf_set_side_max);  // exact capacity: this is per-node state (8 KiB budget)
  ls.above.reserve(leaf_set_side_max);
  const std::size_t n = sorted_keys.size();
  if (n == 0) return ls;
  // Walk upward from the local key (the local key itself, if listed, is skipped): entries on the above side ([D11]: up ≤ down, equal key above).
  const std::size_t start = static_cast<std::size_t>(std::lower_bound(sorted_keys.begin(), sorted_keys.end(), local) - sorted_keys.begin());
  for (std::size_t i = 0; i < n && ls.above.size() < leaf_set_side_max; ++i) {
    const key256& k = sorted_keys[(start + i) % n];
    if (k == local) continue;
    if (!(up_distance(local, k) <= down_distance(local, k))) break;
    ls.above.push_back(k);
  }
  for (std::size_t i = 1; i <= n && ls.below.size() < leaf_set_side_max; ++i) {
    const key256& k = sorted_keys[(start + n - i) % n];
    if (k == local) continue;
    if (up_distance(local, k) <= down_distance(local, k)) break;
    ls.below.push_back(k);
  }
  return ls;
}

void route_cache::set_local_keys(const std::vector<key256>& keys, const key256& anchor) {
  local_keys_ = keys;
  if (!(anchor == anchor_)) {
    anchor_ = anchor;
    relevel_all();
  }
  recompute_leaf_sets();
}

int route_cache::level_of(const key256& k) const {
  const key256 d = ring_distance(k, anchor_);
  key256 radius = half_ring();  // R_0 = 2^255: level 0 holds everything
  int level = 0;
  for (int i = 1; i < levels_; ++i) {
    radius = div_small(radius, 10);
    if (!(d < radius)) break;
    level = i;
  }
  return level;
}

void route_cache::relevel_all() {
  levels_ = 1;
  for (auto& e : entries_) e.level = 0;
  // Re-apply the split rule from the top (§3.5 step 5); eviction is not needed: splitting only
  // moves entries deeper, and a level over capacity after re-anchoring is trimmed at the next insert.
  for (int l = 0; l + 1 < cache_levels_max && unpinned_in_level(l) > cache_level_unpinned_max; ++l) {
    ++levels_;
    for (auto& e : entries_) e.level = static_cast<std::uint8_t>(level_of(e.key));
  }
}

std::size_t route_cache::unpinned_in_level(int level) const {
  return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(), [&](const cache_entry& e) {
    return e.level == level && !e.pinned;
  }));
}

cache_entry* route_cache::find(const key256& key, const endpoint& e) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key, [](const cache_entry& c, const key256& k) { return c.key < k; });
  for (; it != entries_.end() && it->key == key; ++it)
    if (it->has_endpoint(e)) return &*it;
  return nullptr;
}

const cache_entry* route_cache::find_key(const key256& key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key, [](const cache_entry& c, const key256& k) { return c.key < k; });
  return it != entries_.end() && it->key == key ? &*it : nullptr;
}

bool route_cache::contains_identical(const route_entry& r) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), r.key, [](const cache_entry& c, const key256& k) { return c.key < k; });
  for (; it != entries_.end() && it->key == r.key; ++it)
    if (it->to_route_entry() == r) return true;
  return false;
}

bool route_cache::in_any_leaf_set(const key256& key) const {
  return std::any_of(leaf_sets_.begin(), leaf_sets_.end(), [&](const leaf_set& ls) { return ls.contains(key); });
}

bool route_cache::would_enter_leaf_set(const key256& key) const {
  for (const auto& ls : leaf_sets_) {
    if (key == ls.local) continue;
    const bool above = up_distance(ls.local, key) <= down_distance(ls.local, key);
    const auto& side = above ? ls.above : ls.below;
    if (side.size() < leaf_set_side_max) return true;
    const key256 mine = above ? up_distance(ls.local, key) : down_distance(ls.local, key);
    const key256 far = above ? up_distance(ls.local, side.back()) : down_distance(ls.local, side.back());
    if (mine < far) return true;
  }
  return false;
}

// The §1.4 view of one local key, read straight from the key-sorted entries (validated ones,
// equal keys once): the same result as compute_leaf_set over the validated keys, without
// copying them (this runs after every insertion).
leaf_set route_cache::leaf_set_of(const key256& local) const {
  leaf_set ls;
  ls.local = local;
  ls.below.reserve(leaf_set_side_max);
  ls.above.reserve(leaf_set_side_max);
  const std::size_t n = entries_.size();
  if (n == 0) return ls;
  const std::size_t start = static_cast<std::size_t>(
      std::lower_bound(entries_.begin(), entries_.end(), local, [](const cache_entry& c, const key256& k) { return c.key < k; }) -
      entries_.begin());
  for (std::size_t i = 0; i < n && ls.above.size() < leaf_set_side_max; ++i) {
    const cache_entry& e = entries_[(start + i) % n];
    if (!e.with_cpa || e.key == local || (!ls.above.empty() && ls.above.back() == e.key)) continue;
    if (!(up_distance(local, e.key) <= down_distance(local, e.key))) break;
    ls.above.push_back(e.key);
  }
  for (std::size_t i = 1; i <= n && ls.below.size() < leaf_set_side_max; ++i) {
    const cache_entry& e = entries_[(start + n - i) % n];
    if (!e.with_cpa || e.key == local || (!ls.below.empty() && ls.below.back() == e.key)) continue;
    if (up_distance(local, e.key) <= down_distance(local, e.key)) break;
    ls.below.push_back(e.key);
  }
  return ls;
}

void route_cache::recompute_leaf_sets() {
  std::vector<leaf_set> next;
  next.reserve(local_keys_.size());
  for (const auto& l : local_keys_) next.push_back(leaf_set_of(l));
  // Diff against the previous view for DRT_EVENT_LEAFSET_KEY_CHANGED (§1.4).
  bool changed = next.size() != leaf_sets_.size();
  for (std::size_t i = 0; !changed && i < next.size(); ++i) changed = !(next[i].local == leaf_sets_[i].local);
  for (const auto& ls : next) {
    const leaf_set* old = nullptr;
    for (const auto& o : leaf_sets_) if (o.local == ls.local) old = &o;
    if (old != nullptr && old->below == ls.below && old->above == ls.above) continue;
    changed = true;
    for (const auto* side : {&ls.below, &ls.above})
      for (const auto& k : *side)
        if (old == nullptr || !old->contains(k)) changes_.push_back({ls.local, k, true});
    if (old != nullptr)
      for (const auto* side : {&old->below, &old->above})
        for (const auto& k : *side)
          if (!ls.contains(k)) changes_.push_back({ls.local, k, false});
  }
  for (const auto& o : leaf_sets_) {
    const bool still_local = std::any_of(next.begin(), next.end(), [&](const leaf_set& n) { return n.local == o.local; });
    if (still_local) continue;
    changed = true;
    for (const auto* side : {&o.below, &o.above})
      for (const auto& k : *side) changes_.push_back({o.local, k, false});
  }
  if (changed) leaf_sets_ = std::move(next);
  // Pins follow the view; an entry's with_cpa may have changed even when the view did not.
  for (auto& e : entries_) e.pinned = false;
  for (const auto& ls : leaf_sets_)
    for (const auto* side : {&ls.below, &ls.above})
      for (const auto& k : *side) {
        auto it = std::lower_bound(entries_.begin(), entries_.end(), k, [](const cache_entry& c, const key256& x) { return c.key < x; });
        for (; it != entries_.end() && it->key == k; ++it) it->pinned = it->with_cpa;
      }
}

void route_cache::enforce_level(int level, const key256& newcomer, random_source& rng) {
  while (unpinned_in_level(level) > cache_level_unpinned_max) {
    if (level == levels_ - 1 && levels_ < cache_levels_max) {
      // Deepest level overflowing: split when some of its entries fall within R_{level+1}.
      ++levels_;
      bool moved = false;
      for (auto& e : entries_) {
        if (e.level != level) continue;
        const int l = level_of(e.key);
        if (l != level) { e.level = static_cast<std::uint8_t>(l); moved = true; }
      }
      if (moved) {
        enforce_level(level + 1, newcomer, rng);
        continue;
      }
      --levels_;
    }
    // Evict where the level is densest: the unpinned entry (not the newcomer) whose neighbours in
    // the level (key order, around the ring) lie closest together, so the level stays spread
    // evenly over its range and the entry nearest any target stays near it. Ties, and the
    // deepest level (the anchor's neighbourhood, where nearness matters more than spread):
    // uniformly at random (§3.5 step 3).
    const bool deepest = level == levels_ - 1;
    std::vector<std::size_t> in_level;
    for (std::size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].level == level) in_level.push_back(i);
    std::vector<std::size_t> densest;
    key256 best_span;
    const std::size_t m = in_level.size();
    for (std::size_t j = 0; j < m; ++j) {
      const cache_entry& e = entries_[in_level[j]];
      if (e.pinned || e.key == newcomer) continue;
      const key256 span = sub_mod(entries_[in_level[(j + 1) % m]].key, entries_[in_level[(j + m - 1) % m]].key);
      if (deepest) {
        densest.push_back(in_level[j]);
      } else if (densest.empty() || span < best_span) {
        densest.assign(1, in_level[j]);
        best_span = span;
      } else if (span == best_span) {
        densest.push_back(in_level[j]);
      }
    }
    if (densest.empty()) return;
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(densest[densest.size() == 1 ? 0 : rng.uniform(densest.size())]));
  }
}

void route_cache::insert(const route_entry& r, const ipv6_address& preferred, bool with_cpa, std::uint32_t now_s,
                         random_source& rng) {
  endpoint pe;
  pe.address = preferred;
  pe.port = r.port;
  cache_entry e;
  e.key = r.key;
  e.address = preferred;
  e.port = r.port;
  e.version_major = r.version_major;
  e.version_minor = r.version_minor;
  e.confirmed_s = now_s;
  for (const auto& a : r.addresses) {
    if (a == preferred) continue;
    if (!e.others) e.others = std::make_unique<std::vector<ipv6_address>>();
    e.others->push_back(a);
  }
  // §3.5 step 1: same key and a shared endpoint → replace in place.
  for (const auto& a : r.addresses) {
    endpoint probe;
    probe.address = a;
    probe.port = r.port;
    if (cache_entry* old = find(r.key, probe)) {
      e.with_cpa = with_cpa || old->with_cpa;
      e.level = old->level;
      e.pinned = old->pinned;
      e.rtt_ms = old->rtt_ms;
      *old = std::move(e);
      recompute_leaf_sets();
      return;
    }
  }
  e.with_cpa = with_cpa;
  e.level = static_cast<std::uint8_t>(level_of(r.key));
  auto it = std::upper_bound(entries_.begin(), entries_.end(), r.key, [](const key256& k, const cache_entry& c) { return k < c.key; });
  const int level = e.level;
  // Grow by 8 entries rather than doubling: the slack of a doubled vector would cost up to
  // half the cache in a node's memory budget.
  if (entries_.size() == entries_.capacity()) {
    const auto at = it - entries_.begin();
    entries_.reserve(entries_.size() + 8);
    it = entries_.begin() + at;
  }
  entries_.insert(it, std::move(e));
  recompute_leaf_sets();
  enforce_level(level, r.key, rng);
}

std::size_t route_cache::remove(const key256& key, const std::optional<endpoint>& e) {
  const std::size_t before = entries_.size();
  std::erase_if(entries_, [&](const cache_entry& c) { return c.key == key && (!e || c.has_endpoint(*e)); });
  const std::size_t removed = before - entries_.size();
  if (removed > 0) recompute_leaf_sets();
  return removed;
}

std::size_t route_cache::remove_unconfirmed(std::uint32_t oldest_s) {
  const std::size_t before = entries_.size();
  std::erase_if(entries_, [&](const cache_entry& c) { return !c.pinned && c.confirmed_s < oldest_s; });
  const std::size_t removed = before - entries_.size();
  if (removed > 0) recompute_leaf_sets();
  return removed;
}

void route_cache::confirm(const key256& key, const endpoint& e, std::uint32_t now_s, std::uint16_t rtt_ms) {
  if (cache_entry* c = find(key, e)) {
    c->confirmed_s = now_s;
    if (rtt_ms != 0) c->rtt_ms = rtt_ms;
  }
}

std::size_t route_cache::memory_bytes() const {
  std::size_t n = entries_.capacity() * sizeof(cache_entry) + local_keys_.capacity() * sizeof(key256) +
                  leaf_sets_.capacity() * sizeof(leaf_set) + changes_.capacity() * sizeof(leaf_set_change);
  for (const auto& e : entries_)
    if (e.others) n += sizeof(std::vector<ipv6_address>) + e.others->capacity() * sizeof(ipv6_address);
  for (const auto& ls : leaf_sets_) n += (ls.below.capacity() + ls.above.capacity()) * sizeof(key256);
  return n;
}

}  // namespace drt::engine
