// tests/api: DrtOpen / DrtClose argument checks in row order, provider attach order and roll-back,
// the provider conditions, events and instance names (spec/api.md §5.1, §5.4).
#include "fake_providers.hpp"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

using drt_test::fake_bootstrap;
using drt_test::fake_security;
using drt_test::fake_transport;

class DrtOpenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(DrtCreateTransport(&transport.table, &htransport), S_OK);
    settings = drt_test::settings_for(htransport, security, bootstrap);
  }
  void TearDown() override { EXPECT_EQ(DrtDeleteTransport(htransport), S_OK); }

  // Waits (bounded) until the instance has queued an event, then returns its status change.
  DRT_STATUS next_status(HDRT h, HRESULT* hr = nullptr) {
    alignas(DRT_EVENT_DATA) unsigned char buf[1024];
    auto* ev = reinterpret_cast<DRT_EVENT_DATA*>(buf);
    for (int i = 0; i < 2000; ++i) {
      if (DrtGetEventData(h, sizeof buf, ev) == S_OK) {
        EXPECT_EQ(ev->type, DRT_EVENT_STATUS_CHANGED);
        if (hr) *hr = ev->hr;
        return ev->statusChange.status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ADD_FAILURE() << "no event within 2 s";
    return DRT_FAULTED;
  }

  fake_transport transport;
  fake_security security;
  fake_bootstrap bootstrap;
  HDRT_TRANSPORT htransport = nullptr;
  DRT_SETTINGS settings{};
};

// Plugin ABI 1.1 (docs/provider-abi.md §5-§6): a transport table of ABI 1.0's size is accepted,
// whatever lies past its end is never read, and such a transport is attached without
// DRT_TRANSPORT_CORE_RECEIVES; one byte shorter is refused.
TEST(TransportTableSizes, AnAbi10TableIsAcceptedAndReceivesOnItsOwn) {
  fake_transport transport, too_short;
  transport.table.cbSize = DRT_TRANSPORT_PROVIDER_SIZE_1_0;
  // Past ABI 1.0's end: must be ignored (a real 1.0 table has other memory there).
  transport.table.GetReceiveDescriptor = [](void*) -> int { std::abort(); };
  transport.table.Receive = [](void*, std::uint32_t, std::uint32_t*) -> HRESULT { std::abort(); };
  too_short.table.cbSize = DRT_TRANSPORT_PROVIDER_SIZE_1_0 - 1;
  HDRT_TRANSPORT h = nullptr, refused = nullptr;
  EXPECT_EQ(DrtCreateTransport(&too_short.table, &refused), DRT_E_INVALID_TRANSPORT_PROVIDER);
  ASSERT_EQ(DrtCreateTransport(&transport.table, &h), S_OK);
  fake_security security;
  fake_bootstrap bootstrap;
  const DRT_SETTINGS settings = drt_test::settings_for(h, security, bootstrap);
  HDRT drt = nullptr;
  ASSERT_EQ(DrtOpen(&settings, -1, nullptr, &drt), S_OK);
  EXPECT_EQ(transport.attached, 1);
  EXPECT_EQ(transport.callbacks.cbSize, sizeof(DRT_TRANSPORT_CALLBACKS));
  EXPECT_EQ(transport.callbacks.dwFlags, 0u);
  DrtClose(drt);
  EXPECT_EQ(DrtDeleteTransport(h), S_OK);
}

TEST_F(DrtOpenTest, OpensAndClosesWithApplicationSuppliedProviders) {
  HDRT h = nullptr;
  ASSERT_EQ(DrtOpen(&settings, -1, nullptr, &h), S_OK);
  EXPECT_EQ(transport.attached, 1);
  EXPECT_EQ(security.attached, 1);
  EXPECT_EQ(bootstrap.attached, 1);
  EXPECT_STREQ(DrtGetLastErrorDetail(), "");
  DrtClose(h);
  EXPECT_EQ(bootstrap.detached, 1);
  EXPECT_EQ(security.detached, 1);
  EXPECT_EQ(transport.detached, 1);
  uint32_t size = 0;
  EXPECT_EQ(DrtGetEventDataSize(h, &size), E_HANDLE);
}

TEST_F(DrtOpenTest, RejectsArgumentsInTheDocumentedRowOrder) {
  HDRT h = &settings;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, nullptr), E_INVALIDARG);               // row 1
  EXPECT_EQ(DrtOpen(nullptr, -5, nullptr, &h), DRT_E_INVALID_SETTINGS);            // row 2 before 4
  EXPECT_EQ(h, nullptr);
  settings.dwSize = 12;
  EXPECT_EQ(DrtOpen(&settings, -5, nullptr, &h), DRT_E_INVALID_SETTINGS);          // row 3
  settings.dwSize = sizeof settings;
  settings.cbKey = 31;
  EXPECT_EQ(DrtOpen(&settings, -5, nullptr, &h), E_INVALIDARG);                    // row 4 before 5
  EXPECT_EQ(DrtOpen(&settings, 987654, nullptr, &h), E_INVALIDARG);                // row 4: closed fd
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_KEY_SIZE);          // row 5
  settings.cbKey = 32;
  settings.ulMaxRoutingAddresses = 21;
  settings.eSecurityMode = static_cast<DRT_SECURITY_MODE>(3);
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_MAX_ADDRESSES);     // row 6
  settings.ulMaxRoutingAddresses = 0;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_MAX_ADDRESSES);
  settings.ulMaxRoutingAddresses = 20;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_SECURITY_MODE);     // row 7
  settings.eSecurityMode = DRT_SECURE_RESOLVE;
  const std::string long_prefix(129, 'x');
  settings.pwzDrtInstancePrefix = long_prefix.c_str();
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_INSTANCE_PREFIX);   // row 8
  settings.pwzDrtInstancePrefix = "\xC0\xAF";  // overlong '/'
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_INSTANCE_PREFIX);
  settings.pwzDrtInstancePrefix = nullptr;
  settings.hTransport = nullptr;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_TRANSPORT_PROVIDER);  // row 9
  settings.hTransport = htransport;
  security.table.VerifyData = nullptr;
  settings.eSecurityMode = DRT_SECURE_MEMBERSHIP;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_SECURITY_PROVIDER);   // row 10
  settings.eSecurityMode = DRT_SECURE_RESOLVE;
  settings.pSecurityProvider = nullptr;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_SECURITY_PROVIDER);
  settings.pSecurityProvider = &security.table;
  bootstrap.table.EndResolve = nullptr;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_BOOTSTRAP_PROVIDER);  // row 11
  settings.pBootstrapProvider = nullptr;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_BOOTSTRAP_PROVIDER);
  EXPECT_EQ(transport.attached + security.attached + bootstrap.attached, 0);
}

TEST_F(DrtOpenTest, RejectsADeletedTransportHandle) {
  HDRT_TRANSPORT other = nullptr;
  fake_transport t2;
  ASSERT_EQ(DrtCreateTransport(&t2.table, &other), S_OK);
  ASSERT_EQ(DrtDeleteTransport(other), S_OK);
  settings.hTransport = other;
  HDRT h = nullptr;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_INVALID_TRANSPORT_PROVIDER);  // row 13
}

TEST_F(DrtOpenTest, ReportsEachProviderInUseByAnotherInstance) {
  HDRT first = nullptr, second = nullptr;
  ASSERT_EQ(DrtOpen(&settings, -1, nullptr, &first), S_OK);
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &second), DRT_E_TRANSPORTPROVIDER_IN_USE);  // row 15
  fake_transport t2;
  HDRT_TRANSPORT h2 = nullptr;
  ASSERT_EQ(DrtCreateTransport(&t2.table, &h2), S_OK);
  settings.hTransport = h2;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &second), DRT_E_SECURITYPROVIDER_IN_USE);   // row 16
  fake_security s2;
  settings.pSecurityProvider = &s2.table;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &second), DRT_E_BOOTSTRAPPROVIDER_IN_USE);  // row 17
  EXPECT_EQ(DrtDeleteTransport(htransport), DRT_E_TRANSPORT_STILL_BOUND);
  DrtClose(first);
  fake_bootstrap b2;
  settings.pBootstrapProvider = &b2.table;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &second), S_OK);
  DrtClose(second);
  EXPECT_EQ(DrtDeleteTransport(h2), S_OK);
}

TEST_F(DrtOpenTest, PassesThroughATransportAttachFailure) {
  transport.attach_result = DRT_E_TRANSPORT_ALREADY_BOUND;
  HDRT h = &settings;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_TRANSPORT_ALREADY_BOUND);
  EXPECT_EQ(h, nullptr);
  EXPECT_EQ(security.attached, 0);
}

TEST_F(DrtOpenTest, DetachesTheTransportWhenSecurityAttachFails) {
  security.attach_result = DRT_E_SECURITYPROVIDER_IN_USE;
  HDRT h = nullptr;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_SECURITYPROVIDER_IN_USE);
  EXPECT_EQ(transport.attached, 1);
  EXPECT_EQ(transport.detached, 1);
  EXPECT_EQ(bootstrap.attached, 0);
  EXPECT_NE(std::string(DrtGetLastErrorDetail()).find("Attach"), std::string::npos);
}

TEST_F(DrtOpenTest, DetachesInReverseWhenBootstrapAttachFails) {
  bootstrap.attach_result = DRT_E_BOOTSTRAPPROVIDER_IN_USE;
  HDRT h = nullptr;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_BOOTSTRAPPROVIDER_IN_USE);
  EXPECT_EQ(security.detached, 1);
  EXPECT_EQ(transport.detached, 1);
  // The providers are free again.
  bootstrap.attach_result = S_OK;
  ASSERT_EQ(DrtOpen(&settings, -1, nullptr, &h), S_OK);
  DrtClose(h);
}

TEST_F(DrtOpenTest, FailsWithAFatalFirstBootstrapRound) {
  bootstrap.init_result = DRT_E_BOOTSTRAPPROVIDER_NOT_ATTACHED;
  bootstrap.init_fatal = TRUE;
  HDRT h = nullptr;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_BOOTSTRAPPROVIDER_NOT_ATTACHED);
  EXPECT_EQ(bootstrap.detached, 1);
}

TEST_F(DrtOpenTest, ReturnsRetryWhenTheFirstRoundFailsNonFatally) {
  bootstrap.init_result = DRT_HR_HOST_NOT_FOUND;
  HDRT h = nullptr;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_S_RETRY);
  EXPECT_NE(h, nullptr);
  DrtClose(h);
}

TEST_F(DrtOpenTest, RaisesAloneWhenTheBootstrapRoundFindsNoNode) {
  const int fd = eventfd(0, EFD_CLOEXEC);
  HDRT h = nullptr;
  ASSERT_EQ(DrtOpen(&settings, fd, &settings, &h), S_OK);
  HRESULT hr = S_OK;
  EXPECT_EQ(next_status(h, &hr), DRT_ALONE);
  EXPECT_EQ(hr, DRT_E_NO_ADDRESSES_AVAILABLE);
  EXPECT_EQ(bootstrap.ended, 1);
  EXPECT_EQ(bootstrap.registered, 1);  // announced on first reaching ALONE
  uint64_t value = 0;
  EXPECT_EQ(read(fd, &value, sizeof value), -1) << "drained once the queue is empty";
  DrtClose(h);
  EXPECT_EQ(bootstrap.unregistered, 1);
  close(fd);
}

TEST_F(DrtOpenTest, TransportCannotBeDeletedFromACallbackOfItsInstance) {
  HRESULT from_callback = S_OK;
  bootstrap.on_issue_resolve = [&] { from_callback = DrtDeleteTransport(htransport); };
  HDRT h = nullptr;
  ASSERT_EQ(DrtOpen(&settings, -1, nullptr, &h), S_OK);
  EXPECT_EQ(next_status(h), DRT_ALONE);
  EXPECT_EQ(from_callback, DRT_E_TRANSPORT_EXECUTING_CALLBACK);
  EXPECT_EQ(DrtDeleteTransport(htransport), DRT_E_TRANSPORT_STILL_BOUND) << "outside the callback: still bound";
  DrtClose(h);
}

TEST_F(DrtOpenTest, RaisesNoNetworkWhenTheTransportHasNoAddress) {
  transport.has_address = false;
  const int fd = eventfd(0, EFD_CLOEXEC);
  HDRT h = nullptr;
  ASSERT_EQ(DrtOpen(&settings, fd, nullptr, &h), S_OK);
  uint64_t value = 0;
  EXPECT_EQ(read(fd, &value, sizeof value), static_cast<ssize_t>(sizeof value)) << "readable while pending";
  EXPECT_EQ(next_status(h), DRT_NO_NETWORK);
  EXPECT_EQ(bootstrap.init_calls, 0);
  DrtClose(h);
  close(fd);
}

TEST_F(DrtOpenTest, EventDataNeedsABufferOfTheReportedSize) {
  HDRT h = nullptr;
  ASSERT_EQ(DrtOpen(&settings, -1, nullptr, &h), S_OK);
  uint32_t size = 0;
  for (int i = 0; i < 2000 && DrtGetEventDataSize(h, &size) != S_OK; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(size, sizeof(DRT_EVENT_DATA));
  alignas(DRT_EVENT_DATA) unsigned char buf[sizeof(DRT_EVENT_DATA) + 1];
  EXPECT_EQ(DrtGetEventData(h, size - 1, reinterpret_cast<DRT_EVENT_DATA*>(buf)), DRT_E_INSUFFICIENT_BUFFER);
  EXPECT_EQ(DrtGetEventData(h, size, reinterpret_cast<DRT_EVENT_DATA*>(buf + 1)), E_INVALIDARG);  // misaligned
  EXPECT_EQ(DrtGetEventData(h, size, reinterpret_cast<DRT_EVENT_DATA*>(buf)), S_OK);
  EXPECT_EQ(DrtGetEventDataSize(h, &size), DRT_E_NO_MORE);
  EXPECT_EQ(size, 0u);
  DrtClose(h);
}

TEST_F(DrtOpenTest, NamesInstancesPrefixPidSequence) {
  settings.pwzDrtInstancePrefix = "chat";
  HDRT h = nullptr;
  ASSERT_EQ(DrtOpen(&settings, -1, nullptr, &h), S_OK);
  uint32_t size = 0;
  ASSERT_EQ(DrtGetInstanceNameSize(h, &size), S_OK);
  std::string name(size, '\0');
  EXPECT_EQ(DrtGetInstanceName(h, size - 1, name.data()), DRT_E_INSUFFICIENT_BUFFER);
  ASSERT_EQ(DrtGetInstanceName(h, size, name.data()), S_OK);
  name.resize(size - 1);
  const std::string expected_start = "chat-" + std::to_string(getpid()) + "-";
  EXPECT_EQ(name.rfind(expected_start, 0), 0u) << name;
  EXPECT_GT(std::stoi(name.substr(expected_start.size())), 0);
  DrtClose(h);
}

TEST_F(DrtOpenTest, MembershipModeFetchesTheCredentialOnce) {
  static int credential_calls = 0;
  credential_calls = 0;
  security.table.GetSerializedCredential = [](void*, DRT_DATA* c) -> HRESULT {
    ++credential_calls;
    *c = {0, nullptr};
    return DRT_E_CAPABILITY_MISMATCH;
  };
  security.table.ValidateRemoteCredential = [](void*, DRT_DATA*) -> HRESULT { return S_OK; };
  security.table.SignData = [](void*, uint32_t, DRT_DATA*, DRT_DATA*, DRT_DATA*) -> HRESULT { return S_OK; };
  security.table.VerifyData = [](void*, uint32_t, DRT_DATA*, DRT_DATA*, DRT_DATA*, DRT_DATA*) -> HRESULT { return S_OK; };
  settings.eSecurityMode = DRT_SECURE_MEMBERSHIP;
  HDRT h = nullptr;
  EXPECT_EQ(DrtOpen(&settings, -1, nullptr, &h), DRT_E_CAPABILITY_MISMATCH);  // row 21
  EXPECT_EQ(credential_calls, 1);
  EXPECT_EQ(security.detached, 1);
}

TEST(DrtErrorMessage, KnowsEveryDocumentedCodeAndFallsBack) {
  EXPECT_STREQ(DrtErrorMessage(DRT_E_SECURITYPROVIDER_NOT_ATTACHED),
               "The security provider is not attached to this DRT instance.");
  EXPECT_STREQ(DrtErrorMessage(DRT_S_RETRY),
               "Succeeded, but a transient problem occurred (for example bootstrap found no node); it will be retried automatically.");
  EXPECT_STREQ(DrtErrorMessage(static_cast<HRESULT>(0x80621003u)), "Unknown error code.");
}

}  // namespace

namespace {

// spec/api.md §5.7.2: PNRP does not exist off Windows; the functions exist so code ports, and say so.
TEST(DrtPnrpBootstrapResolver, IsNotImplementedAndSaysWhatToUseInstead) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  DRT_BOOTSTRAP_PROVIDER* resolver = reinterpret_cast<DRT_BOOTSTRAP_PROVIDER*>(&resolver);
  EXPECT_EQ(DrtCreatePnrpBootstrapResolver(TRUE, "0.peer", "Global_", nullptr, &resolver), E_NOTIMPL);
  EXPECT_EQ(resolver, nullptr);
  EXPECT_NE(std::string(DrtGetLastErrorDetail()).find("use the static, multicast or DNS resolver"), std::string::npos)
      << DrtGetLastErrorDetail();
  DrtDeletePnrpBootstrapResolver(nullptr);  // harmless
#pragma GCC diagnostic pop
}

}  // namespace
