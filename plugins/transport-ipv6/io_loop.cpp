#include "io_loop.hpp"

#include <mutex>

namespace drt::plugins::transport {

std::shared_ptr<io_loop> io_loop::acquire() {
  static std::mutex mutex;
  static std::weak_ptr<io_loop> current;
  std::lock_guard lock(mutex);
  if (auto loop = current.lock()) return loop;
  auto loop = std::make_shared<io_loop>();
  current = loop;
  return loop;
}

io_loop::io_loop() : work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

io_loop::~io_loop() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::uint8_t>& io_loop::receive_buffer(std::size_t bytes) {
  if (receive_buffer_.size() < bytes) receive_buffer_.resize(bytes);
  return receive_buffer_;
}

}  // namespace drt::plugins::transport
