// core/engine: synchronization conversations, the return-routability check, leaf-set flooding,
// revocation and INQUIRE answers (protocol.md §3.3, §3.4, §3.6, §3.8, §3.9).
#include <algorithm>

#include "engine/hash.hpp"
#include "engine/node_state.hpp"

namespace drt::engine {

void node::impl::send_solicit(const endpoint& to, std::uint64_t round_tag, bool split_detect) {
  message m;
  m.type = message_type::solicit;
  pending_request p;
  p.why = purpose::solicit;
  p.nonce = fresh_nonce();
  p.round_tag = round_tag;
  p.split_detect = split_detect;
  m.hashed_nonce = sha1(p.nonce);
  if (!s.keys.empty()) m.route = own_entry(s.keys.front().key);  // oldest key's entry [D22]
  send_request(std::move(m), to, std::move(p));
}

void node::impl::on_solicit(const message& m, const endpoint& from, const endpoint& local) {
  if (!m.hashed_nonce) return drop(drop_reason::missing_field);
  if (m.route) consider_route_entry(*m.route, std::nullopt, 0, false);
  message a;
  a.type = message_type::advertise;
  a.acked_id = m.message_id;
  a.hashed_nonce = m.hashed_nonce;
  a.id_array.emplace();
  auto it = std::find_if(s.conversations.begin(), s.conversations.end(), [&](const conversation& c) {
    return c.source == from && c.hashed_nonce == *m.hashed_nonce;
  });
  const auto from_source = std::count_if(s.conversations.begin(), s.conversations.end(),
                                         [&](const conversation& c) { return c.source == from; });
  if (it != s.conversations.end()) {
    it->deadline_ms = s.now_ms + conversation_timeout_ms;
  } else if (s.conversations.size() >= conversations_max) {
    return send_answer(std::move(a), from, local);  // full table: empty list (§3.3 step 2)
  } else if (static_cast<std::size_t>(from_source) >= conversations_per_source_max) {
    // One source may not take the table from everyone else: it gets the full-table answer.
    drop(drop_reason::rate_limited);
    return send_answer(std::move(a), from, local);
  } else {
    s.conversations.push_back({from, *m.hashed_nonce, s.now_ms + conversation_timeout_ms, false, 0});
  }
  const auto& entries = n.cache_.entries();
  if (entries.size() >= 5) {
    // [D17] the cached key closest to r + j·2^256/5, j = 0..4.
    key256 r;
    for (auto& l : r.limb) l = n.rng_.next_u64();
    const key256 fifth = div_small(key_max(), 5);
    key256 p = r;
    for (int j = 0; j < 5; ++j, p = add_mod(p, fifth)) {
      const cache_entry* best = nullptr;
      for (const auto& e : entries)
        if (best == nullptr || closer_to(p, e.key, best->key)) best = &e;
      if (std::find(a.id_array->begin(), a.id_array->end(), best->key) == a.id_array->end()) a.id_array->push_back(best->key);
    }
  } else {
    for (const auto& e : entries)
      if (a.id_array->size() < 5 && std::find(a.id_array->begin(), a.id_array->end(), e.key) == a.id_array->end())
        a.id_array->push_back(e.key);
    for (const auto& k : s.keys)
      if (a.id_array->size() < 5) a.id_array->push_back(k.key);
  }
  send_answer(std::move(a), from, local);
}

void node::impl::on_advertise(const message& m, const endpoint& from, pending_request& p) {
  if (!m.hashed_nonce || *m.hashed_nonce != sha1(p.nonce)) return drop(drop_reason::bad_nonce);
  message r;
  r.type = message_type::request;
  r.id_array.emplace();
  for (const auto& k : *m.id_array) {
    if (r.id_array->size() >= 8) break;
    if (n.cache_.find_key(k) != nullptr || publishes(k)) continue;
    r.id_array->push_back(k);
  }
  if (r.id_array->empty()) return;  // nothing to ask: conversation over
  r.nonce = p.nonce;
  if (n.config_.security_mode >= 1) r.flags = 0;
  pending_request q;
  q.why = purpose::request;
  q.round_tag = p.round_tag;
  q.split_detect = p.split_detect;
  s.recent_requests.emplace_back(from, s.now_ms);
  if (s.recent_requests.size() > 64) s.recent_requests.erase(s.recent_requests.begin());
  send_request(std::move(r), from, std::move(q));
}

void node::impl::on_request(const message& m, const endpoint& from, const endpoint& local) {
  auto it = std::find_if(s.conversations.begin(), s.conversations.end(), [&](const conversation& c) { return c.source == from; });
  if (it == s.conversations.end()) return drop(drop_reason::unmatched_answer);
  if (sha1(*m.nonce) != it->hashed_nonce) return drop(drop_reason::bad_nonce);
  message ack;
  ack.type = message_type::ack;
  ack.acked_id = m.message_id;
  if (it->answered) {
    if (it->request_id == m.message_id) send_answer(std::move(ack), from, local);  // re-ACK only [D17]
    return;
  }
  it->answered = true;
  it->request_id = m.message_id;
  send_answer(std::move(ack), from, local);
  for (const auto& k : *m.id_array) {
    std::optional<route_entry> e;
    if (publishes(k)) e = own_entry(k);
    else if (const cache_entry* c = n.cache_.find_key(k)) e = c->to_route_entry();
    if (!e) continue;
    message f;
    f.type = message_type::flood;
    f.flood_flags = flags::flood_no_ack;
    f.validate_id = key256{};
    f.route = std::move(e);
    send_answer(std::move(f), from, local, m.credential ? &*m.credential : nullptr);  // mode 2: for the asker
  }
}

void node::impl::on_ack(const message& m, const endpoint& from, pending_request& p) {
  if (p.why == purpose::flood && m.flags && (*m.flags & flags::ack_not_published)) {
    n.cache_.remove(p.validate_key, from);
    after_cache_change();
  }
}

void node::impl::on_flood(const message& m, const endpoint& from, const endpoint& local) {
  const bool no_ack = m.flood_flags && (*m.flood_flags & flags::flood_no_ack);
  if (no_ack) {
    // [D17] D-set FLOODs only answer our REQUEST of the last 5 s.
    auto it = std::find_if(s.recent_requests.begin(), s.recent_requests.end(), [&](const auto& r) {
      return r.first == from && s.now_ms < r.second + flood_accept_window_ms;
    });
    if (it == s.recent_requests.end()) return drop(drop_reason::unmatched_answer);
    if (m.revoke_cpa) return drop(drop_reason::not_applicable);
    std::uint64_t tag = 0;
    bool split = false;
    for (const auto& [id, p] : s.pending)
      if (p.why == purpose::request && p.to == from) { tag = p.round_tag; split = p.split_detect; }
    if (tag == 0 && s.round_active && std::find(s.round_solicited.begin(), s.round_solicited.end(), from) != s.round_solicited.end())
      tag = s.round_id;
    consider_route_entry(*m.route, std::nullopt, tag, split);
    return;
  }
  message ack;
  ack.type = message_type::ack;
  ack.acked_id = m.message_id;
  if (!publishes(*m.validate_id)) ack.flags = flags::ack_not_published;
  send_answer(std::move(ack), from, local);
  if (m.route) {
    flood_origin o{from, m.endpoints.value_or(std::vector<endpoint>{})};
    consider_route_entry(*m.route, std::move(o), 0, false);
  } else if (m.revoke_cpa) {
    on_revoke(m, from);
  }
}

// §3.4 Adding a route entry.
void node::impl::consider_route_entry(const route_entry& r, std::optional<flood_origin> origin, std::uint64_t round_tag,
                                      bool split_detect) {
  if (!entry_acceptable(r)) return drop(drop_reason::unusable_route_entry);
  const bool leaf_candidate = n.cache_.would_enter_leaf_set(r.key);
  const bool need_cpa = n.config_.security_mode >= 1 || leaf_candidate;
  if (n.cache_.contains_identical(r)) {
    const cache_entry* c = n.cache_.find_key(r.key);
    if (c == nullptr || c->with_cpa || !need_cpa) return;  // identical and good enough: stop
  }
  std::size_t validating = 0;
  for (const auto& [id, p] : s.pending) {
    if (p.why != purpose::validate_entry) continue;
    if (p.entry.key == r.key && p.entry.port == r.port) return;  // already being validated
    ++validating;
  }
  if (validating >= pending_adds_max) return;
  const auto ep = usable_endpoint(r);
  if (!ep) return drop(drop_reason::unusable_route_entry);
  send_inquire_for(r, *ep, purpose::validate_entry, need_cpa, 0, std::move(origin), round_tag, split_detect);
}

void node::impl::send_inquire_for(const route_entry& r, const endpoint& ep, purpose why, bool need_cpa,
                                  std::uint64_t search_id, std::optional<flood_origin> origin, std::uint64_t round_tag,
                                  bool split_detect) {
  message q;
  q.type = message_type::inquire;
  q.validate_id = r.key;
  pending_request p;
  p.why = why;
  p.need_cpa = need_cpa || n.config_.security_mode >= 1;
  p.entry = r;
  p.search_id = search_id;
  p.origin = std::move(origin);
  p.round_tag = round_tag;
  p.split_detect = split_detect;
  std::uint16_t f = 0;
  if (p.need_cpa) {
    f = flags::inquire_want_cpa | flags::inquire_want_chain;
    p.nonce = fresh_nonce();
    q.nonce = p.nonce;
  }
  if (why == purpose::search_candidate) f |= flags::inquire_want_payload;
  q.flags = f;
  send_request(std::move(q), ep, std::move(p));
}

bool node::impl::validate_cpa(const message& m, const pending_request& p, unpacked_payload& out, const bytes* secured_payload) {
  if (!m.validate_cpa) return false;
  static const bytes empty;
  bytes classifier;
  if (m.classifier)
    for (auto w : *m.classifier) { classifier.push_back(static_cast<std::uint8_t>(w >> 8)); classifier.push_back(static_cast<std::uint8_t>(w)); }
  const HRESULT hr = n.security_.validate_and_unpack_payload(*m.validate_cpa, m.credential.value_or(empty), classifier,
                                                             p.nonce, secured_payload, out);
  if (FAILED(hr) || (out.flags & 1u) != 0 || !(out.key == p.entry.key)) return false;
  // Addresses must equal the entry's endpoints, as sets (§3.4 step 5).
  std::vector<endpoint> want;
  for (const auto& a : p.entry.addresses) { endpoint e; e.address = a; e.port = p.entry.port; want.push_back(e); }
  std::vector<endpoint> got = out.addresses;
  for (auto& e : got) e.scope_id = 0;
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  return want == got;
}

void node::impl::on_authority_for_inquire(const message& m, const endpoint& from, pending_request& p) {
  const std::uint16_t f = m.flags.value_or(0);
  if (p.why == purpose::search_candidate) {
    auto it = s.searches.find(p.search_id);
    if (it != s.searches.end()) on_candidate_answer(it->second, &m, from, p);
    return;
  }
  const bool ok_flags = (f & (flags::authority_not_published | flags::authority_busy)) == 0;
  unpacked_payload u;
  bool ok = ok_flags && (!p.need_cpa || validate_cpa(m, p, u, nullptr));
  // Mode 2: the peer's credential is what we encrypt to from now on (§3.4 step 5, §5.5).
  if (ok && p.need_cpa && n.config_.security_mode >= 2) ok = accept_peer_credential(m, from);
  if (p.why == purpose::hop_check && !ok) return on_lookup_expired(p, false);
  if (p.why == purpose::probe) {
    if (ok) {
      n.cache_.confirm(p.entry.key, from, now_s(), 0);
    } else if ((f & flags::authority_busy) == 0) {
      n.cache_.remove(p.entry.key, from);
      after_cache_change();
    }
    return;
  }
  if (!ok) return drop(drop_reason::security_failure);
  n.cache_.insert(p.entry, from.address, p.need_cpa, now_s(), n.rng_);
  inserted(p.entry, from, p.need_cpa, p.origin);
  if (p.split_detect && !s.keys.empty()) start_split_detection_walk(p.entry, from);
  if (p.why == purpose::hop_check) resume_after_hop_check(p, from);
}

void node::impl::inserted(const route_entry& r, const endpoint&, bool with_cpa, const std::optional<flood_origin>& origin) {
  after_cache_change();
  if (with_cpa && n.cache_.in_any_leaf_set(r.key)) flood_new_leaf_entry(r, origin);
}

// §3.6: flood a new leaf-set member to the cached entries nearest above and below it.
void node::impl::flood_new_leaf_entry(const route_entry& e, const std::optional<flood_origin>& origin) {
  const cache_entry* up = nullptr;
  const cache_entry* down = nullptr;
  for (const auto& c : n.cache_.entries()) {
    if (c.key == e.key) continue;
    if (origin && (c.has_endpoint(origin->sender) ||
                   std::any_of(origin->flooded.begin(), origin->flooded.end(), [&](const endpoint& f) { return c.has_endpoint(f); })))
      continue;
    const bool above = up_distance(e.key, c.key) <= down_distance(e.key, c.key);
    if (above && (up == nullptr || up_distance(e.key, c.key) < up_distance(e.key, up->key))) up = &c;
    if (!above && (down == nullptr || down_distance(e.key, c.key) < down_distance(e.key, down->key))) down = &c;
  }
  std::vector<endpoint> flooded = origin ? origin->flooded : std::vector<endpoint>{};
  std::vector<std::pair<endpoint, key256>> recipients;
  for (const cache_entry* c : {up, down}) {
    if (c == nullptr) continue;
    recipients.emplace_back(c->preferred(), c->key);
    flooded.push_back(c->preferred());
  }
  if (flooded.size() > flagged_path_max) flooded.erase(flooded.begin(), flooded.end() - static_cast<std::ptrdiff_t>(flagged_path_max));
  for (const auto& [ep, key] : recipients) send_flood(&e, nullptr, nullptr, ep, key, flooded, false);
  // [D19] a node that reached us by FLOOD from someone else learns its neighbours from us.
  // OpenDRT extension (docs/simulator.md "Deviations"): also when it reached us any other way
  // than by its own FLOOD (sync, LOOKUP hop, refill), because the flood chain alone leaves
  // some older neighbours unaware of a new node and full leaf sets are never refilled.
  {
    const bool from_itself = origin && std::any_of(e.addresses.begin(), e.addresses.end(), [&](const ipv6_address& a) {
      return a == origin->sender.address && e.port == origin->sender.port;
    });
    if (!from_itself) {
      for (const auto& ls : n.cache_.leaf_sets()) {
        if (!ls.contains(e.key)) continue;
        const route_entry mine = own_entry(ls.local);
        if (auto ep = usable_endpoint(e)) send_flood(&mine, nullptr, nullptr, *ep, e.key, {}, false);
        break;
      }
    }
  }
}

void node::impl::send_flood(const route_entry* entry, const bytes* revoke_cpa, const bytes* credential, const endpoint& to,
                            const key256& validate_key, std::vector<endpoint> flooded, bool once) {
  message f;
  f.type = message_type::flood;
  f.flood_flags = 0;
  f.validate_id = validate_key;
  if (entry) f.route = *entry;
  if (revoke_cpa) {
    f.revoke_cpa = *revoke_cpa;
    f.credential = credential ? *credential : bytes{};
  }
  if (!flooded.empty()) f.endpoints = std::move(flooded);
  pending_request p;
  p.why = purpose::flood;
  p.validate_key = validate_key;
  p.no_retransmit = once;
  send_request(std::move(f), to, std::move(p));
}

// §3.8 Unregistering: Revoke CPA to the nearest neighbour on each side, then the repair FLOODs.
void node::impl::revoke_key(const registered_key& k, bool once) {
  packed_payload packed;
  const std::uint8_t zero_nonce[16] = {};
  if (FAILED(n.security_.secure_and_pack_payload(k.key_context, n.config_.version_major, n.config_.version_minor, 1u, k.key,
                                                 nullptr, n.local_endpoints_, zero_nonce, packed)))
    return;
  const leaf_set* ls = nullptr;
  for (const auto& l : n.cache_.leaf_sets()) if (l.local == k.key) ls = &l;
  if (ls == nullptr) return;
  auto entry_of = [&](const key256& key) { return n.cache_.find_key(key); };
  for (const auto* side : {&ls->below, &ls->above}) {
    if (side->empty()) continue;
    if (const cache_entry* c = entry_of(side->front()))
      send_flood(nullptr, &packed.cpa, &packed.cert_chain, c->preferred(), c->key, {}, once);
  }
  // Repair [D20]: Di ← U(6−i), Ui ← D(6−i).
  const std::size_t nb = ls->below.size(), na = ls->above.size();
  for (std::size_t i = 1; i <= 5; ++i) {
    const std::size_t j = 6 - i;
    if (i <= nb && j <= na) {
      const cache_entry* d = entry_of(ls->below[i - 1]);
      const cache_entry* u = entry_of(ls->above[j - 1]);
      if (d && u) {
        const route_entry ur = u->to_route_entry();
        send_flood(&ur, nullptr, nullptr, d->preferred(), d->key, {}, once);
      }
    }
    if (i <= na && j <= nb) {
      const cache_entry* u = entry_of(ls->above[i - 1]);
      const cache_entry* d = entry_of(ls->below[j - 1]);
      if (d && u) {
        const route_entry dr = d->to_route_entry();
        send_flood(&dr, nullptr, nullptr, u->preferred(), u->key, {}, once);
      }
    }
  }
}

void node::impl::on_revoke(const message& m, const endpoint& from) {
  static const bytes empty;
  unpacked_payload u;
  const std::uint8_t zero_nonce[16] = {};
  const HRESULT hr = n.security_.validate_and_unpack_payload(*m.revoke_cpa, m.credential.value_or(empty), {}, zero_nonce,
                                                             nullptr, u);
  if (FAILED(hr) || (u.flags & 1u) == 0) return drop(drop_reason::security_failure);
  // Which local keys had it in their leaf set, and on which side?
  std::vector<std::pair<key256, bool>> forward;  // (local key, revoked was above)
  for (const auto& ls : n.cache_.leaf_sets())
    if (ls.contains(u.key))
      forward.emplace_back(ls.local, std::find(ls.above.begin(), ls.above.end(), u.key) != ls.above.end());
  std::size_t removed = 0;
  for (const auto& a : u.addresses) removed += n.cache_.remove(u.key, a);
  if (removed == 0) return;
  after_cache_change();
  for (const auto& [local, was_above] : forward) {
    for (const auto& ls : n.cache_.leaf_sets()) {
      if (!(ls.local == local)) continue;
      const auto& away = was_above ? ls.below : ls.above;
      if (away.empty()) continue;
      const cache_entry* c = n.cache_.find_key(away.front());
      if (c == nullptr || c->has_endpoint(from)) continue;
      send_flood(nullptr, &*m.revoke_cpa, m.credential ? &*m.credential : nullptr, c->preferred(), c->key, {}, false);
    }
  }
}

// §3.9 INQUIRE at the publisher.
void node::impl::on_inquire(const message& m, const endpoint& from, const endpoint& local) {
  message a;
  a.type = message_type::authority;
  a.acked_id = m.message_id;
  const std::uint16_t f = m.flags.value_or(0);
  auto it = std::find_if(s.keys.begin(), s.keys.end(), [&](const registered_key& k) { return k.key == *m.validate_id; });
  if (it == s.keys.end()) {
    a.flags = flags::authority_not_published;
    return send_answer(std::move(a), from, local);
  }
  a.flags = 0;
  if ((f & flags::inquire_want_cpa) == 0) return send_answer(std::move(a), from, local);
  const bool want_payload = (f & flags::inquire_want_payload) != 0;
  packed_payload packed;
  static const std::uint8_t zero_nonce[16] = {};
  const byte_span nonce = m.nonce ? byte_span(*m.nonce) : byte_span(zero_nonce);
  const HRESULT hr = n.security_.secure_and_pack_payload(it->key_context, n.config_.version_major, n.config_.version_minor, 0,
                                                         it->key, want_payload ? &it->app_data : nullptr,
                                                         n.local_endpoints_, nonce, packed);
  if (hr == E_OUTOFMEMORY) return;
  if (FAILED(hr)) {
    report_unprovable(*it, hr);
    a.flags = flags::authority_not_published;
    return send_answer(std::move(a), from, local);
  }
  if ((f & flags::inquire_want_chain) && !packed.cert_chain.empty()) a.credential = std::move(packed.cert_chain);
  if (!packed.classifier.empty() && packed.classifier.size() % 2 == 0) {
    a.classifier.emplace();
    for (std::size_t i = 0; i < packed.classifier.size(); i += 2)
      a.classifier->push_back(static_cast<std::uint16_t>((packed.classifier[i] << 8) | packed.classifier[i + 1]));
  }
  if (want_payload) a.extended_payload = std::move(packed.secured_payload);
  a.validate_cpa = std::move(packed.cpa);
  send_answer(std::move(a), from, local, m.credential ? &*m.credential : nullptr);  // mode 2: for the asker
}

}  // namespace drt::engine
