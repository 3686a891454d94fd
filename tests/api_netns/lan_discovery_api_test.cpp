// tests/api_netns: LAN discovery end to end through libdrt (spec/api.md §5.7.4, protocol.md
// Appendix A): two instances on one link, the second finds the first with zero configuration.
//
// The whole process runs in a network namespace of its own, entered in main() before any thread
// exists, so libdrt's worker (which calls the providers' Attach, where the multicast sockets
// open) and every plugin thread live there too. The link is a veth pair inside that namespace;
// nothing leaves the machine. Skipped with the reason where namespaces are not permitted.
#include <drt/drt_provider.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::string g_skip_reason;  // set once in main(), before any test runs
constexpr const char* g_link = "odrtlan0";

bool run_quiet(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

std::string enter_private_network() {
  if (::unshare(CLONE_NEWNET) != 0) return "unshare(CLONE_NEWNET) is not permitted here";
  const std::string peer = std::string(g_link) + "p";
  const bool ok = run_quiet("ip link set lo up") &&
                  run_quiet("ip link add " + std::string(g_link) + " type veth peer name " + peer) &&
                  run_quiet("ip link set " + std::string(g_link) + " addrgenmode none") &&
                  run_quiet("ip link set " + peer + " addrgenmode none") &&
                  run_quiet("ip addr add fe80::a/64 dev " + std::string(g_link) + " nodad") &&
                  run_quiet("ip addr add fe80::b/64 dev " + peer + " nodad") &&
                  run_quiet("ip link set " + std::string(g_link) + " up") && run_quiet("ip link set " + peer + " up");
  return ok ? "" : "creating a veth pair in the private namespace failed (is iproute2 installed?)";
}

struct node {
  HDRT_TRANSPORT transport = nullptr;
  std::uint16_t port = 0;
  DRT_SECURITY_PROVIDER* security = nullptr;
  DRT_BOOTSTRAP_PROVIDER* bootstrap = nullptr;
  HDRT drt = nullptr;
  int event_fd = eventfd(0, EFD_CLOEXEC);

  HRESULT open(const char* cloud) {
    HRESULT hr = DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, if_nametoindex("lo"), 0, &port, &transport);
    if (SUCCEEDED(hr)) hr = DrtCreateNullSecurityProvider(&security);
    if (SUCCEEDED(hr)) hr = DrtCreateMulticastBootstrapResolver(if_nametoindex(g_link), nullptr, cloud, &bootstrap);
    if (FAILED(hr)) return hr;
    DRT_SETTINGS s{};
    s.dwSize = sizeof s;
    s.cbKey = 32;
    s.bProtocolMajorVersion = 1;
    s.ulMaxRoutingAddresses = 4;
    s.hTransport = transport;
    s.pSecurityProvider = security;
    s.pBootstrapProvider = bootstrap;
    s.eSecurityMode = DRT_SECURE_RESOLVE;
    return DrtOpen(&s, event_fd, nullptr, &drt);
  }

  DRT_STATUS next_status(std::vector<sockaddr_in6>& reported);

  ~node() {
    if (drt != nullptr) DrtClose(drt);
    if (bootstrap != nullptr) DrtDeleteMulticastBootstrapResolver(bootstrap);
    if (security != nullptr) DrtDeleteNullSecurityProvider(security);
    if (transport != nullptr) {
      EXPECT_EQ(DrtDeleteIpv6UdpTransport(transport), S_OK);
    }
    close(event_fd);
  }
};

// The next status event of drt (failure deadline 30 s), with the addresses it reports.
DRT_STATUS next_status(HDRT drt, int event_fd, std::vector<sockaddr_in6>& reported) {
  alignas(DRT_EVENT_DATA) unsigned char buf[4096];
  auto* ev = reinterpret_cast<DRT_EVENT_DATA*>(buf);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    if (DrtGetEventData(drt, sizeof buf, ev) == S_OK && ev->type == DRT_EVENT_STATUS_CHANGED) {
      for (std::uint32_t i = 0; i < ev->statusChange.bootstrapAddresses.cntAddress; ++i) {
        sockaddr_in6 a;
        std::memcpy(&a, &ev->statusChange.bootstrapAddresses.pAddresses[i], sizeof a);
        reported.push_back(a);
      }
      return ev->statusChange.status;
    }
    pollfd p{event_fd, POLLIN, 0};
    (void)poll(&p, 1, 1000);
  }
  ADD_FAILURE() << "no status event within 30 s";
  return DRT_FAULTED;
}

DRT_STATUS node::next_status(std::vector<sockaddr_in6>& reported) {
  return ::next_status(drt, event_fd, reported);
}

bool contains_loopback_port(const std::vector<sockaddr_in6>& list, std::uint16_t port) {
  for (const auto& a : list) {
    if (IN6_IS_ADDR_LOOPBACK(&a.sin6_addr) && ntohs(a.sin6_port) == port) return true;
  }
  return false;
}

TEST(LanDiscoveryThroughTheApi, ASecondNodeFindsTheFirstWithZeroConfiguration) {
  if (!g_skip_reason.empty()) GTEST_SKIP() << g_skip_reason;
  node first, second;
  const HRESULT opened_first = first.open("lan-test");
  ASSERT_TRUE(opened_first == S_OK || opened_first == DRT_S_RETRY) << DrtGetLastErrorDetail();
  std::vector<sockaddr_in6> reported;
  // Its first round finds nobody: ALONE, and from then on it answers queries (Register).
  ASSERT_EQ(first.next_status(reported), DRT_ALONE);
  EXPECT_TRUE(reported.empty());
  const HRESULT opened_second = second.open("lan-test");
  ASSERT_TRUE(opened_second == S_OK || opened_second == DRT_S_RETRY) << DrtGetLastErrorDetail();
  reported.clear();
  ASSERT_EQ(second.next_status(reported), DRT_ALONE) << "no engine yet: nobody answers the SOLICIT";
  EXPECT_TRUE(contains_loopback_port(reported, first.port))
      << "the second node's bootstrap delivered the first node's endpoint [::1]:" << first.port;
}

TEST(LanDiscoveryThroughTheApi, ANodeOfAnotherCloudIsNotFound) {
  if (!g_skip_reason.empty()) GTEST_SKIP() << g_skip_reason;
  node first, second;
  const HRESULT opened_first = first.open("cloud-a");
  ASSERT_TRUE(opened_first == S_OK || opened_first == DRT_S_RETRY) << DrtGetLastErrorDetail();
  std::vector<sockaddr_in6> reported;
  ASSERT_EQ(first.next_status(reported), DRT_ALONE);
  const HRESULT opened_second = second.open("cloud-b");
  ASSERT_TRUE(opened_second == S_OK || opened_second == DRT_S_RETRY) << DrtGetLastErrorDetail();
  reported.clear();
  ASSERT_EQ(second.next_status(reported), DRT_ALONE);
  EXPECT_TRUE(reported.empty());
}

TEST(LanDiscoveryThroughTheApi, ANodeOpenedFromAConfigFileIsFound) {
  if (!g_skip_reason.empty()) GTEST_SKIP() << g_skip_reason;
  char path[] = "/tmp/opendrt-lan-config-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text = std::string("[transport]\nscope = \"loopback\"\n[security]\nprovider = \"null\"\n") +
                           "[bootstrap]\nprovider = \"multicast\"\ninterface = \"" + g_link +
                           "\"\ncloud_name = \"from-file\"\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  const int first_fd = eventfd(0, EFD_CLOEXEC);
  HDRT first = nullptr;
  const HRESULT opened_first = DrtOpenFromConfigFile(path, first_fd, nullptr, &first);
  unlink(path);
  ASSERT_TRUE(opened_first == S_OK || opened_first == DRT_S_RETRY) << DrtGetLastErrorDetail();
  std::vector<sockaddr_in6> reported;
  ASSERT_EQ(next_status(first, first_fd, reported), DRT_ALONE);
  node second;
  const HRESULT opened_second = second.open("from-file");
  ASSERT_TRUE(opened_second == S_OK || opened_second == DRT_S_RETRY) << DrtGetLastErrorDetail();
  reported.clear();
  ASSERT_EQ(second.next_status(reported), DRT_ALONE);
  EXPECT_EQ(reported.size(), 1u) << "the node opened from the file answered";
  DrtClose(first);  // also deletes the providers the file made
  close(first_fd);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Listing the tests (ctest discovery) needs no namespace.
  if (!::testing::GTEST_FLAG(list_tests)) g_skip_reason = enter_private_network();
  return RUN_ALL_TESTS();
}
