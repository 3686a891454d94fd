#include "engine/reassembly.hpp"

#include <algorithm>

namespace drt::engine {

std::optional<reassembly_table::complete_message> reassembly_table::add(
    std::uint64_t now_ms, const endpoint& from, const datagram_view& v, std::optional<drop_reason>* dropped,
    bool answer) {
  expire(now_ms);
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) {
    return e.source == from && e.type == v.type && e.message_id == v.message_id;
  });
  if (it == entries_.end()) {
    const auto per_source = std::count_if(entries_.begin(), entries_.end(),
                                          [&](const entry& e) { return e.source.address == from.address; });
    const auto unsolicited = std::count_if(entries_.begin(), entries_.end(), [](const entry& e) { return !e.answer; });
    if (entries_.size() >= entries_max || static_cast<std::size_t>(per_source) >= entries_per_source_max ||
        (!answer && static_cast<std::size_t>(unsolicited) >= entries_max - answers_reserved)) {
      *dropped = drop_reason::reassembly_full;
      return std::nullopt;
    }
    entry e;
    e.source = from;
    e.type = v.type;
    e.message_id = v.message_id;
    e.first_ms = now_ms;
    e.size = v.split_size;
    e.answer = answer;
    e.prefix.assign(v.prefix.begin(), v.prefix.end());
    e.body.assign(v.split_size, 0);
    e.have.assign((v.split_size + fragment_piece_bytes_max - 1) / fragment_piece_bytes_max, false);
    entries_.push_back(std::move(e));
    it = entries_.end() - 1;
  }
  entry& e = *it;
  const std::size_t index = v.split_offset / fragment_piece_bytes_max;
  const bool is_last = index + 1 == e.have.size();
  const bool bad = v.split_size != e.size || !std::equal(v.prefix.begin(), v.prefix.end(), e.prefix.begin(), e.prefix.end()) ||
                   index >= e.have.size() || (!is_last && v.piece.size() != fragment_piece_bytes_max) ||
                   (is_last && v.split_offset + v.piece.size() != e.size);
  if (bad) {
    entries_.erase(it);
    *dropped = drop_reason::fragment_invalid;
    return std::nullopt;
  }
  if (e.have[index]) return std::nullopt;  // duplicate
  std::copy(v.piece.begin(), v.piece.end(), e.body.begin() + v.split_offset);
  e.have[index] = true;
  if (!std::all_of(e.have.begin(), e.have.end(), [](bool b) { return b; })) return std::nullopt;
  complete_message done{std::move(e.prefix), std::move(e.body)};
  entries_.erase(it);
  return done;
}

void reassembly_table::expire(std::uint64_t now_ms) {
  std::erase_if(entries_, [&](const entry& e) { return now_ms >= e.first_ms + timeout_ms; });
}

std::optional<std::uint64_t> reassembly_table::next_deadline() const {
  std::optional<std::uint64_t> d;
  for (const auto& e : entries_) d = std::min(d.value_or(e.first_ms + timeout_ms), e.first_ms + timeout_ms);
  return d;
}

std::size_t reassembly_table::memory_bytes() const {
  std::size_t n = entries_.capacity() * sizeof(entry);
  for (const auto& e : entries_) n += e.prefix.capacity() + e.body.capacity() + e.have.capacity() / 8;
  return n;
}

}  // namespace drt::engine
