// core/engine: DRT_SECURE_CONFIDENTIALPAYLOAD (mode 2, protocol.md §5.5 [D7]): encrypting the
// protected fields for their recipient, decrypting and re-checking them on receipt, the peer
// credentials that encryption needs, and the INQUIRE that fetches a walk hop's credential first.
#include <algorithm>

#include "engine/node_state.hpp"

namespace drt::engine {
namespace {

endpoint without_zone(endpoint e) {
  e.scope_id = 0;
  return e;
}

// A protected field (§5.5) present in clear: in mode 2 such a message is refused (rule 35).
bool has_clear_protected_field(const message& m) {
  switch (m.type) {
    case message_type::flood: return m.revoke_cpa || m.route;
    case message_type::authority: return m.extended_payload || m.route || m.validate_cpa;
    case message_type::lookup: return m.endpoints.has_value();
    default: return false;
  }
}

auto credential_slot(std::vector<std::pair<endpoint, bytes>>& v, const endpoint& e) {
  return std::lower_bound(v.begin(), v.end(), e, [](const auto& kv, const endpoint& x) { return kv.first < x; });
}

}  // namespace

const bytes* node::impl::credential_of(const endpoint& e) const {
  const endpoint key = without_zone(e);
  auto it = credential_slot(s.peer_credentials, key);
  return it != s.peer_credentials.end() && it->first == key ? &it->second : nullptr;
}

void node::impl::remember_credential(const endpoint& e, const bytes& credential) {
  // Bounded by the cache: at most one per cached entry plus a margin for walk hops in flight.
  // Pruned before the insertion, so the credential just learned is always kept.
  if (s.peer_credentials.size() >= n.cache_.size() + credentials_keep_extra) prune_credentials();
  const endpoint key = without_zone(e);
  auto it = credential_slot(s.peer_credentials, key);
  if (it != s.peer_credentials.end() && it->first == key) {
    it->second = credential;
    return;
  }
  if (s.peer_credentials.size() == s.peer_credentials.capacity()) {
    // Grow by 8 slots, not by doubling: the store tracks the cache size, which changes slowly.
    const auto at = it - s.peer_credentials.begin();
    s.peer_credentials.reserve(s.peer_credentials.size() + 8);
    it = s.peer_credentials.begin() + at;
  }
  s.peer_credentials.emplace(it, key, credential);
}

// Keeps the credentials of cached entries and of peers with a request pending; forgets the rest.
void node::impl::prune_credentials() {
  std::erase_if(s.peer_credentials, [&](const auto& kv) {
    const endpoint& e = kv.first;
    for (const auto& c : n.cache_.entries())
      if (c.has_endpoint(e)) return false;
    for (const auto& [id, p] : s.pending)
      if (p.to.same_wire(e)) return false;
    return true;
  });
  if (s.peer_credentials.capacity() > s.peer_credentials.size() + 8) s.peer_credentials.shrink_to_fit();
}

// §3.4 step 5 in mode 2: the AUTHORITY's CREDENTIAL (empty with the null provider) must pass
// ValidateRemoteCredential; it becomes the peer's stored credential.
bool node::impl::accept_peer_credential(const message& authority, const endpoint& from) {
  static const bytes none;
  const bytes& credential = authority.credential ? *authority.credential : none;
  if (FAILED(n.security_.validate_remote_credential(credential))) return false;
  remember_credential(from, credential);
  return true;
}

// One EncryptData call over the protected fields of m, in message order; they go out as
// ENCRYPTED_FIELDs with a KEYTOKEN. True when m has none. False (m unusable) when it has some
// and there is no credential or the provider fails: a protected field is never sent in clear.
bool node::impl::encrypt_for(message& m, const bytes* recipient_credential) {
  std::vector<protected_field> fields = protected_fields(m);
  if (fields.empty()) return true;
  if (recipient_credential == nullptr) return false;
  std::vector<byte_span> buffers;
  buffers.reserve(fields.size());
  for (const auto& f : fields) buffers.emplace_back(f.data);
  std::vector<bytes> encrypted;
  bytes keytoken;
  if (FAILED(n.security_.encrypt_data(*recipient_credential, buffers, encrypted, keytoken)) ||
      encrypted.size() != fields.size())
    return false;
  m.encrypted.clear();
  for (std::size_t i = 0; i < fields.size(); ++i) m.encrypted.push_back({fields[i].id, std::move(encrypted[i])});
  m.keytoken = std::move(keytoken);
  clear_protected_fields(m);
  return true;
}

// §2.7 step 6 / §5.4 (after the signature check): one DecryptData over every ENCRYPTED_FIELD,
// each plaintext then parsed with the checks its clear field gets. False: dropped and counted.
bool node::impl::open_protected(message& m) {
  if (has_clear_protected_field(m)) {
    drop(drop_reason::decrypt_failure);
    return false;
  }
  if (m.encrypted.empty()) return true;
  if (!m.keytoken) {
    drop(drop_reason::decrypt_failure);
    return false;
  }
  // The key context of the Validate key if it is ours (FLOOD, LOOKUP), else none (§5.2).
  void* key_context = nullptr;
  if (m.validate_id && (m.type == message_type::flood || m.type == message_type::lookup)) {
    for (const auto& k : s.keys)
      if (k.key == *m.validate_id) key_context = k.key_context;
  }
  std::vector<bytes> buffers;
  buffers.reserve(m.encrypted.size());
  for (auto& e : m.encrypted) buffers.push_back(std::move(e.ciphertext));
  if (FAILED(n.security_.decrypt_data(*m.keytoken, key_context, buffers)) || buffers.size() != m.encrypted.size()) {
    drop(drop_reason::decrypt_failure);
    return false;
  }
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    if (auto r = store_decrypted_field(m, m.encrypted[i].inner_id, buffers[i])) {
      drop(*r);
      return false;
    }
  }
  m.encrypted.clear();
  m.keytoken.reset();
  return true;
}

// §3.10.3 step 5, mode 2: a LOOKUP's flagged path is encrypted for its hop, so a hop whose
// credential we lack (a referral not yet cached) is first checked with INQUIRE A|C (§3.4). The
// walk waits: it has no other request outstanding.
void node::impl::check_hop_first(search_state& st, const hop& h) {
  send_inquire_for(h.entry, h.ep, purpose::hop_check, true, st.id, std::nullopt, 0, false);
}

// The hop proved its key and gave its credential (on_authority_for_inquire cached it): send
// the LOOKUP that waited for it. A failed check is handled as the LOOKUP's expiry instead.
void node::impl::resume_after_hop_check(const pending_request& p, const endpoint& from) {
  auto it = s.searches.find(p.search_id);
  if (it == s.searches.end() || it->second.done || it->second.finalizing) return;
  search_state& st = it->second;
  if (!st.next_hops.empty() && st.next_hops.back().ep == from && st.next_hops.back().entry.key == p.entry.key &&
      credential_of(from) != nullptr)
    return send_lookup(st, st.next_hops.back());
  advance(st);
}

}  // namespace drt::engine
