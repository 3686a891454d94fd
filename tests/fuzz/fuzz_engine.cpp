// fuzz_engine: one engine node (engine_victim.hpp: null security, one registered key, four
// peers) fed an arbitrary sequence of datagrams from its peers, with time passing between them.
// The node must never crash, and its memory must stay bounded whatever it is sent (the limits
// of reassembly, conversations, pending requests and the route cache). Seeds:
// tests/fuzz/corpus/engine, recorded by drt_fuzz_corpus from real nodes joining, registering,
// searching and revoking.
#include "engine_victim.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace {
// Far above what the engine's limits allow (an 8 KiB-per-node budget plus full reassembly
// buffers of 32 × 37348 bytes): crossing it means some structure grows without bound.
constexpr std::size_t engine_bytes_max = 4u << 20;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  drt::fuzz::engine_victim v;
  drt::fuzz::for_each_record({data, size}, [&](std::uint8_t ticks, std::uint8_t source, auto datagram) {
    for (int t = 0; t < ticks; ++t) v.tick();
    v.drain();
    v.deliver(source, datagram);
    v.drain();
    if (v.node.memory_bytes() > engine_bytes_max) {
      std::fprintf(stderr, "fuzz_engine: engine holds %zu bytes\n", v.node.memory_bytes());
      std::abort();
    }
  });
  // Then 8 s of timers (retransmissions, conversation and reassembly expiries),
  // jumping from one wake-up to the next.
  const std::uint64_t end_ms = v.now_ms + 8'000;
  while (v.now_ms < end_ms) {
    v.now_ms = std::min(end_ms, std::max(v.now_ms + 10, v.node.next_wakeup_ms()));
    v.node.on_timer(v.now_ms);
    v.drain();
  }
  v.node.close(v.now_ms);
  v.drain();
  return 0;
}
