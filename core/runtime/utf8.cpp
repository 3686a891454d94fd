// core/runtime: UTF-8 validation (spec/api.md §1.5; Unicode 15 table 3-7 "well-formed byte
// sequences").
#include "runtime/utf8.hpp"

#include <cstdint>

namespace drt::runtime {
namespace {

bool is_continuation(std::uint8_t byte) { return (byte & 0xC0u) == 0x80u; }

// Length of the well-formed sequence starting at text[i], or 0 if none starts there. The second
// byte's range depends on the lead byte: that is what rules out overlong forms (E0, F0),
// surrogates (ED) and code points above U+10FFFF (F4).
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80u) return 1;
  std::size_t length = 0;
  std::uint8_t second_min = 0x80u;
  std::uint8_t second_max = 0xBFu;
  if (lead >= 0xC2u && lead <= 0xDFu) {
    length = 2;
  } else if (lead >= 0xE0u && lead <= 0xEFu) {
    length = 3;
    if (lead == 0xE0u) second_min = 0xA0u;
    if (lead == 0xEDu) second_max = 0x9Fu;
  } else if (lead >= 0xF0u && lead <= 0xF4u) {
    length = 4;
    if (lead == 0xF0u) second_min = 0x90u;
    if (lead == 0xF4u) second_max = 0x8Fu;
  } else {
    return 0;  // 80..C1 (continuation or overlong 2-byte lead) and F5..FF never start a sequence
  }
  if (text.size() - i < length) return 0;
  if (byte(1) < second_min || byte(1) > second_max) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!is_continuation(byte(k))) return 0;
  }
  return length;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t length = sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::size_t utf8_code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) {
    if (!is_continuation(static_cast<std::uint8_t>(c))) ++count;
  }
  return count;
}

}  // namespace drt::runtime
