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

bool is_key(const DRT_DATA* key) noexcept {
  return key != nullptr && key->cb == DRT_KEY_SIZE && key->pb != nullptr;
}

void clear(DRT_DATA* data) noexcept {
  if (data != nullptr) *data = DRT_DATA{0, nullptr};
}

}  // namespace drt::plugins::openssl
