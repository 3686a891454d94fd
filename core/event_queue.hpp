// core: pending-item queues that drive the application's event descriptor (spec/api.md §1.9).
//
// A source (an instance's event queue, a search's result queue) is pending while it holds an
// item or an unreported terminal state. A descriptor is readable while any of its sources is
// pending: the notifier writes 1 when an item is queued and drains the eventfd when the last
// pending source of that descriptor goes idle. Queue changes and readiness changes happen under
// one lock, so an item queued concurrently always re-arms the descriptor. Thread-safe.
#pragma once

#include <drt/drt.h>

#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace drt::core {

using key_bytes = std::array<std::uint8_t, DRT_KEY_SIZE>;

class fd_notifier {
 public:
  std::mutex& mutex() { return mutex_; }
  // Both are called with mutex() held.
  void on_item_queued(int fd, bool source_was_pending);
  void on_source_idle(int fd);

 private:
  std::mutex mutex_;
  std::unordered_map<int, std::uint32_t> pending_sources_;
};

// True when fd is -1, or an open descriptor (spec/api.md §1.9 rule 1).
bool event_fd_is_acceptable(int fd);
// Sets O_NONBLOCK (rule 2); no-op for -1.
void event_fd_make_nonblocking(int fd);

// One DRT_EVENT_DATA in owned form.
struct queued_event {
  DRT_EVENT_TYPE type = DRT_EVENT_STATUS_CHANGED;
  HRESULT hr = S_OK;
  DRT_STATUS status = DRT_ALONE;
  DRT_LEAFSET_KEY_CHANGE_TYPE change = DRT_LEAFSET_KEY_ADDED;
  key_bytes local_key{};
  key_bytes remote_key{};
  std::vector<sockaddr_storage> bootstrap_addresses;

  // Bytes DrtGetEventData needs for it (spec/api.md §4.12).
  std::uint32_t size_bytes() const;
  // Writes the self-contained layout into buf (at least size_bytes(), aligned).
  void write_to(DRT_EVENT_DATA* buf, const void* pv_context) const;
};

// An instance's event queue (spec/api.md §4.11): at most 4096 events; when full the oldest
// leaf-set event is discarded; status and registration events are never discarded.
class event_queue {
 public:
  static constexpr std::size_t events_max = 4096;

  event_queue(fd_notifier& notifier, int fd) : notifier_(notifier), fd_(fd) {}
  ~event_queue() { clear(); }
  event_queue(const event_queue&) = delete;
  event_queue& operator=(const event_queue&) = delete;

  void push(queued_event ev);
  // DrtGetEventDataSize: S_OK with the size, or DRT_E_NO_MORE.
  HRESULT peek_size(std::uint32_t* size);
  // DrtGetEventData: copies and removes the oldest event.
  HRESULT pop(std::uint32_t buffer_bytes, DRT_EVENT_DATA* out, const void* pv_context);
  // Discards everything and stops being a source (DrtClose).
  void clear();
  std::size_t size();
  std::uint64_t discarded() const { return discarded_; }

 private:
  fd_notifier& notifier_;
  int fd_;
  std::deque<queued_event> events_;
  std::uint64_t discarded_ = 0;
};

}  // namespace drt::core
