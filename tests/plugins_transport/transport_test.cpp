// The "ipv6-udp" transport through its C table (docs/provider-abi.md §5), on ::1 only.
#include "transport_harness.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

namespace drt::tests {
namespace {

class Ipv6UdpTransport : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(plugin_.loaded()) << plugin_.error(); }
  provider_plugin plugin_{transport_plugin_path()};
};

HRESULT create_with(const provider_plugin& plugin, params p) {
  transport t(plugin, p);
  return t.created();
}

TEST_F(Ipv6UdpTransport, DescriptorOffersTheIpv6UdpTransport) {
  const DRT_PLUGIN_DESCRIPTOR* d = plugin_.descriptor();
  ASSERT_NE(d, nullptr);
  EXPECT_STREQ(d->pszName, "transport-ipv6");
  EXPECT_EQ(d->wAbiMajor, DRT_PLUGIN_ABI_MAJOR);
  const DRT_PROVIDER_DESCRIPTOR* p = plugin_.provider(DRT_PROVIDER_KIND_TRANSPORT, "ipv6-udp");
  ASSERT_NE(p, nullptr);
  EXPECT_NE(p->CreateTransportProvider, nullptr);
  EXPECT_NE(p->DeleteTransportProvider, nullptr);
}

TEST_F(Ipv6UdpTransport, PortZeroBindsAFreePortAndReportsIt) {
  auto p = loopback_params(0);
  transport t(plugin_, p);
  ASSERT_EQ(t.created(), S_OK) << p.detail();
  const std::uint16_t port = t.port();
  EXPECT_NE(port, 0);
  // The port really is bound: another socket cannot take it.
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  const sockaddr_in6 same = ipv6("::1", port);
  EXPECT_NE(::bind(fd, reinterpret_cast<const sockaddr*>(&same), sizeof same), 0);
  EXPECT_EQ(errno, EADDRINUSE);
  ::close(fd);
}

TEST_F(Ipv6UdpTransport, LoopbackModeAdvertisesOnlyLoopbackWithThePort) {
  auto p = loopback_params(0);
  transport t(plugin_, p);
  ASSERT_EQ(t.created(), S_OK);
  receiver r;
  ASSERT_EQ(t.attach(r), S_OK);
  std::vector<sockaddr_in6> addresses;
  ASSERT_EQ(t.addresses(addresses), S_OK);
  ASSERT_EQ(addresses.size(), 1u);
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&addresses[0].sin6_addr));
  EXPECT_EQ(ntohs(addresses[0].sin6_port), t.port());
  t.detach();
}

TEST_F(Ipv6UdpTransport, DeliversADatagramBetweenTwoTransportsOnLoopback) {
  auto pa = loopback_params(), pb = loopback_params();
  transport a(plugin_, pa), b(plugin_, pb);
  ASSERT_EQ(a.created(), S_OK);
  ASSERT_EQ(b.created(), S_OK);
  receiver ra, rb;
  ASSERT_EQ(a.attach(ra), S_OK);
  ASSERT_EQ(b.attach(rb), S_OK);
  const bytes payload{0x00, 0x10, 0x00, 0x0C, 0x51, 1, 0, 9, 1, 2, 3, 4};
  ASSERT_EQ(a.send(b.loopback_endpoint(), payload), S_OK);
  ASSERT_TRUE(rb.wait_datagrams(1));
  const datagram d = rb.datagrams().at(0);
  EXPECT_EQ(d.data, payload);
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&d.from.sin6_addr));
  EXPECT_EQ(ntohs(d.from.sin6_port), a.port());
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&d.local.sin6_addr));
  EXPECT_EQ(ntohs(d.local.sin6_port), b.port());
  EXPECT_EQ(ra.count(), 0u);
  a.detach();
  b.detach();
}

TEST_F(Ipv6UdpTransport, AnswersInBothDirectionsWithAnExplicitSourceAddress) {
  auto pa = loopback_params(), pb = loopback_params();
  transport a(plugin_, pa), b(plugin_, pb);
  receiver ra, rb;
  ASSERT_EQ(a.attach(ra), S_OK);
  ASSERT_EQ(b.attach(rb), S_OK);
  const sockaddr_in6 from = a.loopback_endpoint();
  ASSERT_EQ(a.send(b.loopback_endpoint(), bytes(40, 7), &from), S_OK);
  ASSERT_TRUE(rb.wait_datagrams(1));
  ASSERT_EQ(b.send(rb.datagrams()[0].from, bytes(30, 8)), S_OK);
  ASSERT_TRUE(ra.wait_datagrams(1));
  EXPECT_EQ(ra.datagrams()[0].data, bytes(30, 8));
  a.detach();
  b.detach();
}

TEST_F(Ipv6UdpTransport, TwentyTransportsExchangeDatagramsAllToAll) {
  constexpr int n = 20;
  std::vector<std::unique_ptr<params>> ps;
  std::vector<std::unique_ptr<transport>> ts;
  std::vector<std::unique_ptr<receiver>> rs;
  for (int i = 0; i < n; ++i) {
    ps.push_back(std::make_unique<params>(loopback_params()));
    ts.push_back(std::make_unique<transport>(plugin_, *ps.back()));
    ASSERT_EQ(ts.back()->created(), S_OK);
    rs.push_back(std::make_unique<receiver>());
    ASSERT_EQ(ts.back()->attach(*rs.back()), S_OK);
  }
  for (int from = 0; from < n; ++from) {
    for (int to = 0; to < n; ++to) {
      if (from == to) continue;
      ASSERT_EQ(ts[from]->send(ts[to]->loopback_endpoint(), bytes(32, static_cast<std::uint8_t>(from))), S_OK);
    }
  }
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(rs[i]->wait_datagrams(n - 1)) << "transport " << i;
    std::vector<int> senders;
    for (const auto& d : rs[i]->datagrams()) senders.push_back(d.data.at(0));
    std::sort(senders.begin(), senders.end());
    std::vector<int> want;
    for (int from = 0; from < n; ++from) {
      if (from != i) want.push_back(from);
    }
    EXPECT_EQ(senders, want) << "transport " << i;
  }
  for (auto& t : ts) t->detach();
}

// ---- ABI 1.1: the core receives (DRT_TRANSPORT_CORE_RECEIVES) ----------------------------------

// Two loopback transports attached to their receivers, b with `b_flags`; detached at the end.
struct loopback_pair {
  params pa = loopback_params(), pb = loopback_params();
  transport a, b;
  receiver ra, rb;
  bool attached = false;
  loopback_pair(const provider_plugin& plugin, std::uint32_t b_flags) : a(plugin, pa), b(plugin, pb) {
    attached = a.created() == S_OK && b.created() == S_OK && a.attach(ra) == S_OK && b.attach(rb, b_flags) == S_OK;
  }
  ~loopback_pair() {
    if (!attached) return;
    b.detach();
    a.detach();
  }
};

bool readable_within(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1 && (p.revents & POLLIN) != 0;
}

TEST_F(Ipv6UdpTransport, CoreReceivesDeliversOnlyInsideReceiveOnTheCallersThread) {
  loopback_pair p(plugin_, DRT_TRANSPORT_CORE_RECEIVES);
  ASSERT_TRUE(p.attached);
  const int fd = p.b.receive_descriptor();
  ASSERT_GE(fd, 0);
  for (std::uint8_t i = 0; i < 3; ++i) ASSERT_EQ(p.a.send(p.b.loopback_endpoint(), bytes{i, 1, 2}), S_OK);
  ASSERT_TRUE(readable_within(fd, 5000));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the I/O thread would have delivered
  EXPECT_EQ(p.rb.count(), 0u);
  std::uint32_t read = 0;
  std::uint32_t total = 0;
  for (int round = 0; round < 50 && total < 3; ++round) {  // all three may not have landed yet
    ASSERT_EQ(p.b.receive(64, read), S_OK);
    total += read;
    if (total < 3) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(total, 3u);
  const auto got = p.rb.datagrams();
  ASSERT_EQ(got.size(), 3u);
  for (std::uint8_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].data, (bytes{i, 1, 2}));
    EXPECT_EQ(got[i].thread, std::this_thread::get_id());
  }
  EXPECT_FALSE(readable_within(fd, 0));
}

TEST_F(Ipv6UdpTransport, ReceiveReadsAtMostMaxAndFewerOnceDrained) {
  loopback_pair p(plugin_, DRT_TRANSPORT_CORE_RECEIVES);
  ASSERT_TRUE(p.attached);
  for (std::uint8_t i = 0; i < 5; ++i) ASSERT_EQ(p.a.send(p.b.loopback_endpoint(), bytes{i}), S_OK);
  ASSERT_TRUE(readable_within(p.b.receive_descriptor(), 5000));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // loopback: all five are queued by now
  std::uint32_t read = 0;
  ASSERT_EQ(p.b.receive(2, read), S_OK);
  EXPECT_EQ(read, 2u);
  ASSERT_EQ(p.b.receive(2, read), S_OK);
  EXPECT_EQ(read, 2u);
  ASSERT_EQ(p.b.receive(2, read), S_OK);
  EXPECT_EQ(read, 1u);  // fewer than asked: the socket is empty
  EXPECT_EQ(p.rb.count(), 5u);
}

TEST_F(Ipv6UdpTransport, WithoutTheFlagThereIsNoDescriptorAndReceiveIsNotBound) {
  auto p = loopback_params();
  transport t(plugin_, p);
  receiver r;
  std::uint32_t read = 7;
  EXPECT_EQ(t.receive(8, read), DRT_E_TRANSPORT_NOT_BOUND);  // not attached
  EXPECT_EQ(read, 0u);
  ASSERT_EQ(t.attach(r), S_OK);
  EXPECT_EQ(t.receive_descriptor(), -1);
  EXPECT_EQ(t.receive(8, read), DRT_E_TRANSPORT_NOT_BOUND);
  t.detach();
}

TEST_F(Ipv6UdpTransport, AfterACoreReceivingDetachTheTransportDeliversAgain) {
  auto pa = loopback_params(), pb = loopback_params();
  transport a(plugin_, pa), b(plugin_, pb);
  receiver ra, rb1, rb2;
  ASSERT_EQ(a.attach(ra), S_OK);
  ASSERT_EQ(b.attach(rb1, DRT_TRANSPORT_CORE_RECEIVES), S_OK);
  b.detach();
  ASSERT_EQ(b.attach(rb2), S_OK);
  ASSERT_EQ(a.send(b.loopback_endpoint(), bytes{9}), S_OK);
  ASSERT_TRUE(rb2.wait_datagrams(1));  // from the transport's own thread, no Receive call
  EXPECT_NE(rb2.datagrams().at(0).thread, std::this_thread::get_id());
  EXPECT_EQ(rb1.count(), 0u);
  b.detach();
  a.detach();
}

TEST_F(Ipv6UdpTransport, AttachWhileAttachedReturnsAlreadyBound) {
  auto p = loopback_params();
  transport t(plugin_, p);
  receiver r1, r2;
  ASSERT_EQ(t.attach(r1), S_OK);
  EXPECT_EQ(t.attach(r2), DRT_E_TRANSPORT_ALREADY_BOUND);
  t.detach();
  EXPECT_EQ(t.attach(r2), S_OK) << "a detached transport can serve a new instance";
  t.detach();
}

TEST_F(Ipv6UdpTransport, AttachWithoutCallbacksReturnsInvalidArgument) {
  auto p = loopback_params();
  transport t(plugin_, p);
  EXPECT_EQ(t.table()->Attach(t.table()->pvContext, nullptr), DRT_E_TRANSPORT_INVALID_ARGUMENT);
  DRT_TRANSPORT_CALLBACKS c = receiver().callbacks();
  c.OnDatagram = nullptr;
  EXPECT_EQ(t.table()->Attach(t.table()->pvContext, &c), DRT_E_TRANSPORT_INVALID_ARGUMENT);
}

TEST_F(Ipv6UdpTransport, SendAndAddressesBeforeAttachReturnNotBound) {
  auto p = loopback_params();
  transport t(plugin_, p);
  ASSERT_EQ(t.created(), S_OK);
  EXPECT_EQ(t.send(ipv6("::1", 5000), bytes(20, 1)), DRT_E_TRANSPORT_NOT_BOUND);
  std::vector<sockaddr_in6> addresses;
  EXPECT_EQ(t.addresses(addresses), DRT_E_TRANSPORT_NOT_BOUND);
}

TEST_F(Ipv6UdpTransport, SendAfterDetachReturnsNotBound) {
  auto p = loopback_params();
  transport t(plugin_, p);
  receiver r;
  ASSERT_EQ(t.attach(r), S_OK);
  t.detach();
  EXPECT_EQ(t.send(ipv6("::1", 5000), bytes(20, 1)), DRT_E_TRANSPORT_NOT_BOUND);
}

TEST_F(Ipv6UdpTransport, SendFromACallbackWhileDetachWaitsReturnsShuttingDown) {
  auto pa = loopback_params(), pb = loopback_params();
  transport a(plugin_, pa), b(plugin_, pb);
  receiver ra, rb;
  ASSERT_EQ(a.attach(ra), S_OK);
  ASSERT_EQ(b.attach(rb), S_OK);
  std::atomic<bool> in_callback{false};
  std::atomic<HRESULT> seen{S_OK};
  const sockaddr_in6 to = a.loopback_endpoint();
  rb.on_datagram_hook = [&](const datagram&) {
    if (in_callback.exchange(true)) return;
    // Keep this callback running until Detach (on the test thread) has begun waiting for it.
    const auto until = std::chrono::steady_clock::now() + deadline;
    HRESULT hr = S_OK;
    while (std::chrono::steady_clock::now() < until) {
      hr = b.send(to, bytes(20, 2));
      if (hr == DRT_E_TRANSPORT_SHUTTING_DOWN) break;
      std::this_thread::yield();
    }
    seen = hr;
  };
  ASSERT_EQ(a.send(b.loopback_endpoint(), bytes(20, 1)), S_OK);
  while (!in_callback.load()) std::this_thread::yield();
  b.detach();  // returns once the callback above has returned
  EXPECT_EQ(seen.load(), DRT_E_TRANSPORT_SHUTTING_DOWN);
  a.detach();
}

TEST_F(Ipv6UdpTransport, SendToAnAddressOfAnotherScopeReturnsNoDestAddresses) {
  auto p = loopback_params();
  transport t(plugin_, p);
  receiver r;
  ASSERT_EQ(t.attach(r), S_OK);
  // Rejected before anything is sent: a loopback transport reaches only ::1.
  EXPECT_EQ(t.send(ipv6("2001:db8::1", 5000), bytes(20, 1)), DRT_E_TRANSPORT_NO_DEST_ADDRESSES);
  EXPECT_EQ(t.send(ipv6("fe80::1", 5000, loopback_index()), bytes(20, 1)), DRT_E_TRANSPORT_NO_DEST_ADDRESSES);
  t.detach();
}

TEST_F(Ipv6UdpTransport, SendWithBadArgumentsReturnsInvalidArgument) {
  auto p = loopback_params();
  transport t(plugin_, p);
  receiver r;
  ASSERT_EQ(t.attach(r), S_OK);
  const bytes data(20, 1);
  auto* table = t.table();
  EXPECT_EQ(table->SendTo(table->pvContext, nullptr, nullptr, data.data(), 20), DRT_E_TRANSPORT_INVALID_ARGUMENT);
  const sockaddr_in6 no_port = ipv6("::1", 0);
  EXPECT_EQ(t.send(no_port, data), DRT_E_TRANSPORT_INVALID_ARGUMENT);
  const sockaddr_in6 to = ipv6("::1", 5000);
  EXPECT_EQ(table->SendTo(table->pvContext, &to, nullptr, nullptr, 20), DRT_E_TRANSPORT_INVALID_ARGUMENT);
  EXPECT_EQ(t.send(to, bytes{}), DRT_E_TRANSPORT_INVALID_ARGUMENT);
  const sockaddr_in6 not_ours = ipv6("2001:db8::7", 0);
  EXPECT_EQ(t.send(to, data, &not_ours), DRT_E_TRANSPORT_INVALID_ARGUMENT);
  t.detach();
}

TEST_F(Ipv6UdpTransport, OversizedSendIsRejectedAndCounted) {
  auto p = loopback_params();
  transport t(plugin_, p);
  receiver r;
  ASSERT_EQ(t.attach(r), S_OK);
  EXPECT_EQ(t.send(ipv6("::1", 5000), bytes(1501, 1)), DRT_E_TRANSPORT_INVALID_ARGUMENT);
  EXPECT_EQ(t.statistics().oversizedSendRejected, 1u);
  t.detach();
}

TEST_F(Ipv6UdpTransport, OversizedDatagramIsDroppedAndCounted) {
  auto pa = loopback_params();
  auto pb = loopback_params();
  pb.integer("options.max_datagram_bytes", 100);
  transport a(plugin_, pa), b(plugin_, pb);
  ASSERT_EQ(b.created(), S_OK) << pb.detail();
  receiver ra, rb;
  ASSERT_EQ(a.attach(ra), S_OK);
  ASSERT_EQ(b.attach(rb), S_OK);
  ASSERT_EQ(a.send(b.loopback_endpoint(), bytes(101, 9)), S_OK);
  ASSERT_EQ(a.send(b.loopback_endpoint(), bytes(100, 5)), S_OK);
  ASSERT_TRUE(rb.wait_datagrams(1));
  // Both left the sender; only the one within the limit was delivered.
  const auto stats = b.statistics();
  EXPECT_EQ(stats.oversizedReceived, 1u);
  EXPECT_EQ(stats.datagramsDelivered, 1u);
  EXPECT_EQ(rb.datagrams()[0].data, bytes(100, 5));
  a.detach();
  b.detach();
}

TEST_F(Ipv6UdpTransport, GarbageFromARawSocketIsDeliveredAsBytesNeverCrashes) {
  auto p = loopback_params();
  transport t(plugin_, p);
  receiver r;
  ASSERT_EQ(t.attach(r), S_OK);
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  const sockaddr_in6 to = t.loopback_endpoint();
  const unsigned char one = 0xFF;
  ASSERT_EQ(::sendto(fd, &one, 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to), 1);
  ASSERT_EQ(::sendto(fd, &one, 0, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to), 0);
  ASSERT_TRUE(r.wait_datagrams(2));
  ::close(fd);
  EXPECT_EQ(r.datagrams()[0].data, bytes{0xFF});
  EXPECT_TRUE(r.datagrams()[1].data.empty());
  t.detach();
}

TEST_F(Ipv6UdpTransport, NoCallbackAfterDetachReturnsWhileDatagramsFlow) {
  auto pa = loopback_params(), pb = loopback_params();
  transport a(plugin_, pa), b(plugin_, pb);
  receiver ra;
  ASSERT_EQ(a.attach(ra), S_OK);
  std::atomic<bool> stop{false};
  const sockaddr_in6 to = b.loopback_endpoint();
  std::thread flood([&] {
    while (!stop.load()) (void)a.send(to, bytes(64, 3));
  });
  for (int round = 0; round < 200; ++round) {
    receiver rb;
    std::atomic<bool> detached{false};
    std::atomic<int> late{0};
    rb.on_datagram_hook = [&](const datagram&) {
      if (detached.load()) ++late;
    };
    ASSERT_EQ(b.attach(rb), S_OK);
    ASSERT_TRUE(rb.wait_datagrams(1));
    b.detach();
    detached = true;
    const std::size_t seen = rb.count();
    std::this_thread::yield();
    EXPECT_EQ(late.load(), 0) << "round " << round;
    EXPECT_EQ(rb.count(), seen) << "round " << round;
  }
  stop = true;
  flood.join();
  a.detach();
  EXPECT_GT(b.statistics().droppedWhileDetached + b.statistics().datagramsDelivered, 0u);
}

TEST_F(Ipv6UdpTransport, DeleteWhileDatagramsFlowIsClean) {
  auto pa = loopback_params();
  transport a(plugin_, pa);
  receiver ra;
  ASSERT_EQ(a.attach(ra), S_OK);
  for (int round = 0; round < 50; ++round) {
    auto pb = loopback_params();
    transport b(plugin_, pb);
    ASSERT_EQ(b.created(), S_OK);
    receiver rb;
    ASSERT_EQ(b.attach(rb), S_OK);
    std::atomic<bool> stop{false};
    const sockaddr_in6 to = b.loopback_endpoint();
    std::thread flood([&] {
      while (!stop.load()) (void)a.send(to, bytes(64, 3));
    });
    ASSERT_TRUE(rb.wait_datagrams(1));
    b.detach();
    stop = true;
    flood.join();
  }  // b's destructor deletes it: the I/O thread stops with datagrams still queued
  a.detach();
}

TEST_F(Ipv6UdpTransport, DetachFromInsideACallbackReturnsAtOnce) {
  auto pa = loopback_params(), pb = loopback_params();
  transport a(plugin_, pa), b(plugin_, pb);
  receiver ra, rb;
  ASSERT_EQ(a.attach(ra), S_OK);
  ASSERT_EQ(b.attach(rb), S_OK);
  rb.on_datagram_hook = [&](const datagram&) { b.detach(); };
  ASSERT_EQ(a.send(b.loopback_endpoint(), bytes(20, 1)), S_OK);
  ASSERT_TRUE(rb.wait_datagrams(1));
  EXPECT_EQ(b.send(a.loopback_endpoint(), bytes(20, 1)), DRT_E_TRANSPORT_NOT_BOUND);
  a.detach();
}

// ---- factory errors (api.md §5.5.1 rows, as the plugin reports them) ----------------------------

TEST_F(Ipv6UdpTransport, ScopeOutsideOneToThreeReturnsInvalidScope) {
  params p;
  p.integer("scope", 4);
  EXPECT_EQ(create_with(plugin_, std::move(p)), DRT_E_INVALID_SCOPE);
  params q;
  q.integer("scope", 0);
  EXPECT_EQ(create_with(plugin_, std::move(q)), DRT_E_INVALID_SCOPE);
}

TEST_F(Ipv6UdpTransport, PortBelow1024ReturnsInvalidPort) {
  EXPECT_EQ(create_with(plugin_, loopback_params(80)), DRT_E_INVALID_PORT);
  params p;
  p.integer("scope", DRT_GLOBAL_SCOPE).integer("port", 70000);
  EXPECT_EQ(create_with(plugin_, std::move(p)), DRT_E_INVALID_PORT);
}

TEST_F(Ipv6UdpTransport, IsatapScopeIdReturnsInvalidScope) {
  params p;
  p.integer("scope", DRT_LINK_LOCAL_SCOPE).integer("scope_id", DRT_LINK_LOCAL_ISATAP_SCOPEID);
  EXPECT_EQ(create_with(plugin_, std::move(p)), DRT_E_INVALID_SCOPE);
}

TEST_F(Ipv6UdpTransport, UnknownInterfaceIndexReturnsInvalidScope) {
  params p;
  p.integer("scope", DRT_LINK_LOCAL_SCOPE).integer("scope_id", 999999);
  EXPECT_EQ(create_with(plugin_, std::move(p)), DRT_E_INVALID_SCOPE);
}

TEST_F(Ipv6UdpTransport, LoopbackOptionWithGlobalScopeReturnsInvalidScope) {
  params p;
  p.integer("scope", DRT_GLOBAL_SCOPE).integer("loopback", 1);
  EXPECT_EQ(create_with(plugin_, std::move(p)), DRT_E_INVALID_SCOPE);
}

TEST_F(Ipv6UdpTransport, SameScopeAndPortTwiceReturnsAlreadyExistsForScope) {
  auto p = loopback_params();
  transport first(plugin_, p);
  ASSERT_EQ(first.created(), S_OK);
  auto again = loopback_params(first.port());
  transport second(plugin_, again);
  EXPECT_EQ(second.created(), DRT_E_TRANSPORT_ALREADY_EXISTS_FOR_SCOPE);
  EXPECT_NE(again.detail().find("already exists"), std::string::npos) << again.detail();
}

TEST_F(Ipv6UdpTransport, PortTakenByAnotherSocketReturnsAddressInUse) {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 any = ipv6("::1", 0);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any), 0);
  socklen_t length = sizeof any;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&any), &length), 0);
  EXPECT_EQ(create_with(plugin_, loopback_params(ntohs(any.sin6_port))), DRT_HR_ADDR_IN_USE);
  ::close(fd);
}

// Runs create in a child process that may open only `free_fds` more descriptors, and returns
// its HRESULT (through the exit status: 0 S_OK, 1 TRANSPORT_UNEXPECTED, 2 TOO_MANY_FILES, 3 other).
HRESULT create_with_free_descriptors(const provider_plugin& plugin, int free_fds) {
  const pid_t child = fork();
  if (child == 0) {
    const int lowest = dup(0);  // every descriptor below it is in use
    ::close_range(static_cast<unsigned>(lowest), ~0U, 0);
    const rlimit limit{static_cast<rlim_t>(lowest + free_fds), static_cast<rlim_t>(lowest + free_fds)};
    if (lowest < 0 || setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(3);
    params p;
    p.integer("scope", DRT_GLOBAL_SCOPE);  // no interface look-ups before the sockets open
    transport t(plugin, p);
    const HRESULT hr = t.created();
    _exit(hr == S_OK ? 0 : hr == DRT_E_TRANSPORT_UNEXPECTED ? 1 : hr == DRT_HR_TOO_MANY_FILES ? 2 : 3);
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) return E_FAIL;
  switch (WEXITSTATUS(status)) {
    case 0: return S_OK;
    case 1: return DRT_E_TRANSPORT_UNEXPECTED;
    case 2: return DRT_HR_TOO_MANY_FILES;
    default: return E_FAIL;
  }
}

// With ever more free descriptors creation fails first in the I/O machinery (asio's reactor:
// row 10), then at socket() (EMFILE: api.md §1.4), then at the address monitor (row 10), then
// succeeds. How many descriptors asio's reactor takes is its business, so the pattern is checked.
TEST_F(Ipv6UdpTransport, RunningOutOfDescriptorsGivesTheDocumentedCodes) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer runtimes need descriptors of their own (they report false errors "
                  "when none is left); this runs in the debug preset";
#endif
  std::vector<HRESULT> results;
  for (int free_fds = 0; free_fds <= 12 && (results.empty() || results.back() != S_OK); ++free_fds) {
    results.push_back(create_with_free_descriptors(plugin_, free_fds));
  }
  ASSERT_EQ(results.back(), S_OK);
  ASSERT_GE(results.size(), 3u);
  EXPECT_EQ(results.front(), DRT_E_TRANSPORT_UNEXPECTED) << "no descriptor for the I/O machinery";
  EXPECT_NE(std::find(results.begin(), results.end(), DRT_HR_TOO_MANY_FILES), results.end()) << "none for the socket";
  EXPECT_EQ(results[results.size() - 2], DRT_E_TRANSPORT_UNEXPECTED) << "none for the address monitor";
  for (HRESULT hr : results) EXPECT_TRUE(hr == S_OK || hr == DRT_E_TRANSPORT_UNEXPECTED || hr == DRT_HR_TOO_MANY_FILES);
}

TEST_F(Ipv6UdpTransport, UnknownParameterReturnsConfigInvalid) {
  auto p = loopback_params();
  p.integer("options.colour", 3);
  EXPECT_EQ(create_with(plugin_, std::move(p)), DRT_E_CONFIG_INVALID);
}

TEST_F(Ipv6UdpTransport, GlobalScopeBindsEveryAddressOnPortZero) {
  params p;
  p.integer("scope", DRT_GLOBAL_SCOPE).integer("port", 0);
  transport t(plugin_, p);
  ASSERT_EQ(t.created(), S_OK) << p.detail();
  EXPECT_NE(t.port(), 0);
  receiver r;
  ASSERT_EQ(t.attach(r), S_OK);
  std::vector<sockaddr_in6> addresses;
  ASSERT_EQ(t.addresses(addresses), S_OK);
  for (const auto& a : addresses) {
    EXPECT_FALSE(IN6_IS_ADDR_LOOPBACK(&a.sin6_addr) || IN6_IS_ADDR_LINKLOCAL(&a.sin6_addr)) << text_of(a);
    EXPECT_EQ(ntohs(a.sin6_port), t.port());
  }
  t.detach();
}

TEST(Ipv6UdpTransportPlugin, IsUnmappedAfterItsLastTransportIsDeleted) {
  const std::string path = transport_plugin_path();
  {
    provider_plugin plugin(path);
    ASSERT_TRUE(plugin.loaded()) << plugin.error();
    auto p = loopback_params();
    transport t(plugin, p);
    ASSERT_EQ(t.created(), S_OK);
    receiver r;
    ASSERT_EQ(t.attach(r), S_OK);
    t.detach();
  }
  // No thread of the plugin is left and nothing pins it (exports.map): dlclose unmapped it.
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  EXPECT_EQ(h, nullptr);
  if (h != nullptr) dlclose(h);
}

}  // namespace
}  // namespace drt::tests
