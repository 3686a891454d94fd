// core: an instance's bootstrap resolves and transport notifications (spec/api.md §4.6, §4.11;
// protocol.md §3.2). The engine decides when a round runs (and retries); this file runs each
// round through the bootstrap provider and hands the endpoints back. Provider callbacks may
// arrive on any thread, even inside IssueResolve: they only copy their data and post it to the
// instance's strand.
#include "errors.hpp"
#include "instance.hpp"

#include <asio/bind_executor.hpp>

#include <chrono>
#include <cstring>

namespace drt::core {
namespace {

// Datagrams copied off the transport's threads but not yet fed to the engine: beyond this a
// flood is dropped at the door (and counted) instead of growing the strand's queue.
constexpr std::uint32_t datagrams_in_flight_max = 4096;


std::shared_ptr<instance> target_of(void* ctx) {
  return static_cast<std::weak_ptr<instance>*>(ctx)->lock();
}

}  // namespace

HRESULT instance::start_bootstrap_round(const engine::bootstrap_request& request, bool* fatal) {
  callback_scope scope(this);
  BOOL fatal_flag = FALSE;
  round_addresses_.clear();
  round_last_failure_ = S_OK;
  round_id_ = request.round_id;
  DRT_BOOTSTRAP_RESOLVE_CONTEXT ctx = nullptr;
  HRESULT hr = bootstrap_.InitResolve(bootstrap_.pvContext, request.split_detect ? TRUE : FALSE, request.timeout_ms,
                                      request.max_results, &ctx, &fatal_flag);
  if (FAILED(hr) || fatal_flag) {
    *fatal = fatal_flag != FALSE;
    return fail(FAILED(hr) ? hr : E_FAIL, "the bootstrap provider's InitResolve failed");
  }
  resolve_context_ = ctx;
  resolve_running_ = true;
  hr = bootstrap_.IssueResolve(bootstrap_.pvContext, callback_target_.get(), &bootstrap_callback,
                               ctx, &fatal_flag);
  if (FAILED(hr) || fatal_flag) {
    *fatal = fatal_flag != FALSE;
    end_bootstrap_round();
    return fail(FAILED(hr) ? hr : E_FAIL, "the bootstrap provider's IssueResolve failed");
  }
  return S_OK;
}

void instance::end_bootstrap_round() {
  if (!resolve_running_) return;
  resolve_running_ = false;
  callback_scope scope(this);
  bootstrap_.EndResolve(bootstrap_.pvContext, resolve_context_);  // never from inside the callback
  resolve_context_ = nullptr;
}

void instance::bootstrap_callback(HRESULT hr, void* ctx, SOCKET_ADDRESS_LIST* list, BOOL fatal) {
  auto self = target_of(ctx);
  if (!self) return;
  std::vector<sockaddr_in6> addrs = copy_ipv6_addresses(list);
  lib().worker().post(self->strand(), [self, hr, addrs = std::move(addrs), fatal]() mutable {
    self->on_bootstrap_result(hr, std::move(addrs), fatal != FALSE);
  });
}

// A later round: a fatal failure faults the instance; any other failure ends the round at once
// and the engine schedules the next one.
void instance::run_bootstrap_request(const engine::bootstrap_request& request) {
  if (closing.load() || !engine_ || status() == DRT_FAULTED) return;
  if (resolve_running_) {
    bootstrap_queue_.push_back(request);
    return;
  }
  bool fatal = false;
  const HRESULT hr = start_bootstrap_round(request, &fatal);
  if (FAILED(hr) && fatal) {
    fault(hr);
  } else if (FAILED(hr)) {
    round_last_failure_ = hr;
    engine_->add_bootstrap_endpoints(now_ms(), request.round_id, {}, true);
  }
}

void instance::on_bootstrap_result(HRESULT hr, std::vector<sockaddr_in6> addrs, bool fatal) {
  if (closing.load() || !resolve_running_ || !engine_) return;
  if (hr == S_OK) {
    round_addresses_.insert(round_addresses_.end(), addrs.begin(), addrs.end());
    const auto endpoints = to_endpoints(addrs);
    engine_->add_bootstrap_endpoints(now_ms(), round_id_, endpoints, false);
    pump();
    return;
  }
  // The final call of the round (spec/api.md §4.6).
  end_bootstrap_round();
  if (fatal) {
    fault(hr);
    return;
  }
  if (hr != DRT_E_NO_MORE) round_last_failure_ = hr;
  engine_->add_bootstrap_endpoints(now_ms(), round_id_, {}, true);
  if (!bootstrap_queue_.empty()) {
    const engine::bootstrap_request next = bootstrap_queue_.front();
    bootstrap_queue_.pop_front();
    run_bootstrap_request(next);
  }
  pump();
}

void instance::on_address_change() {
  if (closing.load() || status() == DRT_FAULTED || !engine_) return;
  std::vector<sockaddr_in6> addrs;
  if (FAILED(local_addresses(addrs))) addrs.clear();
  feed_local_endpoints(addrs);
  if (addrs.empty()) {
    end_bootstrap_round();
    bootstrap_queue_.clear();
    set_status(DRT_NO_NETWORK, S_OK);
  } else if (bootstrap_registered_) {
    bootstrap_registered_ = false;  // endpoints changed: announce them again
    register_with_bootstrap();
  }
  pump();
}

void instance::on_datagram(const sockaddr_in6& from, const sockaddr_in6& local, std::vector<std::uint8_t> data) {
  if (closing.load() || !engine_) return;
  engine_->on_datagram(now_ms(), to_endpoint(from), to_endpoint(local), data);
  pump();
}

void instance::transport_on_datagram(void* ctx, const sockaddr_in6* from, const sockaddr_in6* local,
                                     const std::uint8_t* pb, std::uint32_t cb) {
  auto self = target_of(ctx);
  if (!self || from == nullptr || (pb == nullptr && cb > 0)) return;
  ++self->datagrams_received;
  if (self->receiving_inline_.load(std::memory_order_relaxed) && lib().worker().on_worker_thread()) {
    // Inside our own Receive, on the strand: straight to the engine; pump() runs once per batch.
    if (!self->closing.load() && self->engine_) {
      self->engine_->on_datagram(self->now_ms(), to_endpoint(*from),
                                 to_endpoint(local ? *local : sockaddr_in6{}), std::span(pb, cb));
    }
    return;
  }
  if (self->datagrams_in_flight.fetch_add(1) >= datagrams_in_flight_max) {
    --self->datagrams_in_flight;
    ++self->datagrams_dropped_in_flight;
    return;
  }
  const sockaddr_in6 source = *from;
  const sockaddr_in6 destination = local ? *local : sockaddr_in6{};
  std::vector<std::uint8_t> data(pb, pb + cb);  // the transport reuses its buffer after we return
  lib().worker().post(self->strand(), [self, source, destination, data = std::move(data)]() mutable {
    --self->datagrams_in_flight;
    self->on_datagram(source, destination, std::move(data));
  });
}

void instance::start_core_receive() {
  const int fd = transport_->table.GetReceiveDescriptor(transport_->table.pvContext);
  if (fd < 0) return;  // the transport keeps delivering from its own thread
  std::error_code ec;
  auto wait = std::make_unique<asio::posix::stream_descriptor>(lib().worker().context());
  wait->assign(fd, ec);
  if (ec) return;  // as above
  receive_wait_ = std::move(wait);
  on_core_receive_ready();  // datagrams may be waiting already (no edge would report them)
}

void instance::arm_core_receive() {
  if (!receive_wait_) return;
  receive_wait_->async_wait(asio::posix::descriptor_base::wait_read,
                            asio::bind_executor(strand_, [weak = weak_from_this()](const std::error_code& ec) {
                              auto self = weak.lock();
                              if (ec || !self) return;
                              self->on_core_receive_ready();
                            }));
}

void instance::on_core_receive_ready() {
  if (!receive_wait_ || closing.load()) return;
  constexpr std::uint32_t batch = 64;
  std::uint32_t read = 0;
  {
    callback_scope scope(this);
    receiving_inline_.store(true, std::memory_order_relaxed);
    const HRESULT hr = transport_->table.Receive(transport_->table.pvContext, batch, &read);
    receiving_inline_.store(false, std::memory_order_relaxed);
    if (FAILED(hr)) read = 0;
  }
  pump();
  if (read < batch) {
    arm_core_receive();  // drained: wait for the next edge
  } else {
    // More may wait and no new edge would report it: continue after other work had its turn.
    lib().worker().post(strand_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->on_core_receive_ready();
    });
  }
}

void instance::stop_core_receive() {
  if (!receive_wait_) return;
  std::error_code ignored;
  receive_wait_->cancel(ignored);
  (void)receive_wait_->release();  // the descriptor stays the transport's
  receive_wait_.reset();
}

void instance::transport_on_address_change(void* ctx) {
  auto self = target_of(ctx);
  if (!self) return;
  lib().worker().post(self->strand(), [self] { self->on_address_change(); });
}

void instance::transport_on_fault(void* ctx, HRESULT hr) {
  auto self = target_of(ctx);
  if (!self) return;
  lib().worker().post(self->strand(), [self, hr] {
    if (!self->closing.load()) self->fault(hr);
  });
}

}  // namespace drt::core
