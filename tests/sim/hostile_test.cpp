// Hostile peers in the simulator (null security): floods of fragments, SOLICITs and INQUIREs,
// malformed datagrams and fake route entries, each sent by an outsider (network::inject) at one
// node of a small network. Each test checks that the attack is counted in the victim's drop
// reasons, that its memory stays bounded, and that the honest nodes keep working: every live
// key is still found afterwards. The derived-key attacks (forged proofs, revocations, Sybils) are
// in tests/hostile.
#include "engine/codec.hpp"
#include "sim/network.hpp"
#include "sim/oracle.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

using namespace drt;
using engine::drop_reason;
using engine::endpoint;
using engine::key256;
using engine::message;
using engine::message_type;

namespace {

using sim::random_key;

// An address outside the simulator's node range (network::endpoint_of sets byte 11 to 1).
endpoint attacker(std::uint16_t i, std::uint16_t port = 4000) {
  endpoint e;
  e.address = {0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad};
  e.address[14] = static_cast<std::uint8_t>(i >> 8);
  e.address[15] = static_cast<std::uint8_t>(i);
  e.port = port;
  return e;
}

std::uint64_t dropped(const sim::network& net, std::size_t i, drop_reason r) {
  return net.engine(i).counters().dropped[static_cast<std::size_t>(r)];
}

struct hostile_net {
  sim::network net;
  engine::seeded_random w;
  std::uint64_t to_outsider = 0;  // datagrams the nodes sent to the attacker's endpoints
  std::vector<std::pair<endpoint, engine::bytes>> to_watched;  // those sent to `watched`
  endpoint watched;

  hostile_net(std::uint64_t seed, int nodes) : net(seed, {}), w(seed) {
    net.set_outsider([this](std::size_t, const endpoint& to, const engine::bytes& d) {
      if (to == watched) {
        to_watched.emplace_back(to, d);
      } else {
        ++to_outsider;
      }
    });
    for (int i = 0; i < nodes; ++i) {
      net.add_node(random_key(w));
      net.run_for(20);
    }
    net.run_for(40'000);
  }

  // Share of live keys found exactly from random live nodes (every key once).
  double found_fraction() {
    int ok = 0, total = 0;
    for (std::size_t i : net.live_nodes()) {
      if (!net.key_of(i)) continue;
      engine::search_info info;
      info.target = *net.key_of(i);
      const auto live = net.live_nodes();
      std::size_t from = i;
      while (from == i) from = live[w.uniform(live.size())];  // not the publisher itself
      const auto& out = net.search_and_wait(from, info, 30'000);
      ++total;
      ok += out.done && out.results.size() == 1 && out.results[0].key == info.target ? 1 : 0;
    }
    return total == 0 ? 1.0 : double(ok) / double(total);
  }
};

std::vector<engine::bytes> encoded(const message& m) { return engine::encode(m); }

}  // namespace

// Never-completed fragments from many addresses: reassembly holds at most its 32 entries (24
// for unsolicited messages), drops and counts the rest, frees them after 3 s, and still takes
// the fragmented answer a search needs (5,000 bytes of data, fetched during the flood; without
// the 8 entries kept for answers this search fails).
TEST(SimHostile, FragmentFloodIsBoundedCountedAndLeavesAnswersThrough) {
  hostile_net h(41, 16);
  const std::size_t victim = 3;
  const std::size_t before = h.net.engine(victim).memory_bytes();
  // A big publisher whose AUTHORITY answers are fragmented.
  const key256 big_key = random_key(h.w);
  // Simulated nodes carry 2 bytes of data; this one is added with 5,000.
  const std::size_t big = h.net.add_node(std::nullopt);
  ASSERT_EQ(h.net.engine(big).register_key(h.net.now_ms(), big_key, engine::bytes(5000, 'B')), S_OK);
  h.net.run_for(20'000);

  message flood;
  flood.type = message_type::flood;
  flood.flood_flags = 0;
  flood.validate_id = key256{};
  flood.credential = engine::bytes(6000, 0xEE);
  // 12 s of flooding: every 100 ms, first fragments from 40 fresh addresses (120 in rotation),
  // enough to refill the table as its entries expire.
  std::size_t sent = 0;
  for (std::uint64_t tick = 0; tick < 120; ++tick) {
    for (std::uint16_t a = 0; a < 40; ++a) {
      flood.message_id = static_cast<std::uint32_t>(tick * 100 + a);
      h.net.inject(victim, attacker(static_cast<std::uint16_t>(a + 40 * (tick % 3))), encoded(flood).front(), 1 + tick * 100);
      ++sent;
    }
  }
  h.net.run_for(1'000);
  const std::uint64_t full_before_search = dropped(h.net, victim, drop_reason::reassembly_full);
  EXPECT_GT(full_before_search, 0u) << "the flood did not fill the table";
  // The search runs during the flood; its answer is fragmented.
  engine::search_info info;
  info.target = big_key;
  const auto& out = h.net.search_and_wait(victim, info, 10'000);
  ASSERT_EQ(out.results.size(), 1u) << "the fragmented answer did not get through the flood";
  EXPECT_EQ(out.results[0].app_data.size(), 5000u);
  EXPECT_LT(h.net.engine(victim).memory_bytes(), before + 32 * 40'000);
  h.net.run_for(12'000);  // the rest of the flood
  std::printf("fragment flood: %zu first fragments sent, %llu dropped as reassembly_full, victim engine %zu bytes\n", sent,
              static_cast<unsigned long long>(dropped(h.net, victim, drop_reason::reassembly_full)),
              h.net.engine(victim).memory_bytes());
  EXPECT_GT(dropped(h.net, victim, drop_reason::reassembly_full), sent / 2);
  h.net.run_for(5'000);
  EXPECT_LT(h.net.engine(victim).memory_bytes(), before + 16'000) << "reassembly buffers not freed";
  EXPECT_EQ(h.found_fraction(), 1.0);
}

// SOLICITs with fresh nonces from one endpoint, 5,000 in 1 s: the per-source limits keep it to
// 4 conversations and 100 requests per second (counted as rate_limited); another peer's SOLICIT
// during the flood gets a real answer, a node that joins during the flood still syncs, and
// every key stays findable.
TEST(SimHostile, SolicitFloodFromOneAddressIsRateLimited) {
  hostile_net h(42, 16);
  const std::size_t victim = 5;
  const std::size_t before = h.net.engine(victim).memory_bytes();
  message solicit;
  solicit.type = message_type::solicit;
  for (int i = 0; i < 5000; ++i) {
    solicit.message_id = static_cast<std::uint32_t>(i);
    std::array<std::uint8_t, 20> nonce{};
    for (auto& b : nonce) b = static_cast<std::uint8_t>(h.w.next_u64());
    solicit.hashed_nonce = nonce;
    h.net.inject(victim, attacker(1), encoded(solicit).front(), 1 + static_cast<std::uint64_t>(i / 5));
  }
  const std::size_t joiner = h.net.add_node(random_key(h.w));
  h.net.run_for(500);
  // Another peer's SOLICIT in the middle of the flood still gets a real answer: the attacker
  // holds 4 conversations, not the whole table (which would give everyone an empty list).
  h.watched = attacker(77);
  solicit.message_id = 424242;
  solicit.hashed_nonce = std::array<std::uint8_t, 20>{7};
  h.net.inject(victim, h.watched, encoded(solicit).front());
  h.net.run_for(600);
  ASSERT_EQ(h.to_watched.size(), 1u);
  const auto advertise = engine::decode_single(h.to_watched.front().second, 1);
  ASSERT_TRUE(std::holds_alternative<message>(advertise));
  EXPECT_FALSE(std::get<message>(advertise).id_array.value_or(std::vector<key256>{}).empty())
      << "the flood took the whole conversation table";
  const std::uint64_t limited = dropped(h.net, victim, drop_reason::rate_limited);
  std::printf("solicit flood: 5000 sent, %llu rate_limited, %llu answers to the attacker\n",
              static_cast<unsigned long long>(limited), static_cast<unsigned long long>(h.to_outsider));
  // The bucket: a burst of 200, then 0.1 per ms over ~1 s; everything else dropped.
  EXPECT_GE(limited, 5000u - 200 - 120);
  EXPECT_LE(h.to_outsider, 200u + 120u) << "answers to the flood are not limited";
  EXPECT_LT(h.net.engine(victim).memory_bytes(), before + 8'000);
  h.net.run_for(30'000);
  EXPECT_EQ(h.net.engine(joiner).status(), engine::node_status::active);
  EXPECT_EQ(h.found_fraction(), 1.0);
}

// INQUIREs for the victim's key asking for its proof and payload (each costs a
// SecureAndPackPayload and an answer several times the request's size): limited per source
// address, also when the attacker changes its port for every request.
TEST(SimHostile, InquireFloodIsLimitedPerAddressEvenAcrossPorts) {
  hostile_net h(43, 16);
  const std::size_t victim = 7;
  message inquire;
  inquire.type = message_type::inquire;
  inquire.validate_id = *h.net.key_of(victim);
  inquire.flags = engine::flags::inquire_want_cpa | engine::flags::inquire_want_payload;
  inquire.nonce = std::array<std::uint8_t, 16>{};
  for (int i = 0; i < 4000; ++i) {
    inquire.message_id = static_cast<std::uint32_t>(i);
    h.net.inject(victim, attacker(2, static_cast<std::uint16_t>(2000 + i)), encoded(inquire).front(),
                 1 + static_cast<std::uint64_t>(i / 4));
  }
  h.net.run_for(1'100);
  std::printf("inquire flood: 4000 sent from 4000 ports, %llu rate_limited, %llu datagrams to the attacker\n",
              static_cast<unsigned long long>(dropped(h.net, victim, drop_reason::rate_limited)),
              static_cast<unsigned long long>(h.to_outsider));
  // Per address: a burst of 800, then 0.4 per ms.
  EXPECT_GE(dropped(h.net, victim, drop_reason::rate_limited), 4000u - 800 - 450);
  EXPECT_LE(h.to_outsider, 800u + 450u);
  EXPECT_EQ(h.found_fraction(), 1.0);
}

// Malformed datagrams (truncated, lengths that lie, unknown type, other protocol major, a
// privileged source port): each one is dropped and counted; nothing else changes.
TEST(SimHostile, MalformedDatagramsAreEachCounted) {
  hostile_net h(44, 12);
  const std::size_t victim = 2;
  message lookup;
  lookup.type = message_type::lookup;
  lookup.message_id = 77;
  lookup.lookup = engine::lookup_controls{};
  lookup.target_id = random_key(h.w);
  lookup.validate_id = *h.net.key_of(victim);
  const engine::bytes good = encoded(lookup).front();
  std::vector<std::pair<endpoint, engine::bytes>> bad;
  for (std::size_t cut = 1; cut < good.size(); cut += 3) bad.emplace_back(attacker(3), engine::bytes(good.begin(), good.end() - static_cast<std::ptrdiff_t>(cut)));
  for (std::size_t at = 0; at + 1 < good.size(); at += 4) {  // every length-ish byte pair set to 0xFFFF
    auto d = good;
    d[at] = 0xFF;
    d[at + 1] = 0xFF;
    bad.emplace_back(attacker(3), d);
  }
  bad.emplace_back(attacker(3), engine::bytes{});
  bad.emplace_back(attacker(3), engine::bytes(1400, 0xAB));
  bad.emplace_back(attacker(3, 80), good);  // privileged port
  const std::uint64_t before = h.net.engine(victim).counters().dropped_total();
  std::uint64_t expected = 0;
  for (auto& [from, d] : bad) {
    // A mutation that still parses as a LOOKUP is a valid request, not a malformed one.
    if (engine::decode_single(d, 1).index() == 1 && !(from.port < 1024)) continue;
    h.net.inject(victim, from, d);
    ++expected;
  }
  h.net.run_for(1'000);
  ASSERT_GT(expected, 50u);
  std::printf("malformed: %llu sent, %llu counted as dropped\n", static_cast<unsigned long long>(expected),
              static_cast<unsigned long long>(h.net.engine(victim).counters().dropped_total() - before));
  EXPECT_GE(h.net.engine(victim).counters().dropped_total() - before, expected);
  EXPECT_EQ(h.found_fraction(), 1.0);
}

// Fake route entries sent in SOLICITs and FLOODs: keys next to the victim's, claimed to live at
// an honest node that does not publish them, or at an address nobody answers from. The
// return-routability INQUIRE fails, so none enters the victim's cache, and searches for them
// find nothing.
TEST(SimHostile, FakeRouteEntriesNeverEnterTheCache) {
  hostile_net h(45, 16);
  const std::size_t victim = 9, honest = 4;
  std::vector<key256> fakes;
  const key256 base = *h.net.key_of(victim);
  for (std::uint64_t i = 1; i <= 20; ++i) fakes.push_back(i % 2 ? engine::add_small(base, i) : engine::sub_small(base, i));
  for (std::size_t i = 0; i < fakes.size(); ++i) {
    engine::route_entry r;
    r.key = fakes[i];
    r.port = 3540;
    if (i % 2 == 0) r.addresses = {h.net.endpoint_of(honest).address};  // an honest node, not its key
    else r.addresses = {attacker(500).address};                          // nobody answers there
    message m;
    m.message_id = static_cast<std::uint32_t>(9000 + i);
    if (i % 4 < 2) {
      m.type = message_type::solicit;
      m.hashed_nonce = std::array<std::uint8_t, 20>{};
      m.route = r;
    } else {
      m.type = message_type::flood;
      m.flood_flags = 0;
      m.validate_id = base;
      m.route = r;
    }
    h.net.inject(victim, attacker(6), encoded(m).front());
  }
  h.net.run_for(10'000);
  for (const auto& k : fakes) EXPECT_EQ(h.net.engine(victim).cache().find_key(k), nullptr);
  std::printf("fake route entries: %zu sent, %zu in the victim's cache\n", fakes.size(),
              static_cast<std::size_t>(std::count_if(fakes.begin(), fakes.end(), [&](const key256& k) {
                return h.net.engine(victim).cache().find_key(k) != nullptr;
              })));
  for (std::size_t i = 0; i < 4; ++i) {
    engine::search_info info;
    info.target = fakes[i];
    const auto& out = h.net.search_and_wait(victim, info, 20'000);
    EXPECT_TRUE(out.done);
    EXPECT_TRUE(out.results.empty());
  }
  EXPECT_EQ(h.found_fraction(), 1.0);
}
