// The engine node the fuzz targets feed (fuzz_engine) and the corpus tool records for
// (drt_fuzz_corpus): one node with a fixed seed, a fixed endpoint and one registered key, whose
// bootstrap requests are answered at once with the four peer endpoints. Built the same way in
// both, so a recorded datagram sequence replays the same conversation in the fuzzer. Inputs are
// a list of records, each:
//   u8 ticks     10 ms ticks to advance first (each tick fires the node's timer when it is due)
//   u8 source    which peer sent it: source % 5 (index 4 is a port below 1024: a bad source)
//   u16 length   little-endian; the datagram bytes follow (fewer when the input ends early)
// Not thread-safe.
#pragma once

#include "engine/node.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace drt::fuzz {

inline engine::endpoint fuzz_endpoint(int i, std::uint16_t port = 3540) {
  engine::endpoint e;
  e.address = {0x20, 0x01, 0x0d, 0xb8};
  e.address[15] = static_cast<std::uint8_t>(i);
  e.port = port;
  return e;
}

// Index 0 is the victim; peers are 1..4, and source 4 of a record is a privileged port.
inline engine::endpoint peer_endpoint(std::uint8_t source) {
  const int i = source % 5;
  return i == 4 ? fuzz_endpoint(5, 80) : fuzz_endpoint(i + 1);
}
inline engine::endpoint victim_endpoint() { return fuzz_endpoint(9); }

inline engine::key256 victim_key() {
  engine::key256 k;
  k.limb[3] = 0x8000000000000000ull;
  return k;
}

struct engine_victim {
  engine::seeded_random rng{0x0DF2F0220};
  engine::null_security security;
  engine::node node{engine::node_config{}, rng, security};
  std::uint64_t now_ms = 0;
  std::vector<engine::search_result> results;  // of searches the recorder starts

  engine_victim() {
    node.set_local_endpoints(now_ms, {victim_endpoint()});
    (void)node.register_key(now_ms, victim_key(), engine::bytes{'v', 'i', 'c', 't', 'i', 'm'});
    drain();
  }

  // Answers bootstrap requests with the peers and discards everything else the node produced;
  // returns the datagrams it sent.
  std::vector<engine::outgoing_datagram> drain() {
    std::vector<engine::outgoing_datagram> sent;
    for (int guard = 0; guard < 4; ++guard) {
      for (auto& d : node.take_datagrams()) sent.push_back(std::move(d));
      (void)node.take_events();
      for (auto& r : node.take_search_results()) results.push_back(std::move(r));
      auto requests = node.take_bootstrap_requests();
      if (requests.empty()) break;
      const std::vector<engine::endpoint> peers{peer_endpoint(0), peer_endpoint(1), peer_endpoint(2), peer_endpoint(3)};
      for (const auto& r : requests) node.add_bootstrap_endpoints(now_ms, r.round_id, peers, true);
    }
    return sent;
  }

  void tick() {
    now_ms += 10;
    if (node.next_wakeup_ms() <= now_ms) node.on_timer(now_ms);
  }

  void deliver(std::uint8_t source, std::span<const std::uint8_t> datagram) {
    node.on_datagram(now_ms, peer_endpoint(source), victim_endpoint(), datagram);
  }
};

// Appends one record in the format above.
inline void append_record(std::vector<std::uint8_t>& out, std::uint8_t ticks, std::uint8_t source,
                          std::span<const std::uint8_t> datagram) {
  out.push_back(ticks);
  out.push_back(source);
  out.push_back(static_cast<std::uint8_t>(datagram.size() & 0xFF));
  out.push_back(static_cast<std::uint8_t>(datagram.size() >> 8));
  out.insert(out.end(), datagram.begin(), datagram.end());
}

// Splits an input into records; calls f(ticks, source, datagram) for each.
template <class F>
void for_each_record(std::span<const std::uint8_t> in, F&& f) {
  while (in.size() >= 4) {
    const std::uint8_t ticks = in[0], source = in[1];
    const std::size_t n = std::min<std::size_t>(in[2] | std::size_t{in[3]} << 8, in.size() - 4);
    f(ticks, source, in.subspan(4, n));
    in = in.subspan(4 + n);
  }
}

}  // namespace drt::fuzz
