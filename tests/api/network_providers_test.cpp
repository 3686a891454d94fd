// tests/api: the Windows-style functions backed by the built-in transport-ipv6 and
// bootstrap-basic plugins (spec/api.md §5.5, §5.7, §7.1), through libdrt as an application
// uses them. Sockets on ::1 only.
#include "fake_providers.hpp"

#include <drt/drt_provider.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

extern "C" HRESULT c_create_ipv6_udp_transport(int scope, uint32_t scope_id, uint16_t* port, HDRT_TRANSPORT* h);

namespace {

using drt_test::fake_bootstrap;

std::uint32_t lo() { return if_nametoindex("lo"); }

sockaddr_in6 loopback(std::uint16_t port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_addr = in6addr_loopback;
  return a;
}

// Waits for the descriptor (failure deadline 30 s) and returns the next status event's status.
DRT_STATUS next_status(HDRT h, int fd, std::vector<sockaddr_in6>* reported = nullptr) {
  alignas(DRT_EVENT_DATA) unsigned char buf[4096];
  auto* ev = reinterpret_cast<DRT_EVENT_DATA*>(buf);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    if (DrtGetEventData(h, sizeof buf, ev) == S_OK) {
      EXPECT_EQ(ev->type, DRT_EVENT_STATUS_CHANGED);
      for (std::uint32_t i = 0; reported && i < ev->statusChange.bootstrapAddresses.cntAddress; ++i) {
        sockaddr_in6 a;
        std::memcpy(&a, &ev->statusChange.bootstrapAddresses.pAddresses[i], sizeof a);
        reported->push_back(a);
      }
      return ev->statusChange.status;
    }
    pollfd p{fd, POLLIN, 0};
    (void)poll(&p, 1, 1000);
  }
  ADD_FAILURE() << "no status event within 30 s";
  return DRT_FAULTED;
}

class NetworkProviders : public ::testing::Test {
 protected:
  void SetUp() override {
    settings.dwSize = sizeof settings;
    settings.cbKey = 32;
    settings.bProtocolMajorVersion = 1;
    settings.ulMaxRoutingAddresses = 4;
    settings.eSecurityMode = DRT_SECURE_RESOLVE;
    event_fd = eventfd(0, EFD_CLOEXEC);
    ASSERT_GE(event_fd, 0);
  }
  void TearDown() override { close(event_fd); }
  DRT_SETTINGS settings{};
  int event_fd = -1;
};

// ---- DrtCreateIpv6UdpTransport / DrtDeleteIpv6UdpTransport (§5.5) -------------------------------

TEST_F(NetworkProviders, LoopbackTransportOnPortZeroReturnsTheBoundPort) {
  std::uint16_t port = 0;
  HDRT_TRANSPORT h = nullptr;
  ASSERT_EQ(DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, lo(), 0, &port, &h), S_OK) << DrtGetLastErrorDetail();
  EXPECT_NE(h, nullptr);
  EXPECT_GE(port, 1024);
  const int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  const sockaddr_in6 same = loopback(port);
  EXPECT_NE(bind(fd, reinterpret_cast<const sockaddr*>(&same), sizeof same), 0) << "the port is really bound";
  close(fd);
  EXPECT_EQ(DrtDeleteIpv6UdpTransport(h), S_OK);
  EXPECT_EQ(DrtDeleteIpv6UdpTransport(h), DRT_E_INVALID_TRANSPORT_PROVIDER);
}

TEST_F(NetworkProviders, GlobalScopeTransportOnPortZeroIsCreated) {
  std::uint16_t port = 0;
  HDRT_TRANSPORT h = nullptr;
  ASSERT_EQ(DrtCreateIpv6UdpTransport(DRT_GLOBAL_SCOPE, 0, 0, &port, &h), S_OK) << DrtGetLastErrorDetail();
  EXPECT_NE(port, 0);
  EXPECT_EQ(DrtDeleteIpv6UdpTransport(h), S_OK);
}

TEST_F(NetworkProviders, CreateTransportRejectsArgumentsInRowOrder) {
  std::uint16_t port = 0;
  HDRT_TRANSPORT h = &port;
  EXPECT_EQ(DrtCreateIpv6UdpTransport(DRT_GLOBAL_SCOPE, 0, 0, nullptr, &h), DRT_E_INVALID_PORT);              // 1
  // Out-of-range scopes come from C, where any int converts to the enum (C++ may not form them).
  EXPECT_EQ(c_create_ipv6_udp_transport(9, 0, &port, nullptr), DRT_E_INVALID_TRANSPORT_PROVIDER);           // 2
  EXPECT_EQ(c_create_ipv6_udp_transport(9, 0, &port, &h), DRT_E_INVALID_SCOPE);                              // 3
  EXPECT_EQ(h, nullptr);
  EXPECT_EQ(c_create_ipv6_udp_transport(0, 0, &port, &h), DRT_E_INVALID_SCOPE);                              // 3
  port = 80;
  EXPECT_EQ(DrtCreateIpv6UdpTransport(DRT_GLOBAL_SCOPE, 0, 0, &port, &h), DRT_E_INVALID_PORT);               // 4
  port = 0;
  EXPECT_EQ(DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, DRT_LINK_LOCAL_ISATAP_SCOPEID, 0, &port, &h),
            DRT_E_INVALID_SCOPE);                                                                               // 5
  EXPECT_EQ(DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, 999999, 0, &port, &h), DRT_E_INVALID_SCOPE);     // 5
}

TEST_F(NetworkProviders, SameScopeAndPortTwiceIsAlreadyExistsForScope) {
  std::uint16_t port = 0;
  HDRT_TRANSPORT first = nullptr, second = &port;
  ASSERT_EQ(DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, lo(), 0, &port, &first), S_OK);
  std::uint16_t again = port;
  EXPECT_EQ(DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, lo(), 0, &again, &second),
            DRT_E_TRANSPORT_ALREADY_EXISTS_FOR_SCOPE);                                                          // 8
  EXPECT_EQ(second, nullptr);
  EXPECT_EQ(DrtDeleteIpv6UdpTransport(first), S_OK);
  // Once deleted, the port may be used again.
  EXPECT_EQ(DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, lo(), 0, &again, &second), S_OK);
  EXPECT_EQ(again, port);
  EXPECT_EQ(DrtDeleteIpv6UdpTransport(second), S_OK);
}

TEST_F(NetworkProviders, PortOfAnotherProgramIsAddressInUse) {
  const int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 a = loopback(0);
  ASSERT_EQ(bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
  socklen_t length = sizeof a;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length), 0);
  std::uint16_t port = ntohs(a.sin6_port);
  HDRT_TRANSPORT h = nullptr;
  EXPECT_EQ(DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, lo(), 0, &port, &h), DRT_HR_ADDR_IN_USE);        // 9
  EXPECT_NE(std::string(DrtGetLastErrorDetail()).find("bind"), std::string::npos) << DrtGetLastErrorDetail();
  close(fd);
}

// ---- DrtOpen with the real providers ------------------------------------------------------------

TEST_F(NetworkProviders, OpensWithRealTransportStaticBootstrapAndNullSecurity) {
  std::uint16_t port = 0;
  HDRT_TRANSPORT transport = nullptr;
  ASSERT_EQ(DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, lo(), 0, &port, &transport), S_OK);
  DRT_SECURITY_PROVIDER* security = nullptr;
  ASSERT_EQ(DrtCreateNullSecurityProvider(&security), S_OK) << DrtGetLastErrorDetail();
  const sockaddr_in6 seed = loopback(port == 65535 ? 65534 : port + 1);  // nobody answers there
  sockaddr_storage seeds[1]{};
  std::memcpy(&seeds[0], &seed, sizeof seed);
  DRT_BOOTSTRAP_PROVIDER* bootstrap = nullptr;
  ASSERT_EQ(DrtCreateStaticBootstrapResolver(1, seeds, &bootstrap), S_OK) << DrtGetLastErrorDetail();
  settings.hTransport = transport;
  settings.pSecurityProvider = security;
  settings.pBootstrapProvider = bootstrap;
  HDRT drt = nullptr;
  const HRESULT opened = DrtOpen(&settings, event_fd, nullptr, &drt);
  ASSERT_TRUE(opened == S_OK || opened == DRT_S_RETRY) << std::hex << opened << " " << DrtGetLastErrorDetail();
  std::vector<sockaddr_in6> reported;
  EXPECT_EQ(next_status(drt, event_fd, &reported), DRT_ALONE);
  ASSERT_EQ(reported.size(), 1u) << "the seed the static resolver delivered";
  EXPECT_EQ(ntohs(reported[0].sin6_port), ntohs(seed.sin6_port));
  EXPECT_EQ(DrtDeleteIpv6UdpTransport(transport), DRT_E_TRANSPORT_STILL_BOUND);  // §5.5.2 row 4
  DrtClose(drt);
  EXPECT_EQ(DrtDeleteIpv6UdpTransport(transport), S_OK);
  DrtDeleteStaticBootstrapResolver(bootstrap);
  DrtDeleteNullSecurityProvider(security);
}

TEST_F(NetworkProviders, OpensWithTheDnsResolverAndReportsItsAddresses) {
  std::uint16_t port = 0;
  HDRT_TRANSPORT transport = nullptr;
  ASSERT_EQ(DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, lo(), 0, &port, &transport), S_OK);
  DRT_SECURITY_PROVIDER* security = nullptr;
  ASSERT_EQ(DrtCreateNullSecurityProvider(&security), S_OK);
  DRT_BOOTSTRAP_PROVIDER* dns = nullptr;
  ASSERT_EQ(DrtCreateDnsBootstrapResolver(5999, "::1", &dns), S_OK) << DrtGetLastErrorDetail();
  settings.hTransport = transport;
  settings.pSecurityProvider = security;
  settings.pBootstrapProvider = dns;
  HDRT drt = nullptr;
  const HRESULT opened = DrtOpen(&settings, event_fd, nullptr, &drt);
  ASSERT_TRUE(opened == S_OK || opened == DRT_S_RETRY) << DrtGetLastErrorDetail();
  std::vector<sockaddr_in6> reported;
  EXPECT_EQ(next_status(drt, event_fd, &reported), DRT_ALONE);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&reported[0].sin6_addr));
  EXPECT_EQ(ntohs(reported[0].sin6_port), 5999);
  DrtClose(drt);
  DrtDeleteDnsBootstrapResolver(dns);
  DrtDeleteNullSecurityProvider(security);
  EXPECT_EQ(DrtDeleteIpv6UdpTransport(transport), S_OK);
}

// The transport cannot be deleted from inside a provider callback of its instance (§5.5.2 row 3).
struct deleting_bootstrap : fake_bootstrap {
  HDRT_TRANSPORT victim = nullptr;
  HRESULT seen = S_OK;
  deleting_bootstrap() {
    table.IssueResolve = [](void* c, void* cb_ctx, DRT_BOOTSTRAP_RESOLVE_CALLBACK cb, DRT_BOOTSTRAP_RESOLVE_CONTEXT,
                            BOOL*) -> HRESULT {
      auto* self = static_cast<deleting_bootstrap*>(c);
      self->seen = DrtDeleteIpv6UdpTransport(self->victim);
      cb(DRT_E_NO_MORE, cb_ctx, nullptr, FALSE);
      return S_OK;
    };
  }
};

TEST_F(NetworkProviders, DeletingTheTransportFromAProviderCallbackIsExecutingCallback) {
  std::uint16_t port = 0;
  HDRT_TRANSPORT transport = nullptr;
  ASSERT_EQ(DrtCreateIpv6UdpTransport(DRT_LINK_LOCAL_SCOPE, lo(), 0, &port, &transport), S_OK);
  DRT_SECURITY_PROVIDER* security = nullptr;
  ASSERT_EQ(DrtCreateNullSecurityProvider(&security), S_OK);
  deleting_bootstrap bootstrap;
  bootstrap.victim = transport;
  settings.hTransport = transport;
  settings.pSecurityProvider = security;
  settings.pBootstrapProvider = &bootstrap.table;
  HDRT drt = nullptr;
  const HRESULT opened = DrtOpen(&settings, -1, nullptr, &drt);
  ASSERT_TRUE(opened == S_OK || opened == DRT_S_RETRY) << DrtGetLastErrorDetail();
  EXPECT_EQ(bootstrap.seen, DRT_E_TRANSPORT_EXECUTING_CALLBACK);
  DrtClose(drt);
  DrtDeleteNullSecurityProvider(security);
  EXPECT_EQ(DrtDeleteIpv6UdpTransport(transport), S_OK);
}

TEST_F(NetworkProviders, OpensFromAConfigFileWithTheBuiltInPlugins) {
  HDRT drt = nullptr;
  const std::string path = std::string(OPENDRT_TEST_DATA_DIR) + "/config/loopback-static-null.toml";
  const HRESULT opened = DrtOpenFromConfigFile(path.c_str(), event_fd, nullptr, &drt);
  ASSERT_TRUE(opened == S_OK || opened == DRT_S_RETRY) << DrtGetLastErrorDetail();
  std::vector<sockaddr_in6> reported;
  EXPECT_EQ(next_status(drt, event_fd, &reported), DRT_ALONE);
  EXPECT_EQ(reported.size(), 3u) << "the three static peers of the file";
  DrtClose(drt);
}

TEST_F(NetworkProviders, OpensFromAConfigFileWithTheDnsResolver) {
  char path[] = "/tmp/opendrt-dns-config-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text =
      "[transport]\nscope = \"loopback\"\n[security]\nprovider = \"null\"\n"
      "[bootstrap]\nprovider = \"dns\"\nhost = \"::1\"\nport = 5998\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  HDRT drt = nullptr;
  const HRESULT opened = DrtOpenFromConfigFile(path, event_fd, nullptr, &drt);
  unlink(path);
  ASSERT_TRUE(opened == S_OK || opened == DRT_S_RETRY) << DrtGetLastErrorDetail();
  std::vector<sockaddr_in6> reported;
  EXPECT_EQ(next_status(drt, event_fd, &reported), DRT_ALONE);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&reported[0].sin6_addr));
  EXPECT_EQ(ntohs(reported[0].sin6_port), 5998);
  DrtClose(drt);
}

// ---- bootstrap resolvers (§5.7) -----------------------------------------------------------------

TEST_F(NetworkProviders, DnsResolverRejectsArgumentsInRowOrder) {
  fake_bootstrap sentinel;
  DRT_BOOTSTRAP_PROVIDER* p = &sentinel.table;
  EXPECT_EQ(DrtCreateDnsBootstrapResolver(5000, "::1", nullptr), E_INVALIDARG);  // 1
  EXPECT_EQ(DrtCreateDnsBootstrapResolver(5000, nullptr, &p), E_INVALIDARG);     // 2
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(DrtCreateDnsBootstrapResolver(5000, " ;", &p), E_INVALIDARG);        // 2
  EXPECT_EQ(DrtCreateDnsBootstrapResolver(80, "::1", &p), E_INVALIDARG);         // 3
}

TEST_F(NetworkProviders, DnsResolverIsCreatedWithoutNetworkIoAndDeleted) {
  DRT_BOOTSTRAP_PROVIDER* p = nullptr;
  ASSERT_EQ(DrtCreateDnsBootstrapResolver(5000, "seed.invalid; ::1", &p), S_OK) << DrtGetLastErrorDetail();
  ASSERT_NE(p, nullptr);
  EXPECT_NE(p->InitResolve, nullptr);
  DrtDeleteDnsBootstrapResolver(p);
}

TEST_F(NetworkProviders, StaticResolverRejectsAPrivilegedPort) {
  const sockaddr_in6 bad = loopback(80);
  sockaddr_storage list[1]{};
  std::memcpy(&list[0], &bad, sizeof bad);
  DRT_BOOTSTRAP_PROVIDER* p = nullptr;
  EXPECT_EQ(DrtCreateStaticBootstrapResolver(1, list, &p), DRT_E_INVALID_ADDRESS);
}

TEST_F(NetworkProviders, MulticastResolverIsCreatedAndDeletedWithoutNetworkIo) {
  DRT_BOOTSTRAP_PROVIDER* p = nullptr;
  ASSERT_EQ(DrtCreateMulticastBootstrapResolver(0, nullptr, "cloud", &p), S_OK) << DrtGetLastErrorDetail();
  DrtDeleteMulticastBootstrapResolver(p);
  sockaddr_in6 group = loopback(61750);
  EXPECT_EQ(DrtCreateMulticastBootstrapResolver(0, &group, "cloud", &p), DRT_E_INVALID_ADDRESS);
  EXPECT_EQ(DrtCreateMulticastBootstrapResolver(999999, nullptr, "cloud", &p), DRT_E_INVALID_SCOPE);
}

}  // namespace
