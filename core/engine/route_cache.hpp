// core/engine: the multi-level route cache and the leaf sets viewed over it (protocol.md §1.4,
// §1.5, §3.5 [D10] [D11]). Entries are kept in one key-sorted vector with a level byte each, so
// a node's cache costs about 72 bytes per entry. Not thread-safe (one engine owns it).
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "engine/message.hpp"
#include "engine/random.hpp"

namespace drt::engine {

inline constexpr std::size_t leaf_set_side_max = 5;
inline constexpr std::size_t cache_level_unpinned_max = 20;
inline constexpr int cache_levels_max = 77;

struct cache_entry {
  key256 key;
  ipv6_address address{};                              // preferred address (§3.1 [D15])
  std::unique_ptr<std::vector<ipv6_address>> others;   // remaining addresses, rare
  std::uint32_t confirmed_s = 0;                       // last answer from it, engine seconds
  std::uint16_t port = 0;
  std::uint8_t version_major = 1;
  std::uint8_t version_minor = 0;
  std::uint8_t level = 0;
  bool with_cpa = false;
  bool pinned = false;
  std::uint16_t rtt_ms = 0;

  endpoint preferred() const { endpoint e; e.address = address; e.port = port; return e; }
  bool has_endpoint(const endpoint& e) const;
  route_entry to_route_entry() const;
};

struct leaf_set {
  key256 local;
  std::vector<key256> below;  // nearest first
  std::vector<key256> above;  // nearest first
  bool contains(const key256& k) const;
};

struct leaf_set_change {
  key256 local;
  key256 remote;
  bool added = false;
};

class route_cache {
 public:
  explicit route_cache(const key256& anchor) : anchor_(anchor) {}

  // Local keys define the leaf sets; the first one is the anchor unless `anchor` says otherwise.
  void set_local_keys(const std::vector<key256>& keys, const key256& anchor);

  const std::vector<cache_entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  int levels() const { return levels_; }
  const key256& anchor() const { return anchor_; }
  const std::vector<leaf_set>& leaf_sets() const { return leaf_sets_; }

  cache_entry* find(const key256& key, const endpoint& e);
  const cache_entry* find_key(const key256& key) const;
  bool contains_identical(const route_entry& r) const;
  // Would an entry with this key enter a leaf set of a local key? (§3.4 step 3)
  bool would_enter_leaf_set(const key256& key) const;
  bool in_any_leaf_set(const key256& key) const;

  // §3.5 insertion; returns the stored entry's key (always r.key).
  void insert(const route_entry& r, const ipv6_address& preferred, bool with_cpa, std::uint32_t now_s,
              random_source& rng);
  // Removes the entries with this key that share an endpoint with `e` (or all with the key if
  // e is nullopt). Returns how many.
  std::size_t remove(const key256& key, const std::optional<endpoint>& e);
  // §3.5 step 6: unpinned entries not confirmed since `oldest_s`.
  std::size_t remove_unconfirmed(std::uint32_t oldest_s);
  void confirm(const key256& key, const endpoint& e, std::uint32_t now_s, std::uint16_t rtt_ms);

  std::vector<leaf_set_change> take_changes() { return std::exchange(changes_, {}); }
  std::size_t memory_bytes() const;
  // The leaf set §1.4 computes from a set of keys (oracle for tests and the simulator).
  static leaf_set compute_leaf_set(const key256& local, const std::vector<key256>& sorted_keys);

 private:
  int level_of(const key256& k) const;
  void relevel_all();
  void recompute_leaf_sets();
  leaf_set leaf_set_of(const key256& local) const;
  void enforce_level(int level, const key256& newcomer, random_source& rng);
  std::size_t unpinned_in_level(int level) const;

  key256 anchor_;
  int levels_ = 1;
  std::vector<cache_entry> entries_;  // sorted by key
  std::vector<key256> local_keys_;
  std::vector<leaf_set> leaf_sets_;
  std::vector<leaf_set_change> changes_;
};

}  // namespace drt::engine
