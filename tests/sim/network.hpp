// tests/sim: a deterministic network of DRT engines on virtual time (design.md "testing";
// style.md "Simulator"). One 64-bit seed drives topology, faults and workload; the same seed
// gives the same trace hash. Single-threaded; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "engine/node.hpp"

namespace drt::sim {

struct network_config {
  double loss_pct = 0;             // each datagram lost with this probability
  double duplicate_pct = 0;        // each datagram delivered twice with this probability
  double reorder_pct = 0;          // each datagram delayed by up to 2 × latency_ms_mean extra
  std::uint32_t latency_ms_mean = 40;  // per-link base latency, uniform in [5, 2·mean − 5]
  std::uint32_t jitter_ms = 10;    // added uniformly per datagram
  std::uint32_t bootstrap_delay_ms = 20;
  std::uint32_t bootstrap_results_max = 3;  // like a static list of a few seed nodes
  // Security of every node, fixed when the network is made (set_config does not change it).
  std::uint8_t security_mode = 0;  // DRT_SECURE_RESOLVE / MEMBERSHIP / CONFIDENTIALPAYLOAD
  // One provider per node, made from its index; empty: one shared built-in null provider.
  std::function<std::unique_ptr<engine::security_provider>(std::size_t node)> security_factory = {};
};

struct lookup_outcome {
  bool done = false;
  std::uint64_t started_ms = 0;
  std::uint64_t finished_ms = 0;
  std::uint32_t lookups_sent = 0;
  std::vector<engine::search_result> results;  // S_OK entries only
  std::vector<engine::search_path_entry> path;  // DrtGetSearchPath at the end
  std::size_t from = 0;
  std::size_t intermediates = 0;  // fIterative: DRT_MATCH_INTERMEDIATE results seen
  bool manual_continue = false;   // fIterative: wait for continue_search() instead of resuming at once
  bool paused = false;            // manual_continue: an INTERMEDIATE arrived and was not continued yet
};

class network {
 public:
  network(std::uint64_t seed, network_config config);
  ~network();

  // Starts a node now (endpoint 2001:db8::<index>, port 3540); registers `key` if given, with
  // `payload` as its data (default: 2 bytes, the index and 0x5A).
  std::size_t add_node(std::optional<engine::key256> key, std::optional<engine::bytes> payload = std::nullopt);
  // The same with this node's own security provider (owned by the network) and configuration
  // instead of the network's: hostile-peer and fault tests. `key` must be one it accepts.
  std::size_t add_node_with(std::optional<engine::key256> key, std::unique_ptr<engine::security_provider> security,
                            engine::node_config config = {});
  // Sees every datagram a node sends, before loss or partition (tests of what goes on the wire).
  void set_datagram_observer(std::function<void(std::size_t from, const engine::outgoing_datagram&)> f) {
    observer_ = std::move(f);
  }
  // Graceful: DrtClose (revocations). Otherwise the node just stops (crash / silent).
  void remove_node(std::size_t index, bool graceful);
  void set_config(const network_config& c) { config_ = c; }
  void split_in_half();  // nodes with even index vs odd index; cross traffic is dropped
  void heal();

  // Hostile peers outside the node list: `inject` delivers a datagram to node `to` from any
  // endpoint after delay_ms (no loss, no partition); datagrams the nodes send to endpoints that
  // are not nodes go to the outsider callback (else they vanish).
  using outsider_fn = std::function<void(std::size_t from_node, const engine::endpoint& to, const engine::bytes& data)>;
  void inject(std::size_t to, const engine::endpoint& from, engine::bytes data, std::uint64_t delay_ms = 1);
  void set_outsider(outsider_fn f) { outsider_ = std::move(f); }

  void run_until(std::uint64_t t_ms);
  void run_for(std::uint64_t d_ms) { run_until(now_ms_ + d_ms); }
  std::uint64_t now_ms() const { return now_ms_; }

  // Starts a search on a node; the outcome fills in as the network runs.
  // With manual_continue an iterative search pauses at each INTERMEDIATE result until
  // continue_search(handle) (DrtContinueSearch); otherwise it is resumed at once.
  std::uint64_t start_search(std::size_t index, const engine::search_info& info, bool manual_continue = false);
  HRESULT continue_search(std::uint64_t handle);
  const lookup_outcome& outcome(std::uint64_t handle) const { return outcomes_.at(handle); }
  void forget(std::uint64_t handle) { outcomes_.erase(handle); }
  // Runs until the search completes (or max_ms passes); convenience for tests.
  const lookup_outcome& search_and_wait(std::size_t index, const engine::search_info& info, std::uint64_t max_ms = 120'000);

  std::size_t size() const { return nodes_.size(); }
  bool alive(std::size_t i) const { return nodes_[i]->alive; }
  std::uint64_t joined_ms(std::size_t i) const { return nodes_[i]->joined_ms; }
  const engine::node& engine(std::size_t i) const { return *nodes_[i]->engine; }
  engine::node& engine(std::size_t i) { return *nodes_[i]->engine; }
  std::optional<engine::key256> key_of(std::size_t i) const { return nodes_[i]->key; }
  engine::endpoint endpoint_of(std::size_t i) const;
  std::vector<std::size_t> live_nodes() const;
  // Sorted keys registered by live nodes (the oracle's view).
  std::vector<engine::key256> live_keys() const;
  engine::random_source& rng() { return rng_; }

  std::uint64_t trace_hash() const { return trace_hash_; }
  std::uint64_t datagrams_sent() const { return datagrams_sent_; }
  std::uint64_t datagrams_delivered() const { return datagrams_delivered_; }
  std::uint64_t events_seen() const { return events_seen_; }
  // Share of live publishers whose leaf sets equal the §1.4 view over all live keys.
  double leaf_set_correct_fraction() const;
  std::size_t engine_bytes_total() const;
  static std::uint64_t maintenance_period_ms() { return 15'000; }

 private:
  struct sim_node {
    std::unique_ptr<engine::security_provider> security;  // from security_factory or add_node_with, else null
    std::unique_ptr<engine::node> engine;
    std::optional<engine::key256> key;
    engine::endpoint ep;
    bool alive = true;
    std::uint64_t scheduled_ms = UINT64_MAX;
    std::uint64_t joined_ms = 0;
  };
  enum class event_kind : std::uint8_t { deliver, timer, bootstrap, inject };
  struct event {
    std::uint64_t at_ms;
    std::uint64_t seq;
    event_kind kind;
    std::uint32_t node;
    std::uint32_t from_node;
    std::uint64_t round_id;  // bootstrap
    bool split_detect;
    std::uint32_t max_results;
    engine::bytes data;
  };
  struct later {
    bool operator()(const event& a, const event& b) const { return a.at_ms != b.at_ms ? a.at_ms > b.at_ms : a.seq > b.seq; }
  };

  std::size_t start_node(std::optional<engine::key256> key, std::optional<engine::bytes> payload,
                         std::unique_ptr<engine::security_provider> security, const engine::node_config& config);
  void push(event e);
  void pump(std::size_t index);
  void mix(std::uint64_t v);
  std::uint32_t link_latency_ms(std::uint32_t a, std::uint32_t b) const;
  std::optional<std::size_t> index_of(const engine::endpoint& e) const;

  engine::seeded_random rng_;
  engine::null_security security_;
  network_config config_;
  std::uint8_t security_mode_ = 0;
  std::function<std::unique_ptr<engine::security_provider>(std::size_t)> security_factory_;
  std::function<void(std::size_t, const engine::outgoing_datagram&)> observer_;
  std::vector<std::unique_ptr<sim_node>> nodes_;
  std::vector<event> queue_;  // binary heap, earliest first
  std::uint64_t now_ms_ = 0;
  std::uint64_t seq_ = 0;
  bool partitioned_ = false;
  std::uint64_t trace_hash_ = 0xcbf29ce484222325ull;
  std::uint64_t datagrams_sent_ = 0, datagrams_delivered_ = 0, events_seen_ = 0;
  std::unordered_map<std::uint64_t, lookup_outcome> outcomes_;  // (node << 32 | search id)
  std::vector<engine::endpoint> injected_from_;  // sources of inject events (event.from_node indexes it)
  outsider_fn outsider_;
};

}  // namespace drt::sim
