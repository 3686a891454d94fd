// core: DrtOpen, DrtClose, the event functions and the instance name (spec/api.md §5.1, §5.4).
#include "api_common.hpp"
#include "runtime/utf8.hpp"
#include "search.hpp"

#include <cstring>

namespace drt::core {
namespace {

bool has_required_security_members(const DRT_SECURITY_PROVIDER& p, DRT_SECURITY_MODE mode) {
  const bool resolve = p.Attach && p.Detach && p.RegisterKey && p.UnregisterKey &&
                       p.ValidateAndUnpackPayload && p.SecureAndPackPayload && p.FreeData;
  if (!resolve || mode == DRT_SECURE_RESOLVE) return resolve;
  const bool membership = p.GetSerializedCredential && p.ValidateRemoteCredential && p.SignData &&
                          p.VerifyData;
  if (!membership || mode == DRT_SECURE_MEMBERSHIP) return membership;
  return p.EncryptData && p.DecryptData;
}

bool has_bootstrap_members(const DRT_BOOTSTRAP_PROVIDER& p) {
  return p.Attach && p.Detach && p.InitResolve && p.IssueResolve && p.EndResolve && p.Register &&
         p.Unregister;
}

// Rows 1-11 of DrtOpen: checks that need no handle.
HRESULT check_open_arguments(const DRT_SETTINGS* s, int event_fd, HDRT* out) {
  if (out == nullptr) return fail(E_INVALIDARG, "phDrt is NULL");
  *out = nullptr;
  if (s == nullptr) return fail(DRT_E_INVALID_SETTINGS, "pSettings is NULL");
  if (s->dwSize != sizeof(DRT_SETTINGS)) {
    return fail(DRT_E_INVALID_SETTINGS, "dwSize is " + std::to_string(s->dwSize) + ", expected " +
                                            std::to_string(sizeof(DRT_SETTINGS)));
  }
  if (!event_fd_is_acceptable(event_fd)) {
    return fail(E_INVALIDARG, "event_fd " + std::to_string(event_fd) + " is not -1 or an open descriptor");
  }
  if (s->cbKey != DRT_KEY_SIZE) return fail(DRT_E_INVALID_KEY_SIZE, "cbKey is " + std::to_string(s->cbKey));
  if (s->ulMaxRoutingAddresses < DRT_MIN_ROUTING_ADDRESSES ||
      s->ulMaxRoutingAddresses > DRT_MAX_ROUTING_ADDRESSES) {
    return fail(DRT_E_INVALID_MAX_ADDRESSES, "ulMaxRoutingAddresses is " + std::to_string(s->ulMaxRoutingAddresses));
  }
  const auto mode = static_cast<int>(s->eSecurityMode);
  if (mode < DRT_SECURE_RESOLVE || mode > DRT_SECURE_CONFIDENTIALPAYLOAD) {
    return fail(DRT_E_INVALID_SECURITY_MODE, "eSecurityMode is " + std::to_string(mode));
  }
  if (s->pwzDrtInstancePrefix != nullptr) {
    const std::string_view prefix(s->pwzDrtInstancePrefix);
    if (!runtime::is_valid_utf8(prefix) || runtime::utf8_code_points(prefix) > DRT_MAX_INSTANCE_PREFIX_LEN) {
      return fail(DRT_E_INVALID_INSTANCE_PREFIX);
    }
  }
  if (s->hTransport == nullptr) return fail(DRT_E_INVALID_TRANSPORT_PROVIDER, "hTransport is NULL");
  if (s->pSecurityProvider == nullptr) return fail(DRT_E_INVALID_SECURITY_PROVIDER, "pSecurityProvider is NULL");
  if (!has_required_security_members(*s->pSecurityProvider, s->eSecurityMode)) {
    return fail(DRT_E_INVALID_SECURITY_PROVIDER, "a member required by the security mode is NULL");
  }
  if (s->pBootstrapProvider == nullptr) return fail(DRT_E_INVALID_BOOTSTRAP_PROVIDER, "pBootstrapProvider is NULL");
  if (!has_bootstrap_members(*s->pBootstrapProvider)) {
    return fail(DRT_E_INVALID_BOOTSTRAP_PROVIDER, "one of its seven function members is NULL");
  }
  return S_OK;
}

// Rows 14-17: claims the transport and the two providers for a new instance, or says who
// holds them. `token` identifies the instance in the registries.
HRESULT claim_providers(const DRT_SETTINGS& s, const void* token, transport_object& t) {
  std::lock_guard lock(lib().mutex);
  if (t.deleting) return fail(DRT_E_TRANSPORT_SHUTTING_DOWN);
  if (t.busy || t.attached_instance != nullptr) {
    return fail(DRT_E_TRANSPORTPROVIDER_IN_USE, "the transport serves another instance");
  }
  if (lib().attached.count(s.pSecurityProvider) != 0) return fail(DRT_E_SECURITYPROVIDER_IN_USE);
  if (lib().attached.count(s.pBootstrapProvider) != 0) return fail(DRT_E_BOOTSTRAPPROVIDER_IN_USE);
  t.busy = true;
  t.attached_instance = token;
  lib().attached[s.pSecurityProvider] = token;
  lib().attached[s.pBootstrapProvider] = token;
  return S_OK;
}

}  // namespace

// Gives back what claim_providers took and runs the deletions that waited for it.
void release_providers(const void* security, const void* bootstrap, transport_object& t) {
  std::vector<std::shared_ptr<created_provider>> doomed;
  {
    std::lock_guard lock(lib().mutex);
    t.busy = false;
    t.attached_instance = nullptr;
    for (const void* p : {security, bootstrap}) {
      lib().attached.erase(p);
      if (lib().delete_when_detached.erase(p) != 0) {
        auto it = lib().created.find(p);
        if (it != lib().created.end()) {
          doomed.push_back(std::move(it->second));
          lib().created.erase(it);
        }
      }
    }
  }
  doomed.clear();  // plugin Delete functions run outside the lock
}

HRESULT open_instance(const DRT_SETTINGS* s, int event_fd, const void* context, HDRT* out,
                      std::shared_ptr<instance>* keep) {
  HRESULT hr = check_open_arguments(s, event_fd, out);
  if (FAILED(hr)) return hr;
  if (FAILED(hr = library_check())) return hr;
  auto transport = lib().handles.find<transport_object>(s->hTransport, handle_kind::transport);
  if (!transport) return fail(DRT_E_INVALID_TRANSPORT_PROVIDER, "hTransport is not a live transport handle");
  auto inst = std::make_shared<instance>(*s, event_fd, context, transport);
  if (FAILED(hr = claim_providers(*s, inst.get(), *transport))) return hr;
  hr = run_on_worker(*inst, [&] { return inst->open(); });
  if (FAILED(hr)) {
    release_providers(s->pSecurityProvider, s->pBootstrapProvider, *transport);
    return hr;
  }
  {
    std::lock_guard lock(lib().mutex);
    transport->busy = false;
  }
  event_fd_make_nonblocking(event_fd);
  inst->handle = lib().handles.insert(handle_kind::instance, inst);
  *out = inst->handle;
  if (keep) *keep = inst;
  return hr == DRT_S_RETRY ? fail(DRT_S_RETRY, "the first bootstrap round failed; it will be retried") : succeed(hr);
}

void close_instance(HDRT h) {
  auto obj = lib().handles.remove(h, handle_kind::instance);
  if (!obj) return;
  auto inst = std::static_pointer_cast<instance>(obj);
  inst->closing.store(true);
  auto work = [inst] {
    inst->close();
    release_providers(inst->security_pointer(), inst->bootstrap_pointer(), inst->transport());
    for (auto& cleanup : inst->owned_cleanup) cleanup();
    inst->owned_cleanup.clear();
  };
  if (callback_scope::active_for(inst.get())) {
    lib().worker().post(inst->strand(), std::move(work));  // deferred until the callback returns
    return;
  }
  {
    std::lock_guard lock(lib().mutex);
    inst->transport().busy = true;
  }
  lib().worker().run(inst->strand(), work);
}

}  // namespace drt::core

using namespace drt::core;

extern "C" DRT_EXPORT HRESULT DrtOpen(const DRT_SETTINGS* pSettings, int event_fd,
                                      const void* pvContext, HDRT* phDrt) {
  return guarded([&] { return open_instance(pSettings, event_fd, pvContext, phDrt, nullptr); });
}

extern "C" DRT_EXPORT void DrtClose(HDRT hDrt) {
  guarded_void([&] { close_instance(hDrt); });
}

extern "C" DRT_EXPORT HRESULT DrtGetEventDataSize(HDRT hDrt, uint32_t* pulEventDataLen) {
  return guarded([&]() -> HRESULT {
    if (pulEventDataLen == nullptr) return fail(E_INVALIDARG, "pulEventDataLen is NULL");
    *pulEventDataLen = 0;
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto inst = lib().handles.find<instance>(hDrt, handle_kind::instance);
    if (!inst) return fail(E_HANDLE, "hDrt is not a live instance handle");
    const HRESULT hr = inst->events().peek_size(pulEventDataLen);
    return FAILED(hr) ? fail(hr) : succeed(hr);
  });
}

extern "C" DRT_EXPORT HRESULT DrtGetEventData(HDRT hDrt, uint32_t ulEventDataLen,
                                              DRT_EVENT_DATA* pEventData) {
  return guarded([&]() -> HRESULT {
    if (pEventData == nullptr || !is_aligned_for<DRT_EVENT_DATA>(pEventData)) {
      return fail(E_INVALIDARG, "pEventData is NULL or misaligned");
    }
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto inst = lib().handles.find<instance>(hDrt, handle_kind::instance);
    if (!inst) return fail(E_HANDLE, "hDrt is not a live instance handle");
    const HRESULT hr = inst->events().pop(ulEventDataLen, pEventData, inst->pv_context());
    return FAILED(hr) ? fail(hr) : succeed(hr);
  });
}

extern "C" DRT_EXPORT HRESULT DrtGetInstanceNameSize(HDRT hDrt, uint32_t* pulcbInstanceNameSize) {
  return guarded([&]() -> HRESULT {
    if (pulcbInstanceNameSize == nullptr) return fail(E_INVALIDARG, "pulcbInstanceNameSize is NULL");
    *pulcbInstanceNameSize = 0;
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto inst = lib().handles.find<instance>(hDrt, handle_kind::instance);
    if (!inst) return fail(E_HANDLE, "hDrt is not a live instance handle");
    *pulcbInstanceNameSize = static_cast<uint32_t>(inst->name().size() + 1);
    return succeed();
  });
}

extern "C" DRT_EXPORT HRESULT DrtGetInstanceName(HDRT hDrt, uint32_t ulcbInstanceNameSize,
                                                 char* pwzDrtInstanceName) {
  return guarded([&]() -> HRESULT {
    if (pwzDrtInstanceName == nullptr) return fail(E_INVALIDARG, "pwzDrtInstanceName is NULL");
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto inst = lib().handles.find<instance>(hDrt, handle_kind::instance);
    if (!inst) return fail(E_HANDLE, "hDrt is not a live instance handle");
    const std::string& name = inst->name();
    if (ulcbInstanceNameSize < name.size() + 1) return fail(DRT_E_INSUFFICIENT_BUFFER);
    std::memcpy(pwzDrtInstanceName, name.c_str(), name.size() + 1);
    return succeed();
  });
}

extern "C" DRT_EXPORT HRESULT DrtGetInstanceStatistics(HDRT hDrt, DRT_INSTANCE_STATISTICS* pStatistics) {
  return guarded([&]() -> HRESULT {
    if (pStatistics == nullptr) return fail(E_INVALIDARG, "pStatistics is NULL");
    if (pStatistics->dwSize != sizeof(DRT_INSTANCE_STATISTICS)) {
      return fail(E_INVALIDARG, "dwSize is " + std::to_string(pStatistics->dwSize) + ", expected " +
                                    std::to_string(sizeof(DRT_INSTANCE_STATISTICS)));
    }
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto inst = lib().handles.find<instance>(hDrt, handle_kind::instance);
    if (!inst) return fail(E_HANDLE, "hDrt is not a live instance handle");
    drt::engine::node_counters c;
    (void)run_on_worker(*inst, [&] {
      c = inst->counters();
      return S_OK;
    });
    DRT_INSTANCE_STATISTICS out{};
    out.dwSize = sizeof out;
    out.datagramsSent = c.datagrams_sent;
    out.datagramsReceived = c.datagrams_received;
    out.bytesSent = c.bytes_sent;
    out.retransmissions = c.retransmissions;
    out.requestsExpired = c.requests_expired;
    out.lookupsSent = c.lookups_sent;
    out.inquiresSent = c.inquires_sent;
    out.floodsSent = c.floods_sent;
    out.lookupsAnsweredBusy = c.lookups_answered_busy;
    out.datagramsOverflowed = inst->datagrams_dropped_in_flight.load();
    constexpr std::size_t reasons = static_cast<std::size_t>(drt::engine::drop_reason::count_);
    static_assert(reasons <= DRT_DROP_REASON_SLOTS, "more drop reasons than DRT_INSTANCE_STATISTICS slots");
    for (std::size_t i = 0; i < reasons; ++i) {
      out.dropped[i] = c.dropped[i];
      out.droppedTotal += c.dropped[i];
    }
    *pStatistics = out;
    return succeed();
  });
}

extern "C" DRT_EXPORT const char* DrtDropReasonName(uint32_t slot) {
  if (slot >= static_cast<std::uint32_t>(drt::engine::drop_reason::count_)) return nullptr;
  return drt::engine::to_string(static_cast<drt::engine::drop_reason>(slot));
}
