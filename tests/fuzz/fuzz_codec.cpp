// fuzz_codec: the message decoder (core/engine/codec.cpp: split_datagram, parse_message) and
// fragment reassembly (reassembly.cpp) on arbitrary datagram sequences (the record format of
// engine_victim.hpp; ticks advance the reassembly clock by 100 ms each). Properties checked:
// no crash; the reassembly table stays within its limits; every message that parses encodes
// again to datagrams that parse to the same message. Seeds: tests/fuzz/corpus/codec, real
// datagrams recorded by drt_fuzz_corpus (every message type, fragmented ones included).
#include "engine/codec.hpp"
#include "engine/reassembly.hpp"
#include "engine_victim.hpp"

#include <cstdio>
#include <cstdlib>

using namespace drt::engine;

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_codec: %s\n", what);
    std::abort();
  }
}

// encode(m) must give datagrams that reassemble and parse back to m.
void check_round_trip(const message& m) {
  const std::vector<bytes> datagrams = encode(m);
  if (datagrams.empty()) return;  // too large to send: encode refuses, as it must
  reassembly_table table;
  const endpoint from = drt::fuzz::peer_endpoint(0);
  for (const bytes& d : datagrams) {
    auto split = split_datagram(d, m.version_major);
    check(std::holds_alternative<datagram_view>(split), "an encoded datagram does not split");
    const auto& view = std::get<datagram_view>(split);
    if (view.complete()) {
      auto again = parse_message(view.prefix, view.piece);
      check(std::holds_alternative<message>(again), "an encoded message does not parse");
      check(std::get<message>(again) == m, "an encoded message parses to another message");
      continue;
    }
    std::optional<drop_reason> dropped;
    auto whole = table.add(0, from, view, &dropped);
    check(!dropped, "an encoded fragment is dropped by reassembly");
    if (whole) {
      auto again = parse_message(whole->prefix, whole->body);
      check(std::holds_alternative<message>(again), "a reassembled encoded message does not parse");
      check(std::get<message>(again) == m, "a reassembled encoded message parses to another message");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reassembly_table table;
  std::uint64_t now_ms = 0;
  drt::fuzz::for_each_record({data, size}, [&](std::uint8_t ticks, std::uint8_t source, auto datagram) {
    now_ms += std::uint64_t{ticks} * 100;
    auto split = split_datagram(datagram, 1);
    if (!std::holds_alternative<datagram_view>(split)) return;
    const auto& view = std::get<datagram_view>(split);
    std::variant<drop_reason, message> parsed = drop_reason::not_applicable;
    if (view.complete()) {
      parsed = parse_message(view.prefix, view.piece);
    } else {
      std::optional<drop_reason> dropped;
      auto whole = table.add(now_ms, drt::fuzz::peer_endpoint(source), view, &dropped);
      check(table.size() <= reassembly_table::entries_max, "reassembly table above its limit");
      if (whole) parsed = parse_message(whole->prefix, whole->body);
    }
    if (auto* m = std::get_if<message>(&parsed)) check_round_trip(*m);
  });
  return 0;
}
