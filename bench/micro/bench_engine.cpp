// bench_engine: the protocol engine's hot paths, one by one (docs/performance.md,
// "Microbenchmarks"): codec encode/decode per message type, key distance and comparison,
// route-cache insertion with its leaf-set upkeep, next-hop selection over a full cache.
// Pure CPU work, no I/O: figures are ns per call on this machine.
#include "engine/codec.hpp"
#include "engine/key_math.hpp"
#include "engine/random.hpp"
#include "engine/route_cache.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace drt::engine;

key256 random_key(random_source& r) {
  key256 k;
  for (auto& l : k.limb) l = r.next_u64();
  return k;
}

route_entry entry_of(const key256& key, std::uint8_t host) {
  route_entry e;
  e.key = key;
  e.port = 3540;
  ipv6_address a{0x20, 0x01, 0x0d, 0xb8};
  a[15] = host;
  e.addresses.push_back(a);
  return e;
}

endpoint endpoint_of(std::uint8_t host) {
  endpoint e;
  e.address = {0x20, 0x01, 0x0d, 0xb8};
  e.address[15] = host;
  e.port = 3540;
  return e;
}

// One message of each type with the fields and sizes the engine sends in DRT_SECURE_RESOLVE with
// EC P-256 (O2) certificates: a CPA is ~285 bytes, a credential (PKCS#7 of one leaf) ~600.
std::vector<message> sample_messages() {
  seeded_random r(7);
  std::vector<message> out;
  message s;
  s.type = message_type::solicit;
  s.message_id = 1;
  s.route = entry_of(random_key(r), 1);
  s.hashed_nonce = std::array<std::uint8_t, 20>{1, 2, 3};
  out.push_back(s);
  message a;
  a.type = message_type::advertise;
  a.message_id = 2;
  a.acked_id = 1;
  a.id_array = std::vector<key256>{random_key(r), random_key(r), random_key(r), random_key(r), random_key(r)};
  a.hashed_nonce = std::array<std::uint8_t, 20>{9};
  out.push_back(a);
  message q;
  q.type = message_type::request;
  q.message_id = 3;
  q.flags = 0;
  q.nonce = std::array<std::uint8_t, 16>{4, 5};
  q.id_array = std::vector<key256>{random_key(r), random_key(r)};
  q.credential = bytes(600, 0x30);
  q.signature = bytes(71, 0x31);
  q.key_identifier = bytes(32, 0x32);
  out.push_back(q);
  message f;
  f.type = message_type::flood;
  f.message_id = 4;
  f.flood_flags = 0;
  f.validate_id = random_key(r);
  f.route = entry_of(random_key(r), 2);
  f.endpoints = std::vector<endpoint>{endpoint_of(3), endpoint_of(4)};
  out.push_back(f);
  message i;
  i.type = message_type::inquire;
  i.message_id = 5;
  i.flags = flags::inquire_want_cpa | flags::inquire_want_chain;
  i.validate_id = random_key(r);
  i.nonce = std::array<std::uint8_t, 16>{7};
  out.push_back(i);
  message au;
  au.type = message_type::authority;
  au.message_id = 6;
  au.acked_id = 5;
  au.flags = 0;
  au.credential = bytes(600, 0x41);
  au.keytoken = bytes{};
  au.extended_payload = bytes(64, 0x42);
  au.route = entry_of(random_key(r), 5);
  au.validate_cpa = bytes(285, 0x44);
  out.push_back(au);
  message ack;
  ack.type = message_type::ack;
  ack.message_id = 7;
  ack.acked_id = 4;
  out.push_back(ack);
  message l;
  l.type = message_type::lookup;
  l.message_id = 8;
  l.lookup = lookup_controls{0, 0, 2, 0};
  l.target_id = random_key(r);
  l.validate_id = random_key(r);
  l.route = entry_of(random_key(r), 6);
  l.endpoints = std::vector<endpoint>{endpoint_of(7)};
  out.push_back(l);
  return out;
}

const char* type_name(message_type t) {
  switch (t) {
    case message_type::solicit: return "solicit";
    case message_type::advertise: return "advertise";
    case message_type::request: return "request";
    case message_type::flood: return "flood";
    case message_type::inquire: return "inquire";
    case message_type::authority: return "authority";
    case message_type::ack: return "ack";
    case message_type::lookup: return "lookup";
  }
  return "?";
}

void encode_one(benchmark::State& state, const message& m) {
  std::size_t bytes_out = 0;
  for (auto _ : state) {
    auto d = encode(m);
    bytes_out = d.front().size();
    benchmark::DoNotOptimize(d);
  }
  state.counters["datagram_bytes"] = static_cast<double>(bytes_out);
}

void decode_one(benchmark::State& state, const message& m) {
  const auto d = encode(m);
  if (d.size() != 1) {
    state.SkipWithError("sample message does not fit one datagram");
    return;
  }
  for (auto _ : state) {
    auto r = decode_single(d.front(), 1);
    if (!std::holds_alternative<message>(r)) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  state.counters["datagram_bytes"] = static_cast<double>(d.front().size());
}

// ---- keys --------------------------------------------------------------------------------------

void BM_KeyRingDistance(benchmark::State& state) {
  seeded_random r(1);
  std::vector<key256> keys(1024);
  for (auto& k : keys) k = random_key(r);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ring_distance(keys[i & 1023], keys[(i + 1) & 1023]));
    ++i;
  }
}
BENCHMARK(BM_KeyRingDistance);

void BM_KeyCloserTo(benchmark::State& state) {
  seeded_random r(2);
  std::vector<key256> keys(1024);
  for (auto& k : keys) k = random_key(r);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(closer_to(keys[i & 1023], keys[(i + 1) & 1023], keys[(i + 2) & 1023]));
    ++i;
  }
}
BENCHMARK(BM_KeyCloserTo);

void BM_KeyCompare(benchmark::State& state) {
  seeded_random r(3);
  std::vector<key256> keys(1024);
  for (auto& k : keys) k = random_key(r);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(keys[i & 1023] < keys[(i + 1) & 1023]);
    ++i;
  }
}
BENCHMARK(BM_KeyCompare);

void BM_KeyNearness(benchmark::State& state) {
  seeded_random r(4);
  std::vector<key256> keys(1024);
  for (auto& k : keys) k = random_key(r);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(nearness(keys[i & 1023], keys[(i + 1) & 1023]));
    ++i;
  }
}
BENCHMARK(BM_KeyNearness);

// ---- route cache and leaf sets -------------------------------------------------------------------

// A node's cache filled from `population` random peers, as it is after joining a cloud of that size.
route_cache filled_cache(std::size_t population, seeded_random& r) {
  const key256 local = random_key(r);
  route_cache c(local);
  c.set_local_keys({local}, local);
  for (std::size_t i = 0; i < population; ++i) {
    const route_entry e = entry_of(random_key(r), static_cast<std::uint8_t>(i));
    c.insert(e, e.addresses.front(), true, 0, r);
  }
  (void)c.take_changes();
  return c;
}

// Insertion of a new peer into a settled cache (§3.5 levels, eviction, leaf-set recompute).
void BM_RouteCacheInsert(benchmark::State& state) {
  seeded_random r(5);
  route_cache c = filled_cache(static_cast<std::size_t>(state.range(0)), r);
  for (auto _ : state) {
    const route_entry e = entry_of(random_key(r), 9);
    c.insert(e, e.addresses.front(), true, 0, r);
    benchmark::DoNotOptimize(c.take_changes());
  }
  state.counters["entries"] = static_cast<double>(c.size());
}
BENCHMARK(BM_RouteCacheInsert)->Arg(1000)->Arg(100000);

// A peer that enters the leaf set and leaves it again: insert + remove, the churn path.
void BM_LeafSetEnterAndLeave(benchmark::State& state) {
  seeded_random r(6);
  route_cache c = filled_cache(1000, r);
  const key256 local = c.anchor();
  for (auto _ : state) {
    const route_entry e = entry_of(add_small(local, 1 + (r.next_u64() & 0xFFFF)), 10);
    c.insert(e, e.addresses.front(), true, 0, r);
    c.remove(e.key, std::nullopt);
    benchmark::DoNotOptimize(c.take_changes());
  }
}
BENCHMARK(BM_LeafSetEnterAndLeave);

// Next-hop choice: the cached entry closest to the target (what a LOOKUP answer and each search
// step compute over the cache).
void BM_RouteSelection(benchmark::State& state) {
  seeded_random r(7);
  route_cache c = filled_cache(static_cast<std::size_t>(state.range(0)), r);
  for (auto _ : state) {
    const key256 target = random_key(r);
    const cache_entry* best = nullptr;
    for (const auto& e : c.entries())
      if (best == nullptr || closer_to(target, e.key, best->key)) best = &e;
    benchmark::DoNotOptimize(best);
  }
  state.counters["entries"] = static_cast<double>(c.size());
}
BENCHMARK(BM_RouteSelection)->Arg(1000)->Arg(100000);

void BM_RouteCacheFindKey(benchmark::State& state) {
  seeded_random r(8);
  route_cache c = filled_cache(100000, r);
  std::vector<key256> present;
  for (const auto& e : c.entries()) present.push_back(e.key);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(c.find_key(present[i++ % present.size()]));
  state.counters["entries"] = static_cast<double>(c.size());
}
BENCHMARK(BM_RouteCacheFindKey);

void register_codec() {
  for (const message& m : sample_messages()) {
    const std::string name = type_name(m.type);
    benchmark::RegisterBenchmark(("BM_Encode/" + name).c_str(), [m](benchmark::State& s) { encode_one(s, m); });
    benchmark::RegisterBenchmark(("BM_Decode/" + name).c_str(), [m](benchmark::State& s) { decode_one(s, m); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_codec();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
