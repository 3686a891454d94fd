#include "udp_transport.hpp"

#include <asio/post.hpp>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <future>
#include <system_error>

namespace drt::plugins::transport {
namespace {

constexpr int datagrams_per_wakeup = 64;             // then yield to the monitor and the queue

bool same_address(const sockaddr_in6& a, const sockaddr_in6& b) {
  return a.sin6_scope_id == b.sin6_scope_id &&
         std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr) == 0;
}

bool transient_receive_error(int err) {
  // Errors an unconnected UDP socket may report for earlier datagrams, or resource pressure.
  return err == EINTR || err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH ||
         err == ENOMEM || err == ENOBUFS || err == EPROTO;
}

}  // namespace

udp_transport::udp_transport(construction_key, const transport_options& options,
                             std::shared_ptr<io_loop> loop)
    : options_(options),
      loop_(std::move(loop)),
      socket_(loop_->context()),
      netlink_(loop_->context()),
      flush_timer_(loop_->context()) {}

HRESULT udp_transport::create(const transport_options& options, std::unique_ptr<udp_transport>& out,
                              std::string& detail) {
  std::unique_ptr<udp_transport> self;
  try {
    self = std::make_unique<udp_transport>(construction_key{}, options, io_loop::acquire());
  } catch (const std::system_error& e) {
    // asio opens its reactor (epoll, eventfd, timerfd) here: api.md §5.5.1 row 10.
    detail = std::string("the I/O machinery cannot be started: ") + e.what();
    return DRT_E_TRANSPORT_UNEXPECTED;
  }
  if (HRESULT hr = self->open_socket(detail); FAILED(hr)) return hr;
  if (HRESULT hr = self->open_address_monitor(detail); FAILED(hr)) return hr;
  {
    std::lock_guard lock(self->addresses_mutex_);
    self->addresses_ = usable_addresses(options.scope);
    self->link_interface_ = options.scope.scope == DRT_LINK_LOCAL_SCOPE && !options.scope.loopback
                                ? (options.scope.scope_id != 0 ? options.scope.scope_id
                                                               : default_link_local_interface())
                                : 0;
  }
  // Armed on the loop thread, which may already be serving other transports.
  asio::post(self->loop_->context(), [t = self.get()] {
    t->start_receive();
    t->start_monitor();
  });
  out = std::move(self);
  return S_OK;
}

udp_transport::~udp_transport() {
  gate_.close_and_wait();
  // Closing cancels this transport's waits; their aborted handlers are queued on the loop before
  // the marker posted after them, so once the marker has run no handler can touch this object.
  std::promise<void> drained;
  auto done = drained.get_future();
  asio::post(loop_->context(), [this, &drained] {
    closing_ = true;
    std::error_code ignored;
    flush_timer_.cancel();
    if (socket_.is_open()) {
      socket_.close(ignored);
    } else if (fd_ >= 0) {
      ::close(fd_);  // released to the core's receiving and never taken back
    }
    netlink_.close(ignored);
    asio::post(loop_->context(), [&drained] { drained.set_value(); });
  });
  done.wait();
}

HRESULT udp_transport::open_socket(std::string& detail) {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
  if (fd < 0) {
    detail = std::string("socket(AF_INET6, SOCK_DGRAM): ") + std::strerror(errno);
    return support::hresult_from_errno(errno, DRT_E_TRANSPORT_UNEXPECTED);
  }
  std::error_code ec;
  socket_.assign(asio::ip::udp::v6(), fd, ec);
  fd_ = fd;
  if (ec) {
    ::close(fd);
    detail = "cannot hand the socket to asio: " + ec.message();
    return DRT_E_TRANSPORT_UNEXPECTED;
  }
  const int on = 1;
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0 ||
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) != 0) {
    detail = std::string("setsockopt: ") + std::strerror(errno);
    return support::hresult_from_errno(errno, DRT_E_TRANSPORT_UNEXPECTED);
  }
  sockaddr_in6 local{};
  local.sin6_family = AF_INET6;
  local.sin6_port = htons(options_.port);
  local.sin6_addr = options_.scope.loopback ? in6addr_loopback : in6addr_any;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    const int err = errno;
    detail = "bind(" + support::endpoint_text(local) + "): " + std::strerror(err);
    return support::hresult_from_errno(err, DRT_E_TRANSPORT_UNEXPECTED);
  }
  socklen_t length = sizeof local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
    detail = std::string("getsockname: ") + std::strerror(errno);
    return DRT_E_TRANSPORT_UNEXPECTED;
  }
  port_ = ntohs(local.sin6_port);
  return S_OK;
}

HRESULT udp_transport::open_address_monitor(std::string& detail) {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) {
    detail = std::string("netlink socket: ") + std::strerror(errno);
    return DRT_E_TRANSPORT_UNEXPECTED;
  }
  sockaddr_nl nl{};
  nl.nl_family = AF_NETLINK;
  nl.nl_groups = RTMGRP_IPV6_IFADDR | RTMGRP_LINK;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&nl), sizeof nl) != 0) {
    detail = std::string("netlink bind: ") + std::strerror(errno);
    ::close(fd);
    return DRT_E_TRANSPORT_UNEXPECTED;
  }
  std::error_code ec;
  netlink_.assign(fd, ec);
  if (ec) {
    ::close(fd);
    detail = "cannot hand the netlink socket to asio: " + ec.message();
    return DRT_E_TRANSPORT_UNEXPECTED;
  }
  return S_OK;
}

// ---- I/O thread ----------------------------------------------------------------------------

void udp_transport::start_receive() {
  if (core_receives_.load() || !socket_.is_open()) return;
  loop_receiving_ = true;
  socket_.async_wait(asio::socket_base::wait_read, [this](const std::error_code& ec) {
    loop_receiving_ = false;
    if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
    if (ec) {
      fault(DRT_E_TRANSPORT_UNEXPECTED);
      return;
    }
    continue_receive();
  });
}

void udp_transport::continue_receive() {
  if (core_receives_.load() || !socket_.is_open() || faulted_.load()) return;  // the core reads
  std::vector<std::uint8_t>& buffer = loop_->receive_buffer(options_.datagram_bytes_max);
  if (drain_socket(buffer, datagrams_per_wakeup) < datagrams_per_wakeup) {
    if (!faulted_.load()) start_receive();
    return;
  }
  // More may wait, and the edge-triggered wait would not report it: continue after the other
  // handlers of the loop had their turn.
  loop_receiving_ = true;
  asio::post(loop_->context(), [this] {
    loop_receiving_ = false;
    continue_receive();
  });
}

std::uint32_t udp_transport::drain_socket(std::span<std::uint8_t> buffer, std::uint32_t max) {
  std::uint32_t n = 0;
  for (; n < max; ++n) {
    sockaddr_in6 from{};
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in6_pktinfo))];
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t got = ::recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_TRUNC);
    if (got < 0) {
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return n;
      if (transient_receive_error(err)) {
        ++counters_.receive_errors;
        continue;
      }
      fault(support::hresult_from_errno(err, DRT_E_TRANSPORT_UNEXPECTED));
      return n;
    }
    ++counters_.received;
    if ((msg.msg_flags & MSG_TRUNC) != 0 || static_cast<std::size_t>(got) > options_.datagram_bytes_max) {
      ++counters_.oversized_received;
      continue;
    }
    if (msg.msg_namelen < sizeof from || from.sin6_family != AF_INET6) {
      ++counters_.receive_errors;
      continue;
    }
    sockaddr_in6 local{};
    local.sin6_family = AF_INET6;
    local.sin6_port = htons(port_);
    bool have_local = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        local.sin6_addr = info.ipi6_addr;
        local.sin6_scope_id = IN6_IS_ADDR_LINKLOCAL(&info.ipi6_addr) ? info.ipi6_ifindex : 0;
        have_local = true;
        if (options_.scope.scope == DRT_LINK_LOCAL_SCOPE && !options_.scope.loopback) {
          std::lock_guard lock(addresses_mutex_);
          if (info.ipi6_ifindex != link_interface_) have_local = false;
        }
      }
    }
    if (!have_local) {
      ++counters_.dropped_other_interface;
      continue;
    }
    if (!gate_.enter()) {
      ++counters_.dropped_detached;
      continue;
    }
    ++counters_.delivered;
    callbacks_.OnDatagram(callbacks_.pvContext, &from, &local, buffer.data(),
                          static_cast<std::uint32_t>(got));
    gate_.leave();
  }
  return n;
}

void udp_transport::start_monitor() {
  netlink_.async_wait(asio::posix::descriptor_base::wait_read, [this](const std::error_code& ec) {
    if (ec == asio::error::operation_aborted || !netlink_.is_open()) return;
    if (ec) return;  // no more notifications; the addresses stay as they were
    // Drain every notification (ENOBUFS = some were lost: re-reading the table covers them).
    std::array<char, 8192> buffer;
    for (;;) {
      const ssize_t got = ::recv(netlink_.native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0 && errno != ENOBUFS) break;
    }
    refresh_addresses();
    start_monitor();
  });
}

void udp_transport::refresh_addresses() {
  std::vector<sockaddr_in6> now = usable_addresses(options_.scope);
  bool changed = false;
  {
    std::lock_guard lock(addresses_mutex_);
    if (options_.scope.scope == DRT_LINK_LOCAL_SCOPE && !options_.scope.loopback && options_.scope.scope_id == 0) {
      link_interface_ = default_link_local_interface();
    }
    changed = now.size() != addresses_.size() ||
              !std::equal(now.begin(), now.end(), addresses_.begin(), same_address);
    if (changed) addresses_ = std::move(now);
  }
  if (!changed) return;
  ++counters_.address_changes;
  if (!gate_.enter()) return;
  callbacks_.OnAddressChange(callbacks_.pvContext);
  gate_.leave();
}

void udp_transport::fault(HRESULT hr) {
  if (faulted_.exchange(true)) return;
  if (!gate_.enter()) return;
  callbacks_.OnFault(callbacks_.pvContext, hr);
  gate_.leave();
}

void udp_transport::schedule_flush() {
  // Called with queue_mutex_ held.
  if (flush_pending_) return;
  flush_pending_ = true;
  asio::post(loop_->context(), [this] { arm_flush(); });
}

void udp_transport::arm_flush() {
  if (closing_) return;
  if (!socket_.is_open()) {
    // Released to the core's receiving: not registered with the loop, so no write wait; the
    // socket buffer drains within a millisecond on any link we serve.
    flush_timer_.expires_after(std::chrono::milliseconds(1));
    flush_timer_.async_wait([this](const std::error_code& ec) {
      if (!ec && !closing_) flush_queue();
    });
    return;
  }
  socket_.async_wait(asio::socket_base::wait_write, [this](const std::error_code& ec) {
    if (closing_) return;
    if (ec == asio::error::operation_aborted) {
      arm_flush();  // the socket was released to the core meanwhile
      return;
    }
    if (ec) return;
    flush_queue();
  });
}

void udp_transport::flush_queue() {
  std::lock_guard lock(queue_mutex_);
  flush_pending_ = false;
  while (!queue_.empty()) {
    const queued_datagram& d = queue_.front();
    const int err = send_now(d.to, d.has_from ? &d.from : nullptr, d.bytes.data(),
                             static_cast<std::uint32_t>(d.bytes.size()));
    if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
      schedule_flush();
      return;
    }
    if (err == 0) {
      ++counters_.sent;
    } else {
      ++counters_.send_errors;
    }
    queue_.pop_front();
  }
}

// ---- table functions -----------------------------------------------------------------------

HRESULT udp_transport::attach(const DRT_TRANSPORT_CALLBACKS* callbacks) {
  constexpr std::size_t needed = offsetof(DRT_TRANSPORT_CALLBACKS, OnFault) + sizeof(callbacks->OnFault);
  if (callbacks == nullptr || callbacks->cbSize < needed || callbacks->OnDatagram == nullptr ||
      callbacks->OnAddressChange == nullptr || callbacks->OnFault == nullptr) {
    return DRT_E_TRANSPORT_INVALID_ARGUMENT;
  }
  if (gate_.is_open()) return DRT_E_TRANSPORT_ALREADY_BOUND;
  callbacks_ = DRT_TRANSPORT_CALLBACKS{};
  std::memcpy(&callbacks_, callbacks, needed);
  callbacks_.cbSize = sizeof callbacks_;
  const bool has_flags = callbacks->cbSize >= offsetof(DRT_TRANSPORT_CALLBACKS, dwFlags) + sizeof(callbacks->dwFlags);
  core_receives_.store(has_flags && (callbacks->dwFlags & DRT_TRANSPORT_CORE_RECEIVES) != 0);
  if (core_receives_.load()) {
    // Take the socket out of the loop's epoll set: left there, every datagram would wake the loop
    // thread for nothing besides the core's own wait. The descriptor stays open (fd_).
    asio::post(loop_->context(), [this] {
      std::error_code ignored;
      if (core_receives_.load() && socket_.is_open()) (void)socket_.release(ignored);
    });
  }
  gate_.open();
  return S_OK;
}

void udp_transport::detach() {
  gate_.close_and_wait();
  if (core_receives_.exchange(false)) {
    // The loop reads the socket again (datagrams arriving while detached are counted, dropped).
    asio::post(loop_->context(), [this] {
      if (!socket_.is_open()) {
        std::error_code ec;
        socket_.assign(asio::ip::udp::v6(), fd_, ec);
        if (ec) {
          fault(DRT_E_TRANSPORT_UNEXPECTED);
          return;
        }
      }
      if (!loop_receiving_) start_receive();
    });
  }
}

int udp_transport::receive_descriptor() noexcept {
  return core_receives_.load() && gate_.is_open() ? fd_ : -1;
}

HRESULT udp_transport::receive(std::uint32_t max, std::uint32_t* read) {
  if (read == nullptr) return DRT_E_TRANSPORT_INVALID_ARGUMENT;
  *read = 0;
  if (!core_receives_.load() || !gate_.is_open()) return DRT_E_TRANSPORT_NOT_BOUND;
  if (faulted_.load()) return S_OK;  // reported with OnFault
  // The caller's thread, not the loop's: a buffer of its own. Only the bytes received are
  // touched; a datagram above the limit is counted as oversized by drain_socket.
  std::array<std::uint8_t, 65536> buffer;
  *read = drain_socket(buffer, max);
  return S_OK;
}

HRESULT udp_transport::local_addresses(SOCKET_ADDRESS_LIST** out) {
  if (out == nullptr) return DRT_E_TRANSPORT_INVALID_ARGUMENT;
  *out = nullptr;
  if (gate_.closing()) return DRT_E_TRANSPORT_SHUTTING_DOWN;
  if (!gate_.is_open() || faulted_.load()) return DRT_E_TRANSPORT_NOT_BOUND;
  std::vector<sockaddr_in6> copy;
  {
    std::lock_guard lock(addresses_mutex_);
    copy = addresses_;
  }
  for (auto& a : copy) a.sin6_port = htons(port_);
  *out = support::make_address_list(copy);
  return S_OK;
}

HRESULT udp_transport::check_destination(const sockaddr_in6& to, const sockaddr_in6* from,
                                         sockaddr_in6& resolved) const {
  std::lock_guard lock(addresses_mutex_);
  if (addresses_.empty()) return DRT_E_TRANSPORT_NO_DEST_ADDRESSES;
  resolved = to;
  const address_class k = classify(to.sin6_addr);
  const bool matches = options_.scope.loopback ? k == address_class::loopback
                       : options_.scope.scope == DRT_LINK_LOCAL_SCOPE ? k == address_class::link_local
                       : options_.scope.scope == DRT_SITE_LOCAL_SCOPE
                           ? (k == address_class::site_local || k == address_class::global)
                           : k == address_class::global;
  if (!matches) return DRT_E_TRANSPORT_NO_DEST_ADDRESSES;
  if (k == address_class::link_local) {
    if (resolved.sin6_scope_id == 0) resolved.sin6_scope_id = link_interface_;
    if (resolved.sin6_scope_id != link_interface_) return DRT_E_TRANSPORT_NO_DEST_ADDRESSES;
  }
  if (from != nullptr &&
      std::none_of(addresses_.begin(), addresses_.end(), [&](const sockaddr_in6& a) {
        return std::memcmp(&a.sin6_addr, &from->sin6_addr, sizeof a.sin6_addr) == 0;
      })) {
    return DRT_E_TRANSPORT_INVALID_ARGUMENT;
  }
  return S_OK;
}

int udp_transport::send_now(const sockaddr_in6& to, const sockaddr_in6* from, const std::uint8_t* pb,
                            std::uint32_t cb) {
  iovec iov{const_cast<std::uint8_t*>(pb), cb};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr_in6*>(&to);
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (from != nullptr && !options_.scope.loopback) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    in6_pktinfo info{};
    info.ipi6_addr = from->sin6_addr;
    info.ipi6_ifindex = IN6_IS_ADDR_LINKLOCAL(&from->sin6_addr) ? from->sin6_scope_id : 0;
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  for (;;) {
    if (::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

HRESULT udp_transport::send_to(const sockaddr_in6* to, const sockaddr_in6* from, const std::uint8_t* pb,
                               std::uint32_t cb) {
  if (gate_.closing()) return DRT_E_TRANSPORT_SHUTTING_DOWN;
  if (!gate_.is_open() || faulted_.load()) return DRT_E_TRANSPORT_NOT_BOUND;
  if (to == nullptr || to->sin6_family != AF_INET6 || to->sin6_port == 0 || pb == nullptr || cb == 0 ||
      (from != nullptr && from->sin6_family != AF_INET6)) {
    return DRT_E_TRANSPORT_INVALID_ARGUMENT;
  }
  if (cb > options_.datagram_bytes_max) {
    ++counters_.oversized_send;
    return DRT_E_TRANSPORT_INVALID_ARGUMENT;
  }
  sockaddr_in6 resolved;
  if (HRESULT hr = check_destination(*to, from, resolved); FAILED(hr)) return hr;
  std::lock_guard lock(queue_mutex_);
  int err = queue_.empty() ? send_now(resolved, from, pb, cb) : EAGAIN;
  if (err == 0) {
    ++counters_.sent;
    return S_OK;
  }
  if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
    if (queue_.size() >= options_.send_queue_max) {
      ++counters_.queue_drops;
      return S_OK;  // as a full network queue would: UDP gives no delivery guarantee
    }
    queue_.push_back({resolved, from != nullptr, from != nullptr ? *from : sockaddr_in6{},
                      std::vector<std::uint8_t>(pb, pb + cb)});
    ++counters_.queued;
    schedule_flush();
    return S_OK;
  }
  ++counters_.send_errors;
  return support::hresult_from_errno(err, DRT_E_TRANSPORT_UNEXPECTED);
}

DRT_IPV6_UDP_STATISTICS udp_transport::statistics() const {
  DRT_IPV6_UDP_STATISTICS s{};
  s.cbSize = sizeof s;
  s.datagramsReceived = counters_.received.load();
  s.datagramsDelivered = counters_.delivered.load();
  s.oversizedReceived = counters_.oversized_received.load();
  s.droppedWhileDetached = counters_.dropped_detached.load();
  s.droppedOtherInterface = counters_.dropped_other_interface.load();
  s.receiveErrors = counters_.receive_errors.load();
  s.datagramsSent = counters_.sent.load();
  s.sendErrors = counters_.send_errors.load();
  s.sendQueueDrops = counters_.queue_drops.load();
  s.oversizedSendRejected = counters_.oversized_send.load();
  s.addressChanges = counters_.address_changes.load();
  s.datagramsQueued = counters_.queued.load();
  return s;
}

}  // namespace drt::plugins::transport
