// The "ipv6-udp" transport on link-local and global scope, in network namespaces the test
// creates itself (skipped with the reason where that is not permitted).
#include "transport_harness.hpp"

#include <gtest/gtest.h>

#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace drt::tests {
namespace {

class Ipv6UdpTransportNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(plugin_.loaded()) << plugin_.error();
    std::string why;
    net_ = netns_pair::create(why);
    if (!net_) GTEST_SKIP() << "network namespaces unavailable: " << why;
  }
  provider_plugin plugin_{transport_plugin_path()};
  std::unique_ptr<netns_pair> net_;
};

params link_local_params(std::uint32_t index) {
  params p;
  p.integer("scope", DRT_LINK_LOCAL_SCOPE).integer("scope_id", index).integer("port", 0);
  return p;
}

TEST_F(Ipv6UdpTransportNetns, LinkLocalTransportsTalkAcrossALink) {
  std::unique_ptr<transport> a, b;
  std::unique_ptr<params> pa, pb;
  std::uint32_t index_a = 0, index_b = 0;
  ASSERT_TRUE(net_->run_in(0, [&] {
    index_a = if_nametoindex(net_->interface(0).c_str());
    pa = std::make_unique<params>(link_local_params(index_a));
    a = std::make_unique<transport>(plugin_, *pa);
  }));
  ASSERT_TRUE(net_->run_in(1, [&] {
    index_b = if_nametoindex(net_->interface(1).c_str());
    pb = std::make_unique<params>(link_local_params(0));  // 0 = the lowest suitable interface
    b = std::make_unique<transport>(plugin_, *pb);
  }));
  ASSERT_EQ(a->created(), S_OK) << pa->detail();
  ASSERT_EQ(b->created(), S_OK) << pb->detail();
  receiver ra, rb;
  ASSERT_EQ(a->attach(ra), S_OK);
  ASSERT_EQ(b->attach(rb), S_OK);
  std::vector<sockaddr_in6> addresses_b;
  ASSERT_EQ(b->addresses(addresses_b), S_OK);
  ASSERT_EQ(addresses_b.size(), 1u);
  EXPECT_EQ(text_of(addresses_b[0]), text_of(ipv6("fe80::2", b->port(), index_b)));
  // From namespace 0 to fe80::2 with a's zone.
  ASSERT_EQ(a->send(ipv6("fe80::2", b->port(), index_a), bytes(24, 4)), S_OK);
  ASSERT_TRUE(rb.wait_datagrams(1));
  const datagram d = rb.datagrams()[0];
  EXPECT_EQ(text_of(d.from), text_of(ipv6("fe80::1", a->port(), index_b)));
  EXPECT_EQ(text_of(d.local), text_of(ipv6("fe80::2", b->port(), index_b)));
  a->detach();
  b->detach();
}

TEST_F(Ipv6UdpTransportNetns, LinkLocalTransportDropsDatagramsFromOtherInterfaces) {
  std::unique_ptr<transport> t;
  std::unique_ptr<params> p;
  ASSERT_TRUE(net_->run_in(0, [&] {
    p = std::make_unique<params>(link_local_params(if_nametoindex(net_->interface(0).c_str())));
    t = std::make_unique<transport>(plugin_, *p);
    ASSERT_EQ(t->created(), S_OK) << p->detail();
    // From inside namespace 0 to [::1]: it arrives on lo, not on the transport's interface.
    const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
    const sockaddr_in6 to = ipv6("::1", t->port());
    const unsigned char junk[24] = {};
    EXPECT_EQ(::sendto(fd, junk, sizeof junk, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to), 24);
    ::close(fd);
  }));
  receiver r;
  ASSERT_EQ(t->attach(r), S_OK);
  const auto until = std::chrono::steady_clock::now() + deadline;
  // Wait for the datagram's fate, not for its arrival: the counters are bumped one after the other.
  const auto settled = [&] {
    const auto s = t->statistics();
    return s.droppedOtherInterface + s.datagramsDelivered + s.droppedWhileDetached + s.oversizedReceived > 0;
  };
  while (!settled() && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  EXPECT_EQ(t->statistics().droppedOtherInterface, 1u);
  EXPECT_EQ(r.count(), 0u);
  t->detach();
}

// On ::1 the kernel never reports a full send buffer; a slow queueing discipline on the veth
// keeps the sent datagrams charged to the socket, so SendTo meets EAGAIN and must queue.
TEST_F(Ipv6UdpTransportNetns, AFullSendBufferQueuesThenDropsThenDrains) {
  const std::string dev = net_->interface(0);
  if (!net_->ip(0, "link set " + dev + " txqueuelen 100000") ||
      std::system(("tc -n " + net_->name(0) + " qdisc add dev " + dev +
                   " root tbf rate 8kbit burst 1600 limit 100000000 >/dev/null 2>&1").c_str()) != 0) {
    GTEST_SKIP() << "tc/tbf is not available here";
  }
  std::unique_ptr<transport> a, b;
  std::unique_ptr<params> pa, pb;
  std::uint32_t index_a = 0;
  ASSERT_TRUE(net_->run_in(0, [&] {
    index_a = if_nametoindex(dev.c_str());
    pa = std::make_unique<params>(link_local_params(index_a));
    pa->integer("options.send_queue_max", 16);
    a = std::make_unique<transport>(plugin_, *pa);
  }));
  ASSERT_TRUE(net_->run_in(1, [&] {
    pb = std::make_unique<params>(link_local_params(if_nametoindex(net_->interface(1).c_str())));
    b = std::make_unique<transport>(plugin_, *pb);
  }));
  ASSERT_EQ(a->created(), S_OK) << pa->detail();
  ASSERT_EQ(b->created(), S_OK) << pb->detail();
  receiver ra, rb;
  ASSERT_EQ(a->attach(ra), S_OK);
  ASSERT_EQ(b->attach(rb), S_OK);
  constexpr int total = 600;
  const sockaddr_in6 to = ipv6("fe80::2", b->port(), index_a);
  for (int i = 0; i < total; ++i) ASSERT_EQ(a->send(to, bytes(1400, 1)), S_OK) << "SendTo never fails for a full buffer";
  auto s = a->statistics();
  EXPECT_GT(s.datagramsQueued, 0u);
  EXPECT_GT(s.sendQueueDrops, 0u) << "the queue holds at most send_queue_max = 16";
  // Remove the bottleneck: the socket becomes writable and the I/O thread drains the queue.
  ASSERT_TRUE(net_->ip(0, "link set " + dev + " down"));
  ASSERT_TRUE(net_->ip(0, "link set " + dev + " up"));
  std::system(("tc -n " + net_->name(0) + " qdisc del dev " + dev + " root >/dev/null 2>&1").c_str());
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    s = a->statistics();
    if (s.datagramsSent + s.sendErrors + s.sendQueueDrops == static_cast<std::uint64_t>(total)) break;
    std::this_thread::yield();
  }
  EXPECT_EQ(s.datagramsSent + s.sendErrors + s.sendQueueDrops, static_cast<std::uint64_t>(total))
      << "every queued datagram was sent (or failed) once the socket drained";
  a->detach();
  b->detach();
}

TEST_F(Ipv6UdpTransportNetns, ASendWithoutARouteFailsWithNetUnreachableAndIsCounted) {
  ASSERT_TRUE(net_->ip(0, "addr add fd00:8::1/64 dev " + net_->interface(0) + " nodad"));
  std::unique_ptr<transport> t;
  std::unique_ptr<params> p;
  ASSERT_TRUE(net_->run_in(0, [&] {
    p = std::make_unique<params>();
    p->integer("scope", DRT_GLOBAL_SCOPE);
    t = std::make_unique<transport>(plugin_, *p);
  }));
  ASSERT_EQ(t->created(), S_OK) << p->detail();
  receiver r;
  ASSERT_EQ(t->attach(r), S_OK);
  // The namespace has no default route: the kernel refuses at once, nothing leaves.
  EXPECT_EQ(t->send(ipv6("2001:db8::1", 5000), bytes(20, 1)), DRT_HR_NET_UNREACHABLE);
  EXPECT_EQ(t->statistics().sendErrors, 1u);
  EXPECT_EQ(t->statistics().datagramsSent, 0u);
  t->detach();
}

TEST_F(Ipv6UdpTransportNetns, TentativeAddressesAreNotAdvertised) {
  std::unique_ptr<transport> t;
  std::unique_ptr<params> p;
  ASSERT_TRUE(net_->ip(0, "addr add fd00:5::1/64 dev " + net_->interface(0)));  // with DAD: tentative
  ASSERT_TRUE(net_->ip(0, "addr add fd00:6::1/64 dev " + net_->interface(0) + " nodad"));
  ASSERT_TRUE(net_->run_in(0, [&] {
    p = std::make_unique<params>();
    p->integer("scope", DRT_GLOBAL_SCOPE);
    t = std::make_unique<transport>(plugin_, *p);
  }));
  ASSERT_EQ(t->created(), S_OK) << p->detail();
  receiver r;
  ASSERT_EQ(t->attach(r), S_OK);
  std::vector<sockaddr_in6> addresses;
  ASSERT_EQ(t->addresses(addresses), S_OK);
  ASSERT_EQ(addresses.size(), 1u) << "the tentative fd00:5::1 must not be used";
  EXPECT_EQ(text_of(addresses[0]), text_of(ipv6("fd00:6::1", t->port())));
  t->detach();
}

TEST_F(Ipv6UdpTransportNetns, GlobalScopeWithoutAddressHasNoDestAddressesUntilOneAppears) {
  std::unique_ptr<transport> t;
  std::unique_ptr<params> p;
  ASSERT_TRUE(net_->run_in(0, [&] {
    p = std::make_unique<params>();
    p->integer("scope", DRT_GLOBAL_SCOPE);
    t = std::make_unique<transport>(plugin_, *p);
  }));
  ASSERT_EQ(t->created(), S_OK) << p->detail();
  receiver r;
  ASSERT_EQ(t->attach(r), S_OK);
  std::vector<sockaddr_in6> addresses;
  ASSERT_EQ(t->addresses(addresses), S_OK);
  EXPECT_TRUE(addresses.empty()) << "no global address: an empty list (the instance reports NO_NETWORK)";
  EXPECT_EQ(t->send(ipv6("fd00:7::2", 5000), bytes(20, 1)), DRT_E_TRANSPORT_NO_DEST_ADDRESSES);
  ASSERT_TRUE(net_->ip(0, "addr add fd00:7::1/64 dev " + net_->interface(0) + " nodad"));
  ASSERT_TRUE(r.wait_address_changes(1));
  ASSERT_EQ(t->addresses(addresses), S_OK);
  ASSERT_EQ(addresses.size(), 1u);
  EXPECT_EQ(text_of(addresses[0]), text_of(ipv6("fd00:7::1", t->port())));
  ASSERT_TRUE(net_->ip(0, "addr del fd00:7::1/64 dev " + net_->interface(0)));
  ASSERT_TRUE(r.wait_address_changes(2));
  ASSERT_EQ(t->addresses(addresses), S_OK);
  EXPECT_TRUE(addresses.empty());
  EXPECT_GE(t->statistics().addressChanges, 2u);
  t->detach();
}

}  // namespace
}  // namespace drt::tests
