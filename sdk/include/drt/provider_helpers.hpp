/* OpenDRT provider helpers: the small pieces every C++ provider plugin writes at its C ABI
 * boundary (docs/writing-a-provider.md). Header-only, C++20, no state; each function is
 * thread-safe. Nothing here crosses the plugin boundary: these help a plugin fill the C tables of
 * drt_provider.h correctly.
 *
 *   find_param / error_detail   read DRT_PROVIDER_CONFIG settings, report a bad one
 *   give_bytes / free_data      provider-allocated output buffers and the FreeData that frees them
 *   make_address_list           one-allocation SOCKET_ADDRESS_LIST (freed by one free_data call)
 *   read_address_list           a checked copy of a SOCKET_ADDRESS_LIST input
 *   guard                       no exception crosses the boundary: map it to an HRESULT
 */
#ifndef OPENDRT_PROVIDER_HELPERS_HPP
#define OPENDRT_PROVIDER_HELPERS_HPP

#include <drt/drt_provider.h>

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace drt::provider {

/* A setting by name. Settings from a configuration file's `options` table arrive as
 * "options.<name>"; both spellings match. Returns the last one given, or nullptr. */
inline const DRT_PROVIDER_PARAM* find_param(const DRT_PROVIDER_CONFIG* config, std::string_view name) {
  if (config == nullptr || config->pParams == nullptr) return nullptr;
  const DRT_PROVIDER_PARAM* found = nullptr;
  for (std::uint32_t i = 0; i < config->cParams; ++i) {
    std::string_view n = config->pParams[i].pszName ? config->pParams[i].pszName : "";
    if (n.starts_with("options.")) n.remove_prefix(8);
    if (n == name) found = &config->pParams[i];
  }
  return found;
}

/* Every setting with that name (repeated settings, e.g. one per trusted key), in order. */
inline std::vector<const DRT_PROVIDER_PARAM*> find_params(const DRT_PROVIDER_CONFIG* config, std::string_view name) {
  std::vector<const DRT_PROVIDER_PARAM*> out;
  if (config == nullptr || config->pParams == nullptr) return out;
  for (std::uint32_t i = 0; i < config->cParams; ++i) {
    std::string_view n = config->pParams[i].pszName ? config->pParams[i].pszName : "";
    if (n.starts_with("options.")) n.remove_prefix(8);
    if (n == name) out.push_back(&config->pParams[i]);
  }
  return out;
}

/* Writes one line for the user into the factory's error-detail buffer (truncated to fit). A
 * caller whose DRT_PROVIDER_CONFIG ends before cbErrorDetail has no buffer. */
inline void error_detail(const DRT_PROVIDER_CONFIG* config, std::string_view line) noexcept {
  constexpr std::size_t detail_end = offsetof(DRT_PROVIDER_CONFIG, cbErrorDetail) + sizeof(std::uint32_t);
  if (config == nullptr || config->cbSize < detail_end || config->pszErrorDetail == nullptr ||
      config->cbErrorDetail == 0) {
    return;
  }
  const std::size_t n = line.size() < config->cbErrorDetail - 1 ? line.size() : config->cbErrorDetail - 1;
  std::memcpy(config->pszErrorDetail, line.data(), n);
  config->pszErrorDetail[n] = '\0';
}

/* The bytes of a DRT_DATA input; empty for NULL or cb 0. */
inline std::span<const std::uint8_t> bytes_of(const DRT_DATA* d) noexcept {
  if (d == nullptr || d->cb == 0 || d->pb == nullptr) return {};
  return {d->pb, d->cb};
}

/* False for a DRT_DATA that claims bytes but has no pointer (cb > 0, pb NULL). */
inline bool well_formed(const DRT_DATA* d) noexcept { return d == nullptr || d->cb == 0 || d->pb != nullptr; }

/* The FreeData of a provider whose buffers all come from give_bytes / make_address_list. */
inline void free_data(void* /*pvContext*/, void* pv) { std::free(pv); }

/* Copies bytes into a malloc'd buffer owned by the caller until FreeData. Empty → {0, NULL}.
 * out may be NULL (the caller does not want this output). */
inline HRESULT give_bytes(std::span<const std::uint8_t> bytes, DRT_DATA* out) {
  if (out == nullptr) return S_OK;
  *out = DRT_DATA{0, nullptr};
  if (bytes.empty()) return S_OK;
  auto* p = static_cast<std::uint8_t*>(std::malloc(bytes.size()));
  if (p == nullptr) return E_OUTOFMEMORY;
  std::memcpy(p, bytes.data(), bytes.size());
  *out = DRT_DATA{static_cast<std::uint32_t>(bytes.size()), p};
  return S_OK;
}

/* A SOCKET_ADDRESS_LIST and its sockaddr_in6 entries in one malloc'd block (one FreeData). */
inline SOCKET_ADDRESS_LIST* make_address_list(std::span<const sockaddr_in6> addresses) {
  const std::size_t n = addresses.size();
  const std::size_t head = sizeof(SOCKET_ADDRESS_LIST) + (n > 0 ? n - 1 : 0) * sizeof(SOCKET_ADDRESS);
  const std::size_t entries_at = (head + alignof(sockaddr_in6) - 1) / alignof(sockaddr_in6) * alignof(sockaddr_in6);
  auto* block = static_cast<std::uint8_t*>(std::calloc(1, entries_at + n * sizeof(sockaddr_in6)));
  if (block == nullptr) return nullptr;
  auto* list = reinterpret_cast<SOCKET_ADDRESS_LIST*>(block);
  auto* entries = reinterpret_cast<sockaddr_in6*>(block + entries_at);
  list->iAddressCount = static_cast<std::int32_t>(n);
  for (std::size_t i = 0; i < n; ++i) {
    entries[i] = addresses[i];
    list->Address[i].lpSockaddr = reinterpret_cast<sockaddr*>(&entries[i]);
    list->Address[i].iSockaddrLength = sizeof(sockaddr_in6);
  }
  return list;
}

/* A checked copy of an address-list input: std::nullopt if the count is negative or above
 * max_count, or an entry is not a whole AF_INET6 sockaddr_in6. NULL is an empty list. */
inline std::optional<std::vector<sockaddr_in6>> read_address_list(const SOCKET_ADDRESS_LIST* list, int max_count) {
  std::vector<sockaddr_in6> out;
  if (list == nullptr) return out;
  if (list->iAddressCount < 0 || list->iAddressCount > max_count) return std::nullopt;
  for (int i = 0; i < list->iAddressCount; ++i) {
    const SOCKET_ADDRESS& a = list->Address[i];
    if (a.lpSockaddr == nullptr || a.iSockaddrLength < static_cast<int>(sizeof(sockaddr_in6)) ||
        a.lpSockaddr->sa_family != AF_INET6) {
      return std::nullopt;
    }
    sockaddr_in6 copy;
    std::memcpy(&copy, a.lpSockaddr, sizeof copy);
    out.push_back(copy);
  }
  return out;
}

/* Runs body at the C boundary: its HRESULT, or E_OUTOFMEMORY / E_FAIL for an exception. */
template <typename Body>
HRESULT guard(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return E_OUTOFMEMORY;
  } catch (...) {
    return E_FAIL;
  }
}

}  // namespace drt::provider

#endif /* OPENDRT_PROVIDER_HELPERS_HPP */
