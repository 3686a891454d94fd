#include "engine/codec.hpp"

#include <algorithm>
#include <cstring>

namespace drt::engine {
namespace {

void put16(bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32(bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}
std::uint16_t get16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t get32(const std::uint8_t* p) { return (std::uint32_t{get16(p)} << 16) | get16(p + 2); }

// Writes a TLV field whose data is produced by `fill`, then pads to 4 bytes relative to `base`.
template <class Fill>
void put_field(bytes& b, std::size_t base, std::uint16_t id, Fill&& fill) {
  const std::size_t start = b.size();
  put16(b, id);
  put16(b, 0);
  fill(b);
  const std::size_t len = b.size() - start;
  b[start + 2] = static_cast<std::uint8_t>(len >> 8);
  b[start + 3] = static_cast<std::uint8_t>(len);
  while ((b.size() - base) % 4 != 0) b.push_back(0);
}

void put_bytes_field(bytes& b, std::size_t base, std::uint16_t id, const bytes& data) {
  put_field(b, base, id, [&](bytes& o) { o.insert(o.end(), data.begin(), data.end()); });
}

void put_key_field(bytes& b, std::size_t base, std::uint16_t id, const key256& k) {
  put_field(b, base, id, [&](bytes& o) {
    std::uint8_t w[32];
    k.to_wire(w);
    o.insert(o.end(), w, w + 32);
  });
}

void put_array_header(bytes& o, std::size_t n, std::uint16_t element_type, std::uint16_t e) {
  put16(o, static_cast<std::uint16_t>(n));
  put16(o, static_cast<std::uint16_t>(8 + n * e));
  put16(o, element_type);
  put16(o, e);
}

void put_route_entry(bytes& b, std::size_t base, const route_entry& r) {
  put_field(b, base, field_id::routing_entry, [&](bytes& o) {
    std::uint8_t w[32];
    r.key.to_wire(w);
    o.insert(o.end(), w, w + 32);
    o.push_back(r.version_major);
    o.push_back(r.version_minor);
    put16(o, r.port);
    o.push_back(r.flags);
    o.push_back(static_cast<std::uint8_t>(r.addresses.size()));
    for (const auto& a : r.addresses) o.insert(o.end(), a.begin(), a.end());
  });
}

void put_endpoint_array(bytes& b, std::size_t base, const std::vector<endpoint>& eps) {
  put_field(b, base, field_id::ipv6_endpoint_array, [&](bytes& o) {
    put_array_header(o, eps.size(), field_id::ipv6_endpoint, 18);
    for (const auto& e : eps) {
      put16(o, e.port);
      o.insert(o.end(), e.address.begin(), e.address.end());
    }
  });
}

// A protected field (§5.5) is sent as-is, or as its ENCRYPTED_FIELD when one was prepared.
template <class Plain>
void put_protected(bytes& b, std::size_t base, const message& m, std::uint16_t id, Plain&& plain) {
  for (const auto& e : m.encrypted) {
    if (e.inner_id == id) {
      put_field(b, base, field_id::encrypted_field, [&](bytes& o) {
        put16(o, e.inner_id);
        put16(o, 0);
        o.insert(o.end(), e.ciphertext.begin(), e.ciphertext.end());
      });
      return;
    }
  }
  plain();
}

bytes encode_prefix(const message& m) {
  bytes b;
  b.reserve(40);  // header, acked id and control fields: one allocation
  put_field(b, 0, field_id::header, [&](bytes& o) {
    o.push_back(0x51);
    o.push_back(m.version_major);
    o.push_back(m.version_minor);
    o.push_back(static_cast<std::uint8_t>(m.type));
    put32(o, m.message_id);
  });
  switch (m.type) {
    case message_type::advertise:
    case message_type::authority:
    case message_type::ack:
      put_field(b, 0, field_id::header_acked, [&](bytes& o) { put32(o, m.acked_id.value_or(0)); });
      if (m.type == message_type::ack && m.flags)
        put_field(b, 0, field_id::flags_field, [&](bytes& o) { put16(o, *m.flags); });
      break;
    case message_type::request:
      if (m.flags) put_field(b, 0, field_id::flags_field, [&](bytes& o) { put16(o, *m.flags); });
      break;
    case message_type::inquire:
      put_field(b, 0, field_id::flags_field, [&](bytes& o) { put16(o, m.flags.value_or(0)); });
      break;
    case message_type::flood:
      put_field(b, 0, field_id::flood_controls, [&](bytes& o) {
        put16(o, m.flood_flags.value_or(0));
        o.push_back(0);
      });
      break;
    case message_type::lookup:
      put_field(b, 0, field_id::lookup_controls, [&](bytes& o) {
        const lookup_controls c = m.lookup.value_or(lookup_controls{});
        put16(o, c.flags);
        put16(o, c.precision);
        o.push_back(c.criteria);
        o.push_back(c.reason);
        put16(o, 0);
      });
      break;
    case message_type::solicit:
      break;
  }
  return b;
}

void put_sec(bytes& b, const message& m) {
  if (m.credential) put_bytes_field(b, 0, field_id::credential, *m.credential);
  if (m.signature) put_bytes_field(b, 0, field_id::signature, *m.signature);
  if (m.key_identifier) put_bytes_field(b, 0, field_id::key_identifier, *m.key_identifier);
}

bytes encode_body(const message& m) {
  bytes b;
  b.reserve(256);  // most bodies fit (route entry, keys, flagged path): few reallocations
  switch (m.type) {
    case message_type::solicit:
      if (m.route) put_route_entry(b, 0, *m.route);
      if (m.hashed_nonce) put_field(b, 0, field_id::hashed_nonce, [&](bytes& o) { o.insert(o.end(), m.hashed_nonce->begin(), m.hashed_nonce->end()); });
      break;
    case message_type::advertise:
    case message_type::request:
      if (m.nonce) put_field(b, 0, field_id::nonce, [&](bytes& o) { o.insert(o.end(), m.nonce->begin(), m.nonce->end()); });
      if (m.id_array) {
        put_field(b, 0, field_id::drt_id_array, [&](bytes& o) {
          put_array_header(o, m.id_array->size(), field_id::drt_id, 32);
          for (const auto& k : *m.id_array) {
            std::uint8_t w[32];
            k.to_wire(w);
            o.insert(o.end(), w, w + 32);
          }
        });
      }
      if (m.hashed_nonce) put_field(b, 0, field_id::hashed_nonce, [&](bytes& o) { o.insert(o.end(), m.hashed_nonce->begin(), m.hashed_nonce->end()); });
      put_sec(b, m);
      break;
    case message_type::flood:
      if (m.validate_id) put_key_field(b, 0, field_id::validate_drt_id, *m.validate_id);
      if (m.keytoken) put_bytes_field(b, 0, field_id::keytoken, *m.keytoken);
      if (m.credential) put_bytes_field(b, 0, field_id::credential, *m.credential);
      put_protected(b, 0, m, field_id::revoke_cpa, [&] { if (m.revoke_cpa) put_bytes_field(b, 0, field_id::revoke_cpa, *m.revoke_cpa); });
      put_protected(b, 0, m, field_id::routing_entry, [&] { if (m.route) put_route_entry(b, 0, *m.route); });
      if (m.endpoints) put_endpoint_array(b, 0, *m.endpoints);
      break;
    case message_type::inquire:
      if (m.validate_id) put_key_field(b, 0, field_id::validate_drt_id, *m.validate_id);
      if (m.nonce) put_field(b, 0, field_id::nonce, [&](bytes& o) { o.insert(o.end(), m.nonce->begin(), m.nonce->end()); });
      put_sec(b, m);
      break;
    case message_type::authority:
      put_field(b, 0, field_id::flags_field, [&](bytes& o) { put16(o, m.flags.value_or(0)); });
      if (m.credential) put_bytes_field(b, 0, field_id::credential, *m.credential);
      if (m.keytoken) put_bytes_field(b, 0, field_id::keytoken, *m.keytoken);
      if (m.classifier) {
        put_field(b, 0, field_id::classifier, [&](bytes& o) {
          put_array_header(o, m.classifier->size(), field_id::wchar, 2);
          for (auto w : *m.classifier) put16(o, w);
        });
      }
      put_protected(b, 0, m, field_id::extended_payload, [&] { if (m.extended_payload) put_bytes_field(b, 0, field_id::extended_payload, *m.extended_payload); });
      put_protected(b, 0, m, field_id::routing_entry, [&] { if (m.route) put_route_entry(b, 0, *m.route); });
      put_protected(b, 0, m, field_id::validate_cpa, [&] { if (m.validate_cpa) put_bytes_field(b, 0, field_id::validate_cpa, *m.validate_cpa); });
      break;
    case message_type::ack:
      break;
    case message_type::lookup:
      if (m.target_id) put_key_field(b, 0, field_id::target_drt_id, *m.target_id);
      if (m.validate_id) put_key_field(b, 0, field_id::validate_drt_id, *m.validate_id);
      if (m.route) put_route_entry(b, 0, *m.route);
      if (m.keytoken) put_bytes_field(b, 0, field_id::keytoken, *m.keytoken);
      put_protected(b, 0, m, field_id::ipv6_endpoint_array, [&] { if (m.endpoints) put_endpoint_array(b, 0, *m.endpoints); });
      put_sec(b, m);
      break;
  }
  return b;
}

bool always_split(const message& m) {
  return m.type == message_type::authority || (m.type == message_type::request && m.flags.has_value());
}

}  // namespace

bool is_known_message_type(std::uint8_t t) {
  switch (t) {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x07: case 0x08: case 0x09: case 0x0B: return true;
    default: return false;
  }
}

const char* to_string(drop_reason r) {
  static constexpr const char* names[] = {
      "too_short", "too_long", "bad_header", "unknown_type", "version_mismatch", "bad_source",
      "bad_field_length", "bad_fixed_length", "field_order", "missing_field", "bad_array",
      "bad_route_entry", "bad_split", "fragment_invalid", "reassembly_full", "unmatched_answer",
      "bad_nonce", "security_failure", "unusable_route_entry", "not_applicable", "decrypt_failure",
      "rate_limited"};
  static_assert(std::size(names) == static_cast<std::size_t>(drop_reason::count_));
  return names[static_cast<std::size_t>(r)];
}

std::vector<bytes> encode(const message& m) {
  const bytes prefix = encode_prefix(m);
  const bytes body = encode_body(m);
  std::vector<bytes> out;
  if (!always_split(m) && body.size() <= fragment_piece_bytes_max) {
    bytes d;
    d.reserve(prefix.size() + body.size());
    d.insert(d.end(), prefix.begin(), prefix.end());
    d.insert(d.end(), body.begin(), body.end());
    out.push_back(std::move(d));
    return out;
  }
  if (body.size() > fragmented_body_bytes_max) return out;
  std::size_t offset = 0;
  do {
    const std::size_t piece = std::min(fragment_piece_bytes_max, body.size() - offset);
    bytes d = prefix;
    put_field(d, 0, field_id::split_controls, [&](bytes& o) {
      put16(o, static_cast<std::uint16_t>(body.size()));
      put16(o, static_cast<std::uint16_t>(offset));
    });
    d.insert(d.end(), body.begin() + static_cast<std::ptrdiff_t>(offset),
             body.begin() + static_cast<std::ptrdiff_t>(offset + piece));
    out.push_back(std::move(d));
    offset += piece;
  } while (offset < body.size());
  return out;
}

namespace {

struct token {
  std::uint16_t id;
  std::span<const std::uint8_t> data;
};

// Reads one TLV at `pos` of `unit`; advances pos past padding. False on a bad Length.
bool next_token(std::span<const std::uint8_t> unit, std::size_t& pos, token& t) {
  if (unit.size() - pos < 4) return false;
  const std::uint16_t id = get16(&unit[pos]);
  const std::uint16_t len = get16(&unit[pos + 2]);
  if (len < 4 || len > unit.size() - pos) return false;
  t = token{id, unit.subspan(pos + 4, len - 4u)};
  pos += len;
  pos = std::min(unit.size(), (pos + 3) & ~std::size_t{3});
  return true;
}

bool is_known_field(std::uint16_t id) {
  using namespace field_id;
  switch (id) {
    case header: case header_acked: case target_drt_id: case validate_drt_id: case flags_field:
    case flood_controls: case field_id::lookup_controls: case extended_payload: case drt_id_array:
    case credential: case classifier: case hashed_nonce: case nonce: case split_controls:
    case routing_entry: case validate_cpa: case revoke_cpa: case ipv6_endpoint_array:
    case keytoken: case signature: case key_identifier: case field_id::encrypted_field:
      return true;
    default:
      return false;  // includes SOLICIT_CONTROLS (PNRP only) and element IDs: skipped (§2.3)
  }
}

struct rule {
  std::uint16_t id;
  bool required;
  bool is_protected;  // may arrive as ENCRYPTED_FIELD with this inner id (§5.5)
};

std::vector<rule> body_grammar(message_type t) {
  using namespace field_id;
  switch (t) {
    case message_type::solicit: return {{routing_entry, false, false}, {hashed_nonce, true, false}};
    case message_type::advertise: return {{drt_id_array, true, false}, {hashed_nonce, true, false}};
    case message_type::request:
      return {{nonce, true, false}, {drt_id_array, true, false}, {credential, false, false},
              {signature, false, false}, {key_identifier, false, false}};
    case message_type::flood:
      return {{validate_drt_id, true, false}, {keytoken, false, false}, {credential, false, false},
              {revoke_cpa, false, true}, {routing_entry, false, true}, {ipv6_endpoint_array, false, false}};
    case message_type::inquire:
      return {{validate_drt_id, true, false}, {nonce, false, false}, {credential, false, false},
              {signature, false, false}, {key_identifier, false, false}};
    case message_type::authority:
      return {{flags_field, true, false}, {credential, false, false}, {keytoken, false, false},
              {classifier, false, false}, {extended_payload, false, true}, {routing_entry, false, true},
              {validate_cpa, false, true}};
    case message_type::ack: return {};
    case message_type::lookup:
      return {{target_drt_id, true, false}, {validate_drt_id, true, false}, {routing_entry, false, false},
              {keytoken, false, false}, {ipv6_endpoint_array, true, true}, {credential, false, false},
              {signature, false, false}, {key_identifier, false, false}};
  }
  return {};
}

std::optional<drop_reason> parse_array(std::span<const std::uint8_t> d, std::uint16_t element,
                                       std::uint16_t e, std::size_t n_min, std::size_t n_max,
                                       std::size_t& n) {
  if (d.size() < 8) return drop_reason::bad_array;
  n = get16(&d[0]);
  if (get16(&d[2]) != 8 + n * e || get16(&d[4]) != element || get16(&d[6]) != e ||
      d.size() != 8 + n * e || n < n_min || n > n_max)
    return drop_reason::bad_array;
  return std::nullopt;
}

std::optional<drop_reason> parse_route_entry(std::span<const std::uint8_t> d, route_entry& r) {
  if (d.size() < 38) return drop_reason::bad_route_entry;
  const std::size_t n = d[37];
  if (n < 1 || n > 20 || d.size() != 38 + 16 * n) return drop_reason::bad_route_entry;
  r.key = key256::from_wire(d.subspan<0, 32>());
  r.version_major = d[32];
  r.version_minor = d[33];
  r.port = get16(&d[34]);
  r.flags = d[36];
  r.addresses.resize(n);
  for (std::size_t i = 0; i < n; ++i) std::memcpy(r.addresses[i].data(), &d[38 + 16 * i], 16);
  return std::nullopt;
}

std::optional<drop_reason> store_field(message& m, std::uint16_t id, std::span<const std::uint8_t> d) {
  using namespace field_id;
  auto fixed = [&](std::size_t n) { return d.size() == n; };
  switch (id) {
    case header_acked:
      if (!fixed(4)) return drop_reason::bad_fixed_length;
      m.acked_id = get32(d.data());
      return std::nullopt;
    case flags_field:
      if (!fixed(2)) return drop_reason::bad_fixed_length;
      m.flags = get16(d.data());
      return std::nullopt;
    case flood_controls:
      if (!fixed(3)) return drop_reason::bad_fixed_length;
      m.flood_flags = get16(d.data());
      return std::nullopt;
    case field_id::lookup_controls:
      if (!fixed(8)) return drop_reason::bad_fixed_length;
      m.lookup = drt::engine::lookup_controls{get16(&d[0]), get16(&d[2]), d[4], d[5]};
      return std::nullopt;
    case target_drt_id:
    case validate_drt_id: {
      if (!fixed(32)) return drop_reason::bad_fixed_length;
      const key256 k = key256::from_wire(d.subspan<0, 32>());
      (id == target_drt_id ? m.target_id : m.validate_id) = k;
      return std::nullopt;
    }
    case hashed_nonce:
      if (!fixed(20)) return drop_reason::bad_fixed_length;
      m.hashed_nonce.emplace();
      std::memcpy(m.hashed_nonce->data(), d.data(), 20);
      return std::nullopt;
    case nonce:
      if (!fixed(16)) return drop_reason::bad_fixed_length;
      m.nonce.emplace();
      std::memcpy(m.nonce->data(), d.data(), 16);
      return std::nullopt;
    case drt_id_array: {
      std::size_t n = 0;
      const std::size_t n_min = m.type == message_type::request ? 1 : 0;
      const std::size_t n_max = m.type == message_type::request ? 8 : 5;
      if (auto r = parse_array(d, drt_id, 32, n_min, n_max, n)) return r;
      m.id_array.emplace();
      for (std::size_t i = 0; i < n; ++i)
        m.id_array->push_back(key256::from_wire(std::span<const std::uint8_t, 32>(&d[8 + 32 * i], 32)));
      return std::nullopt;
    }
    case ipv6_endpoint_array: {
      std::size_t n = 0;
      if (auto r = parse_array(d, ipv6_endpoint, 18, 1, 22, n)) return r;
      m.endpoints.emplace();
      for (std::size_t i = 0; i < n; ++i) {
        endpoint e;
        e.port = get16(&d[8 + 18 * i]);
        std::memcpy(e.address.data(), &d[10 + 18 * i], 16);
        m.endpoints->push_back(e);
      }
      return std::nullopt;
    }
    case classifier: {
      std::size_t n = 0;
      if (auto r = parse_array(d, wchar, 2, 1, 0xFFFF, n)) return r;
      m.classifier.emplace();
      for (std::size_t i = 0; i < n; ++i) m.classifier->push_back(get16(&d[8 + 2 * i]));
      return std::nullopt;
    }
    case routing_entry: {
      route_entry r;
      if (auto e = parse_route_entry(d, r)) return e;
      m.route = std::move(r);
      return std::nullopt;
    }
    case field_id::encrypted_field: {
      if (d.size() < 4 || get16(&d[2]) != 0) return drop_reason::bad_fixed_length;
      m.encrypted.push_back(drt::engine::encrypted_field{get16(&d[0]), bytes(d.begin() + 4, d.end())});
      return std::nullopt;
    }
    case credential: m.credential.emplace(d.begin(), d.end()); return std::nullopt;
    case keytoken: m.keytoken.emplace(d.begin(), d.end()); return std::nullopt;
    case extended_payload: m.extended_payload.emplace(d.begin(), d.end()); return std::nullopt;
    case validate_cpa: m.validate_cpa.emplace(d.begin(), d.end()); return std::nullopt;
    case revoke_cpa: m.revoke_cpa.emplace(d.begin(), d.end()); return std::nullopt;
    case signature: m.signature.emplace(d.begin(), d.end()); return std::nullopt;
    case key_identifier: m.key_identifier.emplace(d.begin(), d.end()); return std::nullopt;
    default:
      return drop_reason::field_order;
  }
}

}  // namespace

std::variant<drop_reason, datagram_view> split_datagram(std::span<const std::uint8_t> d,
                                                        std::uint8_t local_major) {
  if (d.size() < 20) return drop_reason::too_short;
  if (d.size() > datagram_received_bytes_max) return drop_reason::too_long;
  if (get16(&d[0]) != field_id::header || get16(&d[2]) != 12 || d[4] != 0x51) return drop_reason::bad_header;
  if (!is_known_message_type(d[7])) return drop_reason::unknown_type;
  if (d[5] != local_major) return drop_reason::version_mismatch;
  datagram_view v;
  v.type = static_cast<message_type>(d[7]);
  v.version_major = d[5];
  v.message_id = get32(&d[8]);
  std::size_t pos = 12;
  // The first control field belongs to the prefix (§2.6).
  std::uint16_t control = 0;
  switch (v.type) {
    case message_type::advertise: case message_type::authority: case message_type::ack:
      control = field_id::header_acked; break;
    case message_type::request: control = get16(&d[12]) == field_id::flags_field ? field_id::flags_field : 0; break;
    case message_type::inquire: control = field_id::flags_field; break;
    case message_type::flood: control = field_id::flood_controls; break;
    case message_type::lookup: control = field_id::lookup_controls; break;
    case message_type::solicit: break;
  }
  if (control != 0) {
    token t{};
    if (!next_token(d, pos, t)) return drop_reason::bad_field_length;
    if (t.id != control) return drop_reason::missing_field;
    if (control == field_id::header_acked) {
      if (t.data.size() != 4) return drop_reason::bad_fixed_length;
      v.acked_id = get32(t.data.data());
    }
  }
  v.prefix = d.subspan(0, pos);
  if (pos + 4 <= d.size() && get16(&d[pos]) == field_id::split_controls) {
    token t{};
    if (!next_token(d, pos, t)) return drop_reason::bad_field_length;
    if (t.data.size() != 4) return drop_reason::bad_fixed_length;
    if (v.type == message_type::solicit || v.type == message_type::advertise || v.type == message_type::ack)
      return drop_reason::field_order;
    v.has_split = true;
    v.split_size = get16(&t.data[0]);
    v.split_offset = get16(&t.data[2]);
  } else if (v.type == message_type::authority) {
    return drop_reason::missing_field;  // AUTHORITY always carries SPLIT_CONTROLS (§2.5)
  }
  v.piece = d.subspan(pos);
  if (v.has_split && (v.split_size > fragmented_body_bytes_max || v.split_offset % fragment_piece_bytes_max != 0 ||
                      std::size_t{v.split_offset} + v.piece.size() > v.split_size || v.piece.empty()))
    return drop_reason::bad_split;
  if (v.has_split && v.piece.size() > fragment_piece_bytes_max) return drop_reason::bad_split;
  return v;
}

std::variant<drop_reason, message> parse_message(std::span<const std::uint8_t> prefix,
                                                 std::span<const std::uint8_t> body,
                                                 std::size_t* signed_body_bytes) {
  if (signed_body_bytes != nullptr) *signed_body_bytes = body.size();
  message m;
  m.type = static_cast<message_type>(prefix[7]);
  m.version_major = prefix[5];
  m.version_minor = prefix[6];
  m.message_id = get32(&prefix[8]);
  std::size_t pos = 12;
  while (pos < prefix.size()) {
    token t{};
    if (!next_token(prefix, pos, t)) return drop_reason::bad_field_length;
    if (auto r = store_field(m, t.id, t.data)) return *r;
  }
  const auto grammar = body_grammar(m.type);
  std::size_t cursor = 0;
  std::vector<bool> seen;
  pos = 0;
  // ACK's optional FLAGS_FIELD follows DRT_HEADER_ACKED in the body position.
  const std::vector<rule> ack_grammar = {{field_id::flags_field, false, false}};
  const auto& g = m.type == message_type::ack ? ack_grammar : grammar;
  seen.assign(g.size(), false);
  while (pos < body.size()) {
    token t{};
    const std::size_t field_start = pos;
    if (!next_token(body, pos, t)) return drop_reason::bad_field_length;
    if (t.id == field_id::signature && signed_body_bytes != nullptr) *signed_body_bytes = field_start;
    if (!is_known_field(t.id)) continue;  // [D16]
    std::uint16_t as_id = t.id;
    if (t.id == field_id::encrypted_field) {
      if (t.data.size() < 2) return drop_reason::bad_fixed_length;
      as_id = get16(t.data.data());
    }
    std::size_t i = cursor;
    while (i < g.size() && g[i].id != as_id) ++i;
    if (i == g.size() || (t.id == field_id::encrypted_field && !g[i].is_protected))
      return drop_reason::field_order;
    if (auto r = store_field(m, t.id, t.data)) return *r;
    seen[i] = true;
    cursor = i + 1;
  }
  for (std::size_t i = 0; i < g.size(); ++i)
    if (g[i].required && !seen[i]) return drop_reason::missing_field;
  if (m.type == message_type::flood) {
    const bool has_revoke = m.revoke_cpa.has_value() ||
        std::any_of(m.encrypted.begin(), m.encrypted.end(), [](const auto& e) { return e.inner_id == field_id::revoke_cpa; });
    const bool has_route = m.route.has_value() ||
        std::any_of(m.encrypted.begin(), m.encrypted.end(), [](const auto& e) { return e.inner_id == field_id::routing_entry; });
    if (has_revoke == has_route) return drop_reason::missing_field;  // exactly one [D19]
  }
  return m;
}

namespace {

// The data part of a field that put_* wrote at offset 0 of `encoded` (TLV header and padding off).
bytes field_data(const bytes& encoded) {
  const std::size_t len = get16(&encoded[2]);
  return bytes(encoded.begin() + 4, encoded.begin() + static_cast<std::ptrdiff_t>(len));
}

bool is_protected_in(message_type t, std::uint16_t id) {
  for (const rule& r : body_grammar(t))
    if (r.id == id) return r.is_protected;
  return false;
}

}  // namespace

std::vector<protected_field> protected_fields(const message& m) {
  std::vector<protected_field> out;
  auto add_bytes = [&](std::uint16_t id, const std::optional<bytes>& v) {
    if (v) out.push_back({id, *v});
  };
  auto add_route = [&] {
    if (!m.route) return;
    bytes b;
    put_route_entry(b, 0, *m.route);
    out.push_back({field_id::routing_entry, field_data(b)});
  };
  switch (m.type) {
    case message_type::flood:
      add_bytes(field_id::revoke_cpa, m.revoke_cpa);
      add_route();
      break;
    case message_type::authority:
      add_bytes(field_id::extended_payload, m.extended_payload);
      add_route();
      add_bytes(field_id::validate_cpa, m.validate_cpa);
      break;
    case message_type::lookup:
      if (m.endpoints) {
        bytes b;
        put_endpoint_array(b, 0, *m.endpoints);
        out.push_back({field_id::ipv6_endpoint_array, field_data(b)});
      }
      break;
    default:
      break;
  }
  return out;
}

void clear_protected_fields(message& m) {
  switch (m.type) {
    case message_type::flood:
      m.revoke_cpa.reset();
      m.route.reset();
      break;
    case message_type::authority:
      m.extended_payload.reset();
      m.route.reset();
      m.validate_cpa.reset();
      break;
    case message_type::lookup:
      m.endpoints.reset();
      break;
    default:
      break;
  }
}

std::optional<drop_reason> store_decrypted_field(message& m, std::uint16_t id, std::span<const std::uint8_t> data) {
  if (!is_protected_in(m.type, id)) return drop_reason::field_order;
  const bool present = (id == field_id::revoke_cpa && m.revoke_cpa) || (id == field_id::routing_entry && m.route) ||
                       (id == field_id::extended_payload && m.extended_payload) ||
                       (id == field_id::validate_cpa && m.validate_cpa) ||
                       (id == field_id::ipv6_endpoint_array && m.endpoints);
  if (present) return drop_reason::field_order;  // a repeated field makes the message invalid (§2.1 rule 6)
  return store_field(m, id, data);
}

std::variant<drop_reason, message> decode_single(std::span<const std::uint8_t> d, std::uint8_t local_major) {
  auto v = split_datagram(d, local_major);
  if (auto* r = std::get_if<drop_reason>(&v)) return *r;
  const auto& view = std::get<datagram_view>(v);
  if (!view.complete()) return drop_reason::bad_split;
  return parse_message(view.prefix, view.piece);
}

}  // namespace drt::engine
