// core: the last-error detail of each thread and the guard every C entry point runs inside.
#pragma once

#include <drt/drt.h>

#include <cerrno>
#include <exception>
#include <new>
#include <string>
#include <string_view>

namespace drt::core {

// Sets this thread's DrtGetLastErrorDetail() to DrtErrorMessage(hr) [+ " " + specifics] and
// returns hr, so failures read `return fail(E_INVALIDARG, "pRegistration is NULL");`.
HRESULT fail(HRESULT hr, std::string_view specifics = {});

// Marks the current call as successful (empty detail) and returns hr.
HRESULT succeed(HRESULT hr = S_OK);

// The detail text last set on this thread, and a way to carry it from the worker thread back to
// the thread that made the call.
const char* last_error_detail();
void set_last_error_detail(std::string detail);

// Maps an errno value to its HRESULT (spec/api.md §1.4); unlisted values give fallback.
HRESULT hresult_from_errno(int err, HRESULT fallback = E_FAIL);

// Runs the body of a C entry point: no exception crosses extern "C" (style.md "Errors").
template <class Body>
HRESULT guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(E_OUTOFMEMORY);
  } catch (const std::exception& e) {
    return fail(E_FAIL, e.what());
  } catch (...) {
    return fail(E_FAIL, "unknown exception");
  }
}

// The same for the void entry points (DrtClose, DrtUnregisterKey, the Delete functions).
template <class Body>
void guarded_void(Body&& body) noexcept {
  try {
    body();
    succeed();
  } catch (const std::bad_alloc&) {
    fail(E_OUTOFMEMORY);
  } catch (const std::exception& e) {
    fail(E_FAIL, e.what());
  } catch (...) {
    fail(E_FAIL, "unknown exception");
  }
}

}  // namespace drt::core
