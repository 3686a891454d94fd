// core/runtime: UTF-8 validation for strings the API and the configuration file check
// (spec/api.md §1.5).
#pragma once

#include <cstddef>
#include <string_view>

namespace drt::runtime {

// True if `text` is well-formed UTF-8: no overlong forms, no surrogates (U+D800..U+DFFF), nothing
// above U+10FFFF, no stray continuation bytes and no sequence cut short by the end of the text.
// An embedded NUL byte is valid UTF-8 (U+0000); callers that hand the text on as a C string
// check for it themselves.
[[nodiscard]] bool is_valid_utf8(std::string_view text);

// Number of code points ("characters" in spec/api.md §1.5) in valid UTF-8 `text`. For malformed
// text the result counts every byte that is not a continuation byte; check validity first.
[[nodiscard]] std::size_t utf8_code_points(std::string_view text);

}  // namespace drt::runtime
