// core/engine: the node's transient protocol state and the procedures shared by node*.cpp
// (internal header; protocol.md §3). Not thread-safe: owned by one node.
#pragma once

#include <map>

#include "engine/node.hpp"
#include "engine/rate_limit.hpp"

namespace drt::engine {

inline constexpr std::uint64_t retransmit_interval_ms = 1000;
inline constexpr std::uint8_t retries_max = 2;
inline constexpr std::size_t conversations_max = 128;
inline constexpr std::size_t conversations_per_source_max = 4;  // per source endpoint
inline constexpr std::uint64_t conversation_timeout_ms = 5000;
inline constexpr std::uint64_t flood_accept_window_ms = 5000;
inline constexpr std::size_t pending_adds_max = 64;
inline constexpr std::uint32_t lookups_per_round_max = 32;
inline constexpr std::uint32_t rounds_per_search_max = 16;
// Range searches may run up to 8 more rounds to show that no closer candidate remains on either
// side of the target (OpenDRT completion rule, node_resolve.cpp certify_convergence).
inline constexpr std::uint32_t rounds_per_range_search_max = rounds_per_search_max + 8;
inline constexpr std::uint32_t results_per_search_max = 16;
inline constexpr std::uint8_t use_count_max = 3;
inline constexpr std::uint64_t unconfirmed_lifetime_ms = 600'000;
inline constexpr std::uint64_t probe_age_ms = 60'000;
inline constexpr std::size_t flagged_path_max = 22;
inline constexpr std::size_t credentials_keep_extra = 16;  // mode 2: beyond one per cache entry

enum class purpose : std::uint8_t {
  solicit, request, validate_entry, probe, search_candidate, lookup, refill, flood,
  hop_check,  // mode 2: INQUIRE A|C to a walk's next hop whose credential we lack (§3.10.3 step 5)
};

struct flood_origin {
  endpoint sender;
  std::vector<endpoint> flooded;  // incoming Already Flooded List
};

struct pending_request {
  purpose why = purpose::solicit;
  message_type type = message_type::solicit;
  endpoint to;
  endpoint from;
  std::vector<bytes> datagrams;
  std::uint8_t retries_left = retries_max;
  std::uint64_t deadline_ms = 0;
  std::uint64_t first_sent_ms = 0;
  bool no_retransmit = false;
  std::uint64_t round_tag = 0;                 // bootstrap round this belongs to (0: none)
  bool split_detect = false;                   // SOLICIT/validation of a split-detection probe
  std::array<std::uint8_t, 16> nonce{};        // SOLICIT conversation nonce / INQUIRE nonce
  bool need_cpa = false;
  route_entry entry;                           // entry validated / hop / candidate
  std::uint64_t search_id = 0;
  key256 validate_key;                         // FLOOD: recipient's key; refill: local key
  std::optional<flood_origin> origin;          // validate_entry: came by FLOOD
  bool refill_above = false;
};

struct conversation {
  endpoint source;
  std::array<std::uint8_t, 20> hashed_nonce{};
  std::uint64_t deadline_ms = 0;
  bool answered = false;
  std::uint32_t request_id = 0;
};

struct registered_key {
  key256 key;
  bytes app_data;
  void* key_context = nullptr;
  bool published = false;
  bool proof_failed_reported = false;
  std::uint64_t registered_ms = 0;
  std::size_t published_cache_size = 0;  // cache size when its registration resolve started
};

enum class search_kind : std::uint8_t { application, registration, maintenance, split_detection };

struct hop {
  route_entry entry;
  endpoint ep;
  std::uint8_t use_count = 0;
};

struct found_result {
  route_entry entry;
  endpoint ep;
  bytes app_data;
  bool local = false;
};

struct search_state {
  std::uint64_t id = 0;
  search_kind kind = search_kind::application;
  search_info info;
  resolve_criteria criteria = resolve_criteria::none;
  resolve_reason reason = resolve_reason::app_request;
  std::optional<route_entry> own_entry;  // registration / split detection
  // round state (§3.10.2)
  std::vector<endpoint> resolve_path;
  std::vector<hop> next_hops;
  std::vector<hop> best_stack;
  std::optional<hop> current_best;
  std::uint32_t lookups_sent = 0;
  std::uint32_t suspicious = 0;
  std::optional<hop> converged_at;
  std::optional<key256> converged_key;  // the round ended at this key with no usable referral
  bool round_found_new = false;
  // whole search
  std::vector<endpoint> excluded;
  std::vector<key256> excluded_keys;  // keys of the Excluded nodes (results and convergence points)
  // Range searches (§3.10.5, OpenDRT completion rule): per side of T (0 below, 1 above), the ring
  // distance up to which no unfound candidate can remain, from the rounds' convergence points.
  key256 certified[2]{};
  std::vector<route_entry> learned;
  std::uint32_t rounds = 0;
  std::uint32_t total_lookups = 0;
  std::vector<found_result> results;
  std::vector<search_path_entry> path;
  bool paused = false;
  bool continue_granted = false;
  bool finalizing = false;
  bool done = false;
  std::uint64_t started_ms = 0;
  std::size_t cache_size_at_start = 0;
};

struct node_state {
  std::vector<registered_key> keys;
  std::map<std::uint32_t, pending_request> pending;
  std::vector<conversation> conversations;
  std::vector<std::pair<endpoint, std::uint64_t>> recent_requests;  // REQUEST sent: for D-set FLOODs
  std::map<std::uint64_t, search_state> searches;
  std::uint64_t next_search_id = 1;
  reassembly_table reassembly;
  // bootstrap and status
  std::uint64_t request_seq = 0;  // ids of bootstrap requests
  std::uint64_t round_id = 0;
  bool round_active = false;
  bool round_provider_done = false;
  std::uint64_t round_deadline_ms = 0;
  std::vector<endpoint> round_solicited;
  std::uint64_t alone_retry_ms = 0;  // 0: none scheduled
  int alone_retry_index = 0;
  std::uint64_t split_round_id = 0;
  // maintenance
  std::uint64_t maintenance_ms = 0;
  int spread_arc = 0;
  std::uint64_t refill_tick = 0;
  // OpenDRT extension: an early leaf-set gap check 1 s after the leaf set changed (0: none
  // scheduled), at most one per 5 s, so a missing member is found before the next tick.
  std::uint64_t leaf_check_ms = 0;
  std::uint64_t leaf_check_last_ms = 0;
  int spread_fruitless = 0;
  bool spread_paused = false;
  std::size_t spread_cache_size = 0;
  std::vector<std::pair<key256, bool>> refill_exhausted;  // (local key, above side)
  // LOOKUP token bucket (§3.9 [D21]): 200/s, burst 50
  double lookup_tokens = 50;
  std::uint64_t lookup_tokens_ms = 0;
  source_rate_limiter request_limiter;  // unsolicited requests per source
  // Mode 2 (§5.5): the validated credential of each peer we may encrypt to, by endpoint (zone 0).
  // Filled from validated AUTHORITYs; pruned to the cached entries (credentials_keep_extra).
  // Sorted by endpoint: a vector costs a third of a map's bytes per entry.
  std::vector<std::pair<endpoint, bytes>> peer_credentials;
  bool closed = false;
  bool rechecking = false;
  std::uint64_t now_ms = 0;
};

// The procedures, split over node.cpp (I/O plumbing, timers, status), node_sync.cpp
// (conversations, validation, floods, revocation) and node_resolve.cpp (LOOKUP, searches).
struct node::impl {
  node& n;
  node_state& s;
  explicit impl(node& owner) : n(owner), s(*owner.state_) {}

  // plumbing (node.cpp)
  std::uint32_t fresh_message_id();
  std::array<std::uint8_t, 16> fresh_nonce();
  endpoint local_source() const;
  // recipient_credential: the requester's credential; in mode 2 protected fields are encrypted
  // for it, and without it (or when EncryptData fails) the answer is not sent (§5.5).
  void send_answer(message m, const endpoint& to, const endpoint& from, const bytes* recipient_credential = nullptr);
  std::uint32_t send_request(message m, const endpoint& to, pending_request p);
  void add_sec_fields(message& m);
  void drop(drop_reason r) { ++n.counters_.dropped[static_cast<std::size_t>(r)]; }
  void set_status(node_status st, HRESULT why = S_OK);
  void after_cache_change();
  void flush_leaf_set_events();
  std::uint32_t now_s() const { return static_cast<std::uint32_t>(s.now_ms / 1000); }
  void start_bootstrap_round();
  void check_round_end();
  void expire(std::uint32_t id);
  route_entry own_entry(const key256& key) const;
  bool is_own_endpoint(const endpoint& e) const;
  std::optional<endpoint> usable_endpoint(const route_entry& r) const;
  bool entry_acceptable(const route_entry& r) const;
  void dispatch(const message& m, const endpoint& from, const endpoint& local, byte_span signed_bytes);
  void deliver(const message& m, const endpoint& from, const endpoint& local);
  bool publishes(const key256& k) const;
  void maintenance_tick();
  void publish_pending_keys();
  // D29: the provider can no longer prove this key; raise UNRESOLVEABLE once per registration.
  void report_unprovable(registered_key& k, HRESULT why);

  // conversations, validation, floods (node_sync.cpp)
  void send_solicit(const endpoint& to, std::uint64_t round_tag, bool split_detect);
  void on_solicit(const message& m, const endpoint& from, const endpoint& local);
  void on_advertise(const message& m, const endpoint& from, pending_request& p);
  void on_request(const message& m, const endpoint& from, const endpoint& local);
  void on_flood(const message& m, const endpoint& from, const endpoint& local);
  void on_ack(const message& m, const endpoint& from, pending_request& p);
  void consider_route_entry(const route_entry& r, std::optional<flood_origin> origin, std::uint64_t round_tag,
                            bool split_detect);
  void send_inquire_for(const route_entry& r, const endpoint& ep, purpose why, bool need_cpa, std::uint64_t search_id,
                        std::optional<flood_origin> origin, std::uint64_t round_tag, bool split_detect);
  void on_authority_for_inquire(const message& m, const endpoint& from, pending_request& p);
  bool validate_cpa(const message& m, const pending_request& p, unpacked_payload& out, const bytes* secured_payload);
  void inserted(const route_entry& r, const endpoint& ep, bool with_cpa, const std::optional<flood_origin>& origin);
  void flood_new_leaf_entry(const route_entry& e, const std::optional<flood_origin>& origin);
  void send_flood(const route_entry* entry, const bytes* revoke_cpa, const bytes* credential, const endpoint& to,
                  const key256& validate_key, std::vector<endpoint> flooded, bool once);
  void on_revoke(const message& m, const endpoint& from);
  void revoke_key(const registered_key& k, bool once);
  void on_inquire(const message& m, const endpoint& from, const endpoint& local);

  // mode 2, confidential payloads (node_confidential.cpp, §5.5)
  const bytes* credential_of(const endpoint& e) const;
  void remember_credential(const endpoint& e, const bytes& credential);
  void prune_credentials();
  bool accept_peer_credential(const message& authority, const endpoint& from);
  bool encrypt_for(message& m, const bytes* recipient_credential);
  bool open_protected(message& m);
  void check_hop_first(search_state& st, const hop& h);
  void resume_after_hop_check(const pending_request& p, const endpoint& from);

  // resolve (node_resolve.cpp)
  void on_lookup(const message& m, const endpoint& from, const endpoint& local);
  void on_authority_for_lookup(const message& m, const endpoint& from, pending_request& p);
  std::uint64_t start_walk(search_kind kind, const key256& target, resolve_criteria criteria, resolve_reason reason,
                           std::optional<route_entry> own, std::optional<hop> first_hop);
  void advance(search_state& st);
  void send_lookup(search_state& st, hop& h);
  void finalize_round(search_state& st);
  void end_round(search_state& st, bool yielded);
  void certify_convergence(search_state& st, const key256& converged);
  key256 range_reach(const search_state& st, int side) const;
  bool side_exhausted(const search_state& st, const key256& k) const;
  void complete_search(search_state& st);
  void on_lookup_expired(pending_request& p, bool busy);
  void on_candidate_answer(search_state& st, const message* m, const endpoint& from, pending_request& p);
  bool in_range(const search_state& st, const key256& k) const;
  bool excluded(const search_state& st, const endpoint& e) const;
  void record_path(search_state& st, const endpoint& ep, const key256& key, std::uint8_t flags, std::uint32_t latency_ms);
  void start_refill(bool early = false);
  void start_spread();
  void start_split_detection_walk(const route_entry& r, const endpoint& ep);
};

}  // namespace drt::engine
