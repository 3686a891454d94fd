// The "ipv6-udp" transport (api.md §5.5): one UDP socket, IPv6 only, bound to the port on every
// address of the scope (or [::1] in loopback mode), plus a netlink socket that watches local
// address changes. Every transport of the process runs on the plugin's one shared I/O thread
// (io_loop.hpp).
//
// Threads (docs/transport-and-bootstrap.md §Threading):
// * OnDatagram, OnAddressChange and OnFault run on the shared I/O thread, one at a time (for all
//   transports of the process). Attached with DRT_TRANSPORT_CORE_RECEIVES (ABI 1.1), OnDatagram
//   instead runs inside Receive on the caller's thread, and the I/O thread stops reading the
//   socket until Detach.
// * Attach, Detach, GetLocalAddresses, SendTo, GetPort and GetStatistics may be called from any
//   thread; libdrt calls the first four from one instance's worker, never concurrently.
// * Detach returns once no callback is running and none can start; called from inside a
//   callback (on the I/O thread) it does not wait for that callback, its caller.
// * SendTo never blocks: it sends from the calling thread with MSG_DONTWAIT; when the socket
//   buffer is full the datagram is copied to a bounded queue that the I/O thread drains.
// * The destructor (the plugin's Delete) closes the sockets on the I/O thread and waits until
//   every handler of this transport has run; the last transport's also joins the thread, so no
//   code of the plugin runs after it returns. Never called on the I/O thread.
#pragma once

#include "io_loop.hpp"
#include "ipv6_udp_statistics.h"
#include "local_addresses.hpp"

#include <asio/ip/udp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <plugin_support.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace drt::plugins::transport {

struct transport_options {
  scope_choice scope;
  std::uint16_t port = 0;                   // 0 = any free port
  std::uint32_t locality_threshold = 0;     // accepted and ignored (api.md §5.5.1)
  std::uint32_t datagram_bytes_max = 1500;  // protocol.md §2.7: longer MAY be dropped
  std::uint32_t send_queue_max = 256;       // datagrams waiting for socket buffer space
};

class udp_transport {
 public:
  // Opens and binds the socket and starts the I/O thread. On failure returns the api.md §5.5.1
  // code (§1.4 mapping of the failed system call) and a detail line.
  [[nodiscard]] static HRESULT create(const transport_options& options,
                                      std::unique_ptr<udp_transport>& out, std::string& detail);
  struct construction_key {  // only create() can make one: the object is always fully opened
   private:
    construction_key() = default;
    friend class udp_transport;
  };
  udp_transport(construction_key, const transport_options& options, std::shared_ptr<io_loop> loop);
  ~udp_transport();
  udp_transport(const udp_transport&) = delete;
  udp_transport& operator=(const udp_transport&) = delete;

  [[nodiscard]] DRT_TRANSPORT_PROVIDER* table() noexcept { return &table_.base; }
  [[nodiscard]] DRT_IPV6_UDP_TABLE& full_table() noexcept { return table_; }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] const transport_options& options() const noexcept { return options_; }

  [[nodiscard]] HRESULT attach(const DRT_TRANSPORT_CALLBACKS* callbacks);
  void detach();
  [[nodiscard]] HRESULT local_addresses(SOCKET_ADDRESS_LIST** out);
  [[nodiscard]] HRESULT send_to(const sockaddr_in6* to, const sockaddr_in6* from,
                                const std::uint8_t* pb, std::uint32_t cb);
  [[nodiscard]] DRT_IPV6_UDP_STATISTICS statistics() const;
  // ABI 1.1: the socket's descriptor, and reading it on the caller's thread.
  [[nodiscard]] int receive_descriptor() noexcept;
  [[nodiscard]] HRESULT receive(std::uint32_t max, std::uint32_t* read);

 private:
  [[nodiscard]] HRESULT open_socket(std::string& detail);
  [[nodiscard]] HRESULT open_address_monitor(std::string& detail);
  void start_receive();
  void continue_receive();
  // Reads and delivers up to `max` datagrams into `buffer`; the count read (< max: drained).
  std::uint32_t drain_socket(std::span<std::uint8_t> buffer, std::uint32_t max);
  void start_monitor();
  void refresh_addresses();
  void schedule_flush();
  void arm_flush();
  void flush_queue();
  void fault(HRESULT hr);
  [[nodiscard]] HRESULT check_destination(const sockaddr_in6& to, const sockaddr_in6* from,
                                          sockaddr_in6& resolved) const;
  [[nodiscard]] int send_now(const sockaddr_in6& to, const sockaddr_in6* from,
                             const std::uint8_t* pb, std::uint32_t cb);

  struct queued_datagram {
    sockaddr_in6 to;
    bool has_from;
    sockaddr_in6 from;
    std::vector<std::uint8_t> bytes;
  };

  struct counters {
    std::atomic<std::uint64_t> received{0}, delivered{0}, oversized_received{0},
        dropped_detached{0}, dropped_other_interface{0}, receive_errors{0}, sent{0},
        send_errors{0}, queue_drops{0}, oversized_send{0}, address_changes{0}, queued{0};
  };

  transport_options options_;
  DRT_IPV6_UDP_TABLE table_{};
  std::shared_ptr<io_loop> loop_;  // first: the sockets below are registered with it
  asio::ip::udp::socket socket_;
  asio::posix::stream_descriptor netlink_;
  asio::steady_timer flush_timer_;  // flushing while the socket is released to the core
  int fd_ = -1;                     // the UDP socket, registered with the loop or not
  bool closing_ = false;            // [I/O thread] the destructor closed the sockets
  std::uint16_t port_ = 0;

  support::callback_gate gate_;
  DRT_TRANSPORT_CALLBACKS callbacks_{};  // written only while the gate is closed and idle
  std::atomic<bool> faulted_{false};
  std::atomic<bool> core_receives_{false};  // attached with DRT_TRANSPORT_CORE_RECEIVES
  bool loop_receiving_ = false;             // [I/O thread] a read wait is armed on the loop

  mutable std::mutex addresses_mutex_;
  std::vector<sockaddr_in6> addresses_;  // usable, port 0
  std::uint32_t link_interface_ = 0;     // link-local scope: the interface in use

  std::mutex queue_mutex_;
  std::deque<queued_datagram> queue_;
  bool flush_pending_ = false;

  counters counters_;
};

}  // namespace drt::plugins::transport
