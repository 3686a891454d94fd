// core: an instance's bootstrap rounds and transport notifications (spec/api.md §4.6, §4.11;
// protocol.md §3.2). Provider callbacks may arrive on any thread, even inside IssueResolve: they
// only copy their data and post it to the instance's strand.
#include "errors.hpp"
#include "instance.hpp"

#include <asio/bind_executor.hpp>

#include <chrono>
#include <cstring>

namespace drt::core {
namespace {

constexpr std::array<int, 5> bootstrap_retry_s{5, 10, 20, 40, 60};  // protocol.md §3.2 [D13]
constexpr std::uint32_t bootstrap_timeout_ms = 5000;
constexpr std::uint32_t bootstrap_results_max = 10;

std::shared_ptr<instance> target_of(void* ctx) {
  return static_cast<std::weak_ptr<instance>*>(ctx)->lock();
}

}  // namespace

HRESULT instance::start_bootstrap_round(bool* fatal) {
  callback_scope scope(this);
  BOOL fatal_flag = FALSE;
  round_addresses_.clear();
  round_last_failure_ = S_OK;
  DRT_BOOTSTRAP_RESOLVE_CONTEXT ctx = nullptr;
  HRESULT hr = bootstrap_.InitResolve(bootstrap_.pvContext, FALSE, bootstrap_timeout_ms,
                                      bootstrap_results_max, &ctx, &fatal_flag);
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

void instance::on_bootstrap_result(HRESULT hr, std::vector<sockaddr_in6> addrs, bool fatal) {
  if (closing.load() || !resolve_running_) return;
  if (hr == S_OK) {
    round_addresses_.insert(round_addresses_.end(), addrs.begin(), addrs.end());
    return;
  }
  // The final call of the round (spec/api.md §4.6).
  end_bootstrap_round();
  if (fatal) {
    fault(hr);
    return;
  }
  if (hr != DRT_E_NO_MORE) round_last_failure_ = hr;
  // TODO(#5): hand round_addresses_ to the protocol engine, which synchronizes with them and
  // reports ACTIVE; until it exists no node answers, so the round ends ALONE.
  std::vector<sockaddr_storage> reported;
  for (const auto& a : round_addresses_) {
    sockaddr_storage ss{};
    std::memcpy(&ss, &a, sizeof a);
    reported.push_back(ss);
  }
  set_status(DRT_ALONE, FAILED(round_last_failure_) ? round_last_failure_ : DRT_E_NO_ADDRESSES_AVAILABLE,
             std::move(reported));
  schedule_bootstrap_retry();
}

void instance::schedule_bootstrap_retry() {
  const int delay_s = bootstrap_retry_s[std::min<std::size_t>(retry_step_, bootstrap_retry_s.size() - 1)];
  ++retry_step_;
  retry_timer_.expires_after(std::chrono::seconds(delay_s));
  std::weak_ptr<instance> weak = weak_from_this();
  retry_timer_.async_wait(asio::bind_executor(strand_, [weak](const std::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->closing.load() || self->status() == DRT_FAULTED) return;
    if (self->resolve_running_) return;
    self->run_later_bootstrap_round();
  }));
}

// A round after the first: a fatal failure faults the instance, any other one is retried.
void instance::run_later_bootstrap_round() {
  bool fatal = false;
  const HRESULT hr = start_bootstrap_round(&fatal);
  if (FAILED(hr) && fatal) {
    fault(hr);
  } else if (FAILED(hr)) {
    round_last_failure_ = hr;
    schedule_bootstrap_retry();
  }
}

void instance::on_address_change() {
  if (closing.load() || status() == DRT_FAULTED) return;
  std::vector<sockaddr_in6> addrs;
  if (FAILED(local_addresses(addrs)) || addrs.empty()) {
    retry_timer_.cancel();
    end_bootstrap_round();
    set_status(DRT_NO_NETWORK, S_OK);
    return;
  }
  if (status() == DRT_NO_NETWORK && !resolve_running_) {
    retry_step_ = 0;
    run_later_bootstrap_round();
  } else if (bootstrap_registered_) {
    bootstrap_registered_ = false;  // endpoints changed: announce them again
    register_with_bootstrap();
  }
}

void instance::transport_on_datagram(void* ctx, const sockaddr_in6*, const sockaddr_in6*,
                                     const std::uint8_t*, std::uint32_t) {
  // TODO(#5): copy the datagram and feed it to the engine on the strand.
  if (auto self = target_of(ctx)) ++self->datagrams_received;
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
