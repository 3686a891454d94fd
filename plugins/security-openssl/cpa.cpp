#include "cpa.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace drt::plugins::openssl {
namespace {

// Integers inside provider structures are little-endian, except the IPV6_ENDPOINT port, which
// keeps its wire form (BE16) (protocol.md §2.1 rule 4, §5.6).
class byte_writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void le16(std::size_t v) {
    if (v > std::numeric_limits<std::uint16_t>::max()) throw std::length_error("CPA field > 65535");
    out_.push_back(static_cast<std::uint8_t>(v));
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  void le32(std::uint32_t v) {
    for (int shift = 0; shift < 32; shift += 8)
      out_.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  void be16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void bytes(std::span<const std::uint8_t> v) { out_.insert(out_.end(), v.begin(), v.end()); }
  [[nodiscard]] std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  std::vector<std::uint8_t> out_;
};

// Every read is bounds-checked; after the first failure ok() stays false and reads yield zeros,
// so a parser can read a whole structure and check once.
class byte_reader {
 public:
  explicit byte_reader(std::span<const std::uint8_t> in) : in_(in) {}

  [[nodiscard]] std::span<const std::uint8_t> bytes(std::size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    auto out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  [[nodiscard]] std::uint8_t u8() {
    auto b = bytes(1);
    return b.empty() ? 0 : b[0];
  }
  [[nodiscard]] std::uint16_t le16() {
    auto b = bytes(2);
    return b.empty() ? 0 : static_cast<std::uint16_t>(b[0] | (b[1] << 8));
  }
  [[nodiscard]] std::uint16_t be16() {
    auto b = bytes(2);
    return b.empty() ? 0 : static_cast<std::uint16_t>((b[0] << 8) | b[1]);
  }
  [[nodiscard]] std::uint32_t le32() {
    auto b = bytes(4);
    if (b.empty()) return 0;
    return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
           static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
  }
  template <std::size_t N>
  void copy_to(std::array<std::uint8_t, N>& out) {
    auto b = bytes(N);
    if (!b.empty()) std::copy(b.begin(), b.end(), out.begin());
  }
  void fail() { ok_ = false; }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] bool at_end() const { return ok_ && pos_ == in_.size(); }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

void write_public_key(byte_writer& w, const cpa_public_key& pk) {
  if (pk.algorithm_id.size() > std::numeric_limits<std::uint8_t>::max()) {
    throw std::length_error("CPA AlgorithmId > 255 bytes");
  }
  w.u8(static_cast<std::uint8_t>(pk.algorithm_id.size()));
  w.le16(pk.parameters.size());
  w.le16(pk.key.size());
  w.u8(pk.unused_bits);
  for (char c : pk.algorithm_id) w.u8(static_cast<std::uint8_t>(c));
  w.bytes(pk.parameters);
  w.bytes(pk.key);
}

void read_public_key(byte_reader& r, cpa_public_key& pk) {
  const std::size_t algorithm_bytes = r.u8();
  const std::size_t parameter_bytes = r.le16();
  const std::size_t key_bytes_n = r.le16();
  pk.unused_bits = r.u8();
  auto algorithm = r.bytes(algorithm_bytes);
  pk.algorithm_id.assign(algorithm.begin(), algorithm.end());
  auto parameters = r.bytes(parameter_bytes);
  pk.parameters.assign(parameters.begin(), parameters.end());
  auto key = r.bytes(key_bytes_n);
  pk.key.assign(key.begin(), key.end());
}

void read_addresses(byte_reader& r, std::vector<endpoint>& out) {
  const std::size_t count = r.le16();
  const std::size_t element_bytes = r.le16();
  if (count > cpa_addresses_max || element_bytes != endpoint_bytes) {
    r.fail();
    return;
  }
  out.resize(count);
  for (endpoint& e : out) {
    e.port = r.be16();
    r.copy_to(e.address);
  }
}

}  // namespace

std::vector<std::uint8_t> encode_cpa_signed_part(const cpa& value) {
  if (value.addresses.size() > cpa_addresses_max) throw std::length_error("CPA > 20 addresses");
  byte_writer w;
  w.u8(value.protocol_major);
  w.u8(value.protocol_minor);
  w.u8(value.profile_major);
  w.u8(value.profile_minor);
  w.le16(key_bytes);
  w.bytes(value.key_wire);
  w.le16(nonce_bytes);
  w.bytes(value.nonce);
  write_public_key(w, value.public_key);
  w.le16(value.addresses.size());
  w.le16(endpoint_bytes);  // written even for zero addresses, so the layout never varies
  for (const endpoint& e : value.addresses) {
    w.be16(e.port);
    w.bytes(e.address);
  }
  w.le32(value.flags);
  w.bytes(value.payload_hash);
  return w.take();
}

std::vector<std::uint8_t> encode_cpa(const cpa& value) {
  const std::vector<std::uint8_t> signed_part = encode_cpa_signed_part(value);
  byte_writer w;
  w.u8(0);                             // Reserved
  w.le16(2 + value.signature.size());  // SIGNATURE Length counts its own 2 bytes
  w.bytes(value.signature);
  w.bytes(signed_part);
  return w.take();
}

std::optional<cpa> decode_cpa(std::span<const std::uint8_t> bytes) {
  byte_reader r(bytes);
  cpa value;
  if (r.u8() != 0) return std::nullopt;
  const std::size_t signature_length = r.le16();
  if (signature_length < 2) return std::nullopt;
  auto signature = r.bytes(signature_length - 2);
  value.signature.assign(signature.begin(), signature.end());
  value.protocol_major = r.u8();
  value.protocol_minor = r.u8();
  value.profile_major = r.u8();
  value.profile_minor = r.u8();
  if (r.le16() != key_bytes) return std::nullopt;
  r.copy_to(value.key_wire);
  if (r.le16() != nonce_bytes) return std::nullopt;
  r.copy_to(value.nonce);
  read_public_key(r, value.public_key);
  read_addresses(r, value.addresses);
  value.flags = r.le32();
  r.copy_to(value.payload_hash);
  if (!r.at_end()) return std::nullopt;
  return value;
}

key_bytes_t reverse_key(std::span<const std::uint8_t, key_bytes> key) {
  key_bytes_t out{};
  std::reverse_copy(key.begin(), key.end(), out.begin());
  return out;
}

}  // namespace drt::plugins::openssl
