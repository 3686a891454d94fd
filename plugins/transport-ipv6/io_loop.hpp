// The one I/O thread that every "ipv6-udp" transport of this plugin shares in a process
// (docs/transport-and-bootstrap.md §Threading). A process hosting many instances (the
// derived-key provider allows one key per instance) would otherwise run a thread, an epoll set,
// an eventfd and a timerfd per transport, and every datagram would wake a different thread:
// drt-compare-opendht measured most of OpenDRT's kernel time in those wake-ups and context
// switches. One loop serves them all, like libuv's default loop; each transport keeps its own
// sockets on it.
//
// The loop lives while a transport holds it: acquire() starts it for the first transport and the
// last release joins its thread, so no plugin code runs once the last transport is deleted (the
// plugin can then be unloaded). That registry (a weak reference) is the plugin's one piece of
// process-wide state.
//
// Thread-safe: acquire() from any thread; context() handlers run on the loop thread only.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace drt::plugins::transport {

class io_loop {
 public:
  // The running loop, started if no transport holds one. Throws std::system_error when Asio
  // cannot open its reactor, std::bad_alloc.
  [[nodiscard]] static std::shared_ptr<io_loop> acquire();

  io_loop();
  ~io_loop();  // stops and joins the thread; never called on it (the last holder is a transport)
  io_loop(const io_loop&) = delete;
  io_loop& operator=(const io_loop&) = delete;

  [[nodiscard]] asio::io_context& context() noexcept { return io_; }

  // The datagram buffer of the loop thread, at least `bytes` long: one per process instead of
  // one per transport, since one thread reads every socket. Loop thread only.
  [[nodiscard]] std::vector<std::uint8_t>& receive_buffer(std::size_t bytes);

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::uint8_t> receive_buffer_;
  std::thread thread_;
};

}  // namespace drt::plugins::transport
