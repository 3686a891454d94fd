/* OpenDRT C++ layer: owning handles over the C API of drt.h and drt_provider.h.
 *
 * Header-only, C++20, no state of its own: every call is one or two calls of the C API, so the
 * C API's thread-safety rules apply unchanged (any object may be used from any thread; one
 * object must not be moved or destroyed while another thread uses it).
 *
 * Errors: exceptions, not std::expected-style results. Why:
 *   - std::expected is C++23 and this SDK targets C++20; a home-made expected type would be one
 *     more vocabulary type for users to learn and convert.
 *   - Acquisition is construction here (a node, a registration, a search, a plugin are each an
 *     object owning one handle), and constructors can only report failure by throwing.
 *   - The failures that remain are exceptional for a caller of this layer: bad arguments, a
 *     closed instance, a missing plugin. drt::error carries the HRESULT (code()) and the
 *     library's detail text (DrtGetLastErrorDetail: file, key, line, paths tried) in what().
 *   - Outcomes that are part of normal flow are NOT exceptions: "no event queued", "search still
 *     running", "search complete", "search timed out" come back as std::optional / a state enum.
 * Destructors never throw; they release the handle with the C API's void-returning release.
 * Code that cannot use exceptions uses the C API directly; both mix freely (native_handle()).
 */
#ifndef OPENDRT_DRT_HPP
#define OPENDRT_DRT_HPP

#include <drt/drt.h>
#include <drt/drt_provider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace drt {

/* ---- Errors ------------------------------------------------------------------------------- */

/* A failed call: code() is the HRESULT the C API returned; what() is DrtGetLastErrorDetail()
 * captured at the failure (or DrtErrorMessage(code) when the library gave no detail). */
class error : public std::runtime_error {
 public:
  explicit error(HRESULT code, const std::string& detail)
      : std::runtime_error(detail.empty() ? std::string(DrtErrorMessage(code)) : detail), code_(code) {}
  [[nodiscard]] HRESULT code() const noexcept { return code_; }

 private:
  HRESULT code_;
};

/* Throws drt::error for a failed HRESULT; returns success codes (S_OK, DRT_S_RETRY) unchanged. */
inline HRESULT check(HRESULT hr) {
  if (FAILED(hr)) throw error(hr, DrtGetLastErrorDetail());
  return hr;
}

/* ---- Keys and byte strings ---------------------------------------------------------------- */

using byte_view = std::span<const std::uint8_t>;
using key = std::array<std::uint8_t, DRT_KEY_SIZE>;  // little-endian 256-bit integer
using key_view = std::span<const std::uint8_t, DRT_KEY_SIZE>;

namespace detail {
// The C API takes non-const DRT_DATA* for inputs it only reads (Windows signatures); it copies
// what it needs, so viewing const bytes through it is safe.
inline DRT_DATA as_data(byte_view bytes) noexcept {
  return DRT_DATA{static_cast<std::uint32_t>(bytes.size()), const_cast<std::uint8_t*>(bytes.data())};
}
inline std::vector<std::uint8_t> to_vector(const DRT_DATA& d) {
  if (d.pb == nullptr || d.cb == 0) return {};
  return {d.pb, d.pb + d.cb};
}
// Fetches a variable-size record with the C API's size-then-copy pair into storage aligned for
// T (the API checks alignment). Returns std::nullopt when the size call says DRT_E_NO_MORE.
template <typename T, typename SizeFn, typename CopyFn>
std::optional<std::vector<std::max_align_t>> fetch_record(SizeFn size_fn, CopyFn copy_fn) {
  std::uint32_t size = 0;
  const HRESULT hr = size_fn(&size);
  if (hr == DRT_E_NO_MORE) return std::nullopt;
  check(hr);
  std::vector<std::max_align_t> storage((size + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
  check(copy_fn(size, reinterpret_cast<T*>(storage.data())));
  return storage;
}
// Owns one C API handle and releases it exactly once with Release; movable, not copyable.
template <typename Handle, void (*Release)(Handle)>
class unique_handle {
 public:
  unique_handle() = default;
  explicit unique_handle(Handle h) noexcept : h_(h) {}
  unique_handle(unique_handle&& o) noexcept : h_(std::exchange(o.h_, Handle{})) {}
  unique_handle& operator=(unique_handle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, Handle{});
    }
    return *this;
  }
  unique_handle(const unique_handle&) = delete;
  unique_handle& operator=(const unique_handle&) = delete;
  ~unique_handle() { reset(); }

  void reset() noexcept {
    if (h_ != Handle{}) Release(std::exchange(h_, Handle{}));
  }
  [[nodiscard]] Handle native_handle() const noexcept { return h_; }
  [[nodiscard]] Handle get() const noexcept { return h_; }

 protected:
  Handle h_{};
};

// Releases whose HRESULT a destructor cannot act on: DRT_E_STILL_IN_USE cannot happen for a
// plugin (providers hold their own reference to the library); a transport still bound to an open
// instance stays until that instance closes; ending a search twice is E_HANDLE.
inline void unload_plugin(HDRT_PLUGIN h) { (void)DrtUnloadProviderPlugin(h); }
inline void delete_transport(HDRT_TRANSPORT h) { (void)DrtDeleteTransport(h); }
inline void end_search(HDRT_SEARCH_CONTEXT h) { (void)DrtEndSearch(h); }
}  // namespace detail

/* ---- Providers ---------------------------------------------------------------------------- */

/* A loaded provider plugin (DrtLoadProviderPlugin). Providers made from it keep the library
 * loaded on their own, so this object may go first. */
class plugin : public detail::unique_handle<HDRT_PLUGIN, detail::unload_plugin> {
 public:
  explicit plugin(const std::string& name_or_path) { check(DrtLoadProviderPlugin(name_or_path.c_str(), &h_)); }

  [[nodiscard]] const DRT_PLUGIN_DESCRIPTOR& descriptor() const {
    const DRT_PLUGIN_DESCRIPTOR* d = nullptr;
    check(DrtGetPluginDescriptor(h_, &d));
    return *d;
  }
};

/* Provider options for the *FromPlugin factories: named typed values (docs/provider-abi.md). */
class provider_config {
 public:
  provider_config& set(const char* name, const char* text) {
    add(name, DRT_PARAM_STRING).pszValue = text;
    return *this;
  }
  provider_config& set(const char* name, std::int64_t number) {
    add(name, DRT_PARAM_INTEGER).llValue = number;
    return *this;
  }
  provider_config& set_flag(const char* name, bool value) {
    add(name, DRT_PARAM_BOOLEAN).llValue = value ? 1 : 0;
    return *this;
  }
  provider_config& set(const char* name, byte_view bytes) {
    add(name, DRT_PARAM_BYTES).data = detail::as_data(bytes);
    return *this;
  }
  provider_config& base_directory(const char* dir) {
    base_dir_ = dir;
    return *this;
  }
  /* The C view; valid while this object and the strings and bytes given to set() live. */
  [[nodiscard]] const DRT_PROVIDER_CONFIG* native() {
    config_ = DRT_PROVIDER_CONFIG{};
    config_.cbSize = sizeof config_;
    config_.cParams = static_cast<std::uint32_t>(params_.size());
    config_.pParams = params_.data();
    config_.pszBaseDirectory = base_dir_;
    return &config_;
  }

 private:
  DRT_PROVIDER_PARAM& add(const char* name, DRT_PARAM_TYPE type) {
    DRT_PROVIDER_PARAM& p = params_.emplace_back();
    p.pszName = name;
    p.eType = type;
    return p;
  }
  std::vector<DRT_PROVIDER_PARAM> params_;
  const char* base_dir_ = nullptr;
  DRT_PROVIDER_CONFIG config_{};
};

/* A security provider made by the library or a plugin; deleting it while an instance uses it is
 * deferred by the library until that instance closes. */
class security_provider : public detail::unique_handle<DRT_SECURITY_PROVIDER*, DrtDeleteSecurityProvider> {
 public:
  using unique_handle::unique_handle;
  static security_provider null() {
    DRT_SECURITY_PROVIDER* p = nullptr;
    check(DrtCreateNullSecurityProvider(&p));
    return security_provider(p);
  }
  /* root: the trust anchor; local: this node's certificate (may be empty for a resolve-only node). */
  static security_provider derived_key(byte_view root_cert, byte_view local_cert) {
    DRT_DATA root = detail::as_data(root_cert);
    DRT_DATA local = detail::as_data(local_cert);
    DRT_SECURITY_PROVIDER* p = nullptr;
    check(DrtCreateDerivedKeySecurityProvider(&root, local_cert.empty() ? nullptr : &local, &p));
    return security_provider(p);
  }
  static security_provider from_plugin(const plugin& pl, const char* provider, provider_config* config = nullptr) {
    DRT_SECURITY_PROVIDER* p = nullptr;
    check(DrtCreateSecurityProviderFromPlugin(pl.native_handle(), provider, config ? config->native() : nullptr, &p));
    return security_provider(p);
  }
};

class bootstrap_provider : public detail::unique_handle<DRT_BOOTSTRAP_PROVIDER*, DrtDeleteBootstrapProvider> {
 public:
  using unique_handle::unique_handle;
  static bootstrap_provider dns(std::uint16_t port, const std::string& host) {
    DRT_BOOTSTRAP_PROVIDER* p = nullptr;
    check(DrtCreateDnsBootstrapResolver(port, host.c_str(), &p));
    return bootstrap_provider(p);
  }
  static bootstrap_provider static_list(std::span<const sockaddr_storage> peers) {
    DRT_BOOTSTRAP_PROVIDER* p = nullptr;
    check(DrtCreateStaticBootstrapResolver(static_cast<std::uint32_t>(peers.size()), peers.data(), &p));
    return bootstrap_provider(p);
  }
  static bootstrap_provider from_plugin(const plugin& pl, const char* provider, provider_config* config = nullptr) {
    DRT_BOOTSTRAP_PROVIDER* p = nullptr;
    check(DrtCreateBootstrapProviderFromPlugin(pl.native_handle(), provider, config ? config->native() : nullptr, &p));
    return bootstrap_provider(p);
  }
};

/* A transport handle (HDRT_TRANSPORT), deleted with DrtDeleteTransport. */
class transport : public detail::unique_handle<HDRT_TRANSPORT, detail::delete_transport> {
 public:
  using unique_handle::unique_handle;

  /* port 0 picks a free port; port() then tells which. */
  static transport ipv6_udp(DRT_SCOPE scope, std::uint32_t scope_id = 0, std::uint32_t locality_threshold = 0,
                            std::uint16_t port = 0) {
    HDRT_TRANSPORT h = nullptr;
    check(DrtCreateIpv6UdpTransport(scope, scope_id, locality_threshold, &port, &h));
    transport t(h);
    t.port_ = port;
    return t;
  }
  /* Wraps an application-supplied table; it must outlive this object. */
  static transport from_table(const DRT_TRANSPORT_PROVIDER& table) {
    HDRT_TRANSPORT h = nullptr;
    check(DrtCreateTransport(&table, &h));
    return transport(h);
  }
  static transport from_plugin(const plugin& pl, const char* provider, provider_config* config = nullptr) {
    HDRT_TRANSPORT h = nullptr;
    check(DrtCreateTransportFromPlugin(pl.native_handle(), provider, config ? config->native() : nullptr, &h));
    return transport(h);
  }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  /* Deleting a transport an open instance still uses fails (DRT_E_TRANSPORT_STILL_BOUND) and
   * the destructor ignores that: close nodes before their transports. */

 private:
  std::uint16_t port_ = 0;
};

/* ---- Events, results ---------------------------------------------------------------------- */

/* A copy of one DRT_EVENT_DATA with its pointed-to data owned. Which members mean something
 * depends on type (spec/api.md §4.11). */
struct event {
  DRT_EVENT_TYPE type{};
  HRESULT hr = S_OK;
  void* context = nullptr;
  DRT_STATUS status{};                                   // STATUS_CHANGED
  std::vector<sockaddr_storage> bootstrap_addresses;     // STATUS_CHANGED
  DRT_LEAFSET_KEY_CHANGE_TYPE leafset_change{};          // LEAFSET_KEY_CHANGED
  std::vector<std::uint8_t> remote_key;                  // LEAFSET_KEY_CHANGED
  DRT_REGISTRATION_STATE registration_state{};           // REGISTRATION_STATE_CHANGED
  std::vector<std::uint8_t> local_key;                   // LEAFSET_KEY_CHANGED, REGISTRATION_STATE_CHANGED
};

struct search_result {
  DRT_MATCH_TYPE type{};
  void* context = nullptr;  // the pvKeyContext of a local match, else the search's context
  std::vector<std::uint8_t> key;
  std::vector<std::uint8_t> data;
};

/* Search options (DRT_SEARCH_INFO) with sensible defaults: exact match, one endpoint. */
struct search_options {
  bool iterative = false;
  bool allow_current_instance_match = false;
  bool any_match_in_range = false;
  std::uint32_t max_endpoints = 1;
  std::optional<key> min_key;
  std::optional<key> max_key;
};

/* ---- Registration and search ------------------------------------------------------------- */

/* A published key; unregistered (revoked) when destroyed. */
class registration : public detail::unique_handle<HDRT_REGISTRATION_CONTEXT, DrtUnregisterKey> {
 public:
  using unique_handle::unique_handle;

  void update(byte_view app_data) {
    DRT_DATA d = detail::as_data(app_data);
    check(DrtUpdateKey(h_, &d));
  }
};

/* One running search; ended (DrtEndSearch) when destroyed. */
class search : public detail::unique_handle<HDRT_SEARCH_CONTEXT, detail::end_search> {
 public:
  enum class state {
    result,       // next() returned a result
    in_progress,  // nothing queued yet: wait for the event fd
    complete,     // DRT_E_NO_MORE: no more results will come
    timed_out     // DRT_E_TIMEOUT: the search's time ran out
  };
  struct poll {
    state st = state::in_progress;
    std::optional<search_result> result;
  };

  using unique_handle::unique_handle;

  /* Takes the oldest queued result, or says why there is none. Other failures throw. */
  poll next() {
    std::uint32_t size = 0;
    const HRESULT hr = DrtGetSearchResultSize(h_, &size);
    if (hr == DRT_E_SEARCH_IN_PROGRESS) return {state::in_progress, std::nullopt};
    if (hr == DRT_E_NO_MORE) return {state::complete, std::nullopt};
    if (hr == DRT_E_TIMEOUT) return {state::timed_out, std::nullopt};
    check(hr);
    std::vector<std::max_align_t> storage((size + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
    auto* r = reinterpret_cast<DRT_SEARCH_RESULT*>(storage.data());
    check(DrtGetSearchResult(h_, size, r));
    search_result out;
    out.type = r->type;
    out.context = r->pvContext;
    out.key = detail::to_vector(r->registration.key);
    out.data = detail::to_vector(r->registration.appData);
    return {state::result, std::move(out)};
  }
  /* Iterative searches only: take the next hop. */
  void continue_search() { check(DrtContinueSearch(h_)); }

  /* The nodes contacted so far, in contact order. */
  std::vector<DRT_ADDRESS> path() {
    auto storage = detail::fetch_record<DRT_ADDRESS_LIST>(
        [&](std::uint32_t* size) { return DrtGetSearchPathSize(h_, size); },
        [&](std::uint32_t size, DRT_ADDRESS_LIST* list) { return DrtGetSearchPath(h_, size, list); });
    if (!storage) return {};
    const auto* list = reinterpret_cast<const DRT_ADDRESS_LIST*>(storage->data());
    return {list->AddressList, list->AddressList + list->AddressCount};
  }
};

/* ---- The node --------------------------------------------------------------------------- */

/* One DRT instance (HDRT); closed when destroyed. Registrations and searches made from it must be
 * destroyed first (the library tolerates the other order: DrtClose invalidates their handles and
 * their destructors then do nothing harmful). Providers passed in settings must outlive it. */
class node : public detail::unique_handle<HDRT, DrtClose> {
 public:
  using unique_handle::unique_handle;

  /* DrtOpen. event_fd: -1 or an eventfd made readable while events are queued. */
  static node open(const DRT_SETTINGS& settings, int event_fd = -1, const void* context = nullptr) {
    HDRT h = nullptr;
    const HRESULT hr = check(DrtOpen(&settings, event_fd, context, &h));
    node n(h);
    n.open_result_ = hr;
    return n;
  }
  /* DrtOpenFromConfigFile: errors name the file, key and line in what(). */
  static node open_config(const std::string& path, int event_fd = -1, const void* context = nullptr) {
    HDRT h = nullptr;
    const HRESULT hr = check(DrtOpenFromConfigFile(path.c_str(), event_fd, context, &h));
    node n(h);
    n.open_result_ = hr;
    return n;
  }

  /* S_OK, or DRT_S_RETRY when the first bootstrap round failed and the node keeps trying. */
  [[nodiscard]] HRESULT open_result() const noexcept { return open_result_; }

  [[nodiscard]] registration register_key(key_view k, byte_view app_data, void* key_context = nullptr) {
    DRT_REGISTRATION r{detail::as_data(k), detail::as_data(app_data)};
    HDRT_REGISTRATION_CONTEXT h = nullptr;
    check(DrtRegisterKey(h_, &r, key_context, &h));
    return registration(h);
  }

  /* timeout_ms: DRT_TIMEOUT_INFINITE for none. */
  [[nodiscard]] search start_search(key_view target, const search_options& options = {},
                                    std::uint32_t timeout_ms = DRT_TIMEOUT_INFINITE, int event_fd = -1,
                                    const void* context = nullptr) {
    DRT_DATA target_data = detail::as_data(target);
    key min_copy{}, max_copy{};
    DRT_DATA min_data{}, max_data{};
    DRT_SEARCH_INFO info{};
    info.dwSize = sizeof info;
    info.fIterative = options.iterative ? TRUE : FALSE;
    info.fAllowCurrentInstanceMatch = options.allow_current_instance_match ? TRUE : FALSE;
    info.fAnyMatchInRange = options.any_match_in_range ? TRUE : FALSE;
    info.cMaxEndpoints = options.max_endpoints;
    if (options.min_key) {
      min_copy = *options.min_key;
      min_data = detail::as_data(min_copy);
      info.pMinimumKey = &min_data;
    }
    if (options.max_key) {
      max_copy = *options.max_key;
      max_data = detail::as_data(max_copy);
      info.pMaximumKey = &max_data;
    }
    HDRT_SEARCH_CONTEXT h = nullptr;
    check(DrtStartSearch(h_, &target_data, &info, timeout_ms, event_fd, context, &h));
    return search(h);
  }

  /* The oldest queued event, or std::nullopt when none is queued. */
  std::optional<event> next_event() {
    auto storage = detail::fetch_record<DRT_EVENT_DATA>(
        [&](std::uint32_t* size) { return DrtGetEventDataSize(h_, size); },
        [&](std::uint32_t size, DRT_EVENT_DATA* e) { return DrtGetEventData(h_, size, e); });
    if (!storage) return std::nullopt;
    const auto* e = reinterpret_cast<const DRT_EVENT_DATA*>(storage->data());
    event out;
    out.type = e->type;
    out.hr = e->hr;
    out.context = e->pvContext;
    switch (e->type) {
      case DRT_EVENT_STATUS_CHANGED: {
        out.status = e->statusChange.status;
        const auto& b = e->statusChange.bootstrapAddresses;
        if (b.pAddresses != nullptr) out.bootstrap_addresses.assign(b.pAddresses, b.pAddresses + b.cntAddress);
        break;
      }
      case DRT_EVENT_LEAFSET_KEY_CHANGED:
        out.leafset_change = e->leafsetKeyChange.change;
        out.local_key = detail::to_vector(e->leafsetKeyChange.localKey);
        out.remote_key = detail::to_vector(e->leafsetKeyChange.remoteKey);
        break;
      case DRT_EVENT_REGISTRATION_STATE_CHANGED:
        out.registration_state = e->registrationStateChange.state;
        out.local_key = detail::to_vector(e->registrationStateChange.localKey);
        break;
    }
    return out;
  }

  /* DrtGetInstanceStatistics [OpenDRT]: what the instance sent, received and dropped. */
  [[nodiscard]] DRT_INSTANCE_STATISTICS statistics() const {
    DRT_INSTANCE_STATISTICS s{};
    s.dwSize = sizeof s;
    check(DrtGetInstanceStatistics(h_, &s));
    return s;
  }

  [[nodiscard]] std::string instance_name() const {
    std::uint32_t size = 0;
    check(DrtGetInstanceNameSize(h_, &size));
    std::string name(size, '\0');
    check(DrtGetInstanceName(h_, size, name.data()));
    name.resize(std::strlen(name.c_str()));
    return name;
  }

  /* DrtClose; also what the destructor does. */
  void close() noexcept { reset(); }

 private:
  HRESULT open_result_ = S_OK;
};

}  // namespace drt

#endif /* OPENDRT_DRT_HPP */
