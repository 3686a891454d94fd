// tests/api: DrtRegisterKey / DrtUpdateKey / DrtUnregisterKey, every row that can be provoked
// without a network, in the documented order (spec/api.md §5.2), and local searches (§5.3).
#include "fake_providers.hpp"

#include <gtest/gtest.h>

#include <array>

namespace {

using drt_test::fake_bootstrap;
using drt_test::fake_security;
using drt_test::fake_transport;

class DrtRegisterKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(DrtCreateTransport(&transport.table, &htransport), S_OK);
    DRT_SETTINGS s{};
    s.dwSize = sizeof s;
    s.cbKey = 32;
    s.ulMaxRoutingAddresses = 1;
    s.hTransport = htransport;
    s.pSecurityProvider = &security.table;
    s.pBootstrapProvider = &bootstrap.table;
    ASSERT_EQ(DrtOpen(&s, -1, nullptr, &h), S_OK);
    key.fill(7);
    reg = {{32, key.data()}, {static_cast<uint32_t>(data.size()), data.data()}};
  }
  void TearDown() override {
    DrtClose(h);
    EXPECT_EQ(DrtDeleteTransport(htransport), S_OK);
  }

  fake_transport transport;
  fake_security security;
  fake_bootstrap bootstrap;
  HDRT_TRANSPORT htransport = nullptr;
  HDRT h = nullptr;
  std::array<uint8_t, 32> key{};
  std::array<uint8_t, 5> data{{'h', 'e', 'l', 'l', 'o'}};
  DRT_REGISTRATION reg{};
  HDRT_REGISTRATION_CONTEXT hreg = nullptr;
};

struct bad_registration_row {
  const char* name;
  void (*spoil)(DRT_REGISTRATION&);
  HRESULT expected;
};

TEST_F(DrtRegisterKeyTest, RejectsEachBadRegistrationWithItsRowCode) {
  static uint8_t big[DRT_MAX_PAYLOAD_SIZE + 1];
  const bad_registration_row rows[] = {
      {"key.pb NULL (row 3 before 7)", [](DRT_REGISTRATION& r) { r.key.pb = nullptr; r.key.cb = 3; }, E_INVALIDARG},
      {"appData.cb 0 (row 4)", [](DRT_REGISTRATION& r) { r.appData.cb = 0; }, E_INVALIDARG},
      {"appData.cb 5121 (row 5)", [](DRT_REGISTRATION& r) { r.appData = {DRT_MAX_PAYLOAD_SIZE + 1, big}; }, E_INVALIDARG},
      {"appData.pb NULL (row 6)", [](DRT_REGISTRATION& r) { r.appData.pb = nullptr; }, E_INVALIDARG},
      {"key.cb 31 (row 7)", [](DRT_REGISTRATION& r) { r.key.cb = 31; }, DRT_E_INVALID_KEY_SIZE},
      {"key.cb 33 (row 7)", [](DRT_REGISTRATION& r) { r.key.cb = 33; }, DRT_E_INVALID_KEY_SIZE},
  };
  for (const auto& row : rows) {
    DRT_REGISTRATION r = reg;
    row.spoil(r);
    hreg = &r;
    EXPECT_EQ(DrtRegisterKey(h, &r, nullptr, &hreg), row.expected) << row.name;
    EXPECT_EQ(hreg, nullptr) << row.name;
  }
  EXPECT_EQ(DrtRegisterKey(h, nullptr, nullptr, &hreg), E_INVALIDARG);  // row 1
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, nullptr), E_INVALIDARG);   // row 2
  EXPECT_EQ(security.registered, 0);
}

TEST_F(DrtRegisterKeyTest, AcceptsTheLargestPayload) {
  static uint8_t big[DRT_MAX_PAYLOAD_SIZE];
  reg.appData = {DRT_MAX_PAYLOAD_SIZE, big};
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), S_OK);
  EXPECT_NE(hreg, nullptr);
}

TEST_F(DrtRegisterKeyTest, RefusesADuplicateKeyUntilItIsUnregistered) {
  ASSERT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), S_OK);
  HDRT_REGISTRATION_CONTEXT second = nullptr;
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &second), DRT_E_DUPLICATE_KEY);
  DrtUnregisterKey(hreg);
  EXPECT_EQ(security.unregistered, 1);
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &second), S_OK);
  uint8_t one = 1;
  DRT_DATA d{1, &one};
  EXPECT_EQ(DrtUpdateKey(hreg, &d), E_HANDLE) << "the old handle died with the unregistration";
}

TEST_F(DrtRegisterKeyTest, PassesThroughAProviderRefusal) {
  security.register_result = DRT_E_INVALID_KEY;
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), DRT_E_INVALID_KEY);  // row 19
  EXPECT_EQ(hreg, nullptr);
}

TEST_F(DrtRegisterKeyTest, StopsCallingASecurityProviderThatLostItsAttachment) {
  security.register_result = DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), DRT_E_SECURITYPROVIDER_NOT_ATTACHED);
  security.register_result = S_OK;
  key[0] = 99;
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), DRT_E_SECURITYPROVIDER_NOT_ATTACHED);  // row 14
  EXPECT_EQ(security.registered, 0);
}

TEST_F(DrtRegisterKeyTest, ReportsATransportThatIsNotAttached) {
  transport.addresses_result = DRT_E_TRANSPORTPROVIDER_NOT_ATTACHED;
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), DRT_E_TRANSPORTPROVIDER_NOT_ATTACHED);  // row 13
}

TEST_F(DrtRegisterKeyTest, ReportsTransportStatesWhileAlone) {
  for (HRESULT state : {DRT_E_TRANSPORT_SHUTTING_DOWN, DRT_E_TRANSPORT_NOT_BOUND, DRT_E_TRANSPORT_NO_DEST_ADDRESSES}) {
    transport.addresses_result = state;  // rows 16-18 (the instance is opening = ALONE)
    EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), state);
  }
  transport.addresses_result = S_OK;
  transport.has_address = false;
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), DRT_E_TRANSPORT_NO_DEST_ADDRESSES);
}

TEST_F(DrtRegisterKeyTest, UpdateChecksItsArgumentsInOrder) {
  ASSERT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), S_OK);
  EXPECT_EQ(DrtUpdateKey(hreg, nullptr), E_INVALIDARG);
  DRT_DATA empty{0, data.data()};
  EXPECT_EQ(DrtUpdateKey(hreg, &empty), E_INVALIDARG);
  DRT_DATA no_bytes{3, nullptr};
  EXPECT_EQ(DrtUpdateKey(hreg, &no_bytes), E_INVALIDARG);
  EXPECT_EQ(DrtUpdateKey(h, &empty), E_INVALIDARG) << "argument rows come before the handle row";
  DRT_DATA fresh{2, data.data()};
  EXPECT_EQ(DrtUpdateKey(h, &fresh), E_HANDLE) << "an instance handle is not a registration handle";
  EXPECT_EQ(DrtUpdateKey(hreg, &fresh), S_OK);
}

TEST_F(DrtRegisterKeyTest, OwnKeysAreFoundOnlyWithAllowCurrentInstanceMatch) {
  ASSERT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), S_OK);
  DRT_DATA target{32, key.data()};
  HDRT_SEARCH_CONTEXT hs = nullptr;
  ASSERT_EQ(DrtStartSearch(h, &target, nullptr, 5000, -1, nullptr, &hs), S_OK);
  uint32_t size = 0;
  EXPECT_EQ(DrtGetSearchResultSize(hs, &size), DRT_E_NO_MORE);
  EXPECT_EQ(DrtEndSearch(hs), S_OK);
  EXPECT_EQ(DrtEndSearch(hs), E_HANDLE);
  DRT_SEARCH_INFO info{sizeof info, FALSE, TRUE, FALSE, 1, nullptr, nullptr};
  int marker = 0;
  ASSERT_EQ(DrtStartSearch(h, &target, &info, 5000, -1, &marker, &hs), S_OK);
  ASSERT_EQ(DrtGetSearchResultSize(hs, &size), S_OK);
  EXPECT_EQ(size, sizeof(DRT_SEARCH_RESULT) + 32 + data.size());
  alignas(DRT_SEARCH_RESULT) unsigned char buf[256];
  auto* result = reinterpret_cast<DRT_SEARCH_RESULT*>(buf);
  EXPECT_EQ(DrtGetSearchResult(hs, size - 1, result), DRT_E_INSUFFICIENT_BUFFER);
  ASSERT_EQ(DrtGetSearchResult(hs, size, result), S_OK);
  EXPECT_EQ(result->type, DRT_MATCH_EXACT);
  EXPECT_EQ(result->pvContext, &marker);
  EXPECT_EQ(0, memcmp(result->registration.appData.pb, data.data(), data.size()));
  EXPECT_EQ(DrtGetSearchResult(hs, sizeof buf, result), DRT_E_NO_MORE);
  EXPECT_EQ(DrtEndSearch(hs), S_OK);
}

TEST_F(DrtRegisterKeyTest, StartSearchRejectsBadRangesInRowOrder) {
  DRT_DATA target{32, key.data()};
  std::array<uint8_t, 32> lo{}, hi{};
  hi.fill(0xFF);
  DRT_DATA dlo{32, lo.data()}, dhi{32, hi.data()};
  HDRT_SEARCH_CONTEXT hs = &target;
  DRT_SEARCH_INFO info{sizeof info, FALSE, FALSE, FALSE, 1, &dhi, nullptr};
  EXPECT_EQ(DrtStartSearch(h, &target, &info, 0, -1, nullptr, &hs), E_INVALIDARG);  // row 6
  EXPECT_EQ(hs, nullptr);
  info.pMinimumKey = &dlo;
  info.dwSize = 8;
  EXPECT_EQ(DrtStartSearch(h, &target, &info, 0, -1, nullptr, &hs), DRT_E_INVALID_SEARCH_INFO);  // row 5
  info.dwSize = sizeof info;
  info.cMaxEndpoints = 0;
  EXPECT_EQ(DrtStartSearch(h, &target, &info, 0, -1, nullptr, &hs), DRT_E_INVALID_MAX_ENDPOINTS);
  info.cMaxEndpoints = 2;
  info.fAnyMatchInRange = TRUE;
  EXPECT_EQ(DrtStartSearch(h, &target, &info, 0, -1, nullptr, &hs), DRT_E_INVALID_MAX_ENDPOINTS);
  info.fAnyMatchInRange = FALSE;
  info.pMinimumKey = &dhi;
  info.pMaximumKey = &dlo;
  EXPECT_EQ(DrtStartSearch(h, &target, &info, 0, -1, nullptr, &hs), DRT_E_INVALID_SEARCH_RANGE);
  info.pMinimumKey = &dlo;
  info.pMaximumKey = &dhi;
  ASSERT_EQ(DrtStartSearch(h, &target, &info, 0, -1, nullptr, &hs), S_OK);
  uint32_t size = 0;
  EXPECT_EQ(DrtGetSearchResultSize(hs, &size), DRT_E_TIMEOUT) << "timeout 0 expires at once";
  EXPECT_EQ(DrtContinueSearch(hs), E_UNEXPECTED) << "not iterative";
  EXPECT_EQ(DrtEndSearch(hs), S_OK);
}

}  // namespace
