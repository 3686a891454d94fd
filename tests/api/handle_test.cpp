// tests/api: every function rejects a forged, stale or wrong-kind handle with its documented code
// and never crashes (spec/api.md §1.6).
#include <drt/drt_provider.h>
#include <gtest/gtest.h>

#include <random>

namespace {

void expect_rejected_as_instance(HDRT h) {
  uint32_t size = 7;
  EXPECT_EQ(DrtGetEventDataSize(h, &size), E_HANDLE);
  EXPECT_EQ(size, 0u);
  alignas(DRT_EVENT_DATA) unsigned char buf[256];
  EXPECT_EQ(DrtGetEventData(h, sizeof buf, reinterpret_cast<DRT_EVENT_DATA*>(buf)), E_HANDLE);
  EXPECT_EQ(DrtGetInstanceNameSize(h, &size), E_HANDLE);
  char name[64];
  EXPECT_EQ(DrtGetInstanceName(h, sizeof name, name), E_HANDLE);
  uint8_t key_bytes[32] = {1};
  uint8_t data[1] = {42};
  DRT_REGISTRATION reg{{32, key_bytes}, {1, data}};
  HDRT_REGISTRATION_CONTEXT hreg = &reg;
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), E_HANDLE);
  EXPECT_EQ(hreg, nullptr);
  DRT_DATA key{32, key_bytes};
  HDRT_SEARCH_CONTEXT hs = &reg;
  EXPECT_EQ(DrtStartSearch(h, &key, nullptr, 1000, -1, nullptr, &hs), E_HANDLE);
  EXPECT_EQ(hs, nullptr);
  DrtClose(h);  // ignored, no crash
}

void expect_rejected_as_search(HDRT_SEARCH_CONTEXT h) {
  uint32_t size = 7;
  EXPECT_EQ(DrtGetSearchResultSize(h, &size), E_HANDLE);
  alignas(DRT_SEARCH_RESULT) unsigned char buf[256];
  EXPECT_EQ(DrtGetSearchResult(h, sizeof buf, reinterpret_cast<DRT_SEARCH_RESULT*>(buf)), E_HANDLE);
  EXPECT_EQ(DrtGetSearchPathSize(h, &size), E_HANDLE);
  alignas(DRT_ADDRESS_LIST) unsigned char path[256];
  EXPECT_EQ(DrtGetSearchPath(h, sizeof path, reinterpret_cast<DRT_ADDRESS_LIST*>(path)), E_HANDLE);
  EXPECT_EQ(DrtContinueSearch(h), E_HANDLE);
  EXPECT_EQ(DrtEndSearch(h), E_HANDLE);
}

void expect_rejected_as_registration(HDRT_REGISTRATION_CONTEXT h) {
  uint8_t data[1] = {1};
  DRT_DATA d{1, data};
  EXPECT_EQ(DrtUpdateKey(h, &d), E_HANDLE);
  DrtUnregisterKey(h);  // ignored
}

void expect_rejected_as_transport(HDRT_TRANSPORT h) {
  EXPECT_EQ(DrtDeleteIpv6UdpTransport(h), DRT_E_INVALID_TRANSPORT_PROVIDER);
  EXPECT_EQ(DrtDeleteTransport(h), DRT_E_INVALID_TRANSPORT_PROVIDER);
}

TEST(Handles, RandomValuesAreRejectedByEveryFunction) {
  std::mt19937_64 rng(0x5EEDu);
  for (int i = 0; i < 2000; ++i) {
    void* h = reinterpret_cast<void*>(static_cast<std::uintptr_t>(rng()));
    expect_rejected_as_instance(h);
    expect_rejected_as_search(h);
    expect_rejected_as_registration(h);
    expect_rejected_as_transport(h);
  }
}

TEST(Handles, PointersToRealMemoryAreRejected) {
  int local = 0;
  std::vector<char> heap(128);
  for (void* h : {static_cast<void*>(&local), static_cast<void*>(heap.data())}) {
    expect_rejected_as_instance(h);
    expect_rejected_as_search(h);
    expect_rejected_as_registration(h);
    expect_rejected_as_transport(h);
  }
}

TEST(Handles, NullIsNeverValid) {
  expect_rejected_as_instance(nullptr);
  expect_rejected_as_search(nullptr);
  expect_rejected_as_registration(nullptr);
  expect_rejected_as_transport(nullptr);
}

}  // namespace
