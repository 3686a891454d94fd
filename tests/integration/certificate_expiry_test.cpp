// tests/integration: issue #7's certificate validity on a real cloud. When a publisher's own
// certificate expires, the derived-key provider can no longer prove its key: the first search
// that asks for a fresh proof makes the publisher raise DRT_EVENT_REGISTRATION_STATE_CHANGED /
// UNRESOLVEABLE with the provider's failure (spec/api.md §4.11), once, and other nodes stop
// finding the key while everything else keeps working.
#include "secure_member.hpp"

#include <gtest/gtest.h>

#include <ctime>

namespace {

using namespace std::chrono_literals;
namespace cg = drt::certgen;
using drt_test::member_options;

std::vector<std::uint8_t> to_bytes(const std::string& s) { return {s.begin(), s.end()}; }

// Every REGISTRATION_STATE_CHANGED event queued on `n` so far (other events are dropped).
std::vector<drt::event> registration_events(drt::node& n) {
  std::vector<drt::event> out;
  while (auto e = n.next_event()) {
    if (e->type == DRT_EVENT_REGISTRATION_STATE_CHANGED) out.push_back(std::move(*e));
  }
  return out;
}

std::vector<std::uint8_t> key_bytes(const drt::key& k) { return {k.begin(), k.end()}; }

TEST(CertificateExpiry, AnExpiredLocalCertificateMakesItsRegistrationUnresolvable) {
  const cg::identity root = drt_test::make_root("expiry root");
  // The publisher's certificate lives a few seconds: long enough to join and be found once.
  const std::int64_t expires = static_cast<std::int64_t>(std::time(nullptr)) + 8;
  member_options publisher_options;
  publisher_options.not_after = expires;
  drt_test::secure_member publisher = drt_test::open_secure_member(root, root, publisher_options);
  publisher.registration = publisher.node.register_key(publisher.key, to_bytes("short-lived"));

  member_options other;
  other.seed = publisher.transport.port();
  drt_test::secure_member searcher = drt_test::open_secure_member(root, root, other);
  searcher.registration = searcher.node.register_key(searcher.key, to_bytes("long-lived"));
  ASSERT_EQ(drt_test::wait_status(searcher.node, DRT_ACTIVE, 10s), DRT_ACTIVE);

  const auto before = drt_test::search_until_found(searcher.node, publisher.key, {}, 4s);
  ASSERT_EQ(before.results.size(), 1u) << "found while the certificate is valid";
  EXPECT_EQ(before.results[0].data, to_bytes("short-lived"));
  ASSERT_LT(static_cast<std::int64_t>(std::time(nullptr)), expires) << "the test machine was too slow to check before expiry";
  EXPECT_TRUE(registration_events(publisher.node).empty()) << "no state change while valid";

  while (static_cast<std::int64_t>(std::time(nullptr)) <= expires) std::this_thread::sleep_for(100ms);

  // A fresh search needs a fresh proof (a new nonce), which the provider now refuses.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto after = drt_test::run_search(searcher.node, publisher.key, {}, 5s);
    EXPECT_TRUE(after.results.empty()) << "attempt " << attempt << ": an expired registration was still found";
  }
  std::vector<drt::event> events;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (events.empty() && std::chrono::steady_clock::now() < deadline) {
    events = registration_events(publisher.node);
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(200ms);
  for (auto& e : registration_events(publisher.node)) events.push_back(std::move(e));
  ASSERT_EQ(events.size(), 1u) << "raised once per registration";
  EXPECT_EQ(events[0].registration_state, DRT_REGISTRATION_STATE_UNRESOLVEABLE);
  EXPECT_EQ(events[0].local_key, key_bytes(publisher.key));
  EXPECT_TRUE(FAILED(events[0].hr)) << "carries the provider's failure";
  EXPECT_NE(events[0].hr, E_OUTOFMEMORY);

  // The cloud itself keeps working: the publisher still finds the searcher's key.
  const auto reverse = drt_test::search_until_found(publisher.node, searcher.key, {}, 10s);
  ASSERT_EQ(reverse.results.size(), 1u);
  EXPECT_EQ(reverse.results[0].data, to_bytes("long-lived"));
}

}  // namespace
