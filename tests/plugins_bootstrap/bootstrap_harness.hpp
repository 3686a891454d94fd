// Drives one bootstrap provider of the bootstrap-basic plugin through its C table only, as
// libdrt does, and records what its resolve callback delivers.
#pragma once

#include "provider_plugin.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace drt::tests {

[[nodiscard]] std::string bootstrap_plugin_path();

// The DRT's side of one resolve (api.md §4.6 callback protocol). Thread-safe.
class resolve_recorder {
 public:
  static void callback(HRESULT hr, void* ctx, SOCKET_ADDRESS_LIST* list, BOOL fatal);
  bool wait_final();
  [[nodiscard]] std::vector<std::vector<sockaddr_in6>> batches();
  [[nodiscard]] HRESULT final_hr();
  [[nodiscard]] int calls();
  [[nodiscard]] bool protocol_broken();  // a call after the final one, an empty S_OK batch, a fatal flag

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<sockaddr_in6>> batches_;
  bool finished_ = false;
  HRESULT final_ = S_OK;
  int calls_ = 0;
  bool broken_ = false;
};

class bootstrap {
 public:
  bootstrap(const provider_plugin& plugin, const std::string& name, params& p);
  ~bootstrap();
  bootstrap(const bootstrap&) = delete;
  bootstrap& operator=(const bootstrap&) = delete;

  [[nodiscard]] HRESULT created() const { return created_; }
  [[nodiscard]] DRT_BOOTSTRAP_PROVIDER* table() const { return table_; }
  [[nodiscard]] HRESULT attach() { return table_->Attach(table_->pvContext); }
  void detach() { table_->Detach(table_->pvContext); }
  [[nodiscard]] HRESULT init(std::uint32_t timeout_ms, std::uint32_t results_max, void** context);
  [[nodiscard]] HRESULT issue(void* context, resolve_recorder& r);
  void end(void* context) { table_->EndResolve(table_->pvContext, context); }
  [[nodiscard]] HRESULT register_endpoints(const std::vector<sockaddr_in6>& endpoints);
  void unregister() { table_->Unregister(table_->pvContext); }

  // InitResolve + IssueResolve, wait for the final call, EndResolve.
  [[nodiscard]] HRESULT resolve(resolve_recorder& r, std::uint32_t results_max = 10, std::uint32_t timeout_ms = 5000);

 private:
  const DRT_PROVIDER_DESCRIPTOR* descriptor_ = nullptr;
  DRT_BOOTSTRAP_PROVIDER* table_ = nullptr;
  HRESULT created_ = E_FAIL;
};

}  // namespace drt::tests
