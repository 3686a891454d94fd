// Helpers shared by the in-tree transport and bootstrap plugins (plugins/common). Built into each
// plugin as a static library: only the SDK headers and the C/C++ standard library are used, so a
// plugin stays loadable on its own. Nothing here holds state; every function is thread-safe.
#pragma once

#include <drt/drt_provider.h>

#include <netinet/in.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace drt::plugins::support {

// Runs a table function's body: std::bad_alloc → E_OUTOFMEMORY, any other exception → E_FAIL
// (docs/provider-abi.md §8). Every table function is noexcept and goes through this.
template <class Body>
[[nodiscard]] HRESULT abi_guard(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return E_OUTOFMEMORY;
  } catch (...) {
    return E_FAIL;
  }
}

// The same for void table functions: errors are swallowed.
template <class Body>
void abi_guard_void(Body&& body) noexcept {
  try {
    body();
  } catch (...) {
  }
}

// Writes one NUL-terminated line into pConfig->pszErrorDetail, truncated to cbErrorDetail.
void write_error_detail(const DRT_PROVIDER_CONFIG* config, std::string_view text) noexcept;

// A factory parameter, copied out of the DRT_PROVIDER_CONFIG (valid only during the call).
struct param {
  std::string name;
  DRT_PARAM_TYPE type = DRT_PARAM_STRING;
  std::string text;
  std::int64_t integer = 0;
};

// E_INVALIDARG when the config's cbSize is too small or pParams is NULL with cParams > 0.
[[nodiscard]] HRESULT copy_params(const DRT_PROVIDER_CONFIG* config, std::vector<param>& out);

// One SOCKET_ADDRESS_LIST in a single malloc'ed block (api.md §4.3), released with std::free:
// the header, then the SOCKET_ADDRESS slots, then the sockaddr_in6 copies they point to.
// Throws std::bad_alloc.
[[nodiscard]] SOCKET_ADDRESS_LIST* make_address_list(const std::vector<sockaddr_in6>& addresses);

// The AF_INET6 entries of a list (others and NULL pointers skipped); NULL list = empty.
[[nodiscard]] std::vector<sockaddr_in6> read_address_list(const SOCKET_ADDRESS_LIST* list);

// "[addr]:port", "[addr%ifname]:port" or "[addr%index]:port" (config-file peer form).
[[nodiscard]] std::optional<sockaddr_in6> parse_endpoint(std::string_view text);
[[nodiscard]] std::string endpoint_text(const sockaddr_in6& a);

// api.md §1.4: errno → HRESULT; unlisted values become `fallback`.
[[nodiscard]] HRESULT hresult_from_errno(int err, HRESULT fallback);

[[nodiscard]] bool same_endpoint(const sockaddr_in6& a, const sockaddr_in6& b) noexcept;

// Lets a provider thread make callbacks to the core while another thread can close the gate and
// wait until no callback is running (Detach, EndResolve). Closing from inside a callback on the
// calling thread does not wait for that callback (it is the caller). Thread-safe.
class callback_gate {
 public:
  // True if the gate is open: the caller may make one callback and must then call leave().
  [[nodiscard]] bool enter();
  void leave();
  // Opens the gate (Attach, IssueResolve).
  void open();
  // Closes it and returns once no other thread is inside; see the class comment.
  void close_and_wait();
  [[nodiscard]] bool is_open() const;
  // True while close_and_wait is waiting for a callback to leave.
  [[nodiscard]] bool closing() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  bool open_ = false;
  bool closing_ = false;
  int inside_ = 0;
  std::thread::id inside_thread_;
};

}  // namespace drt::plugins::support
