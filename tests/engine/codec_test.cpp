// Codec: round trip of every message type and field, and the malformed cases of protocol.md §2.
#include "engine/codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace drt::engine;

namespace {

route_entry sample_entry(int n_addresses = 1) {
  route_entry r;
  r.key = key256::from_u64(0x1234);
  r.key.limb[3] = 0xABCDEF;
  r.port = 3540;
  for (int i = 0; i < n_addresses; ++i) {
    ipv6_address a{0x20, 0x01, 0x0d, 0xb8};
    a[15] = static_cast<std::uint8_t>(i + 1);
    r.addresses.push_back(a);
  }
  return r;
}

endpoint sample_endpoint(int i) {
  endpoint e;
  e.address = {0x20, 0x01, 0x0d, 0xb8};
  e.address[15] = static_cast<std::uint8_t>(i);
  e.port = static_cast<std::uint16_t>(2000 + i);
  return e;
}

std::vector<message> every_message() {
  std::vector<message> out;
  message s;
  s.type = message_type::solicit;
  s.message_id = 0x01020304;
  s.route = sample_entry(3);
  s.hashed_nonce = std::array<std::uint8_t, 20>{1, 2, 3};
  out.push_back(s);
  message a;
  a.type = message_type::advertise;
  a.message_id = 7;
  a.acked_id = 0x01020304;
  a.id_array = std::vector<key256>{key256::from_u64(1), key256::from_u64(2)};
  a.hashed_nonce = std::array<std::uint8_t, 20>{9};
  out.push_back(a);
  message q;
  q.type = message_type::request;
  q.message_id = 8;
  q.flags = 0;
  q.nonce = std::array<std::uint8_t, 16>{4, 5};
  q.id_array = std::vector<key256>{key256::from_u64(3)};
  q.credential = bytes{1, 2, 3};
  q.signature = bytes{4};
  q.key_identifier = bytes{};
  out.push_back(q);
  message f;
  f.type = message_type::flood;
  f.message_id = 9;
  f.flood_flags = 0;
  f.validate_id = key256::from_u64(77);
  f.route = sample_entry(2);
  f.endpoints = std::vector<endpoint>{sample_endpoint(1), sample_endpoint(2)};
  out.push_back(f);
  message r = f;
  r.route.reset();
  r.endpoints.reset();
  r.credential = bytes{};
  r.revoke_cpa = bytes(105, 0x33);
  r.keytoken = bytes{};
  out.push_back(r);
  message i;
  i.type = message_type::inquire;
  i.message_id = 10;
  i.flags = flags::inquire_want_cpa | flags::inquire_want_chain;
  i.validate_id = key256::from_u64(5);
  i.nonce = std::array<std::uint8_t, 16>{7};
  out.push_back(i);
  message au;
  au.type = message_type::authority;
  au.message_id = 11;
  au.acked_id = 10;
  au.flags = flags::authority_unknown_in_leafset;
  au.credential = bytes{5, 5};
  au.keytoken = bytes{};
  au.classifier = std::vector<std::uint16_t>{0x41, 0x42};
  au.extended_payload = bytes{1, 2, 3, 4, 5};
  au.route = sample_entry(1);
  au.validate_cpa = bytes(123, 0x44);
  out.push_back(au);
  message ack;
  ack.type = message_type::ack;
  ack.message_id = 12;
  ack.acked_id = 9;
  out.push_back(ack);
  message ackn = ack;
  ackn.flags = flags::ack_not_published;
  out.push_back(ackn);
  message l;
  l.type = message_type::lookup;
  l.message_id = 13;
  l.lookup = lookup_controls{flags::lookup_any_referral, 0, 2, 1};
  l.target_id = key256::from_u64(100);
  l.validate_id = key256::from_u64(200);
  l.route = sample_entry(1);
  l.keytoken = bytes{};
  l.endpoints = std::vector<endpoint>{sample_endpoint(3)};
  l.credential = bytes{};
  l.signature = bytes{};
  l.key_identifier = bytes{};
  out.push_back(l);
  message le = l;  // mode 2: the flagged path encrypted
  le.endpoints.reset();
  le.encrypted.push_back({field_id::ipv6_endpoint_array, bytes{9, 9, 9}});
  out.push_back(le);
  return out;
}

message decode_all(const std::vector<bytes>& datagrams) {
  EXPECT_EQ(datagrams.size(), 1u);
  auto r = decode_single(datagrams.front(), 1);
  EXPECT_TRUE(std::holds_alternative<message>(r)) << (std::holds_alternative<drop_reason>(r) ? to_string(std::get<drop_reason>(r)) : "");
  return std::holds_alternative<message>(r) ? std::get<message>(r) : message{};
}

}  // namespace

TEST(Codec, EveryMessageRoundTrips) {
  for (const auto& m : every_message()) {
    SCOPED_TRACE(static_cast<int>(m.type));
    const auto d = encode(m);
    ASSERT_FALSE(d.empty());
    for (const auto& datagram : d) {
      EXPECT_EQ(datagram[0], 0x00);  // §7 item 1
      EXPECT_EQ(datagram[1], 0x10);
      EXPECT_EQ(datagram[4], 0x51);
      EXPECT_EQ(datagram.size() % 4, 0u);  // aligned, padding included
    }
    EXPECT_EQ(decode_all(d), m);
  }
}

TEST(Codec, TheSmallestAckIsTwentyBytes) {
  message ack;
  ack.type = message_type::ack;
  ack.message_id = 0xA1B2C3D4;
  ack.acked_id = 0x01020304;
  const auto d = encode(ack);
  const bytes want = {0x00, 0x10, 0x00, 0x0C, 0x51, 0x01, 0x00, 0x09, 0xA1, 0xB2, 0xC3, 0xD4,
                      0x00, 0x18, 0x00, 0x08, 0x01, 0x02, 0x03, 0x04};
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0], want);
}

TEST(Codec, KeysTravelMostSignificantByteFirst) {
  message i;
  i.type = message_type::inquire;
  i.flags = 0;
  std::uint8_t api[32] = {1};
  i.validate_id = key256::from_api_bytes(api);
  const auto d = encode(i);
  // header 12 + FLAGS_FIELD 8 + VALIDATE_DRT_ID header 4 → key at 24.
  EXPECT_EQ(d[0][24 + 31], 1);
  EXPECT_EQ(d[0][24], 0);
}

TEST(Codec, EveryTruncationIsDropped) {
  for (const auto& m : every_message()) {
    const auto d = encode(m).front();
    for (std::size_t len = 0; len < d.size(); ++len) {
      // A cut at a field boundary can leave a well-formed shorter message only when the
      // cut-off fields were optional; anything else must be refused, never crash.
      auto r = decode_single(std::span(d.data(), len), 1);
      // Only the final padding may be cut without changing the message.
      const bool only_padding = d.size() - len <= 3 && std::all_of(d.begin() + static_cast<std::ptrdiff_t>(len), d.end(), [](auto b) { return b == 0; });
      if (std::holds_alternative<message>(r) && !only_padding) {
        EXPECT_NE(std::get<message>(r), m);
      }
    }
  }
}

TEST(Codec, EveryFieldLengthCorruptionIsDroppedOrSkipped) {
  for (const auto& m : every_message()) {
    const auto d = encode(m).front();
    std::size_t pos = 12;
    while (pos + 4 <= d.size()) {
      const std::size_t len = (d[pos + 2] << 8) | d[pos + 3];
      for (std::uint16_t bad : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{0xFFFF}, len + 4, len - 1}) {
        bytes c = d;
        c[pos + 2] = static_cast<std::uint8_t>(bad >> 8);
        c[pos + 3] = static_cast<std::uint8_t>(bad);
        auto r = decode_single(c, 1);
        if (bad < 4 || bad == 0xFFFF) {
          EXPECT_TRUE(std::holds_alternative<drop_reason>(r)) << "field at " << pos << " len " << bad;
        }
      }
      pos += (len + 3) & ~std::size_t{3};
    }
  }
}

TEST(Codec, BadHeadersAreDroppedWithTheirReason) {
  message ack;
  ack.type = message_type::ack;
  ack.acked_id = 1;
  const bytes good = encode(ack).front();
  auto reason = [](bytes b) { auto r = decode_single(b, 1); return std::holds_alternative<drop_reason>(r) ? std::get<drop_reason>(r) : drop_reason::count_; };
  bytes b = good; b[4] = 0x52; EXPECT_EQ(reason(b), drop_reason::bad_header);
  b = good; b[3] = 0x0D; EXPECT_EQ(reason(b), drop_reason::bad_header);
  b = good; b[7] = 0x05; EXPECT_EQ(reason(b), drop_reason::unknown_type);
  b = good; b[7] = 0x0A; EXPECT_EQ(reason(b), drop_reason::unknown_type);
  b = good; b[5] = 2; EXPECT_EQ(reason(b), drop_reason::version_mismatch);
  b = good; b[6] = 9; EXPECT_EQ(reason(b), drop_reason::count_);  // minor ignored [D16]
  EXPECT_EQ(reason(bytes(good.begin(), good.begin() + 19)), drop_reason::too_short);
  b = good; b.resize(1501, 0); EXPECT_EQ(reason(b), drop_reason::too_long);
}

TEST(Codec, UnknownFieldsAreSkipped) {
  message i;
  i.type = message_type::inquire;
  i.flags = 0;
  i.validate_id = key256::from_u64(9);
  bytes d = encode(i).front();
  const bytes unknown = {0x00, 0xA5, 0x00, 0x06, 0xEE, 0xEE, 0x00, 0x00};  // [D16]
  d.insert(d.begin() + 20, unknown.begin(), unknown.end());
  auto r = decode_single(d, 1);
  ASSERT_TRUE(std::holds_alternative<message>(r));
  EXPECT_EQ(std::get<message>(r).validate_id, key256::from_u64(9));
}

TEST(Codec, RepeatedOrMisplacedFieldsAreDropped) {
  message l = every_message()[9];  // LOOKUP
  bytes d = encode(l).front();
  // Swap TARGET and VALIDATE ids: 0x0038 after 0x0039 is out of order.
  bytes swapped = d;
  swapped[24 + 1] = 0x39;  // after header (12) and LOOKUP_CONTROLS (12)
  swapped[24 + 36 + 1] = 0x38;
  auto r = decode_single(swapped, 1);
  ASSERT_TRUE(std::holds_alternative<drop_reason>(r));
  EXPECT_EQ(std::get<drop_reason>(r), drop_reason::field_order);
}

TEST(Codec, ArraysMustBeConsistent) {
  message a = every_message()[1];  // ADVERTISE with 2 ids
  bytes d = encode(a).front();
  const std::size_t arr = 20;  // after header and ACKED
  for (int variant = 0; variant < 4; ++variant) {
    bytes c = d;
    if (variant == 0) c[arr + 5] = 3;          // NumEntries
    if (variant == 1) c[arr + 7] = 0;          // ArrayLength
    if (variant == 2) c[arr + 9] = 0x31;       // element type
    if (variant == 3) c[arr + 11] = 31;        // entry length
    auto r = decode_single(c, 1);
    ASSERT_TRUE(std::holds_alternative<drop_reason>(r)) << variant;
    EXPECT_EQ(std::get<drop_reason>(r), drop_reason::bad_array);
  }
}

TEST(Codec, RouteEntryWithZeroOrTwentyOneAddressesIsDropped) {
  message f = every_message()[3];
  f.route = sample_entry(20);
  EXPECT_TRUE(std::holds_alternative<message>(decode_single(encode(f).front(), 1)));
  bytes d = encode(f).front();
  // ROUTING_ENTRY after header(12) + FLOOD_CONTROLS(8) + VALIDATE(36); AddressCount at +4+37.
  const std::size_t count_at = 12 + 8 + 36 + 4 + 37;
  for (std::uint8_t n : {0, 21, 19}) {
    bytes c = d;
    c[count_at] = n;
    auto r = decode_single(c, 1);
    ASSERT_TRUE(std::holds_alternative<drop_reason>(r)) << int(n);
    EXPECT_EQ(std::get<drop_reason>(r), drop_reason::bad_route_entry);
  }
}

TEST(Codec, FloodCarriesExactlyOneOfRouteAndRevoke) {
  message f = every_message()[3];
  f.revoke_cpa = bytes{1};
  f.credential = bytes{};
  auto r = decode_single(encode(f).front(), 1);
  ASSERT_TRUE(std::holds_alternative<drop_reason>(r));
  f.revoke_cpa.reset();
  f.route.reset();
  r = decode_single(encode(f).front(), 1);
  EXPECT_TRUE(std::holds_alternative<drop_reason>(r));
}

TEST(Codec, LargeBodiesAreFragmentedAt1188Bytes) {
  message au = every_message()[6];
  au.extended_payload = bytes(5120, 0x77);
  const auto d = encode(au);
  ASSERT_EQ(d.size(), 5u);  // body > 4·1188
  for (std::size_t k = 0; k < d.size(); ++k) {
    EXPECT_LE(d[k].size(), datagram_sent_bytes_max);  // §7 item 7
    auto v = split_datagram(d[k], 1);
    ASSERT_TRUE(std::holds_alternative<datagram_view>(v));
    const auto& view = std::get<datagram_view>(v);
    EXPECT_EQ(view.split_offset, 1188 * k);  // §7 item 9
    if (k + 1 < d.size()) {
      EXPECT_EQ(view.piece.size(), 1188u);
    }
    EXPECT_TRUE(std::equal(view.prefix.begin(), view.prefix.end(), d[0].begin()));
  }
}

TEST(Codec, SmallAuthorityIsOneFragmentWithOffsetZero) {
  const auto d = encode(every_message()[6]);
  ASSERT_EQ(d.size(), 1u);
  auto v = split_datagram(d[0], 1);
  const auto& view = std::get<datagram_view>(v);
  EXPECT_TRUE(view.has_split);
  EXPECT_EQ(view.split_offset, 0);
  EXPECT_EQ(view.split_size, view.piece.size());  // §7 item 8
}

TEST(Codec, OversizedBodyIsNotSent) {
  message au = every_message()[6];
  au.extended_payload = bytes(fragmented_body_bytes_max + 1, 1);
  EXPECT_TRUE(encode(au).empty());
}
