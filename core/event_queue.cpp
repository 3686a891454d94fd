#include "event_queue.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace drt::core {

void fd_notifier::on_item_queued(int fd, bool source_was_pending) {
  if (fd < 0) return;
  if (!source_was_pending) ++pending_sources_[fd];
  const std::uint64_t one = 1;
  // Write failures are ignored (spec/api.md §1.9 rule 7): the counter only means "readable".
  [[maybe_unused]] auto written = ::write(fd, &one, sizeof one);
}

void fd_notifier::on_source_idle(int fd) {
  if (fd < 0) return;
  auto it = pending_sources_.find(fd);
  if (it == pending_sources_.end()) return;
  if (--it->second != 0) return;
  pending_sources_.erase(it);
  std::uint64_t value = 0;
  while (::read(fd, &value, sizeof value) > 0) {
  }
}

bool event_fd_is_acceptable(int fd) {
  if (fd == -1) return true;
  if (fd < -1) return false;
  return ::fcntl(fd, F_GETFL) != -1;
}

void event_fd_make_nonblocking(int fd) {
  if (fd < 0) return;
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags != -1) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

std::uint32_t queued_event::size_bytes() const {
  switch (type) {
    case DRT_EVENT_LEAFSET_KEY_CHANGED:
      return sizeof(DRT_EVENT_DATA) + 2 * DRT_KEY_SIZE;
    case DRT_EVENT_REGISTRATION_STATE_CHANGED:
      return sizeof(DRT_EVENT_DATA) + DRT_KEY_SIZE;
    case DRT_EVENT_STATUS_CHANGED:
    default:
      return static_cast<std::uint32_t>(sizeof(DRT_EVENT_DATA) +
                                        bootstrap_addresses.size() * sizeof(sockaddr_storage));
  }
}

void queued_event::write_to(DRT_EVENT_DATA* out, const void* pv_context) const {
  std::memset(out, 0, sizeof *out);
  out->type = type;
  out->hr = hr;
  out->pvContext = const_cast<void*>(pv_context);
  auto* tail = reinterpret_cast<std::uint8_t*>(out + 1);
  switch (type) {
    case DRT_EVENT_LEAFSET_KEY_CHANGED:
      out->leafsetKeyChange.change = change;
      std::memcpy(tail, local_key.data(), DRT_KEY_SIZE);
      std::memcpy(tail + DRT_KEY_SIZE, remote_key.data(), DRT_KEY_SIZE);
      out->leafsetKeyChange.localKey = {DRT_KEY_SIZE, tail};
      out->leafsetKeyChange.remoteKey = {DRT_KEY_SIZE, tail + DRT_KEY_SIZE};
      break;
    case DRT_EVENT_REGISTRATION_STATE_CHANGED:
      out->registrationStateChange.state = DRT_REGISTRATION_STATE_UNRESOLVEABLE;
      std::memcpy(tail, local_key.data(), DRT_KEY_SIZE);
      out->registrationStateChange.localKey = {DRT_KEY_SIZE, tail};
      break;
    case DRT_EVENT_STATUS_CHANGED:
    default: {
      out->statusChange.status = status;
      const auto n = static_cast<std::uint32_t>(bootstrap_addresses.size());
      out->statusChange.bootstrapAddresses.cntAddress = n;
      if (n > 0) {
        auto* addrs = reinterpret_cast<sockaddr_storage*>(tail);
        std::copy(bootstrap_addresses.begin(), bootstrap_addresses.end(), addrs);
        out->statusChange.bootstrapAddresses.pAddresses = addrs;
      }
      break;
    }
  }
}

void event_queue::push(queued_event ev) {
  std::lock_guard lock(notifier_.mutex());
  if (events_.size() >= events_max) {
    auto oldest_leafset = std::find_if(events_.begin(), events_.end(), [](const queued_event& e) {
      return e.type == DRT_EVENT_LEAFSET_KEY_CHANGED;
    });
    if (oldest_leafset != events_.end()) {
      events_.erase(oldest_leafset);
      ++discarded_;
    } else if (ev.type == DRT_EVENT_LEAFSET_KEY_CHANGED) {
      ++discarded_;  // nothing older may go; the new leaf-set event is the one dropped
      return;
    }
  }
  const bool was_pending = !events_.empty();
  events_.push_back(std::move(ev));
  notifier_.on_item_queued(fd_, was_pending);
}

HRESULT event_queue::peek_size(std::uint32_t* size) {
  std::lock_guard lock(notifier_.mutex());
  if (events_.empty()) {
    *size = 0;
    return DRT_E_NO_MORE;
  }
  *size = events_.front().size_bytes();
  return S_OK;
}

HRESULT event_queue::pop(std::uint32_t buffer_bytes, DRT_EVENT_DATA* out, const void* pv_context) {
  std::lock_guard lock(notifier_.mutex());
  if (events_.empty()) return DRT_E_NO_MORE;
  if (buffer_bytes < events_.front().size_bytes()) return DRT_E_INSUFFICIENT_BUFFER;
  events_.front().write_to(out, pv_context);
  events_.pop_front();
  if (events_.empty()) notifier_.on_source_idle(fd_);
  return S_OK;
}

void event_queue::clear() {
  std::lock_guard lock(notifier_.mutex());
  if (events_.empty()) return;
  events_.clear();
  notifier_.on_source_idle(fd_);
}

std::size_t event_queue::size() {
  std::lock_guard lock(notifier_.mutex());
  return events_.size();
}

}  // namespace drt::core
