// The common shape of the bootstrap-basic providers (api.md §4.6): a C table whose functions
// forward to one C++ object, the Attach/Detach bookkeeping, and resolve contexts.
//
// Threads: libdrt calls the table members of one object from one instance's worker, never two at
// a time. The resolve callback runs on a thread the provider owns (dns, multicast) or inside
// IssueResolve (static). EndResolve returns only when no callback for that resolve is running
// and none can start; it never waits for one running on its own thread.
#pragma once

#include <plugin_support.hpp>

#include <drt/drt_provider.h>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace drt::plugins::bootstrap {

// One resolve, from InitResolve to EndResolve. Shared with any thread working on it.
class resolve_state {
 public:
  resolve_state(std::uint32_t timeout_ms, std::uint32_t results_max)
      : timeout_ms_(timeout_ms), results_max_(results_max) {}

  [[nodiscard]] std::uint32_t timeout_ms() const { return timeout_ms_; }
  [[nodiscard]] std::uint32_t results_max() const { return results_max_; }

  // Called by IssueResolve; the callback may be made from then on.
  void start(void* context, DRT_BOOTSTRAP_RESOLVE_CALLBACK callback);
  // Stops callbacks and waits for one in progress on another thread (EndResolve).
  void stop() { gate_.close_and_wait(); }
  [[nodiscard]] bool started() const;
  // False once EndResolve (or Detach) stopped it: work for it may be abandoned.
  [[nodiscard]] bool active() const { return gate_.is_open(); }

  // Delivers up to the remaining budget as one S_OK batch; false once the resolve is over
  // (stopped, final call made, or the budget exhausted by this batch: then the caller should
  // finish()). Duplicates of endpoints already delivered are removed first.
  bool deliver(std::vector<sockaddr_in6> batch);
  // The final call (DRT_E_NO_MORE or a failure), made at most once.
  void finish(HRESULT hr);
  [[nodiscard]] bool budget_left() const;
  [[nodiscard]] bool finished() const;

 private:
  void call(HRESULT hr, const SOCKET_ADDRESS_LIST* list);

  const std::uint32_t timeout_ms_;
  const std::uint32_t results_max_;
  support::callback_gate gate_;
  mutable std::mutex mutex_;
  void* context_ = nullptr;
  DRT_BOOTSTRAP_RESOLVE_CALLBACK callback_ = nullptr;
  bool started_ = false;
  bool finished_ = false;
  std::vector<sockaddr_in6> delivered_;
};

class provider {
 public:
  provider();
  virtual ~provider() = default;
  provider(const provider&) = delete;
  provider& operator=(const provider&) = delete;

  [[nodiscard]] DRT_BOOTSTRAP_PROVIDER* table() { return &table_; }

  // DRT_E_BOOTSTRAPPROVIDER_IN_USE when attached already (api.md §5.1.1 row 22).
  [[nodiscard]] virtual HRESULT attach();
  virtual void detach();
  // DRT_E_BOOTSTRAPPROVIDER_NOT_ATTACHED before Attach; E_INVALIDARG for a NULL output.
  [[nodiscard]] HRESULT init_resolve(std::uint32_t timeout_ms, std::uint32_t results_max, void** context);
  // E_INVALIDARG for an unknown context or a NULL callback; E_UNEXPECTED if issued already.
  [[nodiscard]] HRESULT issue_resolve(void* callback_context, DRT_BOOTSTRAP_RESOLVE_CALLBACK callback,
                                      void* context);
  void end_resolve(void* context);
  [[nodiscard]] virtual HRESULT register_endpoints(const std::vector<sockaddr_in6>& endpoints);
  virtual void unregister_endpoints();

 protected:
  // Starts the work of an issued resolve; the callback may run inside this call.
  [[nodiscard]] virtual HRESULT run(const std::shared_ptr<resolve_state>& resolve) = 0;
  // After the resolve's callbacks stopped (EndResolve): release what run() holds for it.
  virtual void forget(const std::shared_ptr<resolve_state>&) {}
  [[nodiscard]] bool attached() const { return attached_; }

 private:
  DRT_BOOTSTRAP_PROVIDER table_{};
  bool attached_ = false;
  std::map<void*, std::shared_ptr<resolve_state>> resolves_;
};

}  // namespace drt::plugins::bootstrap
