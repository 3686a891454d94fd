// core: DrtErrorMessage (generated from error_table.def) and DrtGetLastErrorDetail.
#include "errors.hpp"

#include <netdb.h>

namespace drt::core {
namespace {

// Each row's value must equal the header's macro, so a typo in either fails the build.
#define OPENDRT_ERROR(name, value, text) \
  static_assert((name) == OPENDRT_HR(value), #name " differs between drt_errors.h and the table");
#include "error_table.def"
#undef OPENDRT_ERROR

thread_local std::string t_detail;

}  // namespace

HRESULT fail(HRESULT hr, std::string_view specifics) {
  t_detail = DrtErrorMessage(hr);
  if (!specifics.empty()) {
    t_detail += ' ';
    t_detail += specifics;
  }
  return hr;
}

HRESULT succeed(HRESULT hr) {
  t_detail.clear();
  return hr;
}

const char* last_error_detail() { return t_detail.c_str(); }

void set_last_error_detail(std::string detail) { t_detail = std::move(detail); }

HRESULT hresult_from_errno(int err, HRESULT fallback) {
  switch (err) {
    case ENOMEM:
    case ENOBUFS:
      return E_OUTOFMEMORY;
    case EACCES:
    case EPERM:
      return E_ACCESSDENIED;
    case ENOENT:
      return DRT_HR_FILE_NOT_FOUND;
    case ENOTDIR:
      return DRT_HR_PATH_NOT_FOUND;
    case EMFILE:
    case ENFILE:
      return DRT_HR_TOO_MANY_FILES;
    case EAFNOSUPPORT:
      return DRT_HR_AF_NOT_SUPPORTED;
    case EADDRINUSE:
      return DRT_HR_ADDR_IN_USE;
    case EADDRNOTAVAIL:
      return DRT_HR_ADDR_NOT_AVAILABLE;
    case ENETUNREACH:
      return DRT_HR_NET_UNREACHABLE;
    default:
      return fallback;
  }
}

}  // namespace drt::core

extern "C" DRT_EXPORT const char* DrtErrorMessage(HRESULT hr) {
  switch (static_cast<uint32_t>(hr)) {
#define OPENDRT_ERROR(name, value, text) \
  case (value):                          \
    return text;
#include "error_table.def"
#undef OPENDRT_ERROR
    default:
      return "Unknown error code.";
  }
}

extern "C" DRT_EXPORT const char* DrtGetLastErrorDetail(void) {
  return drt::core::last_error_detail();
}
