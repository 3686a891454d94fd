// tests/unit: the configuration-file parser (spec/api.md §7.1, docs/configuration.md). Fixture
// files live in tests/data/config (valid) and tests/data/config/broken (one problem each).
#include "runtime/config_file.hpp"

#include "errors.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace drt::runtime {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string data_directory() {
  if (const char* env = std::getenv("OPENDRT_TEST_DATA"); env != nullptr && *env != '\0') {
    return env;
  }
  return OPENDRT_TEST_DATA_DIR;
}

std::string config_path(std::string_view name) {
  return data_directory() + "/config/" + std::string(name);
}

std::string broken_path(std::string_view name) {
  return config_path("broken/" + std::string(name));
}

std::vector<std::uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(hr));
  return text;
}

// Parses `path` and checks the HRESULT and that the detail names "<path>:<line>: <key>:".
::testing::AssertionResult fails_at(const std::string& path, HRESULT expected, int line,
                                    std::string_view key) {
  node_config config;
  const HRESULT hr = parse_config_file(path, config);
  const std::string detail = core::last_error_detail();
  const std::string where = path + ':' + std::to_string(line) + ": " + std::string(key) + ':';
  if (hr != expected) {
    return ::testing::AssertionFailure()
           << "returned " << hex(hr) << ", expected " << hex(expected) << "; detail: " << detail;
  }
  if (detail.find(where) == std::string::npos) {
    return ::testing::AssertionFailure() << "detail \"" << detail << "\" lacks \"" << where << '"';
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult broken_file_fails_at(std::string_view name, HRESULT expected, int line,
                                                std::string_view key) {
  return fails_at(broken_path(name), expected, line, key);
}

std::uint32_t loopback_index() { return ::if_nametoindex("lo"); }

// ---- Valid files -------------------------------------------------------------------------------

TEST(ParseConfigFile, ReadsEveryKeyOfTheFullFile) {
  const std::string path = config_path("full.toml");
  node_config c;
  ASSERT_EQ(parse_config_file(path, c), S_OK) << core::last_error_detail();
  EXPECT_EQ(c.path, path);
  EXPECT_EQ(c.base_directory, fs::path(path).parent_path().lexically_normal().string());
  EXPECT_EQ(c.instance_prefix, "full");
  EXPECT_EQ(c.security_mode, DRT_SECURE_MEMBERSHIP);
  EXPECT_EQ(c.max_routing_addresses, 8u);
  EXPECT_EQ(c.protocol_major, 2);
  EXPECT_EQ(c.protocol_minor, 7);
  EXPECT_EQ(c.transport.plugin, "transport-ipv6");
  EXPECT_EQ(c.transport.provider, "ipv6-udp");
  EXPECT_EQ(c.transport.scope, DRT_LINK_LOCAL_SCOPE);
  EXPECT_FALSE(c.transport.loopback);
  EXPECT_EQ(c.transport.scope_id, loopback_index());
  EXPECT_EQ(c.transport.port, 3540);
  EXPECT_EQ(c.transport.locality_threshold, 5u);
  ASSERT_EQ(c.transport.options.size(), 1u);
  EXPECT_EQ(c.transport.options[0].name, "options.send_buffer_bytes");
  EXPECT_EQ(c.transport.options[0].integer, 65536);
  EXPECT_EQ(c.security.provider, "derived-key");
  EXPECT_EQ(c.security.plugin, "security-openssl");
  EXPECT_TRUE(c.security.has_root_cert);
  EXPECT_EQ(c.security.root_cert, file_bytes(config_path("certs/root.pem")));
  EXPECT_TRUE(c.security.has_local_cert);
  ASSERT_EQ(c.security.options.size(), 1u);
  EXPECT_EQ(c.security.options[0].name, "options.profile");
  EXPECT_EQ(c.security.options[0].text, "O2");
  EXPECT_EQ(c.bootstrap.provider, "multicast");
  EXPECT_EQ(c.bootstrap.plugin, "bootstrap-basic");
  EXPECT_EQ(c.bootstrap.interface_index, loopback_index());
  EXPECT_EQ(c.bootstrap.group, "[ff02::1:3]:3541");
  EXPECT_EQ(c.bootstrap.cloud_name, "test-cloud");
  ASSERT_EQ(c.bootstrap.options.size(), 1u);
  EXPECT_EQ(c.bootstrap.options[0].name, "options.hop_limit");
}

TEST(ParseConfigFile, AppendsThePemKeyToThePemCertificateOnANewLine) {
  node_config c;
  ASSERT_EQ(parse_config_file(config_path("full.toml"), c), S_OK) << core::last_error_detail();
  std::vector<std::uint8_t> expected = file_bytes(config_path("certs/node.pem"));
  ASSERT_NE(expected.back(), '\n');  // the fixture lacks a final newline on purpose
  expected.push_back('\n');
  const std::vector<std::uint8_t> key = file_bytes(config_path("certs/node.key"));
  expected.insert(expected.end(), key.begin(), key.end());
  EXPECT_EQ(c.security.local_cert, expected);
}

TEST(ParseConfigFile, ConcatenatesADerKeyToADerCertificate) {
  node_config c;
  ASSERT_EQ(parse_config_file(config_path("der-credential.toml"), c), S_OK)
      << core::last_error_detail();
  std::vector<std::uint8_t> expected = file_bytes(config_path("certs/node.der"));
  const std::vector<std::uint8_t> key = file_bytes(config_path("certs/node-key.der"));
  expected.insert(expected.end(), key.begin(), key.end());
  EXPECT_EQ(c.security.local_cert, expected);
}

TEST(ParseConfigFile, FillsDefaultsForAMinimalFile) {
  node_config c;
  ASSERT_EQ(parse_config_file(config_path("minimal.toml"), c), S_OK) << core::last_error_detail();
  EXPECT_FALSE(c.instance_prefix.has_value());
  EXPECT_EQ(c.security_mode, DRT_SECURE_RESOLVE);
  EXPECT_EQ(c.max_routing_addresses, 4u);
  EXPECT_EQ(c.protocol_major, 1);
  EXPECT_EQ(c.protocol_minor, 0);
  EXPECT_FALSE(c.transport.plugin.has_value());
  EXPECT_EQ(c.transport.provider, "ipv6-udp");
  EXPECT_EQ(c.transport.scope, DRT_GLOBAL_SCOPE);
  EXPECT_FALSE(c.transport.loopback);
  EXPECT_EQ(c.transport.scope_id, 0u);
  EXPECT_EQ(c.transport.port, 0);
  EXPECT_EQ(c.transport.locality_threshold, 0u);
  EXPECT_EQ(c.security.provider, "null");
  EXPECT_FALSE(c.security.plugin.has_value());
  EXPECT_FALSE(c.security.has_root_cert);
  EXPECT_FALSE(c.security.has_local_cert);
  EXPECT_EQ(c.bootstrap.provider, "static");
  EXPECT_TRUE(c.bootstrap.peers.empty());
  EXPECT_TRUE(c.transport.options.empty() && c.security.options.empty() &&
              c.bootstrap.options.empty());
}

TEST(ParseConfigFile, LeavesKeysEntriesToTheApplication) {
  node_config c;
  ASSERT_EQ(parse_config_file(config_path("with-keys.toml"), c), S_OK) << core::last_error_detail();
  EXPECT_EQ(c.security.provider, "null");
}

TEST(ParseConfigFile, RejectsKeysThatAreNotAnArrayOfTables) {
  EXPECT_TRUE(broken_file_fails_at("keys-not-an-array.toml", DRT_E_CONFIG_INVALID, 1, "keys"));
  EXPECT_TRUE(broken_file_fails_at("keys-not-tables.toml", DRT_E_CONFIG_INVALID, 1, "keys[0]"));
}

TEST(ParseConfigFile, TurnsLoopbackScopeIntoLinkLocalOnTheLoopbackInterface) {
  node_config c;
  ASSERT_EQ(parse_config_file(config_path("loopback-static-null.toml"), c), S_OK)
      << core::last_error_detail();
  EXPECT_TRUE(c.transport.loopback);
  EXPECT_EQ(c.transport.scope, DRT_LINK_LOCAL_SCOPE);
  EXPECT_EQ(c.transport.scope_id, loopback_index());
}

TEST(ParseConfigFile, KeepsStaticPeersAsWritten) {
  node_config c;
  ASSERT_EQ(parse_config_file(config_path("loopback-static-null.toml"), c), S_OK)
      << core::last_error_detail();
  EXPECT_THAT(c.bootstrap.peers,
              ElementsAre("[::1]:3540", "[fe80::1%lo]:3541", "[2001:db8::7]:65535"));
}

TEST(ParseConfigFile, ReadsDnsHostAndPort) {
  node_config c;
  ASSERT_EQ(parse_config_file(config_path("dns.toml"), c), S_OK) << core::last_error_detail();
  EXPECT_EQ(c.bootstrap.host, "seed1.example.net; seed2.example.net");
  EXPECT_EQ(c.bootstrap.port, 3540);
}

TEST(ParseConfigFile, ResolvesARelativePluginPathAgainstTheFileDirectory) {
  node_config c;
  ASSERT_EQ(parse_config_file(config_path("plugin-options.toml"), c), S_OK)
      << core::last_error_detail();
  EXPECT_EQ(c.security.plugin, c.base_directory + "/plugins/drt-tpm.so");
}

TEST(ParseConfigFile, FlattensPluginOptionsIntoTypedParamsInKeyOrder) {
  node_config c;
  ASSERT_EQ(parse_config_file(config_path("plugin-options.toml"), c), S_OK)
      << core::last_error_detail();
  const std::vector<provider_param>& p = c.security.options;
  ASSERT_EQ(p.size(), 8u);
  EXPECT_EQ(p[0].name, "options.issued");
  EXPECT_EQ(p[0].type, DRT_PARAM_STRING);
  EXPECT_EQ(p[0].text, "1979-05-27T07:32:00Z");
  EXPECT_EQ(p[1].name, "options.limits.depth");
  EXPECT_EQ(p[1].type, DRT_PARAM_INTEGER);
  EXPECT_EQ(p[1].integer, 4);
  EXPECT_EQ(p[2].name, "options.name");
  EXPECT_EQ(p[2].text, "node-1");
  EXPECT_EQ(p[3].name, "options.ratio");
  EXPECT_EQ(p[3].type, DRT_PARAM_FLOAT);
  EXPECT_DOUBLE_EQ(p[3].real, 0.5);
  EXPECT_EQ(p[4].name, "options.retries");
  EXPECT_EQ(p[4].integer, 3);
  EXPECT_EQ(p[5].name, "options.trusted_keys");
  EXPECT_EQ(p[5].text, "aa");
  EXPECT_EQ(p[6].name, "options.trusted_keys");
  EXPECT_EQ(p[6].text, "bb");
  EXPECT_EQ(p[7].name, "options.verbose");
  EXPECT_EQ(p[7].type, DRT_PARAM_BOOLEAN);
  EXPECT_EQ(p[7].integer, 1);
}

// ---- Row 4: the file cannot be read
// --------------------------------------------------------------

TEST(ParseConfigFile, ReportsFileNotFoundWithThePath) {
  const std::string path = config_path("does-not-exist.toml");
  node_config c;
  EXPECT_EQ(parse_config_file(path, c), DRT_HR_FILE_NOT_FOUND);
  EXPECT_THAT(core::last_error_detail(), HasSubstr(path + ": cannot read: "));
}

TEST(ParseConfigFile, ReportsPathNotFoundBelowARegularFile) {
  node_config c;
  EXPECT_EQ(parse_config_file(config_path("minimal.toml/inner.toml"), c), DRT_HR_PATH_NOT_FOUND);
}

TEST(ParseConfigFile, ReportsADirectoryAsAnUnlistedErrnoFailure) {
  node_config c;
  EXPECT_EQ(parse_config_file(config_path("certs"), c), E_FAIL);  // EISDIR is not in §1.4
}

// ---- Rows 5-7: one broken file each
// ----------------------------------------------------------------

TEST(ParseConfigFile, StartsTheDetailWithTheErrorMessage) {
  node_config c;
  const HRESULT hr = parse_config_file(broken_path("unknown-key.toml"), c);
  EXPECT_THAT(core::last_error_detail(), StartsWith(std::string(DrtErrorMessage(hr)) + ' '));
}

TEST(ParseConfigFile, LeavesTheOutputUntouchedOnFailure) {
  node_config c;
  c.max_routing_addresses = 17;
  EXPECT_EQ(parse_config_file(broken_path("unknown-key.toml"), c), DRT_E_CONFIG_INVALID);
  EXPECT_EQ(c.max_routing_addresses, 17u);
}

TEST(ParseConfigFile, RejectsInvalidTomlAsSyntaxErrorWithItsLine) {
  const std::string path = broken_path("syntax.toml");
  node_config c;
  EXPECT_EQ(parse_config_file(path, c), DRT_E_CONFIG_SYNTAX);
  EXPECT_THAT(core::last_error_detail(), HasSubstr(path + ":3: "));
}

TEST(ParseConfigFile, RejectsAnOverlongUtf8SequenceAsSyntaxErrorWithItsLine) {
  const std::string path = broken_path("not-utf8.toml");
  node_config c;
  EXPECT_EQ(parse_config_file(path, c), DRT_E_CONFIG_SYNTAX);
  EXPECT_THAT(core::last_error_detail(), HasSubstr(path + ":3: not valid UTF-8"));
}

TEST(ParseConfigFile, RejectsATopLevelKeyThatIsNotATable) {
  EXPECT_TRUE(broken_file_fails_at("drt-not-a-table.toml", DRT_E_CONFIG_INVALID, 1, "drt"));
}

TEST(ParseConfigFile, RejectsAMissingSecurityProviderAtTheTableHeader) {
  EXPECT_TRUE(broken_file_fails_at("missing-security-provider.toml", DRT_E_CONFIG_INVALID, 4,
                                   "security.provider"));
}

TEST(ParseConfigFile, RejectsAMissingBootstrapTableAtLineOne) {
  EXPECT_TRUE(broken_file_fails_at("missing-bootstrap.toml", DRT_E_CONFIG_INVALID, 1,
                                   "bootstrap.provider"));
}

TEST(ParseConfigFile, RejectsAnUnknownKey) {
  EXPECT_TRUE(broken_file_fails_at("unknown-key.toml", DRT_E_CONFIG_INVALID, 3, "drt.colour"));
}

TEST(ParseConfigFile, RejectsAnUnknownTopLevelTable) {
  EXPECT_TRUE(broken_file_fails_at("unknown-table.toml", DRT_E_CONFIG_INVALID, 7, "logging"));
}

TEST(ParseConfigFile, RejectsAStringWhereAnIntegerBelongs) {
  EXPECT_TRUE(broken_file_fails_at("wrong-type.toml", DRT_E_CONFIG_INVALID, 2,
                                   "drt.max_routing_addresses"));
}

TEST(ParseConfigFile, RejectsAnUnknownSecurityMode) {
  EXPECT_TRUE(broken_file_fails_at("unknown-security-mode.toml", DRT_E_CONFIG_INVALID, 2,
                                   "drt.security_mode"));
}

TEST(ParseConfigFile, RejectsAnUnknownScope) {
  EXPECT_TRUE(
      broken_file_fails_at("unknown-scope.toml", DRT_E_CONFIG_INVALID, 2, "transport.scope"));
}

TEST(ParseConfigFile, RejectsProtocolMajorOf256AsOutOfTypeRange) {
  EXPECT_TRUE(broken_file_fails_at("protocol-major-256.toml", DRT_E_CONFIG_INVALID, 3,
                                   "drt.protocol_major"));
}

TEST(ParseConfigFile, RejectsTransportPort70000AsOutOfTypeRange) {
  EXPECT_TRUE(
      broken_file_fails_at("transport-port-70000.toml", DRT_E_CONFIG_INVALID, 2, "transport.port"));
}

TEST(ParseConfigFile, RejectsANegativeLocalityThreshold) {
  EXPECT_TRUE(broken_file_fails_at("locality-negative.toml", DRT_E_CONFIG_INVALID, 2,
                                   "transport.locality_threshold"));
}

TEST(ParseConfigFile, RejectsAnInterfaceOutsideLinkLocalScope) {
  EXPECT_TRUE(broken_file_fails_at("interface-with-global-scope.toml", DRT_E_CONFIG_INVALID, 3,
                                   "transport.interface"));
}

TEST(ParseConfigFile, RejectsAnUnknownProviderWithoutAPlugin) {
  EXPECT_TRUE(
      broken_file_fails_at("unknown-provider.toml", DRT_E_CONFIG_INVALID, 2, "security.provider"));
}

TEST(ParseConfigFile, RejectsRootCertWithTheNullProvider) {
  EXPECT_TRUE(broken_file_fails_at("null-with-root-cert.toml", DRT_E_CONFIG_INVALID, 3,
                                   "security.root_cert"));
}

TEST(ParseConfigFile, RejectsABuiltInKeyWithAPluginProvider) {
  EXPECT_TRUE(broken_file_fails_at("plugin-provider-with-builtin-key.toml", DRT_E_CONFIG_INVALID, 7,
                                   "bootstrap.peers"));
}

TEST(ParseConfigFile, RejectsPeersWithTheDnsProvider) {
  EXPECT_TRUE(
      broken_file_fails_at("peers-with-dns.toml", DRT_E_CONFIG_INVALID, 8, "bootstrap.peers"));
}

TEST(ParseConfigFile, RejectsOptionsThatAreNotATable) {
  EXPECT_TRUE(broken_file_fails_at("options-not-a-table.toml", DRT_E_CONFIG_INVALID, 3,
                                   "security.options"));
}

TEST(ParseConfigFile, RejectsDerivedKeyWithoutRootCertAtTheTableHeader) {
  EXPECT_TRUE(broken_file_fails_at("derived-key-without-root.toml", DRT_E_CONFIG_INVALID, 1,
                                   "security.root_cert"));
}

TEST(ParseConfigFile, RejectsARootCertFileThatCannotBeRead) {
  EXPECT_TRUE(broken_file_fails_at("root-cert-unreadable.toml", DRT_E_CONFIG_INVALID, 3,
                                   "security.root_cert"));
}

TEST(ParseConfigFile, RejectsLocalKeyWithoutLocalCert) {
  EXPECT_TRUE(
      broken_file_fails_at("key-without-cert.toml", DRT_E_CONFIG_INVALID, 4, "security.local_key"));
}

TEST(ParseConfigFile, RejectsAPemCertificateWithADerKey) {
  EXPECT_TRUE(
      broken_file_fails_at("pem-cert-der-key.toml", DRT_E_CONFIG_INVALID, 5, "security.local_key"));
}

TEST(ParseConfigFile, RejectsAPeerThatIsNotAString) {
  EXPECT_TRUE(broken_file_fails_at("peer-not-a-string.toml", DRT_E_CONFIG_INVALID, 6,
                                   "bootstrap.peers[1]"));
}

TEST(ParseConfigFile, RejectsDnsWithoutHostAtTheTableHeader) {
  EXPECT_TRUE(
      broken_file_fails_at("dns-missing-host.toml", DRT_E_CONFIG_INVALID, 4, "bootstrap.host"));
}

TEST(ParseConfigFile, ReportsStructuralProblemsBeforeValueProblems) {
  // Line 2 holds a row-7 value (25 addresses), line 9 an unknown key (row 6): row 6 wins.
  EXPECT_TRUE(broken_file_fails_at("row-six-before-seven.toml", DRT_E_CONFIG_INVALID, 9,
                                   "bootstrap.seeds"));
}

TEST(ParseConfigFile, RejectsMaxRoutingAddressesOf25AsInvalidMaxAddresses) {
  EXPECT_TRUE(broken_file_fails_at("max-addresses-25.toml", DRT_E_INVALID_MAX_ADDRESSES, 2,
                                   "drt.max_routing_addresses"));
}

TEST(ParseConfigFile, RejectsAnInstancePrefixOf129CharactersAsInvalidPrefix) {
  EXPECT_TRUE(broken_file_fails_at("instance-prefix-129.toml", DRT_E_INVALID_INSTANCE_PREFIX, 2,
                                   "drt.instance_prefix"));
}

TEST(ParseConfigFile, RejectsTransportPort80AsInvalidPort) {
  EXPECT_TRUE(
      broken_file_fails_at("transport-port-80.toml", DRT_E_INVALID_PORT, 2, "transport.port"));
}

TEST(ParseConfigFile, RejectsAnUnknownInterfaceNameAsInvalidScope) {
  EXPECT_TRUE(broken_file_fails_at("transport-interface-unknown.toml", DRT_E_INVALID_SCOPE, 3,
                                   "transport.interface"));
}

TEST(ParseConfigFile, RejectsAPeerWithPort80AsInvalidAddress) {
  EXPECT_TRUE(
      broken_file_fails_at("peer-port-80.toml", DRT_E_INVALID_ADDRESS, 9, "bootstrap.peers[2]"));
}

TEST(ParseConfigFile, RejectsAPeerWithoutBracketsAsInvalidAddress) {
  EXPECT_TRUE(broken_file_fails_at("peer-without-brackets.toml", DRT_E_INVALID_ADDRESS, 6,
                                   "bootstrap.peers[0]"));
}

TEST(ParseConfigFile, RejectsAMulticastPeerAsInvalidAddress) {
  EXPECT_TRUE(
      broken_file_fails_at("peer-multicast.toml", DRT_E_INVALID_ADDRESS, 6, "bootstrap.peers[0]"));
}

TEST(ParseConfigFile, RejectsDnsPort53AsInvalidArgument) {
  EXPECT_TRUE(broken_file_fails_at("dns-port-53.toml", E_INVALIDARG, 7, "bootstrap.port"));
}

TEST(ParseConfigFile, RejectsADnsHostOfOnlySeparatorsAsInvalidArgument) {
  EXPECT_TRUE(broken_file_fails_at("dns-empty-host.toml", E_INVALIDARG, 6, "bootstrap.host"));
}

TEST(ParseConfigFile, RejectsAUnicastGroupAsInvalidAddress) {
  EXPECT_TRUE(broken_file_fails_at("group-not-multicast.toml", DRT_E_INVALID_ADDRESS, 6,
                                   "bootstrap.group"));
}

TEST(ParseConfigFile, RejectsACloudNameOf65BytesAsInvalidArgument) {
  EXPECT_TRUE(
      broken_file_fails_at("cloud-name-65-bytes.toml", E_INVALIDARG, 6, "bootstrap.cloud_name"));
}

TEST(ParseConfigFile, RejectsAnEmptyRootCertFileAsInvalidArgument) {
  EXPECT_TRUE(broken_file_fails_at("empty-root-cert.toml", E_INVALIDARG, 3, "security.root_cert"));
}

// ---- Cases whose content depends on this host
// ------------------------------------------------------

class ParseGeneratedConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    directory_ = fs::temp_directory_path() / ("opendrt-config-test-" + std::to_string(::getpid()) +
                                              '-' + std::to_string(counter++));
    fs::create_directories(directory_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }
  std::string write(std::string_view name, std::string_view text) {
    const std::string path = (directory_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static constexpr std::string_view null_static =
      "[security]\nprovider = \"null\"\n\n[bootstrap]\nprovider = \"static\"\n";
  fs::path directory_;
};

TEST_F(ParseGeneratedConfigFile, AcceptsAnInterfaceIndex) {
  const std::string path =
      write("index.toml", "[transport]\nscope = \"link-local\"\ninterface = " +
                              std::to_string(loopback_index()) + "\n\n" + std::string(null_static));
  node_config c;
  ASSERT_EQ(parse_config_file(path, c), S_OK) << core::last_error_detail();
  EXPECT_EQ(c.transport.scope_id, loopback_index());
}

TEST_F(ParseGeneratedConfigFile, RejectsAnInterfaceIndexNoInterfaceHasAsInvalidScope) {
  const std::string path = write("no-index.toml",
                                 "[transport]\nscope = \"link-local\"\n"
                                 "interface = 4000000000\n\n" +
                                     std::string(null_static));
  EXPECT_TRUE(fails_at(path, DRT_E_INVALID_SCOPE, 3, "transport.interface"));
}

TEST_F(ParseGeneratedConfigFile, RejectsAnInterfaceIndexAbove32BitsAsOutOfTypeRange) {
  const std::string path = write("big-index.toml",
                                 "[bootstrap]\nprovider = \"multicast\"\n"
                                 "interface = 4294967296\n\n"
                                 "[security]\nprovider = \"null\"\n");
  EXPECT_TRUE(fails_at(path, DRT_E_CONFIG_INVALID, 3, "bootstrap.interface"));
}

TEST_F(ParseGeneratedConfigFile, AcceptsAnInstancePrefixOf128TwoByteCharacters) {
  std::string prefix;
  for (int i = 0; i < 128; ++i) prefix += "\xC3\xA9";  // U+00E9, 256 bytes in all
  const std::string path = write(
      "prefix.toml", "[drt]\ninstance_prefix = \"" + prefix + "\"\n" + std::string(null_static));
  node_config c;
  ASSERT_EQ(parse_config_file(path, c), S_OK) << core::last_error_detail();
  EXPECT_EQ(c.instance_prefix, prefix);
}

TEST_F(ParseGeneratedConfigFile, RejectsAKeyFileThatIsADirectory) {
  fs::create_directory(directory_ / "root.pem");
  const std::string path = write("dir-cert.toml",
                                 "[security]\nprovider = \"derived-key\"\n"
                                 "root_cert = \"root.pem\"\n\n"
                                 "[bootstrap]\nprovider = \"static\"\n");
  EXPECT_TRUE(fails_at(path, DRT_E_CONFIG_INVALID, 3, "security.root_cert"));
}

TEST_F(ParseGeneratedConfigFile, RejectsAStringWithANulCharacter) {
  const std::string path =
      write("nul.toml", "[drt]\ninstance_prefix = \"a\\u0000b\"\n" + std::string(null_static));
  EXPECT_TRUE(fails_at(path, DRT_E_CONFIG_INVALID, 2, "drt.instance_prefix"));
}

// ---- parse_ipv6_endpoint
// ---------------------------------------------------------------------------

TEST(ParseIpv6Endpoint, ReadsAddressAndPortInNetworkOrder) {
  const std::optional<sockaddr_in6> a = parse_ipv6_endpoint("[2001:db8::7]:3540");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->sin6_family, AF_INET6);
  EXPECT_EQ(ntohs(a->sin6_port), 3540);
  EXPECT_EQ(a->sin6_scope_id, 0u);
  in6_addr expected{};
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::7", &expected), 1);
  EXPECT_EQ(std::memcmp(&a->sin6_addr, &expected, sizeof expected), 0);
}

TEST(ParseIpv6Endpoint, ResolvesTheInterfaceNameToTheScopeId) {
  const std::optional<sockaddr_in6> a = parse_ipv6_endpoint("[fe80::1%lo]:3540");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->sin6_scope_id, loopback_index());
}

TEST(ParseIpv6Endpoint, RejectsAnUnknownInterfaceName) {
  EXPECT_FALSE(parse_ipv6_endpoint("[fe80::1%opendrt-none0]:3540").has_value());
}

TEST(ParseIpv6Endpoint, RejectsAPortAbove65535) {
  EXPECT_FALSE(parse_ipv6_endpoint("[::1]:65536").has_value());
}

TEST(ParseIpv6Endpoint, RejectsAnIpv4Address) {
  EXPECT_FALSE(parse_ipv6_endpoint("[192.0.2.1]:3540").has_value());
}

TEST(ParseIpv6Endpoint, RejectsASignedPort) {
  EXPECT_FALSE(parse_ipv6_endpoint("[::1]:+3540").has_value());
}

}  // namespace
}  // namespace drt::runtime
