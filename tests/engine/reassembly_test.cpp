#include "engine/reassembly.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace drt::engine;

namespace {

std::vector<bytes> big_authority(std::uint32_t id, std::size_t payload) {
  message au;
  au.type = message_type::authority;
  au.message_id = id;
  au.acked_id = 1;
  au.flags = 0;
  au.extended_payload = bytes(payload, 0x42);
  return encode(au);
}

endpoint src(int i) {
  endpoint e;
  e.address = {0x20, 0x01};
  e.address[15] = static_cast<std::uint8_t>(i);
  e.port = 4000;
  return e;
}

std::optional<reassembly_table::complete_message> feed(reassembly_table& t, const bytes& d, int from, std::uint64_t now = 0,
                                                       std::optional<drop_reason>* why = nullptr) {
  auto v = std::get<datagram_view>(split_datagram(d, 1));
  std::optional<drop_reason> dropped;
  // As the engine does: an AUTHORITY arrives here only as the answer to a pending request.
  auto r = t.add(now, src(from), v, &dropped, v.type == message_type::authority);
  if (why) *why = dropped;
  return r;
}

}  // namespace

TEST(Reassembly, OutOfOrderAndDuplicateFragmentsReassemble) {
  auto d = big_authority(5, 4000);
  ASSERT_EQ(d.size(), 4u);
  reassembly_table t;
  std::optional<reassembly_table::complete_message> done;
  for (int idx : {3, 1, 1, 0, 3}) EXPECT_FALSE(feed(t, d[idx], 1).has_value());
  done = feed(t, d[2], 1);
  ASSERT_TRUE(done.has_value());
  auto m = parse_message(done->prefix, done->body);
  ASSERT_TRUE(std::holds_alternative<message>(m));
  EXPECT_EQ(std::get<message>(m).extended_payload->size(), 4000u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(Reassembly, AChangedSizeDiscardsTheEntry) {
  auto a = big_authority(5, 4000);
  auto b = big_authority(5, 3000);  // same id, different Size
  reassembly_table t;
  feed(t, a[0], 1);
  std::optional<drop_reason> why;
  feed(t, b[1], 1, 0, &why);
  EXPECT_EQ(why, drop_reason::fragment_invalid);
  EXPECT_EQ(t.size(), 0u);
}

TEST(Reassembly, AtMostFourEntriesPerSourceAndThirtyTwoInTotal) {
  reassembly_table t;
  std::optional<drop_reason> why;
  for (std::uint32_t id = 0; id < 4; ++id) feed(t, big_authority(id, 2000)[0], 1, 0, &why);
  EXPECT_FALSE(why.has_value());
  feed(t, big_authority(99, 2000)[0], 1, 0, &why);
  EXPECT_EQ(why, drop_reason::reassembly_full);
  for (int s = 2; s <= 9; ++s)
    for (std::uint32_t id = 0; id < 4; ++id) feed(t, big_authority(id, 2000)[0], s, 0, &why);
  EXPECT_EQ(t.size(), reassembly_table::entries_max);
  feed(t, big_authority(1, 2000)[0], 20, 0, &why);
  EXPECT_EQ(why, drop_reason::reassembly_full);
}

// A flood of unsolicited fragments from many addresses fills at most 24 entries; the last 8 stay
// free for answers to our own requests.
TEST(Reassembly, UnsolicitedFragmentsLeaveEightEntriesForAnswers) {
  reassembly_table t;
  std::optional<drop_reason> why;
  const auto datagrams = big_authority(7, 2000);
  for (int s = 1; s <= 40; ++s) {
    auto view = std::get<datagram_view>(split_datagram(datagrams[0], 1));
    view.type = message_type::flood;  // the same bytes counted as an unsolicited message
    std::optional<drop_reason> dropped;
    (void)t.add(0, src(s), view, &dropped, false);
    if (s > 24) {
      EXPECT_EQ(dropped, drop_reason::reassembly_full) << s;
    }
  }
  EXPECT_EQ(t.size(), reassembly_table::entries_max - reassembly_table::answers_reserved);
  for (int s = 41; s <= 48; ++s) {
    feed(t, big_authority(1, 2000)[0], s, 0, &why);
    EXPECT_FALSE(why.has_value()) << s;
  }
  EXPECT_EQ(t.size(), reassembly_table::entries_max);
  feed(t, big_authority(1, 2000)[0], 49, 0, &why);
  EXPECT_EQ(why, drop_reason::reassembly_full);
}

TEST(Reassembly, IncompleteEntriesExpireAfterThreeSeconds) {
  reassembly_table t;
  feed(t, big_authority(1, 2000)[0], 1, 1000);
  EXPECT_EQ(t.next_deadline(), 4000u);
  t.expire(3999);
  EXPECT_EQ(t.size(), 1u);
  t.expire(4000);
  EXPECT_EQ(t.size(), 0u);
}

TEST(Reassembly, OffsetsNotOnPieceBoundariesAreRefusedBySplit) {
  auto d = big_authority(1, 2000);
  bytes c = d[1];
  // SPLIT_CONTROLS Offset follows the 20-byte prefix and the 4-byte TLV header and Size.
  c[12 + 8 + 4 + 2] = 0x04;
  c[12 + 8 + 4 + 3] = 0xA5;  // 1189
  auto v = split_datagram(c, 1);
  ASSERT_TRUE(std::holds_alternative<drop_reason>(v));
  EXPECT_EQ(std::get<drop_reason>(v), drop_reason::bad_split);
}
