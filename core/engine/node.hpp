// core/engine: one DRT instance as a sans-I/O state machine (protocol.md §3, §4; design.md).
// Inputs: datagrams, timer ticks, API calls, bootstrap results and local-address changes, each
// with the caller's monotonic now_ms. Outputs, drained by the caller after every input:
// datagrams, events, search results, bootstrap requests and next_wakeup_ms(). No I/O, no clock,
// no threads; randomness comes from the injected random_source. Not thread-safe: one caller at
// a time (the runtime's strand, or the simulator's loop).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "drt/drt_errors.h"
#include "engine/codec.hpp"
#include "engine/reassembly.hpp"
#include "engine/route_cache.hpp"
#include "engine/security.hpp"

namespace drt::engine {

enum class node_status : std::uint8_t { active = 0, alone = 1, no_network = 10, faulted = 20 };  // DRT_STATUS
enum class match_type : std::uint8_t { exact = 0, near = 1, intermediate = 2 };             // DRT_MATCH_TYPE

struct node_config {
  std::uint8_t security_mode = 0;  // DRT_SECURE_RESOLVE / MEMBERSHIP / CONFIDENTIALPAYLOAD (0..2)
  std::uint8_t version_major = 1;
  std::uint8_t version_minor = 0;
  std::uint32_t max_routing_addresses = 4;  // 1..20 [D14]
  bool split_detection = true;
};

struct outgoing_datagram {
  endpoint to;
  endpoint from;  // local source address [D15]
  bytes data;
};

struct node_event {
  enum class kind : std::uint8_t { status_changed, leafset_key_changed, registration_state_changed } type;
  node_status status = node_status::no_network;  // status_changed
  HRESULT status_error = S_OK;                   // status_changed: the reason for FAULTED; registration: the provider's failure
  key256 local_key;                              // leafset / registration
  key256 remote_key;                             // leafset
  bool added = false;                            // leafset: DRT_LEAFSET_KEY_ADDED / DELETED
  std::optional<endpoint> remote_endpoint;       // leafset: the neighbour's endpoint
};

// DRT_SEARCH_INFO, engine side (api.md; protocol.md §3.10.6).
struct search_info {
  key256 target;
  std::optional<key256> minimum;  // both or neither
  std::optional<key256> maximum;
  bool iterative = false;
  bool allow_current_instance_match = false;
  bool any_match_in_range = false;
  std::uint32_t max_endpoints = 1;
};

struct search_result {
  std::uint64_t search_id = 0;
  HRESULT hr = S_OK;  // S_OK: a result; DRT_E_NO_MORE (or another error): the search is over
  match_type type = match_type::exact;
  key256 key;
  bytes app_data;
  std::optional<endpoint> publisher;  // empty for a local registration
  std::uint32_t lookups_sent = 0;     // statistics, on the final entry: LOOKUPs of the whole search
};

// Search-path flags (protocol.md §3.10.6).
namespace path_flags {
inline constexpr std::uint8_t accepted = 0x01, rejected = 0x02, unreachable = 0x04, loop = 0x08,
    too_busy = 0x10, bad_validate_id = 0x20, suspect_unregistered_id = 0x40, inquire = 0x80;
}
struct search_path_entry {
  endpoint node;
  key256 key;
  std::uint8_t flags = 0;
  std::uint16_t nearness = 0;
  std::uint32_t latency_ms = 0;
};

// InitResolve request for the bootstrap provider; answered by add_bootstrap_endpoints.
struct bootstrap_request {
  std::uint64_t round_id = 0;
  bool split_detect = false;
  std::uint32_t timeout_ms = 5000;
  std::uint32_t max_results = 10;
};

struct node_counters {
  std::uint64_t dropped[static_cast<std::size_t>(drop_reason::count_)] = {};
  std::uint64_t datagrams_sent = 0, datagrams_received = 0, bytes_sent = 0, retransmissions = 0,
      requests_expired = 0, lookups_sent = 0, inquires_sent = 0, floods_sent = 0, lookups_answered_busy = 0;
  std::uint64_t dropped_total() const;
};

class node {
 public:
  node(const node_config& config, random_source& rng, security_provider& security);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  // Rejects configurations the engine cannot run (a mode above 2, bad address count).
  static HRESULT check_config(const node_config& config);

  // ---- inputs ----
  void set_local_endpoints(std::uint64_t now_ms, std::vector<endpoint> endpoints);
  void on_datagram(std::uint64_t now_ms, const endpoint& from, const endpoint& local, std::span<const std::uint8_t> data);
  void on_timer(std::uint64_t now_ms);
  void add_bootstrap_endpoints(std::uint64_t now_ms, std::uint64_t round_id, std::span<const endpoint> endpoints, bool final);
  [[nodiscard]] HRESULT register_key(std::uint64_t now_ms, const key256& key, bytes app_data, void* key_context = nullptr);
  [[nodiscard]] HRESULT update_key(std::uint64_t now_ms, const key256& key, bytes app_data);
  [[nodiscard]] HRESULT unregister_key(std::uint64_t now_ms, const key256& key);
  [[nodiscard]] HRESULT start_search(std::uint64_t now_ms, const search_info& info, std::uint64_t& search_id);
  [[nodiscard]] HRESULT continue_search(std::uint64_t now_ms, std::uint64_t search_id);
  [[nodiscard]] HRESULT end_search(std::uint64_t search_id);
  // DrtGetSearchPath: the nodes contacted so far (or at the end) by a search.
  std::vector<search_path_entry> search_path(std::uint64_t search_id) const;
  // DrtClose: revokes every key once, without retransmission, and stops.
  void close(std::uint64_t now_ms);
  // Unrecoverable provider/transport failure: FAULTED.
  void fault(HRESULT reason);

  // ---- outputs ----
  std::vector<outgoing_datagram> take_datagrams() { return std::exchange(out_datagrams_, {}); }
  std::vector<node_event> take_events() { return std::exchange(out_events_, {}); }
  std::vector<search_result> take_search_results() { return std::exchange(out_results_, {}); }
  std::vector<bootstrap_request> take_bootstrap_requests() { return std::exchange(out_bootstrap_, {}); }
  std::uint64_t next_wakeup_ms() const;

  // ---- inspection ----
  node_status status() const { return status_; }
  const node_counters& counters() const { return counters_; }
  const route_cache& cache() const { return cache_; }
  std::vector<key256> registered_keys() const;
  const std::vector<endpoint>& local_endpoints() const { return local_endpoints_; }
  bool search_active(std::uint64_t search_id) const;
  // Approximate heap + object bytes held by this engine (for the 8 KiB per node budget).
  std::size_t memory_bytes() const;

  struct impl;  // the protocol procedures; internal

 private:
  friend struct impl;
  node_config config_;
  random_source& rng_;
  security_provider& security_;
  node_status status_ = node_status::no_network;
  route_cache cache_;
  std::vector<endpoint> local_endpoints_;
  node_counters counters_;
  std::vector<outgoing_datagram> out_datagrams_;
  std::vector<node_event> out_events_;
  std::vector<search_result> out_results_;
  std::vector<bootstrap_request> out_bootstrap_;
  std::unique_ptr<struct node_state> state_;  // transient protocol state (pending list, searches …)
};

}  // namespace drt::engine
