#include "c_abi.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace drt::plugins::openssl {

void* checked_malloc(std::size_t bytes) {
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

owned_data::owned_data(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  if (bytes.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("DRT_DATA > 4 GiB");
  }
  bytes_.reset(static_cast<std::uint8_t*>(checked_malloc(bytes.size())));
  std::memcpy(bytes_.get(), bytes.data(), bytes.size());
  size_ = static_cast<std::uint32_t>(bytes.size());
}

DRT_DATA owned_data::release() noexcept {
  DRT_DATA out{size_, bytes_.release()};
  size_ = 0;
  return out;
}

std::span<const std::uint8_t> view(const DRT_DATA* data) noexcept {
  if (data == nullptr || data->cb == 0 || data->pb == nullptr) return {};
  return {data->pb, data->cb};
}

bool well_formed(const DRT_DATA* data) noexcept {
  return data == nullptr || data->cb == 0 || data->pb != nullptr;
}

bool is_key(const DRT_DATA* key) noexcept {
  return key != nullptr && key->cb == DRT_KEY_SIZE && key->pb != nullptr;
}

void clear(DRT_DATA* data) noexcept {
  if (data != nullptr) *data = DRT_DATA{0, nullptr};
}

void write_error_detail(const DRT_PROVIDER_CONFIG* config, std::string_view text) noexcept {
  // A caller whose struct ends before cbErrorDetail has no detail buffer.
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

}  // namespace drt::plugins::openssl
