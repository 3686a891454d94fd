// core: instance lifecycle (spec/api.md §5.1, §4.6, §4.11 status transitions).
#include "instance.hpp"

#include "errors.hpp"
#include "search.hpp"

#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace drt::core {
namespace {

thread_local std::vector<const instance*> t_callbacks;

std::string make_name(const std::string& prefix, std::uint32_t seq) {
  return (prefix.empty() ? std::string("drt") : prefix) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(seq);
}

}  // namespace

callback_scope::callback_scope(const instance* inst) { t_callbacks.push_back(inst); }
callback_scope::~callback_scope() { t_callbacks.pop_back(); }
void callback_scope::enter(const instance* inst) { t_callbacks.push_back(inst); }
void callback_scope::leave() { t_callbacks.pop_back(); }
bool callback_scope::active_for(const instance* inst) {
  return std::find(t_callbacks.begin(), t_callbacks.end(), inst) != t_callbacks.end();
}

key_bytes to_key(const DRT_DATA& d) {
  key_bytes k{};
  std::memcpy(k.data(), d.pb, k.size());
  return k;
}

instance::instance(const DRT_SETTINGS& settings, int event_fd, const void* pv_context,
                   std::shared_ptr<transport_object> transport)
    : settings_(settings),
      prefix_(settings.pwzDrtInstancePrefix ? settings.pwzDrtInstancePrefix : ""),
      event_fd_(event_fd),
      pv_context_(pv_context),
      security_pointer_(settings.pSecurityProvider),
      bootstrap_pointer_(settings.pBootstrapProvider),
      security_(*settings.pSecurityProvider),
      bootstrap_(*settings.pBootstrapProvider),
      transport_(std::move(transport)),
      strand_(lib().worker().make_strand()),
      events_(lib().notifier, event_fd),
      engine_timer_(lib().worker().context()) {
  settings_.pwzDrtInstancePrefix = prefix_.c_str();
}

instance::~instance() = default;

HRESULT instance::open() {
  callback_target_ = std::make_shared<std::weak_ptr<instance>>(weak_from_this());
  HRESULT hr = attach_all();
  if (SUCCEEDED(hr)) hr = create_engine();
  if (FAILED(hr)) {
    detach_all();
    return hr;
  }
  name_ = make_name(prefix_, ++lib().opens);
  std::vector<sockaddr_in6> addrs;
  if (FAILED(local_addresses(addrs)) || addrs.empty()) {
    set_status(DRT_NO_NETWORK, S_OK);
    return S_OK;
  }
  // The engine asks for a bootstrap round at once; the first one runs here, because its
  // failure is DrtOpen's result (spec/api.md §5.1.1: fatal → fail, other → DRT_S_RETRY).
  feed_local_endpoints(addrs);
  HRESULT result = S_OK;
  for (const engine::bootstrap_request& request : engine_->take_bootstrap_requests()) {
    if (resolve_running_ || request.split_detect || result != S_OK) {
      bootstrap_queue_.push_back(request);
      continue;
    }
    bool fatal = false;
    hr = start_bootstrap_round(request, &fatal);
    if (FAILED(hr) && fatal) {
      engine_.reset();
      detach_all();
      return hr;
    }
    if (FAILED(hr)) {
      round_last_failure_ = hr;
      result = DRT_S_RETRY;
      engine_->add_bootstrap_endpoints(now_ms(), request.round_id, {}, true);  // the engine retries
    }
  }
  pump();
  return result;
}

HRESULT instance::attach_all() {
  const bool core_receives = transport_->table.GetReceiveDescriptor != nullptr;  // and Receive
  const DRT_TRANSPORT_CALLBACKS callbacks{sizeof(DRT_TRANSPORT_CALLBACKS), callback_target_.get(),
                                          &transport_on_datagram, &transport_on_address_change,
                                          &transport_on_fault,
                                          core_receives ? DRT_TRANSPORT_CORE_RECEIVES : 0u};
  callback_scope scope(this);
  HRESULT hr = transport_->table.Attach(transport_->table.pvContext, &callbacks);
  if (FAILED(hr)) return fail(hr, "the transport's Attach failed");
  transport_attached_ = true;
  if (core_receives) start_core_receive();
  hr = security_.Attach(security_.pvContext);
  if (FAILED(hr)) return fail(hr, "the security provider's Attach failed");
  security_attached_ = true;
  if (settings_.eSecurityMode != DRT_SECURE_RESOLVE) {
    DRT_DATA credential{};
    hr = security_.GetSerializedCredential(security_.pvContext, &credential);
    if (credential.pb != nullptr) security_.FreeData(security_.pvContext, credential.pb);
    if (FAILED(hr)) return fail(hr, "the security provider has no usable local credential");
  }
  hr = bootstrap_.Attach(bootstrap_.pvContext);
  if (FAILED(hr)) return fail(hr, "the bootstrap provider's Attach failed");
  bootstrap_attached_ = true;
  return S_OK;
}

void instance::detach_all() {
  callback_scope scope(this);
  engine_timer_.cancel();
  bootstrap_queue_.clear();
  end_bootstrap_round();
  if (bootstrap_attached_) {
    if (bootstrap_registered_) bootstrap_.Unregister(bootstrap_.pvContext);
    bootstrap_registered_ = false;
    bootstrap_.Detach(bootstrap_.pvContext);
    bootstrap_attached_ = false;
  }
  if (security_attached_) {
    security_.Detach(security_.pvContext);
    security_attached_ = false;
  }
  if (transport_attached_) {
    stop_core_receive();
    transport_->table.Detach(transport_->table.pvContext);
    transport_attached_ = false;
  }
}

void instance::close() {
  for (auto& s : searches) {
    lib().handles.remove(s->handle, handle_kind::search);
    if (s->timer) s->timer->cancel();
    s->end_by_close();
  }
  searches.clear();
  engine_searches_.clear();
  for (auto& [key, r] : registrations) lib().handles.remove(r->handle, handle_kind::registration);
  if (engine_) {
    // Revokes every key once (no retransmission) and unregisters it with the security provider;
    // the revocations leave before the transport is detached.
    engine_->close(now_ms());
    pump();
  }
  registrations.clear();
  detach_all();
  engine_.reset();
  events_.clear();
}

HRESULT instance::local_addresses(std::vector<sockaddr_in6>& out) {
  SOCKET_ADDRESS_LIST* list = nullptr;
  HRESULT hr;
  {
    callback_scope scope(this);
    hr = transport_->table.GetLocalAddresses(transport_->table.pvContext, &list);
  }
  if (SUCCEEDED(hr)) {
    auto addrs = copy_ipv6_addresses(list);
    out.insert(out.end(), addrs.begin(), addrs.end());
  }
  if (list != nullptr) transport_->table.FreeData(transport_->table.pvContext, list);
  return hr;
}

HRESULT instance::check_transport_for_registration(bool* no_dest) {
  std::vector<sockaddr_in6> addrs;
  const HRESULT hr = local_addresses(addrs);
  *no_dest = SUCCEEDED(hr) && addrs.empty();
  return hr;
}

HRESULT instance::register_key(const DRT_REGISTRATION& reg, void* key_context, void** out_handle) {
  if (closing.load()) return fail(E_UNEXPECTED, "DrtClose of this instance has begun");
  if (status() == DRT_FAULTED) return fail(DRT_E_FAULTED);
  if (!transport_) return fail(DRT_E_INVALID_TRANSPORT_PROVIDER);
  bool no_dest = false;
  const HRESULT transport_hr = check_transport_for_registration(&no_dest);
  if (!transport_attached_ || transport_hr == DRT_E_TRANSPORTPROVIDER_NOT_ATTACHED) {
    return fail(DRT_E_TRANSPORTPROVIDER_NOT_ATTACHED);
  }
  if (!security_attached_) return fail(DRT_E_SECURITYPROVIDER_NOT_ATTACHED);
  const key_bytes key = to_key(reg.key);
  if (registrations.count(key) != 0) return fail(DRT_E_DUPLICATE_KEY);
  const DRT_STATUS s = status();
  if (s == DRT_ACTIVE || s == DRT_ALONE) {
    if (transport_hr == DRT_E_TRANSPORT_SHUTTING_DOWN || transport_hr == DRT_E_TRANSPORT_NOT_BOUND ||
        transport_hr == DRT_E_TRANSPORT_NO_DEST_ADDRESSES) {
      return fail(transport_hr, "reported by the transport");
    }
    if (no_dest) return fail(DRT_E_TRANSPORT_NO_DEST_ADDRESSES, "the transport has no local address");
  }
  // The engine calls the security provider's RegisterKey (row 19) and publishes the key once
  // the instance is ACTIVE.
  HRESULT hr = engine_->register_key(now_ms(), engine::key256::from_api_bytes(reg.key.pb),
                                     engine::bytes(reg.appData.pb, reg.appData.pb + reg.appData.cb), key_context);
  if (FAILED(hr)) {
    // A provider that reports it lost its attachment is not called again (row 14).
    if (hr == DRT_E_SECURITYPROVIDER_NOT_ATTACHED) security_attached_ = false;
    return fail(hr, "the security provider refused the key");
  }
  try {
    auto r = std::make_shared<registration>();
    r->owner = weak_from_this();
    r->key = key;
    r->app_data.assign(reg.appData.pb, reg.appData.pb + reg.appData.cb);
    r->key_context = key_context;
    r->handle = lib().handles.insert(handle_kind::registration, r);
    registrations.emplace(key, r);
    *out_handle = r->handle;
  } catch (const std::bad_alloc&) {
    (void)engine_->unregister_key(now_ms(), engine::key256::from_api_bytes(reg.key.pb));  // roll back (row 20)
    return fail(E_OUTOFMEMORY);
  }
  pump();
  return succeed();
}

HRESULT instance::update_key(const std::shared_ptr<registration>& r, const DRT_DATA& data) {
  if (closing.load()) return fail(E_UNEXPECTED, "DrtClose of this instance has begun");
  if (status() == DRT_FAULTED) return fail(DRT_E_FAULTED);
  std::vector<std::uint8_t> fresh(data.pb, data.pb + data.cb);  // old data stays on bad_alloc
  const HRESULT hr = engine_->update_key(now_ms(), engine::key256::from_api_bytes(r->key.data()), fresh);
  if (FAILED(hr)) return fail(hr);
  r->app_data.swap(fresh);
  pump();
  return succeed();
}

void instance::unregister_key(const std::shared_ptr<registration>& r) {
  auto it = registrations.find(r->key);
  if (it == registrations.end() || it->second != r) return;
  registrations.erase(it);
  if (!engine_) return;
  // The engine floods the revocation through the leaf set, then calls UnregisterKey.
  (void)engine_->unregister_key(now_ms(), engine::key256::from_api_bytes(r->key.data()));
  pump();
}

void instance::set_status(DRT_STATUS s, HRESULT hr, std::vector<sockaddr_storage> addrs) {
  const DRT_STATUS old = status_.load();
  if (old == DRT_FAULTED) return;  // FAULTED is final
  if (status_reported_ && old == s) return;
  status_reported_ = true;
  status_.store(s);
  queued_event ev;
  ev.type = DRT_EVENT_STATUS_CHANGED;
  ev.status = s;
  ev.hr = hr;
  if (s == DRT_ALONE) ev.bootstrap_addresses = std::move(addrs);
  // The provider hears of the change before the application does, so an application woken by
  // the event sees the provider already (un)registered.
  if (s == DRT_ACTIVE || s == DRT_ALONE) register_with_bootstrap();
  if (s == DRT_NO_NETWORK && bootstrap_registered_) {
    callback_scope scope(this);
    bootstrap_.Unregister(bootstrap_.pvContext);
    bootstrap_registered_ = false;
  }
  events_.push(std::move(ev));
}

void instance::fault(HRESULT hr) {
  if (SUCCEEDED(hr)) hr = E_FAIL;  // a fatal flag with a success code (spec/api.md §4.6)
  end_bootstrap_round();
  bootstrap_queue_.clear();
  if (engine_) engine_->fault(hr);
  set_status(DRT_FAULTED, hr);
  for (auto& s : searches) s->end_by_fault();
  pump();
}

void instance::register_with_bootstrap() {
  if (bootstrap_registered_ || !bootstrap_attached_) return;
  std::vector<sockaddr_in6> addrs;
  if (FAILED(local_addresses(addrs)) || addrs.empty()) return;
  runtime::socket_address_list list(std::move(addrs));
  callback_scope scope(this);
  // A failure is ignored; the call is repeated at the next endpoint change (spec/api.md §4.6).
  bootstrap_registered_ = SUCCEEDED(bootstrap_.Register(bootstrap_.pvContext, list.get()));
}

}  // namespace drt::core
