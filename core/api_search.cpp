// core: the search functions (spec/api.md §5.3): argument checks here, the walk in the engine
// (instance::start_search), results through the search's queue.
#include "api_common.hpp"
#include "search.hpp"

namespace drt::core {
namespace {

// Rows 1-12 of DrtStartSearch.
HRESULT check_search_arguments(const DRT_DATA* key, const DRT_SEARCH_INFO* info, int event_fd,
                               HDRT_SEARCH_CONTEXT* out, search_params& p) {
  if (out == nullptr) return fail(E_INVALIDARG, "phSearchContext is NULL");
  *out = nullptr;
  if (key == nullptr) return fail(E_INVALIDARG, "pKey is NULL");
  if (key->pb == nullptr) return fail(E_INVALIDARG, "pKey->pb is NULL");
  if (!event_fd_is_acceptable(event_fd)) return fail(E_INVALIDARG, "event_fd is not -1 or an open descriptor");
  if (info != nullptr && info->dwSize != sizeof(DRT_SEARCH_INFO)) {
    return fail(DRT_E_INVALID_SEARCH_INFO, "dwSize is " + std::to_string(info->dwSize));
  }
  const DRT_DATA* lo = info ? info->pMinimumKey : nullptr;
  const DRT_DATA* hi = info ? info->pMaximumKey : nullptr;
  if ((lo == nullptr) != (hi == nullptr)) return fail(E_INVALIDARG, "exactly one of pMinimumKey, pMaximumKey is NULL");
  if ((lo && lo->pb == nullptr) || (hi && hi->pb == nullptr)) return fail(E_INVALIDARG, "a range key has pb NULL");
  if (key->cb != DRT_KEY_SIZE) return fail(DRT_E_INVALID_KEY_SIZE, "pKey->cb is " + std::to_string(key->cb));
  if ((lo && lo->cb != DRT_KEY_SIZE) || (hi && hi->cb != DRT_KEY_SIZE)) {
    return fail(DRT_E_INVALID_KEY_SIZE, "a range key is not 32 bytes");
  }
  p.target = to_key(*key);
  p.min = lo ? to_key(*lo) : p.target;
  p.max = hi ? to_key(*hi) : p.target;
  p.has_range = lo != nullptr;
  if (info != nullptr) {
    if (info->cMaxEndpoints == 0) return fail(DRT_E_INVALID_MAX_ENDPOINTS, "cMaxEndpoints is 0");
    if (info->cMaxEndpoints > 1 && info->fAnyMatchInRange) {
      return fail(DRT_E_INVALID_MAX_ENDPOINTS, "cMaxEndpoints > 1 with fAnyMatchInRange");
    }
    p.iterative = info->fIterative != FALSE;
    p.allow_current_instance = info->fAllowCurrentInstanceMatch != FALSE;
    p.any_match_in_range = info->fAnyMatchInRange != FALSE;
    p.max_endpoints = p.iterative ? 1 : info->cMaxEndpoints;
  }
  using engine::key256;
  const key256 t = key256::from_api_bytes(p.target.data());
  const key256 mn = key256::from_api_bytes(p.min.data());
  const key256 mx = key256::from_api_bytes(p.max.data());
  if (mn > mx || t < mn || t > mx) {
    return fail(DRT_E_INVALID_SEARCH_RANGE, "the minimum exceeds the maximum or the target is outside");
  }
  return S_OK;
}

HRESULT start_search(HDRT hDrt, DRT_DATA* key, const DRT_SEARCH_INFO* info, uint32_t timeout,
                     int event_fd, const void* ctx, HDRT_SEARCH_CONTEXT* out) {
  search_params p;
  if (HRESULT hr = check_search_arguments(key, info, event_fd, out, p); FAILED(hr)) return hr;
  p.timeout_ms = timeout;
  if (HRESULT hr = library_check(); FAILED(hr)) return hr;
  auto inst = lib().handles.find<instance>(hDrt, handle_kind::instance);
  if (!inst) return fail(E_HANDLE, "hDrt is not a live instance handle");
  if (HRESULT hr = check_reentry(*inst); FAILED(hr)) return hr;
  return run_on_worker(*inst, [&]() -> HRESULT {
    if (inst->closing.load()) return fail(E_UNEXPECTED, "DrtClose of this instance has begun");
    if (inst->status() == DRT_FAULTED) return fail(DRT_E_FAULTED);
    auto s = std::make_shared<search>(inst, p, event_fd, ctx);
    s->handle = lib().handles.insert(handle_kind::search, s);
    inst->searches.push_back(s);
    event_fd_make_nonblocking(event_fd);
    if (HRESULT hr = inst->start_search(s); FAILED(hr)) {
      lib().handles.remove(s->handle, handle_kind::search);
      std::erase(inst->searches, s);
      return hr;
    }
    *out = s->handle;
    return succeed();
  });
}

// The search and its instance behind a live search handle.
std::shared_ptr<search> find_search(HDRT_SEARCH_CONTEXT h, std::shared_ptr<instance>* inst_out = nullptr) {
  auto s = lib().handles.find<search>(h, handle_kind::search);
  if (!s) return nullptr;
  auto inst = s->owner().lock();
  if (!inst) return nullptr;
  if (inst_out) *inst_out = std::move(inst);
  return s;
}

}  // namespace
}  // namespace drt::core

using namespace drt::core;

extern "C" DRT_EXPORT HRESULT DrtStartSearch(HDRT hDrt, DRT_DATA* pKey, const DRT_SEARCH_INFO* pInfo,
                                             uint32_t timeout, int event_fd, const void* pvContext,
                                             HDRT_SEARCH_CONTEXT* phSearchContext) {
  return guarded([&] { return start_search(hDrt, pKey, pInfo, timeout, event_fd, pvContext, phSearchContext); });
}

extern "C" DRT_EXPORT HRESULT DrtContinueSearch(HDRT_SEARCH_CONTEXT hSearchContext) {
  return guarded([&]() -> HRESULT {
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    std::shared_ptr<instance> inst;
    auto s = find_search(hSearchContext, &inst);
    if (!s) return fail(E_HANDLE, "hSearchContext is not a live search handle");
    if (callback_scope::active_for(inst.get())) return fail(E_UNEXPECTED, "called from a provider callback");
    if (!s->params().iterative) return fail(E_UNEXPECTED, "the search was not started with fIterative");
    if (inst->status() == DRT_FAULTED) return fail(DRT_E_FAULTED);
    return run_on_worker(*inst, [&] { return inst->continue_search(s); });
  });
}

extern "C" DRT_EXPORT HRESULT DrtGetSearchResultSize(HDRT_SEARCH_CONTEXT hSearchContext,
                                                     uint32_t* pulSearchResultSize) {
  return guarded([&]() -> HRESULT {
    if (pulSearchResultSize == nullptr) return fail(E_INVALIDARG, "pulSearchResultSize is NULL");
    *pulSearchResultSize = 0;
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto s = find_search(hSearchContext);
    if (!s) return fail(E_HANDLE, "hSearchContext is not a live search handle");
    const HRESULT hr = s->peek_size(pulSearchResultSize);
    return FAILED(hr) ? fail(hr) : succeed(hr);
  });
}

extern "C" DRT_EXPORT HRESULT DrtGetSearchResult(HDRT_SEARCH_CONTEXT hSearchContext,
                                                 uint32_t ulSearchResultSize,
                                                 DRT_SEARCH_RESULT* pSearchResult) {
  return guarded([&]() -> HRESULT {
    if (pSearchResult == nullptr || !is_aligned_for<DRT_SEARCH_RESULT>(pSearchResult)) {
      return fail(E_INVALIDARG, "pSearchResult is NULL or misaligned");
    }
    if (ulSearchResultSize < sizeof(DRT_SEARCH_RESULT)) {
      return fail(E_INVALIDARG, "ulSearchResultSize is smaller than sizeof(DRT_SEARCH_RESULT)");
    }
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto s = find_search(hSearchContext);
    if (!s) return fail(E_HANDLE, "hSearchContext is not a live search handle");
    const HRESULT hr = s->pop(ulSearchResultSize, pSearchResult);
    return FAILED(hr) ? fail(hr) : succeed(hr);
  });
}

extern "C" DRT_EXPORT HRESULT DrtGetSearchPathSize(HDRT_SEARCH_CONTEXT hSearchContext,
                                                   uint32_t* pulSearchPathSize) {
  return guarded([&]() -> HRESULT {
    if (pulSearchPathSize == nullptr) return fail(E_INVALIDARG, "pulSearchPathSize is NULL");
    *pulSearchPathSize = 0;
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto s = find_search(hSearchContext);
    if (!s) return fail(E_HANDLE, "hSearchContext is not a live search handle");
    *pulSearchPathSize = s->path_size_bytes();
    return succeed();
  });
}

extern "C" DRT_EXPORT HRESULT DrtGetSearchPath(HDRT_SEARCH_CONTEXT hSearchContext,
                                               uint32_t ulSearchPathSize, DRT_ADDRESS_LIST* pSearchPath) {
  return guarded([&]() -> HRESULT {
    if (pSearchPath == nullptr || !is_aligned_for<DRT_ADDRESS_LIST>(pSearchPath)) {
      return fail(E_INVALIDARG, "pSearchPath is NULL or misaligned");
    }
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto s = find_search(hSearchContext);
    if (!s) return fail(E_HANDLE, "hSearchContext is not a live search handle");
    const HRESULT hr = s->copy_path(ulSearchPathSize, pSearchPath);
    return FAILED(hr) ? fail(hr) : succeed(hr);
  });
}

extern "C" DRT_EXPORT HRESULT DrtEndSearch(HDRT_SEARCH_CONTEXT hSearchContext) {
  return guarded([&]() -> HRESULT {
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    std::shared_ptr<instance> inst;
    auto s = find_search(hSearchContext, &inst);
    if (!s) return fail(E_HANDLE, "hSearchContext is not a live search handle");
    if (callback_scope::active_for(inst.get())) return fail(E_UNEXPECTED, "called from a provider callback");
    lib().handles.remove(hSearchContext, handle_kind::search);
    return run_on_worker(*inst, [&] {
      inst->end_search(s);
      return succeed();
    });
  });
}
