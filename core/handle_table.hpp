// core: the handle table. Handles are opaque 64-bit tokens: a tag, the kind, a generation and a
// slot index. A closed, stale, forged or wrong-kind token finds nothing, so every entry point
// answers E_HANDLE instead of touching freed memory (spec/api.md §1.6).
//
// Thread-safe: lookups take a shared lock, insert/remove an exclusive one. Objects are held by
// shared_ptr, so one that is removed while a call is using it stays alive until that call ends.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace drt::core {

enum class handle_kind : std::uint8_t {
  instance = 1,
  registration = 2,
  search = 3,
  transport = 4,
  plugin = 5,
};

class handle_table {
 public:
  // Stores obj and returns its new handle (never NULL).
  void* insert(handle_kind kind, std::shared_ptr<void> obj);

  // The object behind a live handle of that kind, or nullptr.
  template <class T>
  std::shared_ptr<T> find(const void* handle, handle_kind kind) const {
    return std::static_pointer_cast<T>(find_any(handle, kind));
  }

  // Invalidates the handle and returns its object (nullptr if it was not live).
  std::shared_ptr<void> remove(const void* handle, handle_kind kind);

  std::size_t live_count() const;

 private:
  struct slot {
    std::uint32_t generation = 1;
    handle_kind kind{};
    std::shared_ptr<void> object;
  };
  std::shared_ptr<void> find_any(const void* handle, handle_kind kind) const;
  std::shared_ptr<void> locate(std::uint64_t token, handle_kind kind, std::size_t* index) const;

  mutable std::shared_mutex mutex_;
  std::vector<slot> slots_;
  std::vector<std::uint32_t> free_;
  std::size_t live_ = 0;
};

}  // namespace drt::core
