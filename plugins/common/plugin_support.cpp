#include "plugin_support.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace drt::plugins::support {

void write_error_detail(const DRT_PROVIDER_CONFIG* config, std::string_view text) noexcept {
  constexpr std::size_t detail_fields_end =
      offsetof(DRT_PROVIDER_CONFIG, cbErrorDetail) + sizeof(DRT_PROVIDER_CONFIG::cbErrorDetail);
  if (config == nullptr || config->cbSize < detail_fields_end ||
      config->pszErrorDetail == nullptr || config->cbErrorDetail == 0) {
    return;
  }
  const std::size_t n = std::min<std::size_t>(text.size(), config->cbErrorDetail - 1);
  std::memcpy(config->pszErrorDetail, text.data(), n);
  config->pszErrorDetail[n] = '\0';
}

HRESULT copy_params(const DRT_PROVIDER_CONFIG* config, std::vector<param>& out) {
  out.clear();
  if (config == nullptr) return S_OK;
  constexpr std::size_t params_end =
      offsetof(DRT_PROVIDER_CONFIG, pParams) + sizeof(DRT_PROVIDER_CONFIG::pParams);
  if (config->cbSize < params_end) return E_INVALIDARG;
  if (config->cParams > 0 && config->pParams == nullptr) return E_INVALIDARG;
  for (std::uint32_t i = 0; i < config->cParams; ++i) {
    const DRT_PROVIDER_PARAM& p = config->pParams[i];
    param copy;
    copy.name = p.pszName != nullptr ? p.pszName : "";
    copy.type = p.eType;
    if (p.eType == DRT_PARAM_STRING && p.pszValue != nullptr) copy.text = p.pszValue;
    copy.integer = p.llValue;
    out.push_back(std::move(copy));
  }
  return S_OK;
}

SOCKET_ADDRESS_LIST* make_address_list(const std::vector<sockaddr_in6>& addresses) {
  const std::size_t slots_end =
      offsetof(SOCKET_ADDRESS_LIST, Address) + addresses.size() * sizeof(SOCKET_ADDRESS);
  const std::size_t head = std::max(slots_end, sizeof(SOCKET_ADDRESS_LIST));
  const std::size_t aligned_head = (head + alignof(sockaddr_in6) - 1) / alignof(sockaddr_in6) *
                                   alignof(sockaddr_in6);
  const std::size_t total = aligned_head + addresses.size() * sizeof(sockaddr_in6);
  auto* block = static_cast<std::byte*>(std::calloc(1, total));
  if (block == nullptr) throw std::bad_alloc();
  auto* list = reinterpret_cast<SOCKET_ADDRESS_LIST*>(block);
  auto* copies = reinterpret_cast<sockaddr_in6*>(block + aligned_head);
  list->iAddressCount = static_cast<std::int32_t>(addresses.size());
  SOCKET_ADDRESS* slots = list->Address;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    copies[i] = addresses[i];
    slots[i].lpSockaddr = reinterpret_cast<sockaddr*>(&copies[i]);
    slots[i].iSockaddrLength = sizeof(sockaddr_in6);
  }
  return list;
}

std::vector<sockaddr_in6> read_address_list(const SOCKET_ADDRESS_LIST* list) {
  std::vector<sockaddr_in6> out;
  if (list == nullptr || list->iAddressCount <= 0) return out;
  const SOCKET_ADDRESS* slots = list->Address;
  for (std::int32_t i = 0; i < list->iAddressCount; ++i) {
    const SOCKET_ADDRESS& s = slots[i];
    if (s.lpSockaddr == nullptr || s.iSockaddrLength < static_cast<std::int32_t>(sizeof(sockaddr_in6))) continue;
    sockaddr_in6 a;
    std::memcpy(&a, s.lpSockaddr, sizeof a);
    if (a.sin6_family == AF_INET6) out.push_back(a);
  }
  return out;
}

std::optional<sockaddr_in6> parse_endpoint(std::string_view text) {
  if (text.size() < 4 || text.front() != '[') return std::nullopt;
  const std::size_t close = text.find(']');
  if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
    return std::nullopt;
  }
  std::string host(text.substr(1, close - 1));
  const std::string_view port_text = text.substr(close + 2);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return std::nullopt;
  }
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(static_cast<std::uint16_t>(port));
  if (const std::size_t percent = host.find('%'); percent != std::string::npos) {
    const std::string zone = host.substr(percent + 1);
    host.resize(percent);
    unsigned index = 0;
    const auto [zend, zec] = std::from_chars(zone.data(), zone.data() + zone.size(), index);
    if (zec == std::errc() && zend == zone.data() + zone.size()) {
      a.sin6_scope_id = index;
    } else {
      a.sin6_scope_id = ::if_nametoindex(zone.c_str());
    }
    if (a.sin6_scope_id == 0) return std::nullopt;
  }
  if (::inet_pton(AF_INET6, host.c_str(), &a.sin6_addr) != 1) return std::nullopt;
  return a;
}

std::string endpoint_text(const sockaddr_in6& a) {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
  std::string s = "[" + std::string(text);
  if (a.sin6_scope_id != 0) s += "%" + std::to_string(a.sin6_scope_id);
  return s + "]:" + std::to_string(ntohs(a.sin6_port));
}

HRESULT hresult_from_errno(int err, HRESULT fallback) {
  switch (err) {
    case ENOMEM:
    case ENOBUFS: return E_OUTOFMEMORY;
    case EACCES:
    case EPERM: return E_ACCESSDENIED;
    case ENOENT: return DRT_HR_FILE_NOT_FOUND;
    case ENOTDIR: return DRT_HR_PATH_NOT_FOUND;
    case EMFILE:
    case ENFILE: return DRT_HR_TOO_MANY_FILES;
    case EAFNOSUPPORT: return DRT_HR_AF_NOT_SUPPORTED;
    case EADDRINUSE: return DRT_HR_ADDR_IN_USE;
    case EADDRNOTAVAIL: return DRT_HR_ADDR_NOT_AVAILABLE;
    case ENETUNREACH: return DRT_HR_NET_UNREACHABLE;
    default: return fallback;
  }
}

bool same_endpoint(const sockaddr_in6& a, const sockaddr_in6& b) noexcept {
  return a.sin6_port == b.sin6_port && a.sin6_scope_id == b.sin6_scope_id &&
         std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr) == 0;
}

bool callback_gate::enter() {
  std::lock_guard lock(mutex_);
  if (!open_) return false;
  ++inside_;
  inside_thread_ = std::this_thread::get_id();
  return true;
}

void callback_gate::leave() {
  std::lock_guard lock(mutex_);
  --inside_;
  if (inside_ == 0) inside_thread_ = {};
  idle_.notify_all();
}

void callback_gate::open() {
  std::lock_guard lock(mutex_);
  open_ = true;
}

void callback_gate::close_and_wait() {
  std::unique_lock lock(mutex_);
  open_ = false;
  closing_ = true;
  const auto self = std::this_thread::get_id();
  // A callback on this very thread is the caller itself: waiting for it would deadlock.
  idle_.wait(lock, [&] { return inside_ == 0 || (inside_ == 1 && inside_thread_ == self); });
  closing_ = false;
}

bool callback_gate::is_open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

bool callback_gate::closing() const {
  std::lock_guard lock(mutex_);
  return closing_;
}

}  // namespace drt::plugins::support
