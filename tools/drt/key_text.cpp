// Key parsing, printing and ring arithmetic for the drt tool (key_text.hpp).
#include "key_text.hpp"

#include "certgen.hpp"
#include "command.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace drt::tool {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 64 hex digits, or why not.
std::optional<drt::key> from_hex(std::string_view s, std::string& why) {
  if (s.size() != 2 * DRT_KEY_SIZE) {
    why = "expected 64 hex digits, got " + std::to_string(s.size()) + " characters";
    return std::nullopt;
  }
  std::array<std::uint8_t, 32> wire{};
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) {
      why = "'" + std::string(1, hi < 0 ? s[i] : s[i + 1]) + "' at position " + std::to_string(hi < 0 ? i + 1 : i + 2) +
            " is not a hex digit";
      return std::nullopt;
    }
    wire[i / 2] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return key_from_wire(wire);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

drt::key from_file(const std::string& path, const std::string& prefix) {
  std::vector<std::uint8_t> bytes = read_user_file(path, certificate_file_bytes_max, prefix);
  const std::string_view text = trim(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  std::string why;
  if (auto k = from_hex(text, why)) return *k;
  // Not hex: a certificate whose derived key is meant?
  drt::key k{};
  DRT_DATA cert{static_cast<std::uint32_t>(bytes.size()), bytes.data()};
  DRT_DATA out{DRT_KEY_SIZE, k.data()};
  if (SUCCEEDED(DrtCreateDerivedKey(&cert, &out))) return k;
  throw usage_error(prefix + path + " holds neither 64 hex digits nor a certificate");
}

}  // namespace

drt::key key_from_wire(const std::array<std::uint8_t, 32>& wire) {
  drt::key k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = wire[k.size() - 1 - i];
  return k;
}

std::string key_hex(const drt::key& k) {
  std::array<std::uint8_t, 32> wire{};
  for (std::size_t i = 0; i < k.size(); ++i) wire[i] = k[k.size() - 1 - i];
  return certgen::to_hex(wire.data(), wire.size());
}

drt::key sha256_key(std::string_view text) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int n = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &n, EVP_sha256(), nullptr) != 1 || n != digest.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return key_from_wire(digest);
}

drt::key parse_key(std::string_view text, std::string_view what) {
  const std::string prefix = std::string(what) + ": ";
  if (text.starts_with("@")) {
    if (text.size() == 1) throw usage_error(prefix + "'@' needs a file name");
    return from_file(std::string(text.substr(1)), prefix);
  }
  if (text.starts_with("sha256:")) return sha256_key(text.substr(7));
  std::string why;
  if (auto k = from_hex(text, why)) return *k;
  throw usage_error(prefix + "'" + std::string(text) + "' is not a key (" + why +
                    "; or use @FILE or sha256:TEXT)");
}

int key_compare(const drt::key& a, const drt::key& b) {
  for (std::size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

drt::key key_distance(const drt::key& a, const drt::key& b) {
  auto sub = [](const drt::key& x, const drt::key& y) {
    drt::key r{};
    int borrow = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const int d = int{x[i]} - int{y[i]} - borrow;
      borrow = d < 0 ? 1 : 0;
      r[i] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
    }
    return r;
  };
  const drt::key ab = sub(a, b), ba = sub(b, a);
  return key_compare(ab, ba) <= 0 ? ab : ba;
}

double key_turn(const drt::key& k) {
  std::uint64_t top = 0;
  for (std::size_t i = k.size(); i-- > k.size() - 8;) top = top << 8 | k[i];
  return static_cast<double>(top) / 18446744073709551616.0;
}

}  // namespace drt::tool
