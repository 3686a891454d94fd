// The "static" bootstrap provider through its C table (api.md §4.6, §5.7.3).
#include "bootstrap_harness.hpp"

#include <gtest/gtest.h>

namespace drt::tests {
namespace {

class StaticBootstrap : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(plugin_.loaded()) << plugin_.error(); }
  provider_plugin plugin_{bootstrap_plugin_path()};
};

params peers(std::initializer_list<const char*> list) {
  params p;
  for (const char* peer : list) p.text("peers", peer);
  return p;
}

TEST_F(StaticBootstrap, DescriptorOffersStaticDnsAndMulticast) {
  const DRT_PLUGIN_DESCRIPTOR* d = plugin_.descriptor();
  ASSERT_NE(d, nullptr);
  EXPECT_STREQ(d->pszName, "bootstrap-basic");
  for (const char* name : {"static", "dns", "multicast"}) {
    EXPECT_NE(plugin_.provider(DRT_PROVIDER_KIND_BOOTSTRAP, name), nullptr) << name;
  }
}

TEST_F(StaticBootstrap, DeliversTheSeedsAsOneBatchThenNoMore) {
  auto p = peers({"[::1]:5001", "[::1]:5002", "[fe80::1%lo]:5003"});
  bootstrap b(plugin_, "static", p);
  ASSERT_EQ(b.created(), S_OK) << p.detail();
  ASSERT_EQ(b.attach(), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b.resolve(r), S_OK);
  EXPECT_EQ(r.final_hr(), DRT_E_NO_MORE);
  EXPECT_FALSE(r.protocol_broken());
  const auto batches = r.batches();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].size(), 3u);
  EXPECT_EQ(text_of(batches[0][0]), text_of(ipv6("::1", 5001)));
  EXPECT_EQ(text_of(batches[0][1]), text_of(ipv6("::1", 5002)));
  EXPECT_EQ(text_of(batches[0][2]), text_of(ipv6("fe80::1", 5003, loopback_index())));
  b.detach();
}

TEST_F(StaticBootstrap, DeliversAtMostMaxResults) {
  auto p = peers({"[::1]:5001", "[::1]:5002", "[::1]:5003"});
  bootstrap b(plugin_, "static", p);
  ASSERT_EQ(b.attach(), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b.resolve(r, 2), S_OK);
  ASSERT_EQ(r.batches().size(), 1u);
  EXPECT_EQ(r.batches()[0].size(), 2u);
  EXPECT_EQ(r.final_hr(), DRT_E_NO_MORE);
  b.detach();
}

TEST_F(StaticBootstrap, EmptyListEndsWithNoMoreAtOnce) {
  params p;
  bootstrap b(plugin_, "static", p);
  ASSERT_EQ(b.created(), S_OK);
  ASSERT_EQ(b.attach(), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b.resolve(r), S_OK);
  EXPECT_EQ(r.calls(), 1);
  EXPECT_EQ(r.final_hr(), DRT_E_NO_MORE);
  b.detach();
}

TEST_F(StaticBootstrap, APeerThatDoesNotParseIsConfigInvalid) {
  auto p = peers({"::1:5001"});
  bootstrap b(plugin_, "static", p);
  EXPECT_EQ(b.created(), DRT_E_CONFIG_INVALID);
  EXPECT_NE(p.detail().find("::1:5001"), std::string::npos) << p.detail();
}

TEST_F(StaticBootstrap, APeerWithAPrivilegedPortIsInvalidAddress) {
  auto p = peers({"[::1]:80"});
  bootstrap b(plugin_, "static", p);
  EXPECT_EQ(b.created(), DRT_E_INVALID_ADDRESS);
}

TEST_F(StaticBootstrap, AMulticastPeerIsInvalidAddress) {
  auto p = peers({"[ff02::1]:5000"});
  bootstrap b(plugin_, "static", p);
  EXPECT_EQ(b.created(), DRT_E_INVALID_ADDRESS);
}

TEST_F(StaticBootstrap, AttachTwiceIsBootstrapProviderInUse) {
  params p;
  bootstrap b(plugin_, "static", p);
  ASSERT_EQ(b.attach(), S_OK);
  EXPECT_EQ(b.attach(), DRT_E_BOOTSTRAPPROVIDER_IN_USE);
  b.detach();
  EXPECT_EQ(b.attach(), S_OK);
  b.detach();
}

TEST_F(StaticBootstrap, InitResolveBeforeAttachIsNotAttached) {
  params p;
  bootstrap b(plugin_, "static", p);
  void* context = reinterpret_cast<void*>(1);
  EXPECT_EQ(b.init(5000, 10, &context), DRT_E_BOOTSTRAPPROVIDER_NOT_ATTACHED);
  EXPECT_EQ(context, nullptr);
}

TEST_F(StaticBootstrap, IssueWithAnUnknownContextIsInvalidArg) {
  params p;
  bootstrap b(plugin_, "static", p);
  ASSERT_EQ(b.attach(), S_OK);
  resolve_recorder r;
  int not_a_context = 0;
  EXPECT_EQ(b.issue(&not_a_context, r), E_INVALIDARG);
  void* context = nullptr;
  ASSERT_EQ(b.init(5000, 10, &context), S_OK);
  ASSERT_EQ(b.issue(context, r), S_OK);
  EXPECT_EQ(b.issue(context, r), E_UNEXPECTED) << "a resolve is issued once";
  b.end(context);
  b.detach();
}

TEST_F(StaticBootstrap, RegisterAndUnregisterDoNothing) {
  auto p = peers({"[::1]:5001"});
  bootstrap b(plugin_, "static", p);
  ASSERT_EQ(b.attach(), S_OK);
  EXPECT_EQ(b.register_endpoints({ipv6("::1", 6000)}), S_OK);
  b.unregister();
  b.detach();
}

}  // namespace
}  // namespace drt::tests
