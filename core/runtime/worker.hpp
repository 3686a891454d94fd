// core/runtime: the worker thread that runs every instance's serialized work (design.md,
// "Threads and events"). One asio::io_context, one thread; each instance owns a strand on it.
//
// (W) entry points post their work to the instance's strand and wait for the result. When the
// caller already is the worker thread (a provider callback calling into another instance), the
// work runs inline: with one thread nothing else can be running on any strand at that moment.
// Thread-safe.
#pragma once

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>

#include <future>
#include <thread>
#include <type_traits>

namespace drt::runtime {

using strand = asio::strand<asio::io_context::executor_type>;

class worker {
 public:
  worker();
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  strand make_strand() { return asio::make_strand(io_); }
  asio::io_context& context() { return io_; }
  bool on_worker_thread() const { return std::this_thread::get_id() == thread_id_; }

  // Runs fn on the strand and returns its result; inline on the worker thread.
  template <class Fn>
  auto run(strand& s, Fn&& fn) -> std::invoke_result_t<Fn&> {
    using result = std::invoke_result_t<Fn&>;
    if (on_worker_thread()) return fn();
    std::packaged_task<result()> task(std::forward<Fn>(fn));
    auto done = task.get_future();
    asio::post(s, [&task] { task(); });
    return done.get();
  }

  // Queues fn on the strand without waiting.
  template <class Fn>
  void post(strand& s, Fn&& fn) {
    asio::post(s, std::forward<Fn>(fn));
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
  std::thread::id thread_id_;
};

}  // namespace drt::runtime
