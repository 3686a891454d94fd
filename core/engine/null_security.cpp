#include <algorithm>
#include <cstring>

#include "engine/hash.hpp"
#include "engine/security.hpp"

namespace drt::engine {
namespace {

void put_le16(bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }

}  // namespace

HRESULT null_security::secure_and_pack_payload(void*, std::uint8_t major, std::uint8_t minor, std::uint32_t flags,
                                               const key256& key, const bytes* payload,
                                               std::span<const endpoint> addresses, byte_span nonce,
                                               packed_payload& out) {
  if ((!nonce.empty() && nonce.size() != 16) || addresses.size() > 20) return E_INVALIDARG;
  bytes& c = out.cpa;
  c.clear();
  c.reserve(105 + 18 * addresses.size());
  c.push_back(0);           // reserved
  put_le16(c, 2);           // empty SIGNATURE
  c.push_back(major);
  c.push_back(minor);
  c.push_back(0x4F);        // profile 0x4F/0x00
  c.push_back(0x00);
  put_le16(c, 32);
  std::uint8_t w[32];
  key.to_wire(w);
  c.insert(c.end(), w, w + 32);
  put_le16(c, 16);
  if (nonce.empty()) c.insert(c.end(), 16, 0);
  else c.insert(c.end(), nonce.begin(), nonce.end());
  c.insert(c.end(), 6, 0);  // PUBLIC_KEY: all-zero header, no data
  put_le16(c, static_cast<std::uint16_t>(addresses.size()));
  put_le16(c, 18);
  for (const auto& e : addresses) {
    c.push_back(static_cast<std::uint8_t>(e.port >> 8));
    c.push_back(static_cast<std::uint8_t>(e.port));
    c.insert(c.end(), e.address.begin(), e.address.end());
  }
  for (int i = 0; i < 4; ++i) c.push_back(static_cast<std::uint8_t>(flags >> (8 * i)));
  if (payload != nullptr && !payload->empty()) {
    const auto h = sha256(*payload);
    c.insert(c.end(), h.begin(), h.end());
    out.secured_payload = *payload;
  } else {
    c.insert(c.end(), 32, 0);
    out.secured_payload.clear();
  }
  out.classifier.clear();
  out.cert_chain.clear();
  return S_OK;
}

HRESULT null_security::validate_and_unpack_payload(byte_span cpa, byte_span, byte_span, byte_span nonce,
                                                   const bytes* secured_payload, unpacked_payload& out) {
  if (!nonce.empty() && nonce.size() != 16) return E_INVALIDARG;
  // Exact layout, docs/security.md "ValidateAndUnpackPayload" step 1.
  std::size_t p = 0;
  auto need = [&](std::size_t n) { return cpa.size() - p >= n; };
  if (!need(3) || cpa[0] != 0) return DRT_E_INVALID_MESSAGE;
  const std::size_t sig_len = le16(&cpa[1]);
  p = 1;
  if (sig_len < 2 || !need(sig_len)) return DRT_E_INVALID_MESSAGE;
  p += sig_len;
  if (!need(4 + 2 + 32 + 2 + 16 + 6)) return DRT_E_INVALID_MESSAGE;
  out.version_major = cpa[p];
  out.version_minor = cpa[p + 1];
  if (cpa[p + 2] != 0x4F || (cpa[p + 3] != 0x00 && cpa[p + 3] != 0x01)) return DRT_E_INVALID_MESSAGE;
  p += 4;
  if (le16(&cpa[p]) != 32) return DRT_E_INVALID_MESSAGE;
  out.key = key256::from_wire(std::span<const std::uint8_t, 32>(&cpa[p + 2], 32));
  p += 34;
  if (le16(&cpa[p]) != 16) return DRT_E_INVALID_MESSAGE;
  const std::uint8_t* cpa_nonce = &cpa[p + 2];
  p += 18;
  const std::size_t alg_len = cpa[p];
  const std::size_t param_len = le16(&cpa[p + 1]);
  const std::size_t pub_len = le16(&cpa[p + 3]);
  p += 6;
  if (!need(alg_len + param_len + pub_len)) return DRT_E_INVALID_MESSAGE;
  p += alg_len + param_len + pub_len;
  if (!need(4)) return DRT_E_INVALID_MESSAGE;
  const std::size_t count = le16(&cpa[p]);
  if (count > 20 || le16(&cpa[p + 2]) != 18) return DRT_E_INVALID_MESSAGE;
  p += 4;
  if (cpa.size() - p != 18 * count + 4 + 32) return DRT_E_INVALID_MESSAGE;  // nothing after PayloadHash
  out.addresses.clear();
  for (std::size_t i = 0; i < count; ++i, p += 18) {
    endpoint e;
    e.port = static_cast<std::uint16_t>((cpa[p] << 8) | cpa[p + 1]);
    std::memcpy(e.address.data(), &cpa[p + 2], 16);
    out.addresses.push_back(e);
  }
  out.flags = std::uint32_t{cpa[p]} | (std::uint32_t{cpa[p + 1]} << 8) | (std::uint32_t{cpa[p + 2]} << 16) |
              (std::uint32_t{cpa[p + 3]} << 24);
  p += 4;
  static constexpr std::uint8_t zero16[16] = {};
  if (!std::equal(cpa_nonce, cpa_nonce + 16, nonce.empty() ? zero16 : nonce.data())) return DRT_E_INVALID_MESSAGE;
  if (secured_payload != nullptr && !secured_payload->empty()) {
    const auto h = sha256(*secured_payload);
    if (!std::equal(h.begin(), h.end(), &cpa[p])) return DRT_E_INVALID_MESSAGE;
    out.payload = *secured_payload;
  } else {
    out.payload.clear();
  }
  return S_OK;
}

HRESULT null_security::encrypt_data(byte_span, std::span<const byte_span> buffers, std::vector<bytes>& encrypted,
                                    bytes& keytoken) {
  encrypted.clear();
  for (const auto& b : buffers) encrypted.emplace_back(b.begin(), b.end());
  keytoken.clear();
  return S_OK;
}

}  // namespace drt::engine
