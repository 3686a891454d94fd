// Hostile peers against nodes with the real derived-key provider (DRT_SECURE_RESOLVE): an
// outsider lures a victim into validating a route entry (a SOLICIT carrying it), then answers
// the victim's INQUIRE with a forged AUTHORITY; or sends forged revocations; or tries to fill
// the victim's leaf set with Sybil entries. Every forgery must be rejected and counted
// (security_failure), the victim's cache must not take the entry, and every honest key must
// stay findable. A positive control (a valid proof from the same attacker is accepted) shows the
// harness can tell the difference.
#include "derived_key_sim.hpp"
#include "engine/codec.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <ostream>

using namespace drt;
using engine::drop_reason;
using engine::endpoint;
using engine::key256;
using engine::message;
using engine::message_type;

namespace {

endpoint attacker_endpoint(std::uint16_t i) {
  endpoint e;
  e.address = {0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad};
  e.address[14] = static_cast<std::uint8_t>(i >> 8);
  e.address[15] = static_cast<std::uint8_t>(i);
  e.port = 4000;
  return e;
}

std::uint64_t security_failures(const sim::network& net, std::size_t i) {
  return net.engine(i).counters().dropped[static_cast<std::size_t>(drop_reason::security_failure)];
}

// What the attacker puts in its AUTHORITY for an INQUIRE (nonce given) sent to `at`.
using forge_fn = std::function<void(const message& inquire, const endpoint& at, message& authority)>;

struct secure_net {
  static constexpr std::size_t honest = 12;
  hostile::test_pki pki = hostile::make_pki(honest + 1, 1);  // the last node identity is the attacker's
  sim::network net{51, {}};
  engine::seeded_random w{51};
  std::unique_ptr<hostile::owned_provider> attacker;  // valid certificate under the root
  std::unique_ptr<hostile::owned_provider> stranger;  // valid certificate under another root
  forge_fn forge;
  std::uint64_t inquiries = 0;

  secure_net() {
    const auto& mine = pki.nodes.back();
    attacker = hostile::owned_provider::create(pki.root_pem, mine.cert_and_key);
    stranger = hostile::owned_provider::create(pki.other_root_pem, pki.strangers[0].cert_and_key);
    hostile::test_pki honest_only = pki;
    honest_only.nodes.pop_back();
    hostile::add_secure_nodes(net, honest_only);
    net.set_outsider([this](std::size_t from_node, const endpoint& to, const engine::bytes& d) {
      auto parsed = engine::decode_single(d, 1);
      auto* m = std::get_if<message>(&parsed);
      if (m == nullptr || !forge) return;
      if (m->type == message_type::flood) {  // acknowledged like an honest node would
        message ack;
        ack.type = message_type::ack;
        ack.message_id = static_cast<std::uint32_t>(w.next_u64());
        ack.acked_id = m->message_id;
        net.inject(from_node, to, engine::encode(ack).front(), 5);
        return;
      }
      if (m->type != message_type::inquire) return;
      ++inquiries;
      message a;
      a.type = message_type::authority;
      a.message_id = static_cast<std::uint32_t>(w.next_u64());
      a.acked_id = m->message_id;
      a.flags = 0;
      forge(*m, to, a);
      for (auto& datagram : engine::encode(a)) net.inject(from_node, to, std::move(datagram), 5);
    });
    net.run_for(40'000);
  }
  key256 attacker_key() const { return pki.nodes.back().key; }
  key256 stranger_key() const { return pki.strangers[0].key; }

  // The honest node whose key is nearest to k: k is surely a leaf-set candidate there.
  std::size_t nearest_to(const key256& k) const {
    std::size_t best = 0;
    for (std::size_t i = 1; i < net.size(); ++i)
      if (engine::closer_to(k, *net.key_of(i), *net.key_of(best))) best = i;
    return best;
  }
  // Makes `victim` validate an entry for `key` at `at` (a SOLICIT carrying it).
  void lure(std::size_t victim, const key256& key, const endpoint& at) {
    message s;
    s.type = message_type::solicit;
    s.message_id = static_cast<std::uint32_t>(w.next_u64());
    s.hashed_nonce = std::array<std::uint8_t, 20>{};
    engine::route_entry r;
    r.key = key;
    r.port = at.port;
    r.addresses = {at.address};
    s.route = r;
    net.inject(victim, at, engine::encode(s).front());
  }
  // A proof by `p` for `key`, bound to `nonce`, listing `at`.
  static engine::packed_payload proof(hostile::owned_provider& p, const key256& key, engine::byte_span nonce,
                                      const endpoint& at, std::uint32_t flags = 0) {
    engine::packed_payload out;
    const std::vector<endpoint> addresses{at};
    EXPECT_EQ(p.secure_and_pack_payload(nullptr, 1, 0, flags, key, nullptr, addresses, nonce, out), S_OK);
    return out;
  }
};

struct forgery {
  const char* name;
  bool accepted;  // the positive control
  // Returns the key to lure with; sets net.forge.
  std::function<key256(secure_net&)> arm;
};

// gtest prints a parameter by name, not as bytes.
void PrintTo(const forgery& f, std::ostream* os) { *os << f.name; }

void fill(message& a, const engine::packed_payload& p) {
  a.validate_cpa = p.cpa;
  a.credential = p.cert_chain;
}

const forgery forgeries[] = {
    {"valid_proof_control", true,
     [](secure_net& s) {
       s.forge = [&s](const message& q, const endpoint& at, message& a) {
         fill(a, secure_net::proof(*s.attacker, s.attacker_key(), *q.nonce, at));
       };
       return s.attacker_key();
     }},
    {"wrong_root", false,
     [](secure_net& s) {
       s.forge = [&s](const message& q, const endpoint& at, message& a) {
         fill(a, secure_net::proof(*s.stranger, s.stranger_key(), *q.nonce, at));
       };
       return s.stranger_key();
     }},
    {"wrong_key", false,
     [](secure_net& s) {
       // Claims a key next to an honest node's, proves its own.
       const key256 claimed = engine::add_small(*s.net.key_of(s.nearest_to(s.attacker_key())), 1);
       s.forge = [&s](const message& q, const endpoint& at, message& a) {
         fill(a, secure_net::proof(*s.attacker, s.attacker_key(), *q.nonce, at));
       };
       return claimed;
     }},
    {"bad_signature", false,
     [](secure_net& s) {
       s.forge = [&s](const message& q, const endpoint& at, message& a) {
         auto p = secure_net::proof(*s.attacker, s.attacker_key(), *q.nonce, at);
         const std::size_t signature_end = 1 + (p.cpa[1] | (p.cpa[2] << 8));  // SIGNATURE length counts itself
         p.cpa[signature_end - 1] ^= 0x01;
         fill(a, p);
       };
       return s.attacker_key();
     }},
    {"replayed_old_nonce", false,
     [](secure_net& s) {
       const std::array<std::uint8_t, 16> old{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
       s.forge = [&s, old](const message&, const endpoint& at, message& a) {
         fill(a, secure_net::proof(*s.attacker, s.attacker_key(), old, at));
       };
       return s.attacker_key();
     }},
};

class ForgedAuthority : public ::testing::TestWithParam<forgery> {};

}  // namespace

TEST_P(ForgedAuthority, IsRejectedCountedAndHarmless) {
  secure_net s;
  ASSERT_TRUE(s.attacker && s.stranger);
  const key256 lured = GetParam().arm(s);
  const std::size_t victim = s.nearest_to(lured);
  ASSERT_TRUE(s.net.engine(victim).cache().would_enter_leaf_set(lured));
  const std::uint64_t failures = security_failures(s.net, victim);
  s.lure(victim, lured, attacker_endpoint(1));
  // Checked 1 s later (the INQUIRE and its answer take ~0.1 s): an accepted attacker does not
  // answer LOOKUPs, so the victim may rightly drop it again later.
  s.net.run_for(1'000);
  EXPECT_GE(s.inquiries, 1u) << "the victim never asked the attacker for a proof";
  const bool in_cache = s.net.engine(victim).cache().find_key(lured) != nullptr;
  std::printf("forged AUTHORITY %s: %llu INQUIREs answered, entry %s, security_failure +%llu\n", GetParam().name,
              static_cast<unsigned long long>(s.inquiries), in_cache ? "accepted" : "rejected",
              static_cast<unsigned long long>(security_failures(s.net, victim) - failures));
  EXPECT_EQ(in_cache, GetParam().accepted);
  s.net.run_for(4'000);
  if (!GetParam().accepted) {
    EXPECT_GT(security_failures(s.net, victim), failures);
    EXPECT_EQ(s.net.engine(victim).cache().find_key(lured), nullptr);
  }
  EXPECT_EQ(hostile::found_fraction(s.net, s.w), 1.0);
}

INSTANTIATE_TEST_SUITE_P(DerivedKey, ForgedAuthority, ::testing::ValuesIn(forgeries),
                         [](const auto& info) { return std::string(info.param.name); });

// Revocations the sender has no right to: a revoke CPA whose key bytes were changed to an
// honest node's key (its signature no longer verifies), and the attacker's own valid revoke CPA
// listing the honest node's address. Neither removes the honest node anywhere.
TEST(HostileRevocation, ForAKeyTheSenderDoesNotOwnRemovesNothing) {
  secure_net s;
  ASSERT_TRUE(s.attacker);
  const std::size_t honest = 4;
  const key256 target = *s.net.key_of(honest);
  const endpoint honest_ep = s.net.endpoint_of(honest);
  std::size_t holders = 0;
  std::vector<std::uint64_t> failures;
  for (std::size_t i = 0; i < s.net.size(); ++i) {
    failures.push_back(security_failures(s.net, i));
    holders += s.net.engine(i).cache().find_key(target) != nullptr ? 1 : 0;
  }
  ASSERT_GT(holders, 0u);
  auto patched = secure_net::proof(*s.attacker, s.attacker_key(), {}, honest_ep, 1);
  const std::size_t key_at = 1 + (patched.cpa[1] | (patched.cpa[2] << 8)) + 6;  // after version, profile, length
  std::array<std::uint8_t, 32> wire{};
  target.to_wire(wire.data());
  std::copy(wire.begin(), wire.end(), patched.cpa.begin() + static_cast<std::ptrdiff_t>(key_at));
  auto own = secure_net::proof(*s.attacker, s.attacker_key(), {}, honest_ep, 1);
  std::uint32_t id = 1;
  for (std::size_t i = 0; i < s.net.size(); ++i) {
    if (i == honest) continue;
    for (const engine::packed_payload* p : {&patched, &own}) {
      message f;
      f.type = message_type::flood;
      f.message_id = id++;
      f.flood_flags = 0;
      f.validate_id = *s.net.key_of(i);
      f.revoke_cpa = p->cpa;
      f.credential = p->cert_chain;
      s.net.inject(i, attacker_endpoint(2), engine::encode(f).front());
    }
  }
  s.net.run_for(5'000);
  std::size_t still = 0, rejected = 0;
  for (std::size_t i = 0; i < s.net.size(); ++i) {
    still += s.net.engine(i).cache().find_key(target) != nullptr ? 1 : 0;
    rejected += security_failures(s.net, i) > failures[i] ? 1 : 0;
  }
  std::printf("forged revocations: %u sent, %zu of %zu nodes counted a security_failure, %zu of %zu holders keep the key\n",
              id - 1, rejected, s.net.size() - 1, still, holders);
  EXPECT_GE(still, holders);
  EXPECT_EQ(rejected, s.net.size() - 1) << "the patched revocation was not rejected everywhere";
  EXPECT_EQ(hostile::found_fraction(s.net, s.w), 1.0);
}

// Sybils: 30 entries with the keys right around the victim's, at 30 attacker addresses, each
// answered with the one proof the attacker can make (for its own derived key). None enters the
// victim's leaf set or cache, nor any other node's cache.
TEST(HostileSybil, CannotFillALeafSetWithoutCertificates) {
  secure_net s;
  ASSERT_TRUE(s.attacker);
  const std::size_t victim = 6;
  const key256 base = *s.net.key_of(victim);
  s.forge = [&s](const message& q, const endpoint& at, message& a) {
    fill(a, secure_net::proof(*s.attacker, s.attacker_key(), *q.nonce, at));
  };
  std::vector<key256> sybils;
  for (std::uint64_t i = 1; i <= 15; ++i) {
    sybils.push_back(engine::add_small(base, i));
    sybils.push_back(engine::sub_small(base, i));
  }
  const std::uint64_t failures = security_failures(s.net, victim);
  for (std::size_t i = 0; i < sybils.size(); ++i) s.lure(victim, sybils[i], attacker_endpoint(static_cast<std::uint16_t>(100 + i)));
  s.net.run_for(10'000);
  std::size_t in_cache = 0, anywhere = 0;
  for (const auto& k : sybils) {
    in_cache += s.net.engine(victim).cache().find_key(k) != nullptr ? 1 : 0;
    for (std::size_t i = 0; i < s.net.size(); ++i) anywhere += s.net.engine(i).cache().find_key(k) != nullptr ? 1 : 0;
  }
  std::printf("sybil: %zu entries lured, %llu INQUIREs answered, %zu in the victim's cache, security_failure +%llu, "
              "leaf sets correct %.0f %%\n",
              sybils.size(), static_cast<unsigned long long>(s.inquiries), in_cache,
              static_cast<unsigned long long>(security_failures(s.net, victim) - failures),
              100 * s.net.leaf_set_correct_fraction());
  EXPECT_GE(s.inquiries, sybils.size());
  EXPECT_EQ(in_cache, 0u);
  EXPECT_EQ(anywhere, 0u) << "a Sybil entry reached another node's cache";
  // leaf_set_correct_fraction() is printed, not asserted: with fresh keys each run the honest
  // leaf sets themselves are not always all settled after 40 s (seen: 10 of 12).

  EXPECT_EQ(hostile::found_fraction(s.net, s.w), 1.0);
}
