// The "multicast" provider: LAN discovery (api.md §5.7.4, protocol.md Appendix A [D30]).
// Parameters: "interface" (integer, 0 = every multicast-capable interface that is up and has a
// link-local address), "group" (string "[ff..]:port", default [ff02::114]:61750), "cloud_name"
// (string, ≤ 64 bytes), "protocol_major"/"protocol_minor" (or "options.protocol_major"/
// "options.protocol_minor"; integers 0..255, default 1 and 0).
//
// Attach opens two sockets and starts one I/O thread: a listener bound to the group port (with
// SO_REUSEADDR, joined to the group on each interface) that receives QUERYs and sends ANSWERs,
// and a querier on an ephemeral port (multicast loop on, hop limit 1) that sends QUERYs and
// receives the unicast ANSWERs — a separate port, so that answers reach the right node even
// when several nodes on one host share the group port. Detach closes both and joins the thread.
#include "bootstrap_provider.hpp"
#include "lan_discovery_message.hpp"
#include "providers.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <random>
#include <set>
#include <thread>

namespace drt::plugins::bootstrap {
namespace {

constexpr std::uint16_t default_group_port = 61750;
constexpr int query_repeats = 3;                    // at 0, 1 and 2 s
constexpr std::chrono::milliseconds query_interval{1000};
constexpr std::chrono::milliseconds resolve_window{3000};
constexpr int answer_delay_ms_max = 250;
constexpr std::size_t answered_remembered_max = 256;

sockaddr_in6 default_group() {
  sockaddr_in6 g{};
  g.sin6_family = AF_INET6;
  g.sin6_port = htons(default_group_port);
  ::inet_pton(AF_INET6, "ff02::114", &g.sin6_addr);
  return g;
}

struct settings {
  std::uint32_t interface = 0;
  sockaddr_in6 group = default_group();
  std::string cloud_name;
  std::uint8_t protocol_major = 1;
  std::uint8_t protocol_minor = 0;
};

// Interfaces that are up, multicast-capable and have a link-local address (Appendix A).
std::vector<std::uint32_t> discovery_interfaces(std::uint32_t wanted) {
  if (wanted != 0) return {wanted};
  std::set<std::uint32_t> out;
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) return {};
  for (const ifaddrs* i = raw; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET6) continue;
    if ((i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_MULTICAST) == 0) continue;
    const auto* a = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
    if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) out.insert(::if_nametoindex(i->ifa_name));
  }
  ::freeifaddrs(raw);
  return {out.begin(), out.end()};
}

HRESULT open_udp(asio::ip::udp::socket& socket, std::uint16_t port, bool reuse, std::string& what) {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
  if (fd < 0) return what = "socket", support::hresult_from_errno(errno, E_FAIL);
  std::error_code ec;
  socket.assign(asio::ip::udp::v6(), fd, ec);
  if (ec) {
    ::close(fd);
    return what = "assign", E_FAIL;
  }
  const int on = 1, hops = 1;
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0 ||
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) != 0 ||
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &on, sizeof on) != 0 ||
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) != 0 ||
      (reuse && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0)) {
    return what = "setsockopt", support::hresult_from_errno(errno, E_FAIL);
  }
  sockaddr_in6 local{};
  local.sin6_family = AF_INET6;
  local.sin6_port = htons(port);
  local.sin6_addr = in6addr_any;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    return what = "bind", support::hresult_from_errno(errno, E_FAIL);
  }
  return S_OK;
}

class multicast_provider final : public provider {
 public:
  explicit multicast_provider(settings s) : settings_(std::move(s)) {}
  ~multicast_provider() override { stop_io(); }

  HRESULT attach() override;
  void detach() override {
    provider::detach();
    stop_io();
  }
  HRESULT register_endpoints(const std::vector<sockaddr_in6>& endpoints) override {
    std::lock_guard lock(mutex_);
    registered_ = endpoints;
    if (registered_.size() > lan_endpoints_max) registered_.resize(lan_endpoints_max);
    return S_OK;
  }
  void unregister_endpoints() override {
    std::lock_guard lock(mutex_);
    registered_.clear();
  }

 protected:
  HRESULT run(const std::shared_ptr<resolve_state>& resolve) override;
  void forget(const std::shared_ptr<resolve_state>& resolve) override {
    std::lock_guard lock(mutex_);
    for (auto it = active_.begin(); it != active_.end(); ++it) {
      if (it->second == resolve) {
        active_.erase(it);
        break;
      }
    }
  }

 private:
  struct io_runtime {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{asio::make_work_guard(io)};
    asio::ip::udp::socket listener{io};
    asio::ip::udp::socket querier{io};
    std::vector<std::uint32_t> interfaces;
    std::deque<std::pair<sockaddr_in6, std::uint32_t>> answered;  // I/O thread only
    std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(65536);
    std::thread thread;
  };

  void stop_io();
  void receive(asio::ip::udp::socket& socket, bool is_querier);
  void drain(asio::ip::udp::socket& socket, bool is_querier);
  void on_query(const lan_message& m, const sockaddr_in6& from);
  void on_answer(const lan_message& m, std::uint32_t ifindex);
  void send_query(std::uint32_t query_id);
  void schedule_resolve(const std::shared_ptr<resolve_state>& resolve, std::uint32_t query_id);
  [[nodiscard]] bool matches(const lan_message& m) const {
    return m.cloud_name == settings_.cloud_name && m.protocol_major == settings_.protocol_major;
  }

  const settings settings_;
  std::unique_ptr<io_runtime> rt_;
  std::mutex mutex_;  // guards registered_ and active_ (table calls vs. the I/O thread)
  std::vector<sockaddr_in6> registered_;
  std::map<std::uint32_t, std::shared_ptr<resolve_state>> active_;
  std::mt19937 random_{std::random_device{}()};  // I/O thread and table calls, under mutex_
};

HRESULT multicast_provider::attach() {
  if (attached()) return DRT_E_BOOTSTRAPPROVIDER_IN_USE;
  auto rt = std::make_unique<io_runtime>();
  std::string what;
  if (HRESULT hr = open_udp(rt->listener, ntohs(settings_.group.sin6_port), true, what); FAILED(hr)) return hr;
  if (HRESULT hr = open_udp(rt->querier, 0, false, what); FAILED(hr)) return hr;
  for (std::uint32_t index : discovery_interfaces(settings_.interface)) {
    ipv6_mreq join{};
    join.ipv6mr_multiaddr = settings_.group.sin6_addr;
    join.ipv6mr_interface = index;
    // An interface that refuses the group is skipped: discovery works on the others.
    if (::setsockopt(rt->listener.native_handle(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &join, sizeof join) == 0) {
      rt->interfaces.push_back(index);
    }
  }
  if (HRESULT hr = provider::attach(); FAILED(hr)) return hr;
  rt_ = std::move(rt);
  receive(rt_->listener, false);
  receive(rt_->querier, true);
  rt_->thread = std::thread([io = &rt_->io] { io->run(); });
  return S_OK;
}

void multicast_provider::stop_io() {
  if (!rt_) return;
  asio::post(rt_->io, [rt = rt_.get()] {
    std::error_code ignored;
    rt->listener.close(ignored);
    rt->querier.close(ignored);
    rt->io.stop();
  });
  rt_->work.reset();
  rt_->thread.join();
  rt_.reset();
}

void multicast_provider::receive(asio::ip::udp::socket& socket, bool is_querier) {
  socket.async_wait(asio::socket_base::wait_read, [this, &socket, is_querier](const std::error_code& ec) {
    if (ec || !socket.is_open()) return;
    drain(socket, is_querier);
    receive(socket, is_querier);
  });
}

void multicast_provider::drain(asio::ip::udp::socket& socket, bool is_querier) {
  for (int n = 0; n < 64; ++n) {
    sockaddr_in6 from{};
    iovec iov{rt_->buffer.data(), rt_->buffer.size()};
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in6_pktinfo))];
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t got = ::recvmsg(socket.native_handle(), &msg, MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      continue;  // transient (ICMP errors, EINTR): nothing from the network may stop discovery
    }
    if ((msg.msg_flags & MSG_TRUNC) != 0 || from.sin6_family != AF_INET6) continue;
    std::uint32_t ifindex = from.sin6_scope_id;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        ifindex = info.ipi6_ifindex;
      }
    }
    const auto m = decode({rt_->buffer.data(), static_cast<std::size_t>(got)});
    if (!m || !matches(*m)) continue;
    if (!is_querier && m->type == lan_message_type::query) on_query(*m, from);
    if (is_querier && m->type == lan_message_type::answer) on_answer(*m, ifindex);
  }
}

void multicast_provider::on_query(const lan_message& m, const sockaddr_in6& from) {
  lan_message answer;
  int delay_ms = 0;
  {
    std::lock_guard lock(mutex_);
    if (active_.count(m.query_id) != 0 || registered_.empty()) return;  // our own, or nothing to say
    answer.endpoints = registered_;
    delay_ms = std::uniform_int_distribution<int>(0, answer_delay_ms_max)(random_);
  }
  for (const auto& [endpoint, id] : rt_->answered) {
    if (id == m.query_id && support::same_endpoint(endpoint, from)) return;  // answer each once
  }
  rt_->answered.emplace_back(from, m.query_id);
  if (rt_->answered.size() > answered_remembered_max) rt_->answered.pop_front();
  answer.type = lan_message_type::answer;
  answer.query_id = m.query_id;
  answer.protocol_major = settings_.protocol_major;
  answer.protocol_minor = settings_.protocol_minor;
  answer.cloud_name = settings_.cloud_name;
  auto timer = std::make_shared<asio::steady_timer>(rt_->io, std::chrono::milliseconds(delay_ms));
  timer->async_wait([this, timer, bytes = encode(answer), to = from](const std::error_code& ec) {
    if (ec || !rt_->listener.is_open()) return;
    (void)::sendto(rt_->listener.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                   reinterpret_cast<const sockaddr*>(&to), sizeof to);
  });
}

void multicast_provider::on_answer(const lan_message& m, std::uint32_t ifindex) {
  std::shared_ptr<resolve_state> resolve;
  {
    std::lock_guard lock(mutex_);
    const auto found = active_.find(m.query_id);
    if (found == active_.end()) return;
    resolve = found->second;
  }
  std::vector<sockaddr_in6> batch;
  for (sockaddr_in6 e : m.endpoints) {
    if (ntohs(e.sin6_port) < 1024 || IN6_IS_ADDR_MULTICAST(&e.sin6_addr) || IN6_IS_ADDR_UNSPECIFIED(&e.sin6_addr)) continue;
    if (IN6_IS_ADDR_LINKLOCAL(&e.sin6_addr)) e.sin6_scope_id = ifindex;  // the receiving interface's zone
    batch.push_back(e);
  }
  if (batch.empty()) return;
  if (!resolve->deliver(std::move(batch))) resolve->finish(DRT_E_NO_MORE);
}

void multicast_provider::send_query(std::uint32_t query_id) {
  lan_message q;
  q.type = lan_message_type::query;
  q.query_id = query_id;
  q.protocol_major = settings_.protocol_major;
  q.protocol_minor = settings_.protocol_minor;
  q.cloud_name = settings_.cloud_name;
  const auto bytes = encode(q);
  for (std::uint32_t index : rt_->interfaces) {
    const int fd = rt_->querier.native_handle();
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index);
    sockaddr_in6 to = settings_.group;
    to.sin6_scope_id = index;
    (void)::sendto(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to),
                   sizeof to);
  }
}

void multicast_provider::schedule_resolve(const std::shared_ptr<resolve_state>& resolve, std::uint32_t query_id) {
  for (int k = 0; k < query_repeats; ++k) {
    auto timer = std::make_shared<asio::steady_timer>(rt_->io, query_interval * k);
    timer->async_wait([this, timer, resolve, query_id](const std::error_code& ec) {
      if (!ec && !resolve->finished() && rt_->querier.is_open()) send_query(query_id);
    });
  }
  std::chrono::milliseconds window = resolve_window;
  if (resolve->timeout_ms() != 0 && std::chrono::milliseconds(resolve->timeout_ms()) < window) {
    window = std::chrono::milliseconds(resolve->timeout_ms());
  }
  auto end = std::make_shared<asio::steady_timer>(rt_->io, window);
  end->async_wait([end, resolve](const std::error_code& ec) {
    if (!ec) resolve->finish(DRT_E_NO_MORE);
  });
}

HRESULT multicast_provider::run(const std::shared_ptr<resolve_state>& resolve) {
  if (!resolve->budget_left()) {
    resolve->finish(DRT_E_NO_MORE);
    return S_OK;
  }
  std::uint32_t query_id = 0;
  {
    std::lock_guard lock(mutex_);
    do {
      query_id = static_cast<std::uint32_t>(random_());
    } while (active_.count(query_id) != 0);
    active_[query_id] = resolve;
  }
  asio::post(rt_->io, [this, resolve, query_id] { schedule_resolve(resolve, query_id); });
  return S_OK;
}

std::optional<settings> read_settings(const std::vector<support::param>& params, std::string& why, HRESULT& hr) {
  settings s;
  hr = DRT_E_CONFIG_INVALID;
  for (const auto& p : params) {
    const bool integer = p.type == DRT_PARAM_INTEGER;
    if (p.name == "interface" && integer) {
      if (p.integer < 0 || p.integer > UINT32_MAX) return why = "interface out of range", std::nullopt;
      s.interface = static_cast<std::uint32_t>(p.integer);
    } else if (p.name == "group" && p.type == DRT_PARAM_STRING) {
      const auto g = support::parse_endpoint(p.text);
      if (!g) return why = "group '" + p.text + "' is not [address]:port", std::nullopt;
      if (!IN6_IS_ADDR_MULTICAST(&g->sin6_addr) || ntohs(g->sin6_port) < 1024) {
        hr = DRT_E_INVALID_ADDRESS;
        return why = "group '" + p.text + "' is not a multicast address with a port >= 1024", std::nullopt;
      }
      s.group = *g;
    } else if (p.name == "cloud_name" && p.type == DRT_PARAM_STRING) {
      if (p.text.size() > lan_cloud_name_bytes_max) {
        hr = E_INVALIDARG;
        return why = "cloud_name is longer than 64 bytes", std::nullopt;
      }
      s.cloud_name = p.text;
    } else if ((p.name == "protocol_major" || p.name == "options.protocol_major") && integer && p.integer >= 0 &&
               p.integer <= 255) {
      s.protocol_major = static_cast<std::uint8_t>(p.integer);
    } else if ((p.name == "protocol_minor" || p.name == "options.protocol_minor") && integer && p.integer >= 0 &&
               p.integer <= 255) {
      s.protocol_minor = static_cast<std::uint8_t>(p.integer);
    } else {
      return why = "unknown, wrongly typed or out-of-range parameter '" + p.name + "'", std::nullopt;
    }
  }
  if (s.interface != 0) {
    char name[IF_NAMESIZE] = {};
    if (::if_indextoname(s.interface, name) == nullptr) {
      hr = DRT_E_INVALID_SCOPE;
      return why = "no interface has index " + std::to_string(s.interface), std::nullopt;
    }
  }
  hr = S_OK;
  return s;
}

HRESULT create(const DRT_PROVIDER_CONFIG* config, DRT_BOOTSTRAP_PROVIDER** out) {
  std::vector<support::param> params;
  if (HRESULT hr = support::copy_params(config, params); FAILED(hr)) return hr;
  std::string why;
  HRESULT hr = S_OK;
  auto s = read_settings(params, why, hr);
  if (!s) {
    support::write_error_detail(config, "multicast: " + why);
    return hr;
  }
  auto made = std::make_unique<multicast_provider>(std::move(*s));
  *out = made.release()->table();
  return S_OK;
}

}  // namespace

HRESULT create_multicast(const DRT_PROVIDER_CONFIG* pConfig, DRT_BOOTSTRAP_PROVIDER** ppProvider) noexcept {
  if (ppProvider == nullptr) return E_INVALIDARG;
  *ppProvider = nullptr;
  return support::abi_guard([&] { return create(pConfig, ppProvider); });
}

}  // namespace drt::plugins::bootstrap
