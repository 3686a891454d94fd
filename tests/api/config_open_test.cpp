// tests/api: DrtOpenFromConfigFile end to end: a file that names plugin providers opens an
// instance that behaves like one opened with DrtOpen (events, registration, close), and a file
// whose plugin or provider fails reports the loader's or the factory's code with
// "<file>:<line>" in the detail. Uses the no-network fixture plugin of tests/plugins and the
// real null security provider of security-openssl.
#include <drt/drt_provider.h>

#include <gtest/gtest.h>

#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;

const std::string fixture_plugin = std::string(OPENDRT_TEST_FIXTURE_PLUGIN_DIR) + "/drt-fixture-providers.so";

class ConfigOpenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "opendrt-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir = templ;
    // The built-in security plugin is found by name next to libdrt, as an installed one is.
    ::setenv("DRT_PLUGIN_PATH", OPENDRT_TEST_PLUGIN_DIR, 1);
  }
  void TearDown() override { fs::remove_all(dir); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p.string();
  }
  static std::string providers(const std::string& security_lines) {
    return "[transport]\nplugin = \"" + fixture_plugin + "\"\nprovider = \"memory\"\n\n[security]\n" +
           security_lines + "\n[bootstrap]\nplugin = \"" + fixture_plugin + "\"\nprovider = \"nobody\"\n";
  }

  fs::path dir;
};

TEST_F(ConfigOpenTest, OpensRegistersAndClosesFromAFile) {
  const std::string path = write("node.toml", "[drt]\ninstance_prefix = \"from-file\"\nmax_routing_addresses = 2\n\n" +
                                                  providers("provider = \"null\"\n"));
  const int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ASSERT_GE(efd, 0);
  HDRT h = nullptr;
  ASSERT_EQ(DrtOpenFromConfigFile(path.c_str(), efd, nullptr, &h), S_OK) << DrtGetLastErrorDetail();

  std::array<char, 128> name{};
  ASSERT_EQ(DrtGetInstanceName(h, name.size(), name.data()), S_OK);
  EXPECT_EQ(std::string(name.data()).rfind("from-file-", 0), 0u) << name.data();

  // The lone node's bootstrap finds nobody: ALONE arrives and the event fd becomes readable.
  uint32_t size = 0;
  HRESULT hr = DRT_E_NO_MORE;
  for (int i = 0; i < 2000 && hr == DRT_E_NO_MORE; ++i) {
    hr = DrtGetEventDataSize(h, &size);
    if (hr == DRT_E_NO_MORE) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(hr, S_OK);
  uint64_t ticks = 0;
  EXPECT_EQ(::read(efd, &ticks, sizeof ticks), static_cast<ssize_t>(sizeof ticks)) << "event fd readable";
  alignas(DRT_EVENT_DATA) std::array<unsigned char, 512> buf{};
  auto* event = reinterpret_cast<DRT_EVENT_DATA*>(buf.data());
  ASSERT_EQ(DrtGetEventData(h, size, event), S_OK);
  EXPECT_EQ(event->type, DRT_EVENT_STATUS_CHANGED);
  EXPECT_EQ(event->statusChange.status, DRT_ALONE);

  // The null security provider from the plugin accepts registrations.
  std::array<uint8_t, 32> key{};
  key[0] = 1;
  uint8_t data = 'x';
  DRT_REGISTRATION reg{{32, key.data()}, {1, &data}};
  HDRT_REGISTRATION_CONTEXT hreg = nullptr;
  EXPECT_EQ(DrtRegisterKey(h, &reg, nullptr, &hreg), S_OK) << DrtGetLastErrorDetail();
  DrtClose(h);
  EXPECT_EQ(DrtGetEventDataSize(h, &size), E_HANDLE);
  ::close(efd);
}

TEST_F(ConfigOpenTest, TwoNodesFromOneFileEachGetTheirOwnProviders) {
  const std::string path = write("node.toml", providers("provider = \"null\"\n"));
  HDRT a = nullptr, b = nullptr;
  ASSERT_EQ(DrtOpenFromConfigFile(path.c_str(), -1, nullptr, &a), S_OK) << DrtGetLastErrorDetail();
  ASSERT_EQ(DrtOpenFromConfigFile(path.c_str(), -1, nullptr, &b), S_OK) << DrtGetLastErrorDetail();
  DrtClose(a);
  DrtClose(b);
}

TEST_F(ConfigOpenTest, MissingPluginIsPluginNotFoundNamingFileAndLine) {
  const std::string path = write("node.toml",
                                 "[security]\nprovider = \"null\"\nplugin = \"no-such-security-plugin\"\n\n"
                                 "[bootstrap]\nplugin = \"" + fixture_plugin + "\"\nprovider = \"nobody\"\n"
                                 "[transport]\nplugin = \"" + fixture_plugin + "\"\nprovider = \"memory\"\n");
  HDRT h = nullptr;
  EXPECT_EQ(DrtOpenFromConfigFile(path.c_str(), -1, nullptr, &h), DRT_E_PLUGIN_NOT_FOUND);
  const std::string detail = DrtGetLastErrorDetail();
  EXPECT_NE(detail.find("no-such-security-plugin"), std::string::npos) << detail;
  EXPECT_NE(detail.find(path + ":3: security.plugin: "), std::string::npos) << detail;
  EXPECT_EQ(h, nullptr);
}

TEST_F(ConfigOpenTest, BrokenPluginFileIsItsLoaderCode) {
  const std::string broken = std::string(OPENDRT_TEST_FIXTURE_PLUGIN_DIR) + "/abi-major-2.so";
  const std::string path = write("node.toml", "[security]\nprovider = \"fixture\"\nplugin = \"" + broken +
                                                  "\"\n\n[bootstrap]\nplugin = \"" + fixture_plugin +
                                                  "\"\nprovider = \"nobody\"\n\n[transport]\nplugin = \"" +
                                                  fixture_plugin + "\"\nprovider = \"memory\"\n");
  HDRT h = nullptr;
  EXPECT_EQ(DrtOpenFromConfigFile(path.c_str(), -1, nullptr, &h), DRT_E_PLUGIN_ABI_MISMATCH);
  EXPECT_NE(std::string(DrtGetLastErrorDetail()).find("abi-major-2.so"), std::string::npos)
      << DrtGetLastErrorDetail();
}

TEST_F(ConfigOpenTest, ProviderTheFactoryRefusesPassesItsCodeThrough) {
  const std::string path = write("node.toml", providers("plugin = \"" + fixture_plugin +
                                                        "\"\nprovider = \"refuse\"\noptions = { fail_with = " +
                                                        std::to_string(DRT_E_INVALID_CERT_CHAIN) + " }\n"));
  HDRT h = nullptr;
  EXPECT_EQ(DrtOpenFromConfigFile(path.c_str(), -1, nullptr, &h), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_NE(std::string(DrtGetLastErrorDetail()).find("the fixture refuses on purpose"), std::string::npos)
      << DrtGetLastErrorDetail();
}

TEST_F(ConfigOpenTest, NoSuchProviderInAPlugin) {
  const std::string path = write("node.toml", providers("plugin = \"" + fixture_plugin + "\"\nprovider = \"nope\"\n"));
  HDRT h = nullptr;
  EXPECT_EQ(DrtOpenFromConfigFile(path.c_str(), -1, nullptr, &h), DRT_E_PLUGIN_NO_SUCH_PROVIDER);
}

}  // namespace
