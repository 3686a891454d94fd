// Engine tests of DRT_SECURE_CONFIDENTIALPAYLOAD (protocol.md §5.5 [D7], §7 rule 35): the codec's
// protected fields, a hand-driven mode-2 network, and what a receiver does with tampered, clear or
// mis-addressed protected fields (dropped and counted, never acted on).
#include "engine/codec.hpp"
#include "engine/node.hpp"
#include "hand_network.hpp"
#include "sim/sealing_security.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>

using namespace drt::engine;
using namespace drt::engine::test;
using drt::sim::sealing_security;

namespace {

std::uint64_t dropped(const node& n, drop_reason r) { return n.counters().dropped[static_cast<std::size_t>(r)]; }

constexpr std::size_t no_field = static_cast<std::size_t>(-1);

// Offset of the first TLV with this FieldID in an unfragmented datagram (fields are 4-aligned
// from the datagram's start, §2.1), or no_field.
std::size_t find_field(const bytes& d, std::uint16_t id) {
  std::size_t pos = 0;
  while (pos + 4 <= d.size()) {
    const std::size_t len = (std::size_t{d[pos + 2]} << 8) | d[pos + 3];
    if (((std::uint16_t{d[pos]} << 8) | d[pos + 1]) == id) return pos;
    if (len < 4) break;
    pos = (pos + len + 3) & ~std::size_t{3};
  }
  return no_field;
}

// A hand-driven mode-2 network (hand_network.hpp) whose nodes use the sealing test provider or
// the built-in null one, counting the datagrams that carry an ENCRYPTED_FIELD.
struct mode2_net : hand_network {
  std::vector<std::unique_ptr<sealing_security>> sealing;
  std::size_t encrypted_seen = 0;  // datagrams that carried an ENCRYPTED_FIELD

  mode2_net() : hand_network(7) {
    on_send = [this](const outgoing_datagram& d) {
      if (find_field(d.data, field_id::encrypted_field) != no_field) ++encrypted_seen;
    };
  }
  // sealed: the sealing test provider; else the built-in null provider (encryption = copy).
  int add(bool sealed, std::uint8_t mode = 2) {
    node_config cfg;
    cfg.security_mode = mode;
    security_provider* security = nullptr;
    if (sealed) {
      sealing.push_back(std::make_unique<sealing_security>(nodes.size() + 1));
      security = sealing.back().get();
    }
    return hand_network::add(cfg, security);
  }
  // Three publishers k(100..102) with payloads {i, 7}, joined one after the other.
  void three_publishers(bool sealed) {
    for (int i = 0; i < 3; ++i) {
      add(sealed);
      EXPECT_EQ(nodes[i]->register_key(now, k(100 + i), {static_cast<std::uint8_t>(i), 7}), S_OK);
      step(6000);
    }
  }
};

bytes datagram(const message& m) {
  auto d = encode(m);
  EXPECT_EQ(d.size(), 1u);
  return d.empty() ? bytes{} : d[0];
}

route_entry entry_of(int i, const key256& key) {
  route_entry r;
  r.key = key;
  r.port = 3540;
  r.addresses.push_back(ep(i).address);
  return r;
}

}  // namespace

TEST(ConfidentialCodec, ProtectedFieldsComeInMessageOrderAndParseBack) {
  message a;
  a.type = message_type::authority;
  a.acked_id = 5;
  a.flags = 0;
  a.extended_payload = bytes{1, 2, 3};
  a.route = entry_of(4, k(9));
  a.validate_cpa = bytes{7, 7};
  const auto fields = protected_fields(a);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].id, field_id::extended_payload);
  EXPECT_EQ(fields[1].id, field_id::routing_entry);
  EXPECT_EQ(fields[2].id, field_id::validate_cpa);
  EXPECT_EQ(fields[0].data, (bytes{1, 2, 3}));
  EXPECT_EQ(fields[1].data.size(), 38u + 16u);  // ROUTE_ENTRY data, no TLV header or padding

  message sent = a;
  for (const auto& f : fields) sent.encrypted.push_back({f.id, f.data});  // identity "cipher"
  sent.keytoken = bytes{};
  clear_protected_fields(sent);
  EXPECT_FALSE(sent.route || sent.extended_payload || sent.validate_cpa);
  auto parsed = decode_single(datagram(sent), 1);
  ASSERT_TRUE(std::holds_alternative<message>(parsed));
  message got = std::get<message>(parsed);
  ASSERT_EQ(got.encrypted.size(), 3u);
  for (const auto& e : got.encrypted) EXPECT_EQ(store_decrypted_field(got, e.inner_id, e.ciphertext), std::nullopt);
  EXPECT_EQ(got.extended_payload, a.extended_payload);
  EXPECT_EQ(got.route, a.route);
  EXPECT_EQ(got.validate_cpa, a.validate_cpa);
  // Stored twice, or a field that is not protected in this type: invalid.
  EXPECT_EQ(store_decrypted_field(got, field_id::routing_entry, fields[1].data), drop_reason::field_order);
  EXPECT_EQ(store_decrypted_field(got, field_id::credential, bytes{}), drop_reason::field_order);
  // A plaintext that is not a valid ROUTE_ENTRY is refused like a clear one.
  message fresh;
  fresh.type = message_type::flood;
  bytes bad = fields[1].data;
  bad[37] = 0;  // AddressCount 0
  EXPECT_EQ(store_decrypted_field(fresh, field_id::routing_entry, bad), drop_reason::bad_route_entry);
}

TEST(ConfidentialMode, PublishersResolveWithEveryProtectedFieldEncrypted) {
  mode2_net net;
  net.three_publishers(true);
  EXPECT_EQ(net.nodes[0]->status(), node_status::active);
  EXPECT_TRUE(net.nodes[0]->cache().in_any_leaf_set(k(101)));
  for (int from = 0; from < 3; ++from) {
    for (int owner = 0; owner < 3; ++owner) {
      if (from == owner) continue;
      const auto r = net.search(from, k(100 + owner));
      ASSERT_EQ(r.size(), 2u) << from << " -> " << owner;
      EXPECT_EQ(r[0].hr, S_OK);
      EXPECT_EQ(r[0].key, k(100 + owner));
      EXPECT_EQ(r[0].app_data, (bytes{static_cast<std::uint8_t>(owner), 7}));
    }
  }
  EXPECT_GT(net.encrypted_seen, 0u);
  for (const auto& s : net.sealing) {
    EXPECT_GT(s->encryptions(), 0u);
    EXPECT_EQ(s->decryptions_refused(), 0u);  // every message was encrypted for its recipient
  }
  for (const auto& n : net.nodes) EXPECT_EQ(dropped(*n, drop_reason::decrypt_failure), 0u);
}

TEST(ConfidentialMode, TamperedEncryptedFieldsAreDroppedAndCounted) {
  mode2_net net;
  net.three_publishers(true);
  // Flip the last ciphertext byte of every ENCRYPTED_FIELD that reaches node 0.
  std::size_t tampered = 0;
  net.mutate = [&](outgoing_datagram& d) {
    if (!d.to.same_wire(ep(1))) return true;
    const std::size_t at = find_field(d.data, field_id::encrypted_field);
    if (at == no_field) return true;
    const std::size_t len = (std::size_t{d.data[at + 2]} << 8) | d.data[at + 3];
    d.data[at + len - 1] ^= 0x01;
    ++tampered;
    return true;
  };
  const auto dropped_before = dropped(*net.nodes[0], drop_reason::decrypt_failure);
  const auto refused_before = net.sealing[0]->decryptions_refused();
  const auto r = net.search(0, k(102));
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.back().hr, DRT_E_NO_MORE);
  EXPECT_EQ(r.size(), 1u) << "a tampered answer produced a result";
  const auto dropped_now = dropped(*net.nodes[0], drop_reason::decrypt_failure) - dropped_before;
  EXPECT_GT(dropped_now, 0u);
  EXPECT_LE(dropped_now, tampered);  // the rest failed an earlier check (an unmatched answer)
  EXPECT_EQ(net.sealing[0]->decryptions_refused() - refused_before, dropped_now);
  // Untouched traffic resolves again.
  net.mutate = nullptr;
  net.step(30'000);
  const auto again = net.search(0, k(102));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].app_data, (bytes{2, 7}));
}

TEST(ConfidentialMode, AMessageEncryptedForAnotherNodeIsRefused) {
  mode2_net net;
  net.three_publishers(true);
  // Deliver to node 2 what was encrypted for node 1: its keytoken names node 1.
  std::size_t redirected = 0;
  net.mutate = [&](outgoing_datagram& d) {
    if (d.to.same_wire(ep(2)) && find_field(d.data, field_id::encrypted_field) != no_field &&
        find_field(d.data, field_id::keytoken) != no_field) {
      net.nodes[2]->on_datagram(net.now, d.from, ep(3), d.data);
      ++redirected;
    }
    return true;
  };
  const auto before = dropped(*net.nodes[2], drop_reason::decrypt_failure);
  (void)net.search(0, k(101));
  EXPECT_GT(redirected, 0u);
  // Each redirected datagram is dropped by node 2: as undecryptable, or earlier as an answer it
  // never asked for (an AUTHORITY is matched before DecryptData runs).
  EXPECT_GT(dropped(*net.nodes[2], drop_reason::decrypt_failure) - before, 0u);
  EXPECT_GT(net.sealing[2]->decryptions_refused(), 0u);
}

TEST(ConfidentialMode, ReceivedProtectedFieldsAreCheckedLikeClearOnes) {
  mode2_net net;  // the null provider: encryption is a copy, so the plaintext can be forged
  net.add(false);
  ASSERT_EQ(net.nodes[0]->register_key(net.now, k(100), {1}), S_OK);
  net.add(false, 1);  // a mode-1 node for comparison
  node& n2 = *net.nodes[0];
  node& n1 = *net.nodes[1];
  auto flood_to = [&](const key256& validate) {
    message f;
    f.type = message_type::flood;
    f.message_id = 77;
    f.flood_flags = 0;
    f.validate_id = validate;
    return f;
  };
  const bytes good_entry = protected_fields([&] {
    message f = flood_to(k(100));
    f.route = entry_of(9, k(200));
    return f;
  }())[0].data;

  // Encrypted (null provider: copied) and well-formed: accepted and ACKed.
  message ok = flood_to(k(100));
  ok.keytoken = bytes{};
  ok.encrypted.push_back({field_id::routing_entry, good_entry});
  const auto total_before = n2.counters().dropped_total();
  n2.on_datagram(net.now, ep(9), ep(1), datagram(ok));
  EXPECT_EQ(n2.counters().dropped_total(), total_before);
  bool acked = false;
  for (const auto& d : n2.take_datagrams()) acked = acked || (d.to.same_wire(ep(9)) && d.data[7] == 0x09);
  EXPECT_TRUE(acked);

  // The decrypted route entry is invalid (AddressCount 0): dropped as a bad route entry.
  message bad = ok;
  bad.encrypted[0].ciphertext[37] = 0;
  auto before = dropped(n2, drop_reason::bad_route_entry);
  n2.on_datagram(net.now, ep(9), ep(1), datagram(bad));
  EXPECT_EQ(dropped(n2, drop_reason::bad_route_entry), before + 1);

  // The decrypted flagged path of a LOOKUP is an inconsistent array: dropped as such.
  message lookup;
  lookup.type = message_type::lookup;
  lookup.message_id = 78;
  lookup.lookup = lookup_controls{};
  lookup.target_id = k(5);
  lookup.validate_id = k(100);
  lookup.keytoken = bytes{};
  lookup.encrypted.push_back({field_id::ipv6_endpoint_array, bytes{0, 0, 0, 8, 0, 0x9D, 0, 18}});  // 0 endpoints
  lookup.credential = bytes{};
  lookup.signature = bytes{};
  lookup.key_identifier = bytes{};
  before = dropped(n2, drop_reason::bad_array);
  n2.on_datagram(net.now, ep(9), ep(1), datagram(lookup));
  EXPECT_EQ(dropped(n2, drop_reason::bad_array), before + 1);

  // In mode 2 a protected field in clear is refused (rule 35), and so is an ENCRYPTED_FIELD
  // without a KEYTOKEN.
  message clear = flood_to(k(100));
  clear.route = entry_of(9, k(200));
  before = dropped(n2, drop_reason::decrypt_failure);
  n2.on_datagram(net.now, ep(9), ep(1), datagram(clear));
  message no_token = ok;
  no_token.keytoken.reset();
  n2.on_datagram(net.now, ep(9), ep(1), datagram(no_token));
  message foreign_token = ok;
  foreign_token.keytoken = bytes{1, 2, 3, 4};  // the null provider wants an empty one
  n2.on_datagram(net.now, ep(9), ep(1), datagram(foreign_token));
  EXPECT_EQ(dropped(n2, drop_reason::decrypt_failure), before + 3);
  EXPECT_TRUE(n2.take_datagrams().empty()) << "a refused FLOOD was answered";

  // Modes 0-1 are unchanged: an ENCRYPTED_FIELD is a security failure there.
  before = dropped(n1, drop_reason::security_failure);
  n1.on_datagram(net.now, ep(9), ep(2), datagram(ok));
  EXPECT_EQ(dropped(n1, drop_reason::security_failure), before + 1);
}

TEST(ConfidentialMode, NullProviderNetworkResolves) {
  mode2_net net;  // mode 2 with the built-in null provider: what the simulator runs cheaply
  net.three_publishers(false);
  const auto r = net.search(0, k(102));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].app_data, (bytes{2, 7}));
  EXPECT_GT(net.encrypted_seen, 0u);
}
