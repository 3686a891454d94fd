#include "sim/network.hpp"

#include <algorithm>

namespace drt::sim {

using engine::endpoint;

network::network(std::uint64_t seed, network_config config)
    : rng_(seed), config_(config), security_mode_(config.security_mode), security_factory_(config.security_factory) {}
network::~network() = default;

endpoint network::endpoint_of(std::size_t i) const {
  endpoint e;
  e.address = {0x20, 0x01, 0x0d, 0xb8};
  e.address[12] = static_cast<std::uint8_t>(i >> 24);
  e.address[13] = static_cast<std::uint8_t>(i >> 16);
  e.address[14] = static_cast<std::uint8_t>(i >> 8);
  e.address[15] = static_cast<std::uint8_t>(i);
  e.address[11] = 1;  // never all-zero interface id
  e.port = 3540;
  return e;
}

std::optional<std::size_t> network::index_of(const endpoint& e) const {
  if (e.port != 3540 || e.address[0] != 0x20 || e.address[1] != 0x01 || e.address[11] != 1) return std::nullopt;
  const std::size_t i = (std::size_t{e.address[12]} << 24) | (std::size_t{e.address[13]} << 16) |
                        (std::size_t{e.address[14]} << 8) | e.address[15];
  if (i >= nodes_.size()) return std::nullopt;
  return i;
}

void network::mix(std::uint64_t v) {
  trace_hash_ ^= v;
  trace_hash_ *= 0x100000001b3ull;
}

void network::push(event e) {
  e.seq = seq_++;
  queue_.push_back(std::move(e));
  std::push_heap(queue_.begin(), queue_.end(), later{});
}

std::uint32_t network::link_latency_ms(std::uint32_t a, std::uint32_t b) const {
  // A fixed per-link latency from the pair (symmetric), so paths have stable RTTs.
  std::uint64_t h = (std::uint64_t{std::min(a, b)} << 32) | std::max(a, b);
  h ^= h >> 33; h *= 0xff51afd7ed558ccdull; h ^= h >> 33;
  const std::uint32_t span = std::max<std::uint32_t>(1, 2 * config_.latency_ms_mean - 10);
  return 5 + static_cast<std::uint32_t>(h % span);
}

std::size_t network::add_node(std::optional<engine::key256> key, std::optional<engine::bytes> payload) {
  std::unique_ptr<engine::security_provider> security;
  if (security_factory_) security = security_factory_(nodes_.size());
  engine::node_config node_config;
  node_config.security_mode = security_mode_;
  return start_node(key, std::move(payload), std::move(security), node_config);
}

std::size_t network::add_node_with(std::optional<engine::key256> key, std::unique_ptr<engine::security_provider> security,
                                   engine::node_config config) {
  return start_node(key, std::nullopt, std::move(security), config);
}

std::size_t network::start_node(std::optional<engine::key256> key, std::optional<engine::bytes> payload,
                                std::unique_ptr<engine::security_provider> security, const engine::node_config& config) {
  const std::size_t i = nodes_.size();
  auto n = std::make_unique<sim_node>();
  n->security = std::move(security);
  n->engine = std::make_unique<engine::node>(config, rng_, n->security ? *n->security : security_);
  n->key = key;
  n->ep = endpoint_of(i);
  n->joined_ms = now_ms_;
  nodes_.push_back(std::move(n));
  sim_node& s = *nodes_.back();
  s.engine->set_local_endpoints(now_ms_, {s.ep});
  if (key) (void)s.engine->register_key(now_ms_, *key, payload ? *payload : engine::bytes{static_cast<std::uint8_t>(i), 0x5A});
  pump(i);
  return i;
}

void network::remove_node(std::size_t index, bool graceful) {
  sim_node& s = *nodes_[index];
  if (!s.alive) return;
  if (graceful) {
    s.engine->close(now_ms_);
    pump(index);
  }
  s.alive = false;
  // Free the engine's memory; the slot stays so stale addresses still point at a dead node.
  s.engine.reset();
  s.security.reset();
  mix(0xDEAD0000u + index);
}

void network::split_in_half() { partitioned_ = true; mix(0x5917); }
void network::heal() { partitioned_ = false; mix(0x4EA1); }

std::vector<std::size_t> network::live_nodes() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i]->alive) out.push_back(i);
  return out;
}

std::vector<engine::key256> network::live_keys() const {
  std::vector<engine::key256> out;
  for (const auto& n : nodes_)
    if (n->alive && n->key) out.push_back(*n->key);
  std::sort(out.begin(), out.end());
  return out;
}

void network::pump(std::size_t index) {
  sim_node& s = *nodes_[index];
  if (!s.alive || !s.engine) return;
  for (auto& d : s.engine->take_datagrams()) {
    ++datagrams_sent_;
    if (observer_) observer_(index, d);
    const auto to = index_of(d.to);
    mix((std::uint64_t{static_cast<std::uint32_t>(index)} << 32) ^ d.data.size() ^ (std::uint64_t{d.data[7]} << 24));
    if (!to) {
      if (outsider_) outsider_(index, d.to, d.data);
      continue;
    }
    if (partitioned_ && (*to % 2) != (index % 2)) continue;
    if (config_.loss_pct > 0 && static_cast<double>(rng_.uniform(1'000'000)) < config_.loss_pct * 10'000.0) continue;
    std::uint64_t delay = link_latency_ms(static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(*to));
    if (config_.jitter_ms > 0) delay += rng_.uniform(config_.jitter_ms + 1);
    if (config_.reorder_pct > 0 && static_cast<double>(rng_.uniform(1'000'000)) < config_.reorder_pct * 10'000.0)
      delay += rng_.uniform(2ull * config_.latency_ms_mean + 1);
    const bool twice = config_.duplicate_pct > 0 && static_cast<double>(rng_.uniform(1'000'000)) < config_.duplicate_pct * 10'000.0;
    event e{now_ms_ + delay, 0, event_kind::deliver, static_cast<std::uint32_t>(*to), static_cast<std::uint32_t>(index), 0, false, 0, {}};
    if (twice) {
      event copy = e;
      copy.at_ms += 1 + rng_.uniform(config_.latency_ms_mean + 1);
      copy.data = d.data;
      push(std::move(copy));
    }
    e.data = std::move(d.data);
    push(std::move(e));
  }
  for (const auto& ev : s.engine->take_events()) {
    ++events_seen_;
    mix((static_cast<std::uint64_t>(ev.type) << 56) ^ (std::uint64_t{static_cast<std::uint8_t>(ev.status)} << 48) ^
        ev.remote_key.limb[0] ^ (ev.added ? 1 : 0) ^ index);
  }
  bool again = false;
  for (auto& r : s.engine->take_search_results()) {
    auto it = outcomes_.find((std::uint64_t{index} << 32) | r.search_id);
    mix(r.search_id ^ r.key.limb[0] ^ static_cast<std::uint32_t>(r.hr));
    if (it == outcomes_.end()) continue;
    if (r.hr == DRT_E_NO_MORE) {
      it->second.done = true;
      it->second.finished_ms = now_ms_;
      it->second.lookups_sent = r.lookups_sent;
      it->second.path = s.engine->search_path(r.search_id);
      (void)s.engine->end_search(r.search_id);  // DrtEndSearch: frees the engine's search state
    } else if (r.type == engine::match_type::intermediate) {
      ++it->second.intermediates;
      if (it->second.manual_continue) {
        it->second.paused = true;
      } else {
        // fIterative: keep going at once.
        (void)s.engine->continue_search(now_ms_, r.search_id);
        again = true;
      }
    } else {
      it->second.results.push_back(std::move(r));
    }
  }
  for (const auto& b : s.engine->take_bootstrap_requests())
    push(event{now_ms_ + config_.bootstrap_delay_ms, 0, event_kind::bootstrap, static_cast<std::uint32_t>(index), 0,
               b.round_id, b.split_detect, b.max_results, {}});
  if (again) return pump(index);  // continue_search produced more output
  const std::uint64_t w = s.engine->next_wakeup_ms();
  if (w < s.scheduled_ms) {
    s.scheduled_ms = w;
    push(event{std::max(w, now_ms_), 0, event_kind::timer, static_cast<std::uint32_t>(index), 0, 0, false, 0, {}});
  }
}

void network::run_until(std::uint64_t t_ms) {
  while (!queue_.empty() && queue_.front().at_ms <= t_ms) {
    std::pop_heap(queue_.begin(), queue_.end(), later{});
    event e = std::move(queue_.back());
    queue_.pop_back();
    now_ms_ = e.at_ms;
    sim_node& s = *nodes_[e.node];
    if (!s.alive || !s.engine) continue;
    switch (e.kind) {
      case event_kind::deliver: {
        ++datagrams_delivered_;
        s.engine->on_datagram(now_ms_, endpoint_of(e.from_node), s.ep, e.data);
        break;
      }
      case event_kind::inject:
        ++datagrams_delivered_;
        s.engine->on_datagram(now_ms_, injected_from_[e.from_node], s.ep, e.data);
        break;
      case event_kind::timer:
        if (e.at_ms != s.scheduled_ms) continue;  // superseded
        s.scheduled_ms = UINT64_MAX;
        s.engine->on_timer(now_ms_);
        break;
      case event_kind::bootstrap: {
        // The bootstrap provider: random live nodes other than the asker.
        std::vector<endpoint> eps;
        const std::size_t want = std::min<std::size_t>(e.max_results, config_.bootstrap_results_max);
        for (int tries = 0; tries < 40 && eps.size() < want && nodes_.size() > 1; ++tries) {
          const std::size_t j = rng_.uniform(nodes_.size());
          if (j == e.node || !nodes_[j]->alive) continue;
          const endpoint ep = endpoint_of(j);
          if (std::find(eps.begin(), eps.end(), ep) == eps.end()) eps.push_back(ep);
        }
        s.engine->add_bootstrap_endpoints(now_ms_, e.round_id, eps, true);
        break;
      }
    }
    pump(e.node);
  }
  now_ms_ = std::max(now_ms_, t_ms);
}

void network::inject(std::size_t to, const endpoint& from, engine::bytes data, std::uint64_t delay_ms) {
  auto it = std::find(injected_from_.begin(), injected_from_.end(), from);
  if (it == injected_from_.end()) it = injected_from_.insert(injected_from_.end(), from);
  const auto source = static_cast<std::uint32_t>(it - injected_from_.begin());
  push(event{now_ms_ + delay_ms, 0, event_kind::inject, static_cast<std::uint32_t>(to), source, 0, false, 0, std::move(data)});
}

std::uint64_t network::start_search(std::size_t index, const engine::search_info& info, bool manual_continue) {
  sim_node& s = *nodes_[index];
  std::uint64_t id = 0;
  if (FAILED(s.engine->start_search(now_ms_, info, id))) return 0;
  const std::uint64_t handle = (std::uint64_t{index} << 32) | id;
  outcomes_[handle].started_ms = now_ms_;
  outcomes_[handle].from = index;
  outcomes_[handle].manual_continue = manual_continue;
  pump(index);
  return handle;
}

HRESULT network::continue_search(std::uint64_t handle) {
  auto it = outcomes_.find(handle);
  if (it == outcomes_.end()) return E_INVALIDARG;
  const std::size_t index = static_cast<std::size_t>(handle >> 32);
  sim_node& s = *nodes_[index];
  if (!s.alive || !s.engine) return E_INVALIDARG;
  it->second.paused = false;
  const HRESULT hr = s.engine->continue_search(now_ms_, handle & 0xFFFF'FFFFu);
  pump(index);
  return hr;
}

const lookup_outcome& network::search_and_wait(std::size_t index, const engine::search_info& info, std::uint64_t max_ms) {
  const std::uint64_t h = start_search(index, info);
  const std::uint64_t end = now_ms_ + max_ms;
  while (!outcomes_[h].done && now_ms_ < end) run_for(100);
  return outcomes_[h];
}

double network::leaf_set_correct_fraction() const {
  const auto keys = live_keys();
  std::size_t total = 0, correct = 0;
  for (const auto& n : nodes_) {
    if (!n->alive || !n->key || !n->engine) continue;
    ++total;
    const auto want = engine::route_cache::compute_leaf_set(*n->key, keys);
    const auto& have = n->engine->cache().leaf_sets();
    if (!have.empty() && have.front().below == want.below && have.front().above == want.above) ++correct;
  }
  return total == 0 ? 1.0 : static_cast<double>(correct) / static_cast<double>(total);
}

std::size_t network::engine_bytes_total() const {
  std::size_t t = 0;
  for (const auto& n : nodes_)
    if (n->alive && n->engine) t += n->engine->memory_bytes();
  return t;
}

}  // namespace drt::sim
