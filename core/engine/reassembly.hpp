// core/engine: reassembly of fragmented messages (protocol.md §2.6) with hard limits:
// 32 entries in total, 4 per source address, 3 s lifetime, Size ≤ 37348. Unsolicited messages
// may hold at most 24 entries: the last 8 are kept for answers to our own requests, so a flood of
// never-completed fragments from many addresses cannot stop a search from fetching a large
// payload. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/codec.hpp"

namespace drt::engine {

class reassembly_table {
 public:
  static constexpr std::size_t entries_max = 32;
  static constexpr std::size_t entries_per_source_max = 4;
  static constexpr std::uint64_t timeout_ms = 3000;
  static constexpr std::size_t answers_reserved = 8;

  struct complete_message {
    bytes prefix;
    bytes body;
  };

  // Feeds one fragment. Returns the whole message when its last piece arrived; nullopt while
  // incomplete or when dropped (then *dropped holds why). `answer`: the message answers a
  // request of ours (it may use the reserved entries).
  std::optional<complete_message> add(std::uint64_t now_ms, const endpoint& from, const datagram_view& v,
                                      std::optional<drop_reason>* dropped, bool answer = false);
  void expire(std::uint64_t now_ms);
  std::optional<std::uint64_t> next_deadline() const;
  std::size_t size() const { return entries_.size(); }
  std::size_t memory_bytes() const;

 private:
  struct entry {
    endpoint source;
    message_type type{};
    std::uint32_t message_id = 0;
    std::uint64_t first_ms = 0;
    std::uint16_t size = 0;
    bool answer = false;
    bytes prefix;
    bytes body;
    std::vector<bool> have;  // one flag per 1188-byte piece
  };
  std::vector<entry> entries_;
};

}  // namespace drt::engine
