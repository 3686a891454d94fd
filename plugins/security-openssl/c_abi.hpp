// Helpers for the plugin side of the C ABI (style.md "Public headers", "Errors"): buffers handed
// to the core are malloc'ed here and released only by this plugin's FreeData; no exception leaves
// a table function.
#pragma once

#include <drt/provider_helpers.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <utility>

namespace drt::plugins::openssl {

struct free_deleter {
  void operator()(void* p) const noexcept { std::free(p); }
};

// A malloc'ed block this plugin still owns; release() hands it across the ABI.
template <class T>
using c_ptr = std::unique_ptr<T, free_deleter>;

// malloc that throws std::bad_alloc, so that a failure becomes E_OUTOFMEMORY in abi_guard.
[[nodiscard]] void* checked_malloc(std::size_t bytes);

// A byte string owned by this plugin until released into a DRT_DATA the core frees with FreeData.
class owned_data {
 public:
  owned_data() = default;
  // Copies bytes; an empty input stays {0, NULL} (no zero-byte allocation crosses the ABI).
  explicit owned_data(std::span<const std::uint8_t> bytes);
  [[nodiscard]] DRT_DATA release() noexcept;

 private:
  c_ptr<std::uint8_t> bytes_;
  std::uint32_t size_ = 0;
};

// The bytes of an input DRT_DATA; NULL and {0, any} read as empty. Check well_formed first.
[[nodiscard]] inline std::span<const std::uint8_t> view(const DRT_DATA* data) noexcept {
  return drt::provider::bytes_of(data);
}

// api.md §4.1: pb may be NULL only when cb is 0. A NULL DRT_DATA pointer counts as well formed.
using drt::provider::well_formed;

// A key argument: non-NULL, cb == 32, pb non-NULL (api.md §1.7).
[[nodiscard]] bool is_key(const DRT_DATA* key) noexcept;

// Sets *data to {0, NULL} if data is non-NULL: outputs are empty on failure (api.md §1.11).
void clear(DRT_DATA* data) noexcept;

// Writes one NUL-terminated line into pConfig->pszErrorDetail, truncated to cbErrorDetail.
inline void write_error_detail(const DRT_PROVIDER_CONFIG* config, std::string_view text) noexcept {
  drt::provider::error_detail(config, text);
}

// Runs a table function's body: std::bad_alloc → E_OUTOFMEMORY, any other exception → E_FAIL.
template <class Body>
[[nodiscard]] HRESULT abi_guard(Body&& body) noexcept {
  return drt::provider::guard(std::forward<Body>(body));
}

}  // namespace drt::plugins::openssl
