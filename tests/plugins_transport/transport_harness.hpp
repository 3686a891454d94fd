// Drives one "ipv6-udp" transport through its C table only, as libdrt does, and records what
// its callbacks deliver.
#pragma once

#include "ipv6_udp_statistics.h"
#include "provider_plugin.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace drt::tests {

using bytes = std::vector<std::uint8_t>;

[[nodiscard]] std::string transport_plugin_path();

struct datagram {
  sockaddr_in6 from;
  sockaddr_in6 local;
  bytes data;
  std::thread::id thread;  // the thread OnDatagram ran on
};

// The core's side of DRT_TRANSPORT_CALLBACKS. Thread-safe.
class receiver {
 public:
  [[nodiscard]] DRT_TRANSPORT_CALLBACKS callbacks(std::uint32_t flags = 0);
  // Waits (failure deadline) until n datagrams arrived; true if they did.
  bool wait_datagrams(std::size_t n);
  bool wait_address_changes(int n);
  [[nodiscard]] std::vector<datagram> datagrams();
  [[nodiscard]] std::size_t count();
  [[nodiscard]] int address_changes();
  // Called by OnDatagram before it records; lets a test act from inside a callback.
  std::function<void(const datagram&)> on_datagram_hook;

 private:
  static void on_datagram(void* ctx, const sockaddr_in6* from, const sockaddr_in6* local, const std::uint8_t* pb,
                          std::uint32_t cb);
  static void on_address_change(void* ctx);
  static void on_fault(void* ctx, HRESULT hr);
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<datagram> datagrams_;
  int address_changes_ = 0;
  std::vector<HRESULT> faults_;
};

class transport {
 public:
  transport(const provider_plugin& plugin, params& p);
  ~transport();
  transport(const transport&) = delete;
  transport& operator=(const transport&) = delete;

  [[nodiscard]] HRESULT created() const { return created_; }
  [[nodiscard]] DRT_TRANSPORT_PROVIDER* table() const { return table_; }
  [[nodiscard]] HRESULT attach(receiver& r, std::uint32_t flags = 0);
  // ABI 1.1 (DRT_TRANSPORT_CORE_RECEIVES).
  [[nodiscard]] int receive_descriptor();
  [[nodiscard]] HRESULT receive(std::uint32_t max, std::uint32_t& read);
  void detach();
  [[nodiscard]] HRESULT send(const sockaddr_in6& to, const bytes& data, const sockaddr_in6* from = nullptr);
  [[nodiscard]] std::uint16_t port();
  // GetLocalAddresses; the list is freed with FreeData.
  [[nodiscard]] HRESULT addresses(std::vector<sockaddr_in6>& out);
  [[nodiscard]] DRT_IPV6_UDP_STATISTICS statistics();
  [[nodiscard]] sockaddr_in6 loopback_endpoint() { return ipv6("::1", port()); }

 private:
  const DRT_PROVIDER_DESCRIPTOR* descriptor_ = nullptr;
  DRT_TRANSPORT_PROVIDER* table_ = nullptr;
  HRESULT created_ = E_FAIL;
};

// Parameters of a loopback-mode transport (api.md §5.5.1) on `port`.
params loopback_params(std::uint16_t port = 0);

}  // namespace drt::tests
