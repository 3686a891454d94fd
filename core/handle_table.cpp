// core: handle encoding. Bits 63-56: a fixed tag; 55-48: kind; 47-24: generation (24 bits);
// 23-0: slot index. A slot's generation grows each time it is freed, so an old token no longer
// matches once the slot is reused; after 2^24 reuses it wraps, which is far beyond what a stale
// handle kept by an application can expect to survive.
#include "handle_table.hpp"

namespace drt::core {
namespace {

constexpr std::uint64_t tag = 0xD7;
constexpr std::uint32_t generation_mask = 0xFFFFFF;
constexpr std::uint32_t index_max = 0xFFFFFF;

std::uint64_t encode(handle_kind kind, std::uint32_t generation, std::uint32_t index) {
  return (tag << 56) | (std::uint64_t{static_cast<std::uint8_t>(kind)} << 48) |
         (std::uint64_t{generation & generation_mask} << 24) | index;
}

}  // namespace

void* handle_table::insert(handle_kind kind, std::shared_ptr<void> obj) {
  std::unique_lock lock(mutex_);
  std::uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    if (slots_.size() > index_max) throw std::bad_alloc();
    slots_.emplace_back();
    index = static_cast<std::uint32_t>(slots_.size() - 1);
  }
  slot& s = slots_[index];
  s.kind = kind;
  s.object = std::move(obj);
  ++live_;
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(encode(kind, s.generation, index)));
}

std::shared_ptr<void> handle_table::locate(std::uint64_t token, handle_kind kind,
                                           std::size_t* index) const {
  if ((token >> 56) != tag) return nullptr;
  if (((token >> 48) & 0xFF) != static_cast<std::uint8_t>(kind)) return nullptr;
  const std::uint32_t generation = static_cast<std::uint32_t>(token >> 24) & generation_mask;
  const std::size_t i = token & index_max;
  if (i >= slots_.size()) return nullptr;
  const slot& s = slots_[i];
  if (!s.object || s.kind != kind || (s.generation & generation_mask) != generation) return nullptr;
  *index = i;
  return s.object;
}

std::shared_ptr<void> handle_table::find_any(const void* handle, handle_kind kind) const {
  const auto token = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(handle));
  std::shared_lock lock(mutex_);
  std::size_t index = 0;
  return locate(token, kind, &index);
}

std::shared_ptr<void> handle_table::remove(const void* handle, handle_kind kind) {
  const auto token = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(handle));
  std::unique_lock lock(mutex_);
  std::size_t index = 0;
  auto obj = locate(token, kind, &index);
  if (!obj) return nullptr;
  slot& s = slots_[index];
  s.object.reset();
  ++s.generation;
  free_.push_back(static_cast<std::uint32_t>(index));
  --live_;
  return obj;
}

std::size_t handle_table::live_count() const {
  std::shared_lock lock(mutex_);
  return live_;
}

}  // namespace drt::core
