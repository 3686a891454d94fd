// core: one search (HDRT_SEARCH_CONTEXT): its parameters, result queue, path and terminal state
// (spec/api.md §5.3). The queue is a descriptor source (§1.9) and is guarded by the notifier's
// lock; the rest is [worker] state of the owning instance.
#pragma once

#include "event_queue.hpp"
#include "engine/key_math.hpp"

#include <asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace drt::core {

class instance;

struct search_params {
  key_bytes target{};
  key_bytes min{};
  key_bytes max{};
  bool has_range = false;  // pMinimumKey/pMaximumKey were given
  bool iterative = false;
  bool allow_current_instance = false;
  bool any_match_in_range = false;
  std::uint32_t max_endpoints = 1;  // effective: 1 when iterative; at most 16 results (D23)
  std::uint32_t timeout_ms = 0;
};

struct search_result_item {
  DRT_MATCH_TYPE type = DRT_MATCH_EXACT;
  key_bytes key{};
  std::vector<std::uint8_t> app_data;
  std::uint32_t size_bytes() const {
    return static_cast<std::uint32_t>(sizeof(DRT_SEARCH_RESULT) + DRT_KEY_SIZE + app_data.size());
  }
};

class search {
 public:
  enum class state { running, paused, completed, timed_out, faulted };

  search(std::weak_ptr<instance> owner, search_params params, int fd, const void* pv_context);
  ~search();

  const search_params& params() const { return params_; }
  std::weak_ptr<instance> owner() const { return owner_; }
  void* handle = nullptr;
  std::uint64_t engine_id = 0;                // [worker] the engine's search id
  std::unique_ptr<asio::steady_timer> timer;  // [worker] the search's timeout, if any

  // One result from the engine, then the end: DRT_E_NO_MORE (or any failure the engine gives),
  // DRT_E_TIMEOUT or DRT_E_FAULTED.
  void add_result(search_result_item item);
  void finish(HRESULT hr);
  bool finished();
  // The nodes contacted so far, replaced as the engine reports them.
  void set_path(std::vector<DRT_ADDRESS> path);
  void time_out();
  void end_by_fault();
  void end_by_close();

  HRESULT peek_size(std::uint32_t* size);
  HRESULT pop(std::uint32_t buffer_bytes, DRT_SEARCH_RESULT* out);
  // Search path (§5.3.5): the nodes contacted so far.
  std::uint32_t path_size_bytes();
  HRESULT copy_path(std::uint32_t buffer_bytes, DRT_ADDRESS_LIST* out);

 private:
  bool pending_locked() const;
  void finish_locked(state s);
  HRESULT terminal_code_locked();

  std::weak_ptr<instance> owner_;
  search_params params_;
  int fd_;
  const void* pv_context_;
  state state_ = state::running;
  bool terminal_reported_ = false;
  std::deque<search_result_item> results_;
  std::vector<DRT_ADDRESS> path_;
};

}  // namespace drt::core
