// tests/api: the C++ layer of drt.hpp — ownership (handles released exactly once, in the right
// order), errors as drt::error with the C API's code and detail, and normal outcomes (no event,
// search complete) as values rather than exceptions.
#include "fake_providers.hpp"

#include <drt/drt.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace {

using drt_test::fake_bootstrap;
using drt_test::fake_security;
using drt_test::fake_transport;

class DrtCppLayerTest : public ::testing::Test {
 protected:
  DRT_SETTINGS settings_for(const drt::transport& t) {
    DRT_SETTINGS s{};
    s.dwSize = sizeof s;
    s.cbKey = DRT_KEY_SIZE;
    s.ulMaxRoutingAddresses = 4;
    s.hTransport = t.native_handle();
    s.pSecurityProvider = &security.table;
    s.pBootstrapProvider = &bootstrap.table;
    return s;
  }
  // Events are queued by the worker thread; wait (bounded) for the first one.
  static std::optional<drt::event> wait_event(drt::node& n) {
    for (int i = 0; i < 2000; ++i) {
      if (auto e = n.next_event()) return e;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::nullopt;
  }

  fake_transport transport_table;
  fake_security security;
  fake_bootstrap bootstrap;
};

TEST_F(DrtCppLayerTest, NodeOpensAndClosesWithItsScope) {
  drt::transport t = drt::transport::from_table(transport_table.table);
  {
    drt::node n = drt::node::open(settings_for(t));
    EXPECT_EQ(n.open_result(), S_OK);
    EXPECT_EQ(transport_table.attached, 1);
    EXPECT_EQ(security.attached, 1);
    EXPECT_EQ(n.instance_name().rfind("drt-", 0), 0u) << n.instance_name();
  }
  EXPECT_EQ(security.detached, 1) << "the destructor closed the instance";
  EXPECT_EQ(transport_table.detached, 1);
}

TEST_F(DrtCppLayerTest, FailedOpenThrowsTheCodeAndDetail) {
  drt::transport t = drt::transport::from_table(transport_table.table);
  DRT_SETTINGS s = settings_for(t);
  s.ulMaxRoutingAddresses = 21;
  try {
    (void)drt::node::open(s);
    FAIL() << "expected drt::error";
  } catch (const drt::error& e) {
    EXPECT_EQ(e.code(), DRT_E_INVALID_MAX_ADDRESSES);
    EXPECT_NE(std::string(e.what()).find(DrtErrorMessage(DRT_E_INVALID_MAX_ADDRESSES)), std::string::npos) << e.what();
  }
  EXPECT_EQ(transport_table.attached, 0);
}

TEST_F(DrtCppLayerTest, MovedFromNodeReleasesNothing) {
  drt::transport t = drt::transport::from_table(transport_table.table);
  drt::node a = drt::node::open(settings_for(t));
  const HDRT h = a.native_handle();
  drt::node b = std::move(a);
  EXPECT_EQ(a.native_handle(), nullptr);  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(b.native_handle(), h);
  a.close();
  EXPECT_EQ(security.detached, 0) << "closing the moved-from object must not close the instance";
  b.close();
  EXPECT_EQ(security.detached, 1);
}

TEST_F(DrtCppLayerTest, RegistrationUnregistersWhenDestroyed) {
  drt::transport t = drt::transport::from_table(transport_table.table);
  drt::node n = drt::node::open(settings_for(t));
  drt::key k{};
  k.fill(0x42);
  const std::uint8_t data[] = {1, 2, 3};
  {
    drt::registration r = n.register_key(k, data);
    EXPECT_EQ(security.registered, 1);
    const std::uint8_t newer[] = {9};
    r.update(newer);
    EXPECT_THROW(n.register_key(k, data), drt::error) << "duplicate key";
  }
  EXPECT_EQ(security.unregistered, 1);
  drt::registration again = n.register_key(k, data);
  EXPECT_EQ(security.registered, 2) << "the key is free again after the destructor";
}

TEST_F(DrtCppLayerTest, RegisterErrorsCarryTheirCode) {
  drt::transport t = drt::transport::from_table(transport_table.table);
  drt::node n = drt::node::open(settings_for(t));
  drt::key k{};
  try {
    (void)n.register_key(k, drt::byte_view{});
    FAIL() << "empty app data must be refused";
  } catch (const drt::error& e) {
    EXPECT_EQ(e.code(), E_INVALIDARG);
  }
}

TEST_F(DrtCppLayerTest, LocalSearchYieldsResultThenCompletes) {
  drt::transport t = drt::transport::from_table(transport_table.table);
  drt::node n = drt::node::open(settings_for(t));
  drt::key k{};
  k.fill(0x07);
  const std::uint8_t data[] = {'h', 'i'};
  int marker = 0;
  drt::registration r = n.register_key(k, data, &marker);
  drt::search_options options;
  options.allow_current_instance_match = true;
  drt::search s = n.start_search(k, options, 5000);
  drt::search::poll p = s.next();
  ASSERT_EQ(p.st, drt::search::state::result);
  ASSERT_TRUE(p.result.has_value());
  EXPECT_EQ(p.result->type, DRT_MATCH_EXACT);
  EXPECT_EQ(p.result->key, std::vector<std::uint8_t>(k.begin(), k.end()));
  EXPECT_EQ(p.result->data, std::vector<std::uint8_t>({'h', 'i'}));
  EXPECT_EQ(s.next().st, drt::search::state::complete);
  EXPECT_THROW(s.continue_search(), drt::error) << "not an iterative search";
}

TEST_F(DrtCppLayerTest, SearchWithZeroTimeoutReportsTimedOut) {
  drt::transport t = drt::transport::from_table(transport_table.table);
  drt::node n = drt::node::open(settings_for(t));
  drt::key k{};
  drt::search_options options;
  options.min_key = drt::key{};
  drt::key top;
  top.fill(0xFF);
  options.max_key = top;
  drt::search s = n.start_search(k, options, 0);
  EXPECT_EQ(s.next().st, drt::search::state::timed_out);
}

TEST_F(DrtCppLayerTest, SearchDestructorEndsTheSearch) {
  drt::transport t = drt::transport::from_table(transport_table.table);
  drt::node n = drt::node::open(settings_for(t));
  drt::key k{};
  HDRT_SEARCH_CONTEXT raw = nullptr;
  {
    drt::search s = n.start_search(k);
    raw = s.native_handle();
    ASSERT_NE(raw, nullptr);
  }
  EXPECT_EQ(DrtEndSearch(raw), E_HANDLE) << "the destructor already ended it";
}

TEST_F(DrtCppLayerTest, StatusEventsArriveAsValues) {
  drt::transport t = drt::transport::from_table(transport_table.table);
  drt::node n = drt::node::open(settings_for(t));
  std::optional<drt::event> e = wait_event(n);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type, DRT_EVENT_STATUS_CHANGED);
  EXPECT_EQ(e->status, DRT_ALONE) << "a lone node whose bootstrap found nobody";
  while (n.next_event()) {
  }
  EXPECT_FALSE(n.next_event().has_value()) << "an empty queue is a value, not an exception";
}

TEST(DrtCppPlugin, MissingPluginThrowsNotFoundNamingTheName) {
  try {
    drt::plugin p("no-such-plugin-anywhere");
    FAIL() << "expected drt::error";
  } catch (const drt::error& e) {
    EXPECT_EQ(e.code(), DRT_E_PLUGIN_NOT_FOUND);
    EXPECT_NE(std::string(e.what()).find("no-such-plugin-anywhere"), std::string::npos) << e.what();
  }
}

TEST(DrtCppPlugin, ProviderOutlivesItsPluginObject) {
  drt::security_provider sp;
  {
    drt::plugin p(OPENDRT_TEST_PLUGIN_DIR "/drt-security-openssl.so");
    EXPECT_STREQ(p.descriptor().pszName, "security-openssl");
    sp = drt::security_provider::from_plugin(p, "null");
  }
  ASSERT_NE(sp.get(), nullptr);
  ASSERT_NE(sp.get()->Attach, nullptr);
  EXPECT_EQ(sp.get()->Attach(sp.get()->pvContext), S_OK) << "the library stayed loaded for the provider";
  sp.get()->Detach(sp.get()->pvContext);
}

TEST(DrtCppPlugin, UnknownProviderThrowsNoSuchProvider) {
  drt::plugin p(OPENDRT_TEST_PLUGIN_DIR "/drt-security-openssl.so");
  drt::provider_config config;
  config.set("unused", std::int64_t{1});
  try {
    (void)drt::security_provider::from_plugin(p, "no-such-provider", &config);
    FAIL() << "expected drt::error";
  } catch (const drt::error& e) {
    EXPECT_EQ(e.code(), DRT_E_PLUGIN_NO_SUCH_PROVIDER);
  }
}

}  // namespace
