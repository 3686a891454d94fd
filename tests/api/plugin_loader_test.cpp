// tests/api: loading provider plugins (docs/provider-abi.md §10): each DRT_E_PLUGIN_* code is
// provoked by a fixture plugin of tests/plugins built to fail in exactly one way, and each
// error's detail names the file so that a user can act on it.
#include <drt/drt_provider.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace {

const std::string fixture_dir = OPENDRT_TEST_FIXTURE_PLUGIN_DIR;

std::string fixture(const char* file) { return fixture_dir + "/" + file; }

struct broken_plugin_row {
  const char* file;
  HRESULT expected;
  const char* detail_mentions;  // besides the file path
};

class BrokenPlugin : public ::testing::TestWithParam<broken_plugin_row> {};

TEST_P(BrokenPlugin, IsRefusedWithItsOwnCodeAndAnActionableDetail) {
  const broken_plugin_row& row = GetParam();
  HDRT_PLUGIN h = &h;
  const std::string path = fixture(row.file);
  EXPECT_EQ(DrtLoadProviderPlugin(path.c_str(), &h), row.expected) << DrtGetLastErrorDetail();
  EXPECT_EQ(h, nullptr);
  const std::string detail = DrtGetLastErrorDetail();
  EXPECT_NE(detail.find(path), std::string::npos) << detail;
  EXPECT_NE(detail.find(row.detail_mentions), std::string::npos) << detail;
}

INSTANTIATE_TEST_SUITE_P(
    EveryLoaderError, BrokenPlugin,
    ::testing::Values(
        broken_plugin_row{"no-such-file.so", DRT_E_PLUGIN_NOT_FOUND, "no file at"},
        broken_plugin_row{"not-elf.so", DRT_E_PLUGIN_LOAD_FAILED, "not-elf.so"},
        broken_plugin_row{"unresolved-symbol.so", DRT_E_PLUGIN_LOAD_FAILED,
                          "opendrt_fixture_symbol_that_does_not_exist"},
        broken_plugin_row{"no-entry.so", DRT_E_PLUGIN_INVALID, "no symbol DrtPluginDescriptor"},
        broken_plugin_row{"null-descriptor.so", DRT_E_PLUGIN_INVALID, "returned NULL"},
        broken_plugin_row{"missing-delete.so", DRT_E_PLUGIN_INVALID, "lacks the create or delete function"},
        broken_plugin_row{"abi-major-2.so", DRT_E_PLUGIN_ABI_MISMATCH, "built for plugin ABI 2.0"},
        broken_plugin_row{"abi-minor-newer.so", DRT_E_PLUGIN_ABI_MISMATCH, "built for plugin ABI 1.2"}),
    [](const ::testing::TestParamInfo<broken_plugin_row>& info) {
      std::string name = info.param.file;
      for (char& c : name) {
        if (c == '-' || c == '.') c = '_';
      }
      return name;
    });

TEST(PluginByName, NotFoundListsEveryPathTried) {
  HDRT_PLUGIN h = nullptr;
  EXPECT_EQ(DrtLoadProviderPlugin("no-such-plugin", &h), DRT_E_PLUGIN_NOT_FOUND);
  const std::string detail = DrtGetLastErrorDetail();
  EXPECT_NE(detail.find("drt-no-such-plugin.so"), std::string::npos) << detail;
  EXPECT_NE(detail.find("tried:"), std::string::npos) << detail;
}

class FixtureProviders : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(DrtLoadProviderPlugin(fixture("drt-fixture-providers.so").c_str(), &plugin), S_OK)
        << DrtGetLastErrorDetail();
  }
  void TearDown() override {
    if (plugin != nullptr) {
      EXPECT_EQ(DrtUnloadProviderPlugin(plugin), S_OK) << DrtGetLastErrorDetail();
    }
  }
  HDRT_PLUGIN plugin = nullptr;
};

TEST_F(FixtureProviders, DescriptorIsNormalizedToThisSdk) {
  const DRT_PLUGIN_DESCRIPTOR* d = nullptr;
  ASSERT_EQ(DrtGetPluginDescriptor(plugin, &d), S_OK);
  EXPECT_STREQ(d->pszName, "fixture-providers");
  EXPECT_EQ(d->cProviders, 3u);
  EXPECT_EQ(d->cbProviderSize, sizeof(DRT_PROVIDER_DESCRIPTOR));
}

TEST_F(FixtureProviders, UnknownProviderNameIsNoSuchProvider) {
  DRT_SECURITY_PROVIDER* sp = nullptr;
  EXPECT_EQ(DrtCreateSecurityProviderFromPlugin(plugin, "memory", nullptr, &sp), DRT_E_PLUGIN_NO_SUCH_PROVIDER)
      << "'memory' is a transport, not a security provider";
  EXPECT_NE(std::string(DrtGetLastErrorDetail()).find("offers no security provider named 'memory'"),
            std::string::npos)
      << DrtGetLastErrorDetail();
  EXPECT_EQ(sp, nullptr);
}

TEST_F(FixtureProviders, FactoryFailurePassesThroughWithThePluginsDetail) {
  DRT_PROVIDER_PARAM param{};
  param.pszName = "fail_with";
  param.eType = DRT_PARAM_INTEGER;
  param.llValue = DRT_E_INVALID_CERT_CHAIN;
  DRT_PROVIDER_CONFIG config{};
  config.cbSize = sizeof config;
  config.cParams = 1;
  config.pParams = &param;
  DRT_SECURITY_PROVIDER* sp = nullptr;
  EXPECT_EQ(DrtCreateSecurityProviderFromPlugin(plugin, "refuse", &config, &sp), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_NE(std::string(DrtGetLastErrorDetail()).find("the fixture refuses on purpose"), std::string::npos)
      << DrtGetLastErrorDetail();
  EXPECT_EQ(sp, nullptr);
  EXPECT_EQ(DrtCreateSecurityProviderFromPlugin(plugin, "refuse", nullptr, &sp), E_ACCESSDENIED);
}

TEST_F(FixtureProviders, UnloadIsStillInUseWhileAProviderLives) {
  DRT_BOOTSTRAP_PROVIDER* bp = nullptr;
  ASSERT_EQ(DrtCreateBootstrapProviderFromPlugin(plugin, "nobody", nullptr, &bp), S_OK) << DrtGetLastErrorDetail();
  EXPECT_EQ(DrtUnloadProviderPlugin(plugin), DRT_E_STILL_IN_USE);
  const DRT_PLUGIN_DESCRIPTOR* d = nullptr;
  EXPECT_EQ(DrtGetPluginDescriptor(plugin, &d), S_OK) << "the handle stays valid after DRT_E_STILL_IN_USE";
  DrtDeleteBootstrapProvider(bp);
  EXPECT_EQ(DrtUnloadProviderPlugin(plugin), S_OK);
  EXPECT_EQ(DrtUnloadProviderPlugin(plugin), E_HANDLE) << "a released handle is stale";
  plugin = nullptr;
}

bool mapped_in_this_process(const std::string& file_name) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.find(file_name) != std::string::npos) return true;
  }
  return false;
}

TEST_F(FixtureProviders, IsUnmappedWithItsLastHandleAndProvider) {
  ASSERT_TRUE(mapped_in_this_process("drt-fixture-providers.so"));
  DRT_BOOTSTRAP_PROVIDER* bp = nullptr;
  ASSERT_EQ(DrtCreateBootstrapProviderFromPlugin(plugin, "nobody", nullptr, &bp), S_OK);
  DrtDeleteBootstrapProvider(bp);
  ASSERT_EQ(DrtUnloadProviderPlugin(plugin), S_OK);
  plugin = nullptr;
  // The export map keeps the plugin free of STB_GNU_UNIQUE symbols, which would pin it.
  EXPECT_FALSE(mapped_in_this_process("drt-fixture-providers.so"));
}

TEST_F(FixtureProviders, TransportFromPluginRejectsABadOptionWithConfigInvalid) {
  DRT_PROVIDER_PARAM param{};
  param.pszName = "port";
  param.eType = DRT_PARAM_INTEGER;
  param.llValue = 80;
  DRT_PROVIDER_CONFIG config{};
  config.cbSize = sizeof config;
  config.cParams = 1;
  config.pParams = &param;
  HDRT_TRANSPORT t = nullptr;
  EXPECT_EQ(DrtCreateTransportFromPlugin(plugin, "memory", &config, &t), DRT_E_CONFIG_INVALID);
  param.llValue = 4600;
  ASSERT_EQ(DrtCreateTransportFromPlugin(plugin, "memory", &config, &t), S_OK) << DrtGetLastErrorDetail();
  EXPECT_EQ(DrtDeleteTransport(t), S_OK);
}

TEST_F(FixtureProviders, ConfigWithAnUnknownSizeIsInvalidArg) {
  DRT_PROVIDER_CONFIG config{};
  config.cbSize = sizeof config + 8;
  DRT_BOOTSTRAP_PROVIDER* bp = nullptr;
  EXPECT_EQ(DrtCreateBootstrapProviderFromPlugin(plugin, "nobody", &config, &bp), E_INVALIDARG);
}

}  // namespace
