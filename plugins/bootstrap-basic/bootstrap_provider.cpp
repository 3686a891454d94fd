#include "bootstrap_provider.hpp"

#include <algorithm>

namespace drt::plugins::bootstrap {
namespace {

using support::abi_guard;
using support::abi_guard_void;

provider& self(void* ctx) { return *static_cast<provider*>(ctx); }

HRESULT b_attach(void* ctx) noexcept {
  return abi_guard([&] { return self(ctx).attach(); });
}
void b_detach(void* ctx) noexcept {
  abi_guard_void([&] { self(ctx).detach(); });
}
HRESULT b_init(void* ctx, BOOL, std::uint32_t timeout, std::uint32_t results_max,
               DRT_BOOTSTRAP_RESOLVE_CONTEXT* resolve, BOOL* fatal) noexcept {
  if (fatal != nullptr) *fatal = FALSE;
  return abi_guard([&] { return self(ctx).init_resolve(timeout, results_max, resolve); });
}
HRESULT b_issue(void* ctx, void* callback_context, DRT_BOOTSTRAP_RESOLVE_CALLBACK callback,
                DRT_BOOTSTRAP_RESOLVE_CONTEXT resolve, BOOL* fatal) noexcept {
  if (fatal != nullptr) *fatal = FALSE;
  return abi_guard([&] { return self(ctx).issue_resolve(callback_context, callback, resolve); });
}
void b_end(void* ctx, DRT_BOOTSTRAP_RESOLVE_CONTEXT resolve) noexcept {
  abi_guard_void([&] { self(ctx).end_resolve(resolve); });
}
HRESULT b_register(void* ctx, const SOCKET_ADDRESS_LIST* list) noexcept {
  return abi_guard([&] { return self(ctx).register_endpoints(support::read_address_list(list)); });
}
void b_unregister(void* ctx) noexcept {
  abi_guard_void([&] { self(ctx).unregister_endpoints(); });
}

}  // namespace

void resolve_state::start(void* context, DRT_BOOTSTRAP_RESOLVE_CALLBACK callback) {
  {
    std::lock_guard lock(mutex_);
    context_ = context;
    callback_ = callback;
    started_ = true;
  }
  gate_.open();
}

bool resolve_state::started() const {
  std::lock_guard lock(mutex_);
  return started_;
}

bool resolve_state::budget_left() const {
  std::lock_guard lock(mutex_);
  return !finished_ && delivered_.size() < results_max_;
}

bool resolve_state::finished() const {
  std::lock_guard lock(mutex_);
  return finished_;
}

bool resolve_state::deliver(std::vector<sockaddr_in6> batch) {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return false;
    std::vector<sockaddr_in6> fresh;
    for (const auto& a : batch) {
      const auto same = [&](const sockaddr_in6& b) { return support::same_endpoint(a, b); };
      if (std::none_of(delivered_.begin(), delivered_.end(), same) &&
          std::none_of(fresh.begin(), fresh.end(), same)) {
        fresh.push_back(a);
      }
    }
    const std::size_t room = results_max_ > delivered_.size() ? results_max_ - delivered_.size() : 0;
    if (fresh.size() > room) fresh.resize(room);
    delivered_.insert(delivered_.end(), fresh.begin(), fresh.end());
    batch = std::move(fresh);
  }
  if (!batch.empty()) {
    std::unique_ptr<SOCKET_ADDRESS_LIST, decltype(&std::free)> list(support::make_address_list(batch), &std::free);
    call(S_OK, list.get());
  }
  return budget_left();
}

void resolve_state::finish(HRESULT hr) {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
  }
  call(hr, nullptr);
}

void resolve_state::call(HRESULT hr, const SOCKET_ADDRESS_LIST* list) {
  if (!gate_.enter()) return;
  callback_(hr, context_, const_cast<SOCKET_ADDRESS_LIST*>(list), FALSE);
  gate_.leave();
}

provider::provider() {
  table_.pvContext = this;
  table_.Attach = b_attach;
  table_.Detach = b_detach;
  table_.InitResolve = b_init;
  table_.IssueResolve = b_issue;
  table_.EndResolve = b_end;
  table_.Register = b_register;
  table_.Unregister = b_unregister;
}

HRESULT provider::attach() {
  if (attached_) return DRT_E_BOOTSTRAPPROVIDER_IN_USE;
  attached_ = true;
  return S_OK;
}

void provider::detach() {
  // The DRT ends every resolve before Detach; end any it left, so no callback outlives this.
  for (auto& [key, resolve] : resolves_) {
    resolve->stop();
    forget(resolve);
  }
  resolves_.clear();
  attached_ = false;
}

HRESULT provider::init_resolve(std::uint32_t timeout_ms, std::uint32_t results_max, void** context) {
  if (context == nullptr) return E_INVALIDARG;
  *context = nullptr;
  if (!attached_) return DRT_E_BOOTSTRAPPROVIDER_NOT_ATTACHED;
  auto resolve = std::make_shared<resolve_state>(timeout_ms, results_max);
  *context = resolve.get();
  resolves_.emplace(resolve.get(), std::move(resolve));
  return S_OK;
}

HRESULT provider::issue_resolve(void* callback_context, DRT_BOOTSTRAP_RESOLVE_CALLBACK callback, void* context) {
  const auto found = resolves_.find(context);
  if (found == resolves_.end() || callback == nullptr) return E_INVALIDARG;
  if (!attached_) return DRT_E_BOOTSTRAPPROVIDER_NOT_ATTACHED;
  const std::shared_ptr<resolve_state> resolve = found->second;
  if (resolve->started()) return E_UNEXPECTED;
  resolve->start(callback_context, callback);
  return run(resolve);
}

void provider::end_resolve(void* context) {
  const auto found = resolves_.find(context);
  if (found == resolves_.end()) return;
  const std::shared_ptr<resolve_state> resolve = found->second;
  resolves_.erase(found);
  resolve->stop();
  forget(resolve);
}

HRESULT provider::register_endpoints(const std::vector<sockaddr_in6>&) { return S_OK; }

void provider::unregister_endpoints() {}

}  // namespace drt::plugins::bootstrap
