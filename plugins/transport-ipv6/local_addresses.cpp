#include "local_addresses.hpp"

#include <ifaddrs.h>
#include <net/if.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>

namespace drt::plugins::transport {
namespace {

// IFA_F_* bits of <linux/if_addr.h> that make an address unusable (api.md §5.5.1).
constexpr unsigned ifa_f_secondary_temporary = 0x01;
constexpr unsigned ifa_f_dadfailed = 0x08;
constexpr unsigned ifa_f_deprecated = 0x20;
constexpr unsigned ifa_f_tentative = 0x40;
constexpr unsigned unusable_flags =
    ifa_f_secondary_temporary | ifa_f_dadfailed | ifa_f_deprecated | ifa_f_tentative;

using flag_key = std::tuple<std::string, std::uint32_t>;  // 16 address bytes, ifindex

// getifaddrs does not report per-address flags; the kernel's table in /proc does. Per thread,
// because a thread may have entered another network namespace (tests do).
std::map<flag_key, unsigned> address_flags() {
  std::map<flag_key, unsigned> out;
  std::ifstream file("/proc/thread-self/net/if_inet6");
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream fields(line);
    std::string hex, name;
    unsigned index = 0, prefix = 0, scope = 0, flags = 0;
    if (!(fields >> hex >> std::hex >> index >> prefix >> scope >> flags >> name) || hex.size() != 32) continue;
    std::string bytes(16, '\0');
    for (std::size_t i = 0; i < 16; ++i) bytes[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    out[{bytes, index}] = flags;
  }
  return out;
}

struct ifaddrs_deleter {
  void operator()(ifaddrs* p) const noexcept { ::freeifaddrs(p); }
};

struct candidate {
  sockaddr_in6 address;
  unsigned interface_flags;
};

std::vector<candidate> preferred_addresses() {
  std::vector<candidate> out;
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) return out;
  std::unique_ptr<ifaddrs, ifaddrs_deleter> list(raw);
  const auto flags = address_flags();
  for (const ifaddrs* i = list.get(); i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET6 || (i->ifa_flags & IFF_UP) == 0) continue;
    sockaddr_in6 a;
    std::memcpy(&a, i->ifa_addr, sizeof a);
    const std::uint32_t index = ::if_nametoindex(i->ifa_name);
    const std::string bytes(reinterpret_cast<const char*>(&a.sin6_addr), 16);
    if (auto f = flags.find({bytes, index}); f != flags.end() && (f->second & unusable_flags) != 0) continue;
    a.sin6_port = 0;
    a.sin6_flowinfo = 0;
    a.sin6_scope_id = IN6_IS_ADDR_LINKLOCAL(&a.sin6_addr) ? index : 0;
    out.push_back({a, i->ifa_flags});
  }
  return out;
}

bool less(const sockaddr_in6& a, const sockaddr_in6& b) {
  const int c = std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr);
  return c != 0 ? c < 0 : a.sin6_scope_id < b.sin6_scope_id;
}

bool equal(const sockaddr_in6& a, const sockaddr_in6& b) { return !less(a, b) && !less(b, a); }

}  // namespace

address_class classify(const in6_addr& a) {
  if (IN6_IS_ADDR_LOOPBACK(&a)) return address_class::loopback;
  if (IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_MULTICAST(&a) || IN6_IS_ADDR_V4MAPPED(&a) ||
      IN6_IS_ADDR_V4COMPAT(&a)) {
    return address_class::unusable;
  }
  if (IN6_IS_ADDR_LINKLOCAL(&a)) return address_class::link_local;
  if (IN6_IS_ADDR_SITELOCAL(&a)) return address_class::site_local;
  return address_class::global;
}

std::uint32_t default_link_local_interface() {
  std::uint32_t best = 0;
  for (const auto& c : preferred_addresses()) {
    if ((c.interface_flags & IFF_LOOPBACK) != 0 || classify(c.address.sin6_addr) != address_class::link_local) continue;
    if (best == 0 || c.address.sin6_scope_id < best) best = c.address.sin6_scope_id;
  }
  return best;
}

std::vector<sockaddr_in6> usable_addresses(const scope_choice& choice) {
  std::vector<sockaddr_in6> out;
  if (choice.loopback) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    out.push_back(a);
    return out;
  }
  const std::uint32_t link = choice.scope == DRT_LINK_LOCAL_SCOPE
                                 ? (choice.scope_id != 0 ? choice.scope_id : default_link_local_interface())
                                 : 0;
  for (const auto& c : preferred_addresses()) {
    if ((c.interface_flags & IFF_LOOPBACK) != 0) continue;
    const address_class k = classify(c.address.sin6_addr);
    const bool wanted = (choice.scope == DRT_GLOBAL_SCOPE && k == address_class::global) ||
                        (choice.scope == DRT_SITE_LOCAL_SCOPE && k == address_class::site_local) ||
                        (choice.scope == DRT_LINK_LOCAL_SCOPE && k == address_class::link_local &&
                         link != 0 && c.address.sin6_scope_id == link);
    if (wanted) out.push_back(c.address);
  }
  std::sort(out.begin(), out.end(), less);
  out.erase(std::unique(out.begin(), out.end(), equal), out.end());
  return out;
}

bool interface_exists(std::uint32_t index) {
  char name[IF_NAMESIZE] = {};
  return ::if_indextoname(index, name) != nullptr;
}

bool interface_is_loopback(std::uint32_t index) {
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) return false;
  std::unique_ptr<ifaddrs, ifaddrs_deleter> list(raw);
  for (const ifaddrs* i = list.get(); i != nullptr; i = i->ifa_next) {
    if (::if_nametoindex(i->ifa_name) == index) return (i->ifa_flags & IFF_LOOPBACK) != 0;
  }
  return false;
}

}  // namespace drt::plugins::transport
