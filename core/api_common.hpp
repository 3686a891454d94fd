// core: helpers shared by the C entry points.
#pragma once

#include "errors.hpp"
#include "instance.hpp"
#include "library.hpp"

#include <cstdint>

namespace drt::core {

template <class T>
bool is_aligned_for(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % alignof(T) == 0;
}

// Runs a (W) step on the instance's worker and waits for its HRESULT.
// The detail text the step set on the worker becomes the caller's.
template <class Fn>
HRESULT run_on_worker(instance& inst, Fn&& fn) {
  std::string detail;
  const HRESULT hr = lib().worker().run(inst.strand(), [&] {
    const HRESULT r = fn();
    detail = last_error_detail();
    return r;
  });
  set_last_error_detail(std::move(detail));
  return hr;
}

// The "closing, or called from a provider callback of this instance" row of (W) functions.
inline HRESULT check_reentry(const instance& inst) {
  if (inst.closing.load()) return fail(E_UNEXPECTED, "DrtClose of this instance has begun");
  if (callback_scope::active_for(&inst)) {
    return fail(E_UNEXPECTED, "called from a provider callback of the same instance");
  }
  return S_OK;
}

inline HRESULT library_check() {
  return library_unavailable() ? fail(E_UNEXPECTED, "libdrt is shutting down") : S_OK;
}

}  // namespace drt::core
