// core: search result queues (spec/api.md §5.3); the engine finds the results.
#include "search.hpp"

#include "library.hpp"

#include <algorithm>
#include <cstring>

namespace drt::core {
namespace {
constexpr std::size_t results_max = 16;  // protocol.md D23
}

search::search(std::weak_ptr<instance> owner, search_params params, int fd, const void* pv_context)
    : owner_(std::move(owner)), params_(params), fd_(fd), pv_context_(pv_context) {}

search::~search() { end_by_close(); }

bool search::pending_locked() const {
  return !results_.empty() || (state_ != state::running && state_ != state::paused && !terminal_reported_);
}

void search::finish_locked(state s) {
  if (state_ != state::running && state_ != state::paused) return;
  const bool was_pending = pending_locked();
  state_ = s;
  lib().notifier.on_item_queued(fd_, was_pending);
}

void search::add_result(search_result_item item) {
  std::lock_guard lock(lib().notifier.mutex());
  if (state_ != state::running && state_ != state::paused) return;
  if (results_.size() >= results_max) return;  // protocol.md D23: at most 16 per search
  const bool was_pending = pending_locked();
  results_.push_back(std::move(item));
  lib().notifier.on_item_queued(fd_, was_pending);
}

void search::finish(HRESULT hr) {
  std::lock_guard lock(lib().notifier.mutex());
  finish_locked(hr == DRT_E_TIMEOUT ? state::timed_out : hr == DRT_E_FAULTED ? state::faulted : state::completed);
}

bool search::finished() {
  std::lock_guard lock(lib().notifier.mutex());
  return state_ != state::running && state_ != state::paused;
}

void search::set_path(std::vector<DRT_ADDRESS> path) {
  std::lock_guard lock(lib().notifier.mutex());
  path_ = std::move(path);
}

void search::time_out() {
  std::lock_guard lock(lib().notifier.mutex());
  finish_locked(state::timed_out);
}

void search::end_by_fault() {
  std::lock_guard lock(lib().notifier.mutex());
  finish_locked(state::faulted);
}

void search::end_by_close() {
  std::lock_guard lock(lib().notifier.mutex());
  const bool was_pending = pending_locked();
  results_.clear();
  path_.clear();
  state_ = state::completed;
  terminal_reported_ = true;
  if (was_pending) lib().notifier.on_source_idle(fd_);
}

HRESULT search::terminal_code_locked() {
  switch (state_) {
    case state::completed:
      return DRT_E_NO_MORE;
    case state::timed_out:
      return DRT_E_TIMEOUT;
    case state::faulted:
      return DRT_E_FAULTED;
    default:
      return DRT_E_SEARCH_IN_PROGRESS;
  }
}

HRESULT search::peek_size(std::uint32_t* size) {
  std::lock_guard lock(lib().notifier.mutex());
  *size = 0;
  if (state_ == state::faulted) {
    const bool was_pending = pending_locked();
    results_.clear();  // spec/api.md §5.3.3 row 4: queued results are discarded
    terminal_reported_ = true;
    if (was_pending) lib().notifier.on_source_idle(fd_);
    return DRT_E_FAULTED;
  }
  if (!results_.empty()) {
    *size = results_.front().size_bytes();
    return S_OK;
  }
  const HRESULT hr = terminal_code_locked();
  if (hr != DRT_E_SEARCH_IN_PROGRESS && !terminal_reported_) {
    terminal_reported_ = true;
    lib().notifier.on_source_idle(fd_);
  }
  return hr;
}

HRESULT search::pop(std::uint32_t buffer_bytes, DRT_SEARCH_RESULT* out) {
  std::uint32_t size = 0;
  const HRESULT hr = peek_size(&size);
  if (hr != S_OK) return hr;
  std::lock_guard lock(lib().notifier.mutex());
  if (results_.empty()) return DRT_E_SEARCH_IN_PROGRESS;
  const search_result_item& item = results_.front();
  if (buffer_bytes < item.size_bytes()) return DRT_E_INSUFFICIENT_BUFFER;
  auto* tail = reinterpret_cast<std::uint8_t*>(out + 1);
  std::memset(out, 0, sizeof *out);
  out->dwSize = sizeof(DRT_SEARCH_RESULT);
  out->type = item.type;
  out->pvContext = const_cast<void*>(pv_context_);
  std::memcpy(tail, item.key.data(), DRT_KEY_SIZE);
  out->registration.key = {DRT_KEY_SIZE, tail};
  if (!item.app_data.empty()) {
    std::memcpy(tail + DRT_KEY_SIZE, item.app_data.data(), item.app_data.size());
    out->registration.appData = {static_cast<std::uint32_t>(item.app_data.size()), tail + DRT_KEY_SIZE};
  }
  results_.pop_front();
  if (!pending_locked()) lib().notifier.on_source_idle(fd_);
  return S_OK;
}

std::uint32_t search::path_size_bytes() {
  std::lock_guard lock(lib().notifier.mutex());
  return static_cast<std::uint32_t>(std::max(sizeof(DRT_ADDRESS_LIST),
                                             offsetof(DRT_ADDRESS_LIST, AddressList) + path_.size() * sizeof(DRT_ADDRESS)));
}

HRESULT search::copy_path(std::uint32_t buffer_bytes, DRT_ADDRESS_LIST* out) {
  const std::uint32_t need = path_size_bytes();
  std::lock_guard lock(lib().notifier.mutex());
  if (buffer_bytes < need) return DRT_E_INSUFFICIENT_BUFFER;
  out->AddressCount = static_cast<std::uint32_t>(path_.size());
  std::copy(path_.begin(), path_.end(), out->AddressList);
  return S_OK;
}

}  // namespace drt::core
