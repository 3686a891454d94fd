// tests/unit: UTF-8 validation (spec/api.md §1.5).
#include "runtime/utf8.hpp"

#include <gtest/gtest.h>

namespace drt::runtime {
namespace {

TEST(IsValidUtf8, AcceptsAsciiAndEveryEncodingLength) {
  EXPECT_TRUE(is_valid_utf8("plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST(IsValidUtf8, AcceptsTheEmptyString) { EXPECT_TRUE(is_valid_utf8("")); }

TEST(IsValidUtf8, AcceptsTheHighestCodePoint) { EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF")); }

TEST(IsValidUtf8, RejectsAnOverlongTwoByteForm) { EXPECT_FALSE(is_valid_utf8("\xC0\xAF")); }

TEST(IsValidUtf8, RejectsAnOverlongThreeByteForm) { EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF")); }

TEST(IsValidUtf8, RejectsAnOverlongFourByteForm) {
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));
}

TEST(IsValidUtf8, RejectsASurrogate) { EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80")); }

TEST(IsValidUtf8, RejectsACodePointAbove10FFFF) { EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); }

TEST(IsValidUtf8, RejectsASequenceCutShortByTheEnd) { EXPECT_FALSE(is_valid_utf8("ab\xE2\x82")); }

TEST(IsValidUtf8, RejectsASequenceCutShortByAnAsciiByte) {
  EXPECT_FALSE(is_valid_utf8("\xE2\x82z"));
}

TEST(IsValidUtf8, RejectsAStrayContinuationByte) { EXPECT_FALSE(is_valid_utf8("a\x80")); }

TEST(IsValidUtf8, RejectsByteFF) { EXPECT_FALSE(is_valid_utf8("\xFF")); }

TEST(Utf8CodePoints, CountsCharactersNotBytes) {
  EXPECT_EQ(utf8_code_points("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), 4u);
}

}  // namespace
}  // namespace drt::runtime
