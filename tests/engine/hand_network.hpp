// Engine unit tests: a tiny network of engine nodes driven by hand. Node i has the endpoint
// 2001:db8::<i+1> port 3540; every datagram is delivered 10 ms after it was sent, in order;
// bootstrap rounds answer with every other node. `mutate` may change a datagram on its way or
// (returning false) swallow it; `on_send` sees every datagram as it leaves its node.
#pragma once

#include "engine/node.hpp"

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace drt::engine::test {

inline endpoint ep(int i) {
  endpoint e;
  e.address = {0x20, 0x01, 0x0d, 0xb8};
  e.address[15] = static_cast<std::uint8_t>(i);
  e.port = 3540;
  return e;
}

// A key whose most significant 64 bits are `top`.
inline key256 k(std::uint64_t top) {
  key256 x;
  x.limb[3] = top;
  return x;
}

struct hand_network {
  explicit hand_network(std::uint64_t seed = 42) : rng(seed) {}

  seeded_random rng;
  null_security sec;  // every node's provider unless add() names another
  std::vector<std::unique_ptr<node>> nodes;
  std::uint64_t now = 0;
  std::vector<outgoing_datagram> wire;
  std::vector<node_event> events;
  std::function<bool(outgoing_datagram&)> mutate;
  std::function<void(const outgoing_datagram&)> on_send;

  // Starts a node (its endpoint set now); `security` must outlive the network.
  int add(const node_config& config = {}, security_provider* security = nullptr) {
    nodes.push_back(std::make_unique<node>(config, rng, security != nullptr ? *security : sec));
    const int i = static_cast<int>(nodes.size()) - 1;
    nodes[i]->set_local_endpoints(now, {ep(i + 1)});
    drain(i);
    return i;
  }

  // The results that node `from` has received for its search `id` (ids are per node).
  std::vector<search_result>& results_of(int from, std::uint64_t id) {
    return results_[(static_cast<std::uint64_t>(from) << 32) | id];
  }

  void drain(int i) {
    for (auto& d : nodes[i]->take_datagrams()) {
      if (on_send) on_send(d);
      wire.push_back(std::move(d));
    }
    for (auto& e : nodes[i]->take_events()) events.push_back(e);
    for (auto& r : nodes[i]->take_search_results()) results_of(i, r.search_id).push_back(r);
    for (auto& b : nodes[i]->take_bootstrap_requests()) {
      std::vector<endpoint> peers;
      for (int j = 0; j < static_cast<int>(nodes.size()); ++j)
        if (j != i) peers.push_back(ep(j + 1));
      nodes[i]->add_bootstrap_endpoints(now, b.round_id, peers, true);
      drain(i);
    }
  }

  void step(std::uint64_t ms) {
    for (std::uint64_t t = 0; t < ms; t += 10) {
      now += 10;
      auto batch = std::move(wire);
      wire.clear();
      for (auto& d : batch) {
        const int to = d.to.address[15] - 1;
        if (to < 0 || to >= static_cast<int>(nodes.size())) continue;
        if (mutate && !mutate(d)) continue;
        nodes[to]->on_datagram(now, d.from, d.to, d.data);
        drain(to);
      }
      for (int i = 0; i < static_cast<int>(nodes.size()); ++i)
        if (nodes[i]->next_wakeup_ms() <= now) {
          nodes[i]->on_timer(now);
          drain(i);
        }
    }
  }

  // Starts an exact search from node `from`, runs the network for `ms` and returns its results.
  std::vector<search_result>& search(int from, const key256& target, std::uint64_t ms = 6000) {
    search_info info;
    info.target = target;
    std::uint64_t id = 0;
    if (FAILED(nodes[from]->start_search(now, info, id))) return results_of(from, 0);
    drain(from);
    step(ms);
    return results_of(from, id);
  }

 private:
  std::map<std::uint64_t, std::vector<search_result>> results_;  // by (node << 32 | search id)
};

}  // namespace drt::engine::test
