// core: one DRT instance (HDRT): its copied settings and providers, its attach state, its
// registrations and searches, its event queue, and the protocol engine it drives: datagrams from
// the transport, timers, bootstrap results and API calls go in on the strand; datagrams, events,
// search results and bootstrap requests come out of pump().
//
// Thread-safety: the fields marked [worker] are touched only on the instance's strand (provider
// callbacks are therefore never concurrent, spec/api.md §1.10). `closing`, `status` and the
// event queue may be read from any thread.
#pragma once

#include "engine/node.hpp"
#include "event_queue.hpp"
#include "library.hpp"
#include "runtime/security_adapter.hpp"
#include "runtime/socket_address.hpp"
#include "runtime/system_random.hpp"

#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace drt::core {

class instance;
class search;

struct registration {
  std::weak_ptr<instance> owner;
  key_bytes key{};
  std::vector<std::uint8_t> app_data;  // [worker]
  void* key_context = nullptr;
  void* handle = nullptr;
};

// Marks the current thread as running a provider callback of an instance; (W) functions of
// that instance then refuse with E_UNEXPECTED instead of waiting on themselves.
class callback_scope {
 public:
  explicit callback_scope(const instance* inst);
  ~callback_scope();
  callback_scope(const callback_scope&) = delete;
  callback_scope& operator=(const callback_scope&) = delete;
  static bool active_for(const instance* inst);
  // The same marking without a scope object, for calls the engine makes (security_adapter).
  static void enter(const instance* inst);
  static void leave();
};

class instance : public std::enable_shared_from_this<instance> {
 public:
  instance(const DRT_SETTINGS& settings, int event_fd, const void* pv_context,
           std::shared_ptr<transport_object> transport);
  ~instance();

  // DrtOpen steps after validation (spec/api.md §5.1.1); runs on the strand. Returns S_OK,
  // DRT_S_RETRY or the failure, after detaching whatever was attached.
  HRESULT open();
  // DrtClose steps (spec/api.md §5.1.2); runs on the strand.
  void close();

  HRESULT register_key(const DRT_REGISTRATION& reg, void* key_context, void** out_handle);
  void unregister_key(const std::shared_ptr<registration>& r);
  HRESULT update_key(const std::shared_ptr<registration>& r, const DRT_DATA& data);

  // Searches [worker]: handed to the engine; results arrive through pump().
  HRESULT start_search(const std::shared_ptr<search>& s);
  HRESULT continue_search(const std::shared_ptr<search>& s);
  void end_search(const std::shared_ptr<search>& s);

  // The engine's counters (dropped messages by reason, traffic) [worker].
  engine::node_counters counters() const;

  // State readable from any thread.
  std::atomic<bool> closing{false};
  DRT_STATUS status() const { return status_.load(); }
  const std::string& name() const { return name_; }
  const void* pv_context() const { return pv_context_; }
  int event_fd() const { return event_fd_; }
  event_queue& events() { return events_; }
  runtime::strand& strand() { return strand_; }
  transport_object& transport() { return *transport_; }
  // The application's provider pointers, as registered in library::attached.
  const void* security_pointer() const { return security_pointer_; }
  const void* bootstrap_pointer() const { return bootstrap_pointer_; }
  void* handle = nullptr;

  // Providers and transport created by DrtOpenFromConfigFile; released after close.
  std::vector<std::function<void()>> owned_cleanup;

  // Registrations by key [worker]; searches of this instance [worker].
  std::map<key_bytes, std::shared_ptr<registration>> registrations;
  std::vector<std::shared_ptr<search>> searches;

  // Statistics for diagnostics and tests.
  std::atomic<std::uint64_t> datagrams_received{0};
  std::atomic<std::uint64_t> datagrams_dropped_in_flight{0};  // flood beyond the in-flight bound
  std::atomic<std::uint32_t> datagrams_in_flight{0};

 private:
  HRESULT attach_all();
  void detach_all();
  HRESULT check_transport_for_registration(bool* no_dest);
  HRESULT local_addresses(std::vector<sockaddr_in6>& out);
  HRESULT start_bootstrap_round(const engine::bootstrap_request& request, bool* fatal);
  void run_bootstrap_request(const engine::bootstrap_request& request);
  void end_bootstrap_round();
  void on_bootstrap_result(HRESULT hr, std::vector<sockaddr_in6> addrs, bool fatal);
  void on_address_change();
  void on_datagram(const sockaddr_in6& from, const sockaddr_in6& local, std::vector<std::uint8_t> data);
  void set_status(DRT_STATUS s, HRESULT hr, std::vector<sockaddr_storage> addrs = {});
  void fault(HRESULT hr);
  void register_with_bootstrap();

  // The engine side [worker].
  std::uint64_t now_ms() const;
  HRESULT create_engine();
  void feed_local_endpoints(const std::vector<sockaddr_in6>& addrs);
  void pump();
  void on_engine_event(const engine::node_event& e);
  void on_engine_result(const engine::search_result& r);
  void schedule_engine_timer();
  static void bootstrap_callback(HRESULT hr, void* ctx, SOCKET_ADDRESS_LIST* list, BOOL fatal);
  static void transport_on_datagram(void* ctx, const sockaddr_in6* from, const sockaddr_in6* local,
                                    const std::uint8_t* pb, std::uint32_t cb);
  static void transport_on_address_change(void* ctx);
  // DRT_TRANSPORT_CORE_RECEIVES (ABI 1.1): the worker waits for the transport's descriptor and
  // reads it with Receive, so a datagram goes from the socket to the engine on one thread.
  void start_core_receive();
  void arm_core_receive();
  void on_core_receive_ready();
  void stop_core_receive();
  static void transport_on_fault(void* ctx, HRESULT hr);

  DRT_SETTINGS settings_{};
  std::string prefix_;
  std::string name_;
  int event_fd_;
  const void* pv_context_;
  const void* security_pointer_;
  const void* bootstrap_pointer_;
  DRT_SECURITY_PROVIDER security_{};
  DRT_BOOTSTRAP_PROVIDER bootstrap_{};
  std::shared_ptr<transport_object> transport_;
  runtime::strand strand_;
  event_queue events_;
  std::atomic<DRT_STATUS> status_{DRT_ALONE};
  bool status_reported_ = false;  // "opening" counts as ALONE but raises no event

  // [worker]
  bool transport_attached_ = false;
  bool security_attached_ = false;
  bool bootstrap_attached_ = false;
  bool bootstrap_registered_ = false;
  bool resolve_running_ = false;
  DRT_BOOTSTRAP_RESOLVE_CONTEXT resolve_context_ = nullptr;
  std::vector<sockaddr_in6> round_addresses_;
  HRESULT round_last_failure_ = S_OK;
  std::uint64_t round_id_ = 0;        // the engine's id of the running resolve
  std::deque<engine::bootstrap_request> bootstrap_queue_;  // waiting for the running resolve
  const std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  runtime::system_random rng_;
  std::unique_ptr<runtime::security_adapter> security_adapter_;
  std::unique_ptr<engine::node> engine_;
  std::map<std::uint64_t, std::weak_ptr<search>> engine_searches_;
  asio::steady_timer engine_timer_;
  std::uint64_t engine_timer_due_ = UINT64_MAX;
  bool pumping_ = false;
  std::shared_ptr<std::weak_ptr<instance>> callback_target_;
  std::unique_ptr<asio::posix::stream_descriptor> receive_wait_;  // borrows the transport's fd
  // Set by the worker around Receive: OnDatagram then feeds the engine inline. Only the worker
  // writes it; the transport's own threads read it.
  std::atomic<bool> receiving_inline_{false};
};

// Key bytes of a DRT_DATA known to hold 32 bytes.
key_bytes to_key(const DRT_DATA& d);

// Address conversions for the instance's files (core/runtime/socket_address.hpp).
using runtime::copy_ipv6_addresses;
using runtime::to_endpoint;
using runtime::to_endpoints;
using runtime::to_sockaddr;

}  // namespace drt::core
