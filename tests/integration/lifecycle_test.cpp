// tests/integration: API behaviour that needs a live cloud: iterative searches pause between
// hops (DRT_E_SEARCH_IN_PROGRESS until DrtContinueSearch), search paths, and DrtClose racing
// with another thread that is using the instance (run under ASan in CI; repeated).
#include "loopback_cloud.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>

namespace {

using namespace std::chrono_literals;
using drt_test::cloud_node;
using drt_test::key_of;
using drt_test::open_node;
using drt_test::wait_status;

struct two_nodes {
  cloud_node a = open_node({});
  drt::registration ra = a.node.register_key(key_of(7), std::vector<std::uint8_t>{'a'});
  cloud_node b = open_node({a.transport.port()});
  drt::registration rb = b.node.register_key(key_of(8), std::vector<std::uint8_t>{'b'});
  two_nodes() { EXPECT_EQ(wait_status(b.node, DRT_ACTIVE, 10s), DRT_ACTIVE); }
};

TEST(IterativeSearch, PausesAfterEachHopUntilContinued) {
  two_nodes c;
  drt::search_options options;
  options.iterative = true;
  drt::search s = c.b.node.start_search(key_of(7), options, 10000);
  // The first hop is reported as an intermediate result; then the search waits for us.
  std::vector<drt::search_result> results;
  drt::search::poll p;
  for (int i = 0; i < 2000; ++i) {
    p = s.next();
    if (p.st != drt::search::state::in_progress) break;
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(p.st, drt::search::state::result);
  results.push_back(*p.result);
  std::this_thread::sleep_for(50ms);
  std::uint32_t size = 0;
  EXPECT_EQ(DrtGetSearchResultSize(s.native_handle(), &size), DRT_E_SEARCH_IN_PROGRESS) << "paused until continued";
  // Continue until the end: the last result is the exact match.
  for (int hops = 0; hops < 10 && p.st != drt::search::state::complete; ++hops) {
    s.continue_search();
    for (int i = 0; i < 2000; ++i) {
      p = s.next();
      if (p.st != drt::search::state::in_progress) break;
      std::this_thread::sleep_for(1ms);
    }
    if (p.st == drt::search::state::result) results.push_back(*p.result);
  }
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results.front().type, DRT_MATCH_INTERMEDIATE);
  bool exact = false;
  for (const auto& r : results) exact |= r.type == DRT_MATCH_EXACT && r.data == std::vector<std::uint8_t>{'a'};
  EXPECT_TRUE(exact) << "the walk ended at the publisher";
  EXPECT_FALSE(s.path().empty()) << "DrtGetSearchPath lists the nodes asked";
  std::uint32_t path_size = 0;
  ASSERT_EQ(DrtGetSearchPathSize(s.native_handle(), &path_size), S_OK);
  std::vector<std::max_align_t> buffer(path_size / sizeof(std::max_align_t) + 1);
  auto* list = reinterpret_cast<DRT_ADDRESS_LIST*>(buffer.data());
  EXPECT_EQ(DrtGetSearchPath(s.native_handle(), path_size - 1, list), DRT_E_INSUFFICIENT_BUFFER);
  ASSERT_EQ(DrtGetSearchPath(s.native_handle(), path_size, list), S_OK);
  EXPECT_GE(list->AddressCount, 1u);
  EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(&list->AddressList[0].socketAddress)->sin6_family, AF_INET6);
}

// DrtClose from one thread while another keeps calling into the same instance: every call of
// the other thread returns (S_OK, DRT_E_NO_MORE, E_HANDLE, E_UNEXPECTED...) and nothing leaks.
TEST(CloseRace, CloseFromAnotherThreadWhileTheInstanceIsBusy) {
  const int rounds = std::getenv("OPENDRT_STRESS_ROUNDS") ? std::atoi(std::getenv("OPENDRT_STRESS_ROUNDS")) : 100;
  std::mt19937 rng(42);
  cloud_node seed = open_node({});
  drt::registration seed_key = seed.node.register_key(key_of(1), std::vector<std::uint8_t>{1});
  int unexpected = 0;
  for (int round = 0; round < rounds; ++round) {
    cloud_node n = open_node({seed.transport.port()});
    const HDRT h = n.node.native_handle();
    std::atomic<bool> stop{false};
    std::atomic<int> odd{0};
    std::thread user([&] {
      std::uint32_t i = 0;
      while (!stop.load()) {
        drt::key k = key_of(1000 + (i++ % 50));
        DRT_DATA key{DRT_KEY_SIZE, k.data()};
        std::uint8_t byte = 1;
        DRT_REGISTRATION reg{key, DRT_DATA{1, &byte}};
        HDRT_REGISTRATION_CONTEXT hreg = nullptr;
        const HRESULT r = DrtRegisterKey(h, &reg, nullptr, &hreg);
        if (r != S_OK && r != E_HANDLE && r != E_UNEXPECTED && r != DRT_E_DUPLICATE_KEY) ++odd;
        HDRT_SEARCH_CONTEXT hs = nullptr;
        DRT_DATA target{DRT_KEY_SIZE, key_of(1).data()};
        drt::key t = key_of(1);
        target.pb = t.data();
        const HRESULT sr = DrtStartSearch(h, &target, nullptr, 1000, -1, nullptr, &hs);
        if (sr == S_OK) {
          std::uint32_t size = 0;
          (void)DrtGetSearchResultSize(hs, &size);
          (void)DrtEndSearch(hs);
        } else if (sr != E_HANDLE && sr != E_UNEXPECTED) {
          ++odd;
        }
        std::uint32_t size = 0;
        const HRESULT er = DrtGetEventDataSize(h, &size);
        if (er == S_OK) {
          std::vector<std::max_align_t> buf((size + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
          (void)DrtGetEventData(h, size, reinterpret_cast<DRT_EVENT_DATA*>(buf.data()));
        } else if (er != DRT_E_NO_MORE && er != E_HANDLE) {
          ++odd;
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    n.node.close();  // races with the user thread
    stop = true;
    user.join();
    unexpected += odd.load();
  }
  EXPECT_EQ(unexpected, 0) << "calls racing DrtClose returned codes outside the documented set";
}

}  // namespace
