#include "der.hpp"

#include <ctime>

namespace drt::plugins::wolfssl::der {

bool read(bytes_view& in, tlv& out) noexcept {
  if (in.size() < 2) return false;
  std::size_t length = in[1];
  std::size_t header = 2;
  if (length & 0x80) {
    const std::size_t n = length & 0x7F;
    if (n == 0 || n > 4 || in.size() < 2 + n) return false;
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | in[2 + i];
    header += n;
  }
  if (length > in.size() - header) return false;
  out.tag = in[0];
  out.content = in.subspan(header, length);
  out.whole = in.first(header + length);
  in = in.subspan(header + length);
  return true;
}

bool read(bytes_view& in, std::uint8_t tag, tlv& out) noexcept {
  bytes_view probe = in;
  if (!read(probe, out) || out.tag != tag) return false;
  in = probe;
  return true;
}

namespace {

[[nodiscard]] bool digits(bytes_view s, std::size_t at, std::size_t n, int& out) noexcept {
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

bool to_unix_seconds(const tlv& time, std::int64_t& out) noexcept {
  const bytes_view s = time.content;
  std::size_t year_digits = 0;
  if (time.tag == 0x17 && s.size() == 13) year_digits = 2;
  else if (time.tag == 0x18 && s.size() == 15) year_digits = 4;
  else return false;
  if (s[s.size() - 1] != 'Z') return false;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, year_digits, year)) return false;
  const std::size_t p = year_digits;
  if (!digits(s, p, 2, month) || !digits(s, p + 2, 2, day) || !digits(s, p + 4, 2, hour) ||
      !digits(s, p + 6, 2, minute) || !digits(s, p + 8, 2, second)) {
    return false;
  }
  if (year_digits == 2) year += year < 50 ? 2000 : 1900;  // RFC 5280 §4.1.2.5.1
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  out = static_cast<std::int64_t>(timegm(&tm));
  return true;
}

}  // namespace drt::plugins::wolfssl::der
