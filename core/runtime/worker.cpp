#include "runtime/worker.hpp"

namespace drt::runtime {

worker::worker() : guard_(asio::make_work_guard(io_)) {
  std::promise<std::thread::id> started;
  auto id = started.get_future();
  thread_ = std::thread([this, &started] {
    started.set_value(std::this_thread::get_id());
    io_.run();
  });
  thread_id_ = id.get();
}

worker::~worker() {
  guard_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace drt::runtime
