// tests/integration: faults on [::1]. A node whose transport fails every send, a transport that
// reports an unrecoverable fault, and a security provider that fails every call: each node ends
// in the documented state (ALONE, FAULTED, or an error from the call) and never hangs, its
// searches end, DrtClose always completes, and the honest cloud next to it loses no
// registration: every honest key is still found afterwards (the check after every scenario).
#include "loopback_cloud.hpp"

#include <drt/drt_provider.h>

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>

namespace {

using namespace std::chrono_literals;
using drt_test::cloud_node;
using drt_test::key_of;
using drt_test::open_node;
using drt_test::run_search;
using drt_test::search_until_found;
using drt_test::wait_status;

// Three honest nodes with one key each.
struct honest_cloud {
  std::vector<cloud_node> nodes;
  std::vector<drt::registration> registrations;
  honest_cloud() {
    for (std::uint32_t i = 0; i < 3; ++i) {
      nodes.push_back(open_node(i == 0 ? std::vector<std::uint16_t>{} : std::vector<std::uint16_t>{nodes[0].transport.port()}));
      registrations.push_back(nodes.back().node.register_key(key_of(900 + i), std::vector<std::uint8_t>{'h'}));
    }
    for (std::size_t i = 1; i < nodes.size(); ++i) EXPECT_EQ(wait_status(nodes[i].node, DRT_ACTIVE, 10s), DRT_ACTIVE);
  }
  std::uint16_t seed_port() const { return nodes[0].transport.port(); }
  // No registration lost: every honest key is found from another honest node.
  void expect_every_key_found() {
    for (std::uint32_t owner = 0; owner < nodes.size(); ++owner) {
      const auto r = search_until_found(nodes[(owner + 1) % nodes.size()].node, key_of(900 + owner));
      ASSERT_EQ(r.results.size(), 1u) << "honest key " << owner << " lost";
    }
  }
};

// A transport made by the test: one local endpoint on [::1]; SendTo returns send_result.
struct scripted_transport {
  std::atomic<HRESULT> send_result{S_OK};
  std::atomic<int> sends{0};
  DRT_TRANSPORT_CALLBACKS callbacks{};
  std::atomic<bool> attached{false};
  DRT_TRANSPORT_PROVIDER table{};
  scripted_transport() {
    table.cbSize = sizeof table;
    table.pvContext = this;
    table.Attach = [](void* c, const DRT_TRANSPORT_CALLBACKS* cb) -> HRESULT {
      auto* self = static_cast<scripted_transport*>(c);
      self->callbacks = *cb;
      self->attached = true;
      return S_OK;
    };
    table.Detach = [](void* c) { static_cast<scripted_transport*>(c)->attached = false; };
    table.GetLocalAddresses = [](void*, SOCKET_ADDRESS_LIST** out) -> HRESULT {
      const std::size_t bytes = sizeof(SOCKET_ADDRESS_LIST) + sizeof(sockaddr_in6);
      auto* block = static_cast<std::uint8_t*>(std::calloc(1, bytes));
      if (block == nullptr) return E_OUTOFMEMORY;
      auto* list = reinterpret_cast<SOCKET_ADDRESS_LIST*>(block);
      auto* a = reinterpret_cast<sockaddr_in6*>(block + sizeof(SOCKET_ADDRESS_LIST));
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(4999);
      a->sin6_addr = in6addr_loopback;
      list->iAddressCount = 1;
      list->Address[0].lpSockaddr = reinterpret_cast<sockaddr*>(a);
      list->Address[0].iSockaddrLength = sizeof(sockaddr_in6);
      *out = list;
      return S_OK;
    };
    table.SendTo = [](void* c, const sockaddr_in6*, const sockaddr_in6*, const std::uint8_t*, std::uint32_t) -> HRESULT {
      auto* self = static_cast<scripted_transport*>(c);
      ++self->sends;
      return self->send_result;
    };
    table.FreeData = [](void*, void* p) { std::free(p); };
    table.GetPort = [](void*, std::uint16_t* port) -> HRESULT {
      *port = 4999;
      return S_OK;
    };
  }
};

// A security provider whose every call fails with `result` (Attach too, if attach_fails).
struct failing_security {
  static inline std::atomic<HRESULT> result{E_FAIL};
  std::atomic<int> calls{0};
  DRT_SECURITY_PROVIDER table{};
  explicit failing_security(bool attach_fails) {
    table.pvContext = this;
    table.Attach = attach_fails ? +[](void*) -> HRESULT { return result.load(); } : +[](void*) -> HRESULT { return S_OK; };
    table.Detach = [](void*) {};
    table.RegisterKey = [](void* c, const DRT_REGISTRATION*, void*) -> HRESULT { return count(c); };
    table.UnregisterKey = [](void* c, const DRT_DATA*, void*) -> HRESULT { return count(c); };
    table.ValidateAndUnpackPayload = [](void* c, DRT_DATA*, DRT_DATA*, DRT_DATA*, DRT_DATA*, DRT_DATA*, std::uint8_t*,
                                        std::uint8_t*, DRT_DATA*, DRT_DATA*, CERT_PUBLIC_KEY_INFO**,
                                        SOCKET_ADDRESS_LIST**, std::uint32_t*) -> HRESULT { return count(c); };
    table.SecureAndPackPayload = [](void* c, void*, std::uint8_t, std::uint8_t, std::uint32_t, const DRT_DATA*,
                                    const DRT_DATA*, const SOCKET_ADDRESS_LIST*, const DRT_DATA*, DRT_DATA*, DRT_DATA*,
                                    DRT_DATA*, DRT_DATA*) -> HRESULT { return count(c); };
    table.FreeData = [](void*, void* p) { std::free(p); };
    table.EncryptData = [](void* c, const DRT_DATA*, std::uint32_t, DRT_DATA*, DRT_DATA*, DRT_DATA*) -> HRESULT {
      return count(c);
    };
    table.DecryptData = [](void* c, DRT_DATA*, void*, std::uint32_t, DRT_DATA*) -> HRESULT { return count(c); };
    table.GetSerializedCredential = [](void* c, DRT_DATA*) -> HRESULT { return count(c); };
    table.ValidateRemoteCredential = [](void* c, DRT_DATA*) -> HRESULT { return count(c); };
    table.SignData = [](void* c, std::uint32_t, DRT_DATA*, DRT_DATA*, DRT_DATA*) -> HRESULT { return count(c); };
    table.VerifyData = [](void* c, std::uint32_t, DRT_DATA*, DRT_DATA*, DRT_DATA*, DRT_DATA*) -> HRESULT {
      return count(c);
    };
  }
  static HRESULT count(void* c) {
    ++static_cast<failing_security*>(c)->calls;
    return result.load();
  }
};

DRT_SETTINGS settings_with(HDRT_TRANSPORT transport, DRT_SECURITY_PROVIDER* security, DRT_BOOTSTRAP_PROVIDER* bootstrap) {
  DRT_SETTINGS s{};
  s.dwSize = sizeof s;
  s.cbKey = DRT_KEY_SIZE;
  s.bProtocolMajorVersion = 1;
  s.ulMaxRoutingAddresses = 4;
  s.hTransport = transport;
  s.pSecurityProvider = security;
  s.pBootstrapProvider = bootstrap;
  s.eSecurityMode = DRT_SECURE_RESOLVE;
  return s;
}

// Closes the node on another thread and fails the test if DrtClose does not return in time.
void expect_close_completes(drt::node& n) {
  std::atomic<bool> done{false};
  std::thread closer([&] {
    n.reset();
    done = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(done) << "DrtClose did not complete within 10 s";
  closer.join();  // if it hangs, the test binary's timeout reports it
}

}  // namespace

// Every send fails (as sendto does with no route): the node behaves as if every datagram were
// lost. Its bootstrap round finds nobody (ALONE), its searches end with DRT_E_NO_MORE, it closes.
TEST(Faults, ATransportWhoseSendsFailLeavesTheNodeAloneAndClosable) {
  honest_cloud cloud;
  scripted_transport t;
  t.send_result = E_FAIL;
  auto transport = drt::transport::from_table(t.table);
  auto security = drt::security_provider::null();
  std::vector<sockaddr_storage> seeds{drt_test::loopback(cloud.seed_port())};
  auto bootstrap = drt::bootstrap_provider::static_list(seeds);
  auto n = drt::node::open(settings_with(transport.native_handle(), security.get(), bootstrap.get()));
  auto reg = n.register_key(key_of(1), std::vector<std::uint8_t>{'x'});
  EXPECT_EQ(wait_status(n, DRT_ALONE, 30s), DRT_ALONE);
  EXPECT_GT(t.sends.load(), 0);
  const auto r = run_search(n, key_of(900), {}, 15s);
  EXPECT_EQ(r.end, drt::search::state::complete);
  EXPECT_TRUE(r.results.empty());
  reg.reset();
  expect_close_completes(n);
  cloud.expect_every_key_found();
}

// The transport reports an unrecoverable fault: the instance becomes FAULTED with that error,
// refuses new work with DRT_E_FAULTED, ends its searches, and closes.
TEST(Faults, ATransportFaultMakesTheInstanceFaulted) {
  scripted_transport t;
  auto transport = drt::transport::from_table(t.table);
  auto security = drt::security_provider::null();
  auto bootstrap = drt::bootstrap_provider::static_list({});
  auto n = drt::node::open(settings_with(transport.native_handle(), security.get(), bootstrap.get()));
  ASSERT_TRUE(t.attached.load());
  auto s = n.start_search(key_of(5), {}, 30'000);
  t.callbacks.OnFault(t.callbacks.pvContext, HRESULT(0x80070040));  // ERROR_NETNAME_DELETED, any failure
  EXPECT_EQ(wait_status(n, DRT_FAULTED, 10s), DRT_FAULTED);
  try {
    (void)n.register_key(key_of(6), std::vector<std::uint8_t>{'y'});
    ADD_FAILURE() << "a FAULTED instance accepted a registration";
  } catch (const drt::error& e) {
    EXPECT_EQ(e.code(), DRT_E_FAULTED);
  }
  bool ended = false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!ended && std::chrono::steady_clock::now() < deadline) {
    try {
      ended = s.next().st != drt::search::state::in_progress;
    } catch (const drt::error& e) {
      EXPECT_EQ(e.code(), DRT_E_FAULTED);
      ended = true;
    }
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(ended) << "a search of a FAULTED instance did not end";
  s.reset();
  expect_close_completes(n);
}

// Attach fails: DrtOpen returns the provider's error and leaves nothing open.
TEST(Faults, ASecurityProviderWhoseAttachFailsFailsDrtOpen) {
  failing_security sec(true);
  scripted_transport t;
  auto transport = drt::transport::from_table(t.table);
  auto bootstrap = drt::bootstrap_provider::static_list({});
  try {
    auto n = drt::node::open(settings_with(transport.native_handle(), &sec.table, bootstrap.get()));
    ADD_FAILURE() << "DrtOpen succeeded with a failing Attach";
  } catch (const drt::error& e) {
    EXPECT_EQ(e.code(), E_FAIL);
  }
  EXPECT_FALSE(t.attached.load());
}

// Every call after Attach fails: DrtRegisterKey returns the provider's error, the proof in a
// search's answer cannot be validated (counted as security_failure) so the search ends without
// a result, DrtClose completes, and the honest cloud keeps every key.
TEST(Faults, ASecurityProviderFailingEveryCallNeverHangsTheNode) {
  honest_cloud cloud;
  failing_security sec(false);
  auto transport = drt::transport::ipv6_udp(DRT_LINK_LOCAL_SCOPE, if_nametoindex("lo"));
  std::vector<sockaddr_storage> seeds{drt_test::loopback(cloud.seed_port())};
  auto bootstrap = drt::bootstrap_provider::static_list(seeds);
  auto n = drt::node::open(settings_with(transport.native_handle(), &sec.table, bootstrap.get()));
  try {
    (void)n.register_key(key_of(2), std::vector<std::uint8_t>{'z'});
    ADD_FAILURE() << "a registration succeeded with a failing RegisterKey";
  } catch (const drt::error& e) {
    EXPECT_EQ(e.code(), E_FAIL);
  }
  // It joins (the honest nodes answer its SOLICIT) but can validate no proof: a search reaches
  // the key's publisher and rejects its answer. Searched again while its cache is still empty.
  const auto status = wait_status(n, DRT_ACTIVE, 10s);
  auto security_failures_now = [&] {
    DRT_INSTANCE_STATISTICS stats{};
    stats.dwSize = sizeof stats;
    EXPECT_EQ(DrtGetInstanceStatistics(n.native_handle(), &stats), S_OK);
    for (std::uint32_t slot = 0; slot < DRT_DROP_REASON_SLOTS; ++slot) {
      const char* name = DrtDropReasonName(slot);
      if (name != nullptr && std::string(name) == "security_failure") return stats.dropped[slot];
    }
    return std::uint64_t{0};
  };
  drt_test::search_outcome r;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  do {
    r = run_search(n, key_of(901), {}, 15s);
    EXPECT_NE(r.end, drt::search::state::in_progress);
    EXPECT_TRUE(r.results.empty());
    if (security_failures_now() > 0) break;
    std::this_thread::sleep_for(250ms);
  } while (std::chrono::steady_clock::now() < deadline);
  const std::uint64_t security_failures = security_failures_now();
  std::printf("failing security provider: status %d, %d calls failed, %llu proofs dropped as security_failure, search %s\n",
              status ? static_cast<int>(*status) : -1, sec.calls.load(), static_cast<unsigned long long>(security_failures),
              r.results.empty() ? "found nothing" : "found the key");
  EXPECT_GT(sec.calls.load(), 1);
  EXPECT_GT(security_failures, 0u);
  expect_close_completes(n);
  cloud.expect_every_key_found();
}
