#include "bootstrap_harness.hpp"

#include <cstring>

namespace drt::tests {

std::string bootstrap_plugin_path() { return std::string(OPENDRT_TEST_PLUGIN_DIR) + "/drt-bootstrap-basic.so"; }

void resolve_recorder::callback(HRESULT hr, void* ctx, SOCKET_ADDRESS_LIST* list, BOOL fatal) {
  auto* self = static_cast<resolve_recorder*>(ctx);
  std::lock_guard lock(self->mutex_);
  ++self->calls_;
  if (self->finished_ || fatal) self->broken_ = true;
  if (hr == S_OK) {
    std::vector<sockaddr_in6> batch;
    if (list == nullptr || list->iAddressCount <= 0) self->broken_ = true;
    for (std::int32_t i = 0; list != nullptr && i < list->iAddressCount; ++i) {
      sockaddr_in6 a;
      std::memcpy(&a, list->Address[i].lpSockaddr, sizeof a);
      batch.push_back(a);
    }
    self->batches_.push_back(std::move(batch));
  } else {
    if (list != nullptr) self->broken_ = true;
    self->finished_ = true;
    self->final_ = hr;
  }
  self->changed_.notify_all();
}

bool resolve_recorder::wait_final() {
  return wait_for(mutex_, changed_, [&] { return finished_; });
}

std::vector<std::vector<sockaddr_in6>> resolve_recorder::batches() {
  std::lock_guard lock(mutex_);
  return batches_;
}

HRESULT resolve_recorder::final_hr() {
  std::lock_guard lock(mutex_);
  return final_;
}

int resolve_recorder::calls() {
  std::lock_guard lock(mutex_);
  return calls_;
}

bool resolve_recorder::protocol_broken() {
  std::lock_guard lock(mutex_);
  return broken_;
}

bootstrap::bootstrap(const provider_plugin& plugin, const std::string& name, params& p)
    : descriptor_(plugin.provider(DRT_PROVIDER_KIND_BOOTSTRAP, name)) {
  if (descriptor_ == nullptr) return;
  created_ = descriptor_->CreateBootstrapProvider(p.config(), &table_);
}

bootstrap::~bootstrap() {
  if (table_ != nullptr) descriptor_->DeleteBootstrapProvider(table_);
}

HRESULT bootstrap::init(std::uint32_t timeout_ms, std::uint32_t results_max, void** context) {
  BOOL fatal = TRUE;
  const HRESULT hr = table_->InitResolve(table_->pvContext, FALSE, timeout_ms, results_max, context, &fatal);
  return fatal ? E_FAIL : hr;
}

HRESULT bootstrap::issue(void* context, resolve_recorder& r) {
  BOOL fatal = TRUE;
  const HRESULT hr = table_->IssueResolve(table_->pvContext, &r, resolve_recorder::callback, context, &fatal);
  return fatal ? E_FAIL : hr;
}

HRESULT bootstrap::register_endpoints(const std::vector<sockaddr_in6>& endpoints) {
  std::vector<std::uint64_t> storage((sizeof(SOCKET_ADDRESS_LIST) + endpoints.size() * sizeof(SOCKET_ADDRESS)) / 8 + 1);
  auto* list = reinterpret_cast<SOCKET_ADDRESS_LIST*>(storage.data());
  std::vector<sockaddr_in6> copies = endpoints;
  list->iAddressCount = static_cast<std::int32_t>(copies.size());
  SOCKET_ADDRESS* slots = list->Address;
  for (std::size_t i = 0; i < copies.size(); ++i) {
    slots[i].lpSockaddr = reinterpret_cast<sockaddr*>(&copies[i]);
    slots[i].iSockaddrLength = sizeof(sockaddr_in6);
  }
  return table_->Register(table_->pvContext, list);
}

HRESULT bootstrap::resolve(resolve_recorder& r, std::uint32_t results_max, std::uint32_t timeout_ms) {
  void* context = nullptr;
  HRESULT hr = init(timeout_ms, results_max, &context);
  if (FAILED(hr)) return hr;
  hr = issue(context, r);
  if (SUCCEEDED(hr) && !r.wait_final()) hr = DRT_E_TIMEOUT;
  end(context);
  return hr;
}

}  // namespace drt::tests
