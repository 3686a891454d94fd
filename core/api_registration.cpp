// core: DrtRegisterKey, DrtUpdateKey, DrtUnregisterKey (spec/api.md §5.2). Checks run in the
// order of the spec's tables; the first matching row wins.
#include "api_common.hpp"

namespace drt::core {
namespace {

HRESULT check_app_data(const DRT_DATA& d, const char* what) {
  if (d.cb < 1) return fail(E_INVALIDARG, std::string(what) + ".cb is 0; application data needs 1..5120 bytes");
  if (d.cb > DRT_MAX_PAYLOAD_SIZE) {
    return fail(E_INVALIDARG, std::string(what) + ".cb is " + std::to_string(d.cb) + "; at most 5120 bytes");
  }
  if (d.pb == nullptr) return fail(E_INVALIDARG, std::string(what) + ".pb is NULL");
  return S_OK;
}

HRESULT register_key(HDRT hDrt, DRT_REGISTRATION* reg, void* key_context, HDRT_REGISTRATION_CONTEXT* out) {
  if (reg == nullptr) return fail(E_INVALIDARG, "pRegistration is NULL");
  if (out == nullptr) return fail(E_INVALIDARG, "phKeyRegistration is NULL");
  *out = nullptr;
  if (reg->key.pb == nullptr) return fail(E_INVALIDARG, "pRegistration->key.pb is NULL");
  if (HRESULT hr = check_app_data(reg->appData, "pRegistration->appData"); FAILED(hr)) return hr;
  if (reg->key.cb != DRT_KEY_SIZE) {
    return fail(DRT_E_INVALID_KEY_SIZE, "key.cb is " + std::to_string(reg->key.cb));
  }
  if (HRESULT hr = library_check(); FAILED(hr)) return hr;
  auto inst = lib().handles.find<instance>(hDrt, handle_kind::instance);
  if (!inst) return fail(E_HANDLE, "hDrt is not a live instance handle");
  if (HRESULT hr = check_reentry(*inst); FAILED(hr)) return hr;
  const HRESULT hr = run_on_worker(*inst, [&] { return inst->register_key(*reg, key_context, out); });
  if (FAILED(hr)) *out = nullptr;
  return hr;
}

HRESULT update_key(HDRT_REGISTRATION_CONTEXT h, DRT_DATA* data) {
  if (data == nullptr) return fail(E_INVALIDARG, "pAppData is NULL");
  if (HRESULT hr = check_app_data(*data, "pAppData"); FAILED(hr)) return hr;
  if (HRESULT hr = library_check(); FAILED(hr)) return hr;
  auto reg = lib().handles.find<registration>(h, handle_kind::registration);
  auto inst = reg ? reg->owner.lock() : nullptr;
  if (!reg || !inst) return fail(E_HANDLE, "hKeyRegistration is not a live registration handle");
  if (HRESULT hr = check_reentry(*inst); FAILED(hr)) return hr;
  const HRESULT hr = run_on_worker(*inst, [&] {
    // The registration may have been withdrawn while this call waited for the worker.
    if (!lib().handles.find<registration>(h, handle_kind::registration)) return fail(E_HANDLE);
    return inst->update_key(reg, *data);
  });
  return hr;
}

void unregister_key(HDRT_REGISTRATION_CONTEXT h) {
  auto obj = lib().handles.remove(h, handle_kind::registration);
  if (!obj) return;
  auto reg = std::static_pointer_cast<registration>(obj);
  auto inst = reg->owner.lock();
  if (!inst) return;
  auto work = [inst, reg] { inst->unregister_key(reg); };
  if (callback_scope::active_for(inst.get())) {
    lib().worker().post(inst->strand(), std::move(work));  // deferred until the callback returns
    return;
  }
  lib().worker().run(inst->strand(), work);
}

}  // namespace
}  // namespace drt::core

using namespace drt::core;

extern "C" DRT_EXPORT HRESULT DrtRegisterKey(HDRT hDrt, DRT_REGISTRATION* pRegistration,
                                             void* pvKeyContext,
                                             HDRT_REGISTRATION_CONTEXT* phKeyRegistration) {
  return guarded([&] { return register_key(hDrt, pRegistration, pvKeyContext, phKeyRegistration); });
}

extern "C" DRT_EXPORT HRESULT DrtUpdateKey(HDRT_REGISTRATION_CONTEXT hKeyRegistration,
                                           DRT_DATA* pAppData) {
  return guarded([&] { return update_key(hKeyRegistration, pAppData); });
}

extern "C" DRT_EXPORT void DrtUnregisterKey(HDRT_REGISTRATION_CONTEXT hKeyRegistration) {
  guarded_void([&] { unregister_key(hKeyRegistration); });
}
