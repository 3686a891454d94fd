// The "dns" bootstrap provider (api.md §5.7.1). Numeric addresses on ::1; host names only from a
// hosts file of the test's own, bind-mounted over /etc/hosts in a private mount namespace of a
// child process, with "hosts: files" so that nothing is ever asked of a DNS server.
#include "bootstrap_harness.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace drt::tests {
namespace {

class DnsBootstrap : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(plugin_.loaded()) << plugin_.error(); }
  provider_plugin plugin_{bootstrap_plugin_path()};
};

params dns(const char* host, std::int64_t port) {
  params p;
  p.text("host", host).integer("port", port);
  return p;
}

TEST_F(DnsBootstrap, ANumericAddressResolvesToItselfWithThePort) {
  auto p = dns("::1", 5000);
  bootstrap b(plugin_, "dns", p);
  ASSERT_EQ(b.created(), S_OK) << p.detail();
  ASSERT_EQ(b.attach(), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b.resolve(r), S_OK);
  EXPECT_EQ(r.final_hr(), DRT_E_NO_MORE);
  EXPECT_FALSE(r.protocol_broken());
  ASSERT_EQ(r.batches().size(), 1u);
  ASSERT_EQ(r.batches()[0].size(), 1u);
  EXPECT_EQ(text_of(r.batches()[0][0]), text_of(ipv6("::1", 5000)));
  b.detach();
}

TEST_F(DnsBootstrap, EachNameIsOneBatchInOrder) {
  auto p = dns("::1; fe80::1%lo ::1", 5000);
  bootstrap b(plugin_, "dns", p);
  ASSERT_EQ(b.attach(), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b.resolve(r), S_OK);
  const auto batches = r.batches();
  ASSERT_EQ(batches.size(), 2u) << "the repeated ::1 adds nothing new";
  EXPECT_EQ(text_of(batches[0][0]), text_of(ipv6("::1", 5000)));
  EXPECT_EQ(text_of(batches[1][0]), text_of(ipv6("fe80::1", 5000, loopback_index())));
  EXPECT_EQ(r.final_hr(), DRT_E_NO_MORE);
  b.detach();
}

TEST_F(DnsBootstrap, StopsAfterMaxResults) {
  auto p = dns("::1 ::2 ::3", 5000);
  bootstrap b(plugin_, "dns", p);
  ASSERT_EQ(b.attach(), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b.resolve(r, 2), S_OK);
  EXPECT_EQ(r.batches().size(), 2u);
  EXPECT_EQ(r.final_hr(), DRT_E_NO_MORE);
  b.detach();
}

TEST_F(DnsBootstrap, AnIpv4LiteralHasNoIpv6AddressAndFailsNonFatally) {
  auto p = dns("127.0.0.1", 5000);
  bootstrap b(plugin_, "dns", p);
  ASSERT_EQ(b.attach(), S_OK);
  resolve_recorder r;
  ASSERT_EQ(b.resolve(r), S_OK);
  EXPECT_TRUE(r.batches().empty());
  EXPECT_TRUE(FAILED(r.final_hr()));
  EXPECT_NE(r.final_hr(), DRT_E_NO_MORE);
  EXPECT_FALSE(r.protocol_broken()) << "the failure is not fatal";
  b.detach();
}

TEST_F(DnsBootstrap, BadParametersAreRejected) {
  auto low = dns("::1", 80);
  EXPECT_EQ(bootstrap(plugin_, "dns", low).created(), E_INVALIDARG);
  auto empty = dns(" ; ", 5000);
  EXPECT_EQ(bootstrap(plugin_, "dns", empty).created(), E_INVALIDARG);
  auto unknown = dns("::1", 5000);
  unknown.text("peers", "[::1]:5000");
  EXPECT_EQ(bootstrap(plugin_, "dns", unknown).created(), DRT_E_CONFIG_INVALID);
}

TEST_F(DnsBootstrap, NoCallbackAfterEndResolveReturns) {
  auto p = dns("::1 ::2 ::3 ::4", 5000);
  bootstrap b(plugin_, "dns", p);
  ASSERT_EQ(b.attach(), S_OK);
  for (int round = 0; round < 200; ++round) {
    resolve_recorder r;
    void* context = nullptr;
    ASSERT_EQ(b.init(5000, 10, &context), S_OK);
    ASSERT_EQ(b.issue(context, r), S_OK);
    b.end(context);  // cancels: the lookup thread may still run, but never calls back again
    const int seen = r.calls();
    std::this_thread::yield();
    EXPECT_EQ(r.calls(), seen) << "round " << round;
    EXPECT_FALSE(r.protocol_broken());
  }
  b.detach();
}

// Runs body in a child process whose /etc/hosts and /etc/nsswitch.conf are the test's own.
// Returns "" on success or what went wrong; "skip: …" when mount namespaces are not permitted.
std::string in_private_hosts(const std::string& hosts, const std::function<std::string()>& body) {
  char dir_template[] = "/tmp/opendrt-dns-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return "skip: mkdtemp failed";
  const std::string hosts_path = std::string(dir) + "/hosts", nss_path = std::string(dir) + "/nsswitch.conf";
  std::ofstream(hosts_path) << hosts;
  std::ofstream(nss_path) << "hosts: files\n";
  int fds[2];
  if (pipe(fds) != 0) return "skip: pipe failed";
  const pid_t child = fork();
  if (child == 0) {
    ::close(fds[0]);
    std::string result;
    if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount(hosts_path.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0 ||
        mount(nss_path.c_str(), "/etc/nsswitch.conf", nullptr, MS_BIND, nullptr) != 0) {
      result = "skip: a private mount namespace is not permitted here";
    } else {
      result = body();
    }
    (void)!write(fds[1], result.data(), result.size());
    _exit(0);
  }
  ::close(fds[1]);
  std::string result;
  char buffer[512];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof buffer)) > 0) result.append(buffer, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  std::remove(hosts_path.c_str());
  std::remove(nss_path.c_str());
  rmdir(dir);
  if (!WIFEXITED(status)) return "the child process died";
  return result;
}

std::string resolve_text(const provider_plugin& plugin, const char* host, HRESULT& final_hr) {
  auto p = dns(host, 6000);
  bootstrap b(plugin, "dns", p);
  if (FAILED(b.created()) || FAILED(b.attach())) return "create/attach failed";
  resolve_recorder r;
  if (FAILED(b.resolve(r))) return "resolve failed";
  b.detach();
  final_hr = r.final_hr();
  std::ostringstream out;
  for (const auto& batch : r.batches()) {
    out << "{";
    for (const auto& a : batch) out << text_of(a);
    out << "}";
  }
  return out.str();
}

TEST_F(DnsBootstrap, HostNamesResolveFromTheHostsFileIpv6Only) {
  const std::string result = in_private_hosts(
      "127.0.0.1 localhost\n::1 opendrt-seed\nfd00:99::1 opendrt-seed\n127.0.0.2 opendrt-seed\n10.0.0.1 opendrt-v4only\n",
      [&]() -> std::string {
        HRESULT hr = S_OK;
        const std::string got = resolve_text(plugin_, "opendrt-seed", hr);
        const std::string want =
            "{" + text_of(ipv6("::1", 6000)) + text_of(ipv6("fd00:99::1", 6000)) + "}";
        if (got != want || hr != DRT_E_NO_MORE) return "opendrt-seed gave " + got;
        const std::string v4 = resolve_text(plugin_, "opendrt-v4only", hr);
        if (!v4.empty() || hr != DRT_HR_NO_DATA) {
          return "opendrt-v4only gave '" + v4 + "' hr " + std::to_string(static_cast<unsigned>(hr));
        }
        const std::string missing = resolve_text(plugin_, "opendrt-nowhere", hr);
        if (!missing.empty() || hr != DRT_HR_HOST_NOT_FOUND) {
          return "opendrt-nowhere gave '" + missing + "' hr " + std::to_string(static_cast<unsigned>(hr));
        }
        const std::string mixed = resolve_text(plugin_, "opendrt-nowhere opendrt-seed", hr);
        if (mixed != want || hr != DRT_E_NO_MORE) return "a failing name then a good one gave " + mixed;
        return "";
      });
  if (result.rfind("skip:", 0) == 0) GTEST_SKIP() << result;
  EXPECT_EQ(result, "");
}

}  // namespace
}  // namespace drt::tests
