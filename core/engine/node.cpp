// core/engine: node plumbing — inputs, outputs, the Pending List and its timers, status,
// bootstrap rounds and the maintenance tick (protocol.md §3.1, §3.2, §3.11).
#include "engine/node.hpp"

#include <algorithm>

#include "engine/node_state.hpp"

namespace drt::engine {

std::uint64_t node_counters::dropped_total() const {
  std::uint64_t t = 0;
  for (auto d : dropped) t += d;
  return t;
}

node::node(const node_config& config, random_source& rng, security_provider& security)
    : config_(config), rng_(rng), security_(security), cache_(key256{}), state_(std::make_unique<node_state>()) {
  // Resolve-only nodes anchor their cache at a random key drawn at open (§1.5 [D10]).
  key256 anchor;
  for (auto& l : anchor.limb) l = rng_.next_u64();
  cache_.set_local_keys({}, anchor);
}

node::~node() = default;

HRESULT node::check_config(const node_config& config) {
  if (config.max_routing_addresses < 1 || config.max_routing_addresses > 20) return DRT_E_INVALID_MAX_ADDRESSES;
  if (config.security_mode > 2) return DRT_E_CAPABILITY_MISMATCH;
  return S_OK;
}

std::vector<key256> node::registered_keys() const {
  std::vector<key256> out;
  for (const auto& k : state_->keys) out.push_back(k.key);
  return out;
}

bool node::search_active(std::uint64_t id) const {
  auto it = state_->searches.find(id);
  return it != state_->searches.end() && !it->second.done;
}

std::size_t node::memory_bytes() const {
  std::size_t n = sizeof(node) + sizeof(node_state) + cache_.memory_bytes() +
                  local_endpoints_.capacity() * sizeof(endpoint) + state_->reassembly.memory_bytes() +
                  state_->request_limiter.memory_bytes();
  for (const auto& k : state_->keys) n += sizeof(registered_key) + k.app_data.capacity();
  for (const auto& [id, p] : state_->pending) {
    n += sizeof(p) + 48;
    for (const auto& d : p.datagrams) n += d.capacity() + sizeof(d);
  }
  n += state_->conversations.capacity() * sizeof(conversation) + state_->recent_requests.capacity() * 32;
  for (const auto& [id, st] : state_->searches) n += sizeof(st) + 48 + st.path.capacity() * sizeof(search_path_entry);
  n += state_->peer_credentials.capacity() * sizeof(state_->peer_credentials.front());
  for (const auto& [e, c] : state_->peer_credentials) n += c.capacity();
  return n;
}

std::uint64_t node::next_wakeup_ms() const {
  const node_state& s = *state_;
  if (status_ == node_status::faulted || s.closed) return UINT64_MAX;
  std::uint64_t w = UINT64_MAX;
  if (!local_endpoints_.empty()) w = std::min(w, s.maintenance_ms);
  for (const auto& [id, p] : s.pending) w = std::min(w, p.deadline_ms);
  for (const auto& c : s.conversations) w = std::min(w, c.deadline_ms);
  if (s.round_active && !s.round_provider_done) w = std::min(w, s.round_deadline_ms);
  if (s.alone_retry_ms != 0) w = std::min(w, s.alone_retry_ms);
  if (auto d = s.reassembly.next_deadline()) w = std::min(w, *d);
  if (s.leaf_check_ms != 0) w = std::min(w, s.leaf_check_ms);
  return w;
}

// ---------------------------------------------------------------- plumbing

std::uint32_t node::impl::fresh_message_id() {
  for (;;) {
    const auto id = static_cast<std::uint32_t>(n.rng_.next_u64());
    if (!s.pending.contains(id)) return id;  // unique among pending requests [D28]
  }
}

std::array<std::uint8_t, 16> node::impl::fresh_nonce() {
  std::array<std::uint8_t, 16> a{};
  const std::uint64_t x = n.rng_.next_u64(), y = n.rng_.next_u64();
  for (int i = 0; i < 8; ++i) {
    a[i] = static_cast<std::uint8_t>(x >> (8 * i));
    a[8 + i] = static_cast<std::uint8_t>(y >> (8 * i));
  }
  return a;
}

endpoint node::impl::local_source() const {
  return n.local_endpoints_.empty() ? endpoint{} : n.local_endpoints_.front();
}

void node::impl::add_sec_fields(message& m) {
  if (n.config_.security_mode == 0) return;
  bytes cred;
  if (FAILED(n.security_.get_serialized_credential(cred))) return;
  m.credential = std::move(cred);
  m.signature.reset();
  m.key_identifier.reset();
  // Signed bytes = prefix ‖ body up to SIGNATURE (§5.4 [D8]); encode() without the last two
  // fields and drop SPLIT_CONTROLS to obtain them.
  const auto datagrams = encode(m);
  if (datagrams.empty()) return;
  bytes signed_bytes;
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    auto v = split_datagram(datagrams[i], m.version_major);
    if (auto* view = std::get_if<datagram_view>(&v)) {
      if (i == 0) signed_bytes.assign(view->prefix.begin(), view->prefix.end());
      signed_bytes.insert(signed_bytes.end(), view->piece.begin(), view->piece.end());
    }
  }
  bytes key_id, sig;
  const byte_span one[] = {signed_bytes};
  if (FAILED(n.security_.sign_data(one, key_id, sig))) return;
  m.signature = std::move(sig);
  m.key_identifier = std::move(key_id);
}

void node::impl::send_answer(message m, const endpoint& to, const endpoint& from, const bytes* recipient_credential) {
  if (n.config_.security_mode >= 2 && !encrypt_for(m, recipient_credential)) return;  // never in clear (§5.5)
  m.version_major = n.config_.version_major;
  m.version_minor = n.config_.version_minor;
  if (m.message_id == 0) m.message_id = static_cast<std::uint32_t>(n.rng_.next_u64());
  for (auto& d : encode(m)) {
    ++n.counters_.datagrams_sent;
    n.counters_.bytes_sent += d.size();
    n.out_datagrams_.push_back({to, from, std::move(d)});
  }
}

std::uint32_t node::impl::send_request(message m, const endpoint& to, pending_request p) {
  if (n.local_endpoints_.empty() || n.status_ == node_status::faulted) return 0;
  m.version_major = n.config_.version_major;
  m.version_minor = n.config_.version_minor;
  m.message_id = fresh_message_id();
  p.type = m.type;
  p.to = to;
  p.from = local_source();
  p.first_sent_ms = s.now_ms;
  // §5.4 order: build fields → encrypt (mode 2) → sign → fragment. Protected fields go only to a
  // peer whose credential we hold; otherwise nothing is sent and the request expires at once.
  if (n.config_.security_mode >= 2 && !encrypt_for(m, credential_of(to))) {
    if (p.no_retransmit) return 0;
    p.retries_left = 0;
    p.deadline_ms = s.now_ms;
    const std::uint32_t id = m.message_id;
    s.pending.emplace(id, std::move(p));
    return id;
  }
  if (m.type == message_type::request || m.type == message_type::inquire || m.type == message_type::lookup) add_sec_fields(m);
  p.datagrams = encode(m);
  p.deadline_ms = s.now_ms + retransmit_interval_ms;
  for (const auto& d : p.datagrams) {
    ++n.counters_.datagrams_sent;
    n.counters_.bytes_sent += d.size();
    n.out_datagrams_.push_back({to, p.from, d});
  }
  if (m.type == message_type::lookup) ++n.counters_.lookups_sent;
  if (m.type == message_type::inquire) ++n.counters_.inquires_sent;
  if (m.type == message_type::flood) ++n.counters_.floods_sent;
  if (p.no_retransmit) return m.message_id;  // DrtClose: once, nothing kept
  // The bytes stay with the request: a retransmission resends identical datagrams (§2.6).
  s.pending.emplace(m.message_id, std::move(p));
  return m.message_id;
}

void node::impl::set_status(node_status st, HRESULT why) {
  if (n.status_ == st) return;
  n.status_ = st;
  node_event e{};
  e.type = node_event::kind::status_changed;
  e.status = st;
  e.status_error = why;
  n.out_events_.push_back(e);
  if (st == node_status::alone) {
    s.alone_retry_index = 0;
  }
  if (st == node_status::active) {
    s.alone_retry_ms = 0;
    publish_pending_keys();
  }
}

void node::impl::flush_leaf_set_events() {
  auto changes = n.cache_.take_changes();
  // OpenDRT extension (docs/simulator.md "Deviations"): a changed leaf set is checked for gaps
  // 1 s later instead of at the next maintenance tick, at most once per 5 s.
  if (!changes.empty() && !s.keys.empty() && s.leaf_check_ms == 0 &&
      (s.leaf_check_last_ms == 0 || s.now_ms >= s.leaf_check_last_ms + 5000))
    s.leaf_check_ms = s.now_ms + 1000;
  for (const auto& c : changes) {
    node_event e{};
    e.type = node_event::kind::leafset_key_changed;
    e.local_key = c.local;
    e.remote_key = c.remote;
    e.added = c.added;
    if (const cache_entry* ce = n.cache_.find_key(c.remote)) e.remote_endpoint = ce->preferred();
    n.out_events_.push_back(e);
    // A leaf-set change re-enables refill of that key's sides (§3.11 step 4).
    std::erase_if(s.refill_exhausted, [&](const auto& r) { return r.first == c.local; });
  }
}

void node::impl::after_cache_change() {
  flush_leaf_set_events();
  // §1.4: a cached entry validated without a CPA that would now qualify for a leaf set is
  // re-checked with NeedCpa.
  if (!s.keys.empty() && !s.rechecking) {
    s.rechecking = true;
    std::vector<route_entry> recheck;
    for (const auto& e : n.cache_.entries())
      if (!e.with_cpa && n.cache_.would_enter_leaf_set(e.key)) recheck.push_back(e.to_route_entry());
    for (const auto& r : recheck) consider_route_entry(r, std::nullopt, 0, false);
    s.rechecking = false;
  }
  const bool has_validated = !n.cache_.empty();
  if (has_validated && n.status_ != node_status::active && n.status_ != node_status::faulted && !n.local_endpoints_.empty())
    set_status(node_status::active);
  else if (!has_validated && n.status_ == node_status::active) {
    set_status(node_status::alone);
    s.alone_retry_ms = s.now_ms + 5000;
  }
}

route_entry node::impl::own_entry(const key256& key) const {
  route_entry r;
  r.key = key;
  r.version_major = n.config_.version_major;
  r.version_minor = n.config_.version_minor;
  r.port = n.local_endpoints_.empty() ? 0 : n.local_endpoints_.front().port;
  for (const auto& e : n.local_endpoints_) r.addresses.push_back(e.address);
  return r;
}

bool node::impl::is_own_endpoint(const endpoint& e) const {
  return std::any_of(n.local_endpoints_.begin(), n.local_endpoints_.end(), [&](const endpoint& l) { return l.same_wire(e); });
}

bool node::impl::publishes(const key256& k) const {
  return std::any_of(s.keys.begin(), s.keys.end(), [&](const registered_key& r) { return r.key == k; });
}

std::optional<endpoint> node::impl::usable_endpoint(const route_entry& r) const {
  const scope_class mine = n.local_endpoints_.empty() ? scope_class::global : classify(n.local_endpoints_.front().address);
  for (const auto& a : r.addresses) {
    if (classify(a) != mine) continue;
    endpoint e;
    e.address = a;
    e.port = r.port;
    return e;
  }
  return std::nullopt;
}

// §2.4 receive checks on a route entry, and "ignore this node's own entries" (§3.4 step 1).
bool node::impl::entry_acceptable(const route_entry& r) const {
  if (r.port < 1024 || r.addresses.empty() || r.addresses.size() > 20 || r.version_major != n.config_.version_major)
    return false;
  const scope_class mine = n.local_endpoints_.empty() ? scope_class::global : classify(n.local_endpoints_.front().address);
  for (const auto& a : r.addresses) {
    if (classify(a) != mine) return false;
    endpoint e;
    e.address = a;
    e.port = r.port;
    if (is_own_endpoint(e)) return false;
  }
  return true;
}

void node::impl::expire(std::uint32_t id) {
  auto it = s.pending.find(id);
  if (it == s.pending.end()) return;
  pending_request p = std::move(it->second);
  s.pending.erase(it);
  ++n.counters_.requests_expired;
  switch (p.why) {
    case purpose::solicit:
    case purpose::request:
      break;
    case purpose::validate_entry:
      break;  // pending entry discarded
    case purpose::probe:
      n.cache_.remove(p.entry.key, p.to);
      after_cache_change();
      break;
    case purpose::search_candidate: {
      auto sit = s.searches.find(p.search_id);
      if (sit != s.searches.end()) on_candidate_answer(sit->second, nullptr, p.to, p);
      break;
    }
    case purpose::lookup:
    case purpose::hop_check:  // mode 2: a hop that cannot be checked counts as unreachable
      on_lookup_expired(p, false);
      break;
    case purpose::refill:
      break;
    case purpose::flood:
      n.cache_.remove(p.validate_key, p.to);
      after_cache_change();
      break;
  }
  check_round_end();
}

// ---------------------------------------------------------------- inputs

void node::set_local_endpoints(std::uint64_t now_ms, std::vector<endpoint> endpoints) {
  impl x(*this);
  state_->now_ms = now_ms;
  std::sort(endpoints.begin(), endpoints.end());
  endpoints.erase(std::unique(endpoints.begin(), endpoints.end()), endpoints.end());
  if (endpoints.size() > config_.max_routing_addresses) endpoints.resize(config_.max_routing_addresses);
  if (endpoints == local_endpoints_) return;
  const bool had = !local_endpoints_.empty();
  local_endpoints_ = std::move(endpoints);
  if (status_ == node_status::faulted) return;
  if (local_endpoints_.empty()) {
    state_->pending.clear();  // §3.2 step 8: pending requests dropped, cache kept
    x.set_status(node_status::no_network);
    return;
  }
  if (status_ == node_status::no_network && !cache_.empty()) x.set_status(node_status::active);
  state_->maintenance_ms = now_ms + 10'000;
  if (cache_.empty()) x.start_bootstrap_round();
  if (had) {
    // §3.7 step 5: re-announce each key from its new entry.
    for (auto& k : state_->keys) k.published = false;
    if (status_ == node_status::active) x.publish_pending_keys();
  }
}

void node::on_datagram(std::uint64_t now_ms, const endpoint& from, const endpoint& local, std::span<const std::uint8_t> data) {
  impl x(*this);
  state_->now_ms = now_ms;
  ++counters_.datagrams_received;
  if (local_endpoints_.empty() || status_ == node_status::faulted || state_->closed) return;
  auto v = split_datagram(data, config_.version_major);
  if (auto* r = std::get_if<drop_reason>(&v)) return x.drop(*r);
  const datagram_view& view = std::get<datagram_view>(v);
  // §2.7 step 3
  if (from.port < 1024 || classify(from.address) == scope_class::invalid) return x.drop(drop_reason::bad_source);
  std::variant<drop_reason, message> parsed = drop_reason::not_applicable;
  std::size_t signed_body = 0;
  bytes signed_bytes;  // prefix ‖ body up to SIGNATURE, for VerifyData in modes 1–2 (§5.4)
  if (view.complete()) {
    parsed = parse_message(view.prefix, view.piece, &signed_body);
    if (config_.security_mode >= 1) {
      signed_bytes.assign(view.prefix.begin(), view.prefix.end());
      signed_bytes.insert(signed_bytes.end(), view.piece.begin(), view.piece.begin() + static_cast<std::ptrdiff_t>(signed_body));
    }
  } else {
    if (view.type == message_type::authority) {
      auto it = state_->pending.find(view.acked_id.value_or(0));
      if (it == state_->pending.end() || !(it->second.to == from)) return x.drop(drop_reason::unmatched_answer);
    }
    std::optional<drop_reason> dropped;
    // An AUTHORITY got here only by matching a pending request: it may use the reserved entries.
    auto whole = state_->reassembly.add(now_ms, from, view, &dropped, view.type == message_type::authority);
    if (dropped) return x.drop(*dropped);
    if (!whole) return;
    parsed = parse_message(whole->prefix, whole->body, &signed_body);
    if (config_.security_mode >= 1) {
      signed_bytes = whole->prefix;
      signed_bytes.insert(signed_bytes.end(), whole->body.begin(), whole->body.begin() + static_cast<std::ptrdiff_t>(signed_body));
    }
  }
  if (auto* r = std::get_if<drop_reason>(&parsed)) return x.drop(*r);
  x.dispatch(std::get<message>(parsed), from, local, signed_bytes);
  x.check_round_end();
}

void node::impl::dispatch(const message& m, const endpoint& from, const endpoint& local, byte_span signed_bytes) {
  const bool secured = n.config_.security_mode >= 1;
  // Unsolicited requests are limited per source before any work (signature checks included).
  const bool answer = m.type == message_type::advertise || m.type == message_type::authority || m.type == message_type::ack;
  if (!answer && !s.request_limiter.allow(from, s.now_ms)) return drop(drop_reason::rate_limited);
  if (secured && (m.type == message_type::request || m.type == message_type::inquire || m.type == message_type::lookup)) {
    // §5.4 / §2.7 step 5: credential, then signature over prefix ‖ body up to SIGNATURE.
    if (!m.credential || !m.signature || !m.key_identifier) return drop(drop_reason::security_failure);
    if (FAILED(n.security_.validate_remote_credential(*m.credential))) return drop(drop_reason::security_failure);
    const byte_span buffers[] = {signed_bytes};
    if (FAILED(n.security_.verify_data(buffers, *m.credential, *m.key_identifier, *m.signature)))
      return drop(drop_reason::security_failure);
  }
  if (n.config_.security_mode >= 2 &&
      (m.type == message_type::flood || m.type == message_type::authority || m.type == message_type::lookup)) {
    // Cheap checks before DecryptData's private-key operation: an AUTHORITY must answer a pending
    // request of ours [D15], a FLOOD with D set our recent REQUEST [D17].
    if (m.type == message_type::authority) {
      auto it = s.pending.find(m.acked_id.value_or(0));
      if (it == s.pending.end() || !(it->second.to == from)) return drop(drop_reason::unmatched_answer);
    }
    if (m.type == message_type::flood && m.flood_flags && (*m.flood_flags & flags::flood_no_ack) &&
        std::none_of(s.recent_requests.begin(), s.recent_requests.end(), [&](const auto& r) {
          return r.first == from && s.now_ms < r.second + flood_accept_window_ms;
        }))
      return drop(drop_reason::unmatched_answer);
    message plain = m;
    if (!open_protected(plain)) return;  // dropped and counted
    return deliver(plain, from, local);
  }
  if (!m.encrypted.empty()) return drop(drop_reason::security_failure);  // modes 0–1: no ENCRYPTED_FIELD
  deliver(m, from, local);
}

void node::impl::deliver(const message& m, const endpoint& from, const endpoint& local) {
  switch (m.type) {
    case message_type::solicit: return on_solicit(m, from, local);
    case message_type::request: return on_request(m, from, local);
    case message_type::flood: return on_flood(m, from, local);
    case message_type::inquire: return on_inquire(m, from, local);
    case message_type::lookup: return on_lookup(m, from, local);
    case message_type::advertise:
    case message_type::authority:
    case message_type::ack: {
      // [D15] an answer must match a pending request and come from the endpoint asked.
      auto it = s.pending.find(m.acked_id.value_or(0));
      if (it == s.pending.end() || !(it->second.to == from)) return drop(drop_reason::unmatched_answer);
      pending_request p = std::move(it->second);
      s.pending.erase(it);
      n.cache_.confirm(p.entry.key, from, now_s(), static_cast<std::uint16_t>(std::min<std::uint64_t>(s.now_ms - p.first_sent_ms, 65535)));
      if (m.type == message_type::advertise && p.why == purpose::solicit) return on_advertise(m, from, p);
      if (m.type == message_type::ack && (p.why == purpose::request || p.why == purpose::flood)) return on_ack(m, from, p);
      if (m.type == message_type::authority && (p.why == purpose::lookup || p.why == purpose::refill))
        return on_authority_for_lookup(m, from, p);
      if (m.type == message_type::authority) return on_authority_for_inquire(m, from, p);
      s.pending.emplace(m.acked_id.value_or(0), std::move(p));  // wrong answer type: keep waiting
      return drop(drop_reason::unmatched_answer);
    }
  }
}

void node::on_timer(std::uint64_t now_ms) {
  impl x(*this);
  node_state& s = *state_;
  s.now_ms = now_ms;
  if (status_ == node_status::faulted || s.closed) return;
  s.reassembly.expire(now_ms);
  std::erase_if(s.conversations, [&](const conversation& c) { return now_ms >= c.deadline_ms; });
  std::erase_if(s.recent_requests, [&](const auto& r) { return now_ms >= r.second + flood_accept_window_ms; });
  std::vector<std::uint32_t> due;
  for (const auto& [id, p] : s.pending)
    if (p.deadline_ms <= now_ms) due.push_back(id);
  for (auto id : due) {
    auto it = s.pending.find(id);
    if (it == s.pending.end()) continue;
    pending_request& p = it->second;
    if (p.retries_left > 0) {
      --p.retries_left;
      p.deadline_ms += retransmit_interval_ms;
      for (const auto& d : p.datagrams) {
        ++counters_.retransmissions;
        ++counters_.datagrams_sent;
        counters_.bytes_sent += d.size();
        out_datagrams_.push_back({p.to, p.from, d});
      }
    } else {
      x.expire(id);
    }
  }
  if (s.round_active && !s.round_provider_done && now_ms >= s.round_deadline_ms) s.round_provider_done = true;
  x.check_round_end();
  if (s.alone_retry_ms != 0 && now_ms >= s.alone_retry_ms) {
    s.alone_retry_ms = 0;
    if (!s.round_active) x.start_bootstrap_round();
  }
  if (s.leaf_check_ms != 0 && now_ms >= s.leaf_check_ms) {
    s.leaf_check_ms = 0;
    s.leaf_check_last_ms = now_ms;
    if (!local_endpoints_.empty() && !s.keys.empty()) x.start_refill(true);
  }
  if (!local_endpoints_.empty() && now_ms >= s.maintenance_ms) x.maintenance_tick();
}

void node::add_bootstrap_endpoints(std::uint64_t now_ms, std::uint64_t round_id, std::span<const endpoint> endpoints, bool final) {
  impl x(*this);
  node_state& s = *state_;
  s.now_ms = now_ms;
  if (round_id == s.split_round_id && round_id != 0) {
    // Split detection (§3.11 step 6): the first endpoint that is not ours.
    for (const auto& e : endpoints) {
      if (x.is_own_endpoint(e)) continue;
      x.send_solicit(e, 0, true);
      s.split_round_id = 0;
      break;
    }
    if (final) s.split_round_id = 0;
    return;
  }
  if (!s.round_active || round_id != s.round_id) return;
  for (const auto& e : endpoints) {
    if (s.round_solicited.size() >= 20) break;
    if (x.is_own_endpoint(e) || e.port < 1024) continue;
    if (std::find(s.round_solicited.begin(), s.round_solicited.end(), e) != s.round_solicited.end()) continue;
    s.round_solicited.push_back(e);
    x.send_solicit(e, s.round_id, false);
  }
  if (final) s.round_provider_done = true;
  x.check_round_end();
}

void node::impl::start_bootstrap_round() {
  if (n.local_endpoints_.empty() || n.status_ == node_status::faulted) return;
  s.round_active = true;
  s.round_provider_done = false;
  s.round_id = ++s.request_seq;
  s.round_deadline_ms = s.now_ms + 5000;
  s.round_solicited.clear();
  n.out_bootstrap_.push_back({s.round_id, false, 5000, 10});
  // Re-seed from up to 10 random cache entries (§3.2 step 3).
  const auto& entries = n.cache_.entries();
  for (int i = 0; i < 10 && !entries.empty(); ++i) {
    const auto& e = entries[n.rng_.uniform(entries.size())];
    const endpoint ep = e.preferred();
    if (std::find(s.round_solicited.begin(), s.round_solicited.end(), ep) != s.round_solicited.end()) continue;
    s.round_solicited.push_back(ep);
    send_solicit(ep, s.round_id, false);
  }
}

void node::impl::check_round_end() {
  if (!s.round_active || !s.round_provider_done) return;
  for (const auto& [id, p] : s.pending)
    if (p.round_tag == s.round_id) return;
  s.round_active = false;
  if (n.cache_.empty()) {
    if (n.status_ != node_status::alone) set_status(node_status::alone);
    static constexpr std::uint64_t backoff_ms[] = {5000, 10000, 20000, 40000, 60000};
    s.alone_retry_ms = s.now_ms + backoff_ms[std::min(s.alone_retry_index, 4)];
    ++s.alone_retry_index;
  }
}

void node::impl::publish_pending_keys() {
  for (auto& k : s.keys) {
    if (k.published) continue;
    k.published = true;
    k.published_cache_size = n.cache_.size();
    start_walk(search_kind::registration, add_small(k.key, 1), resolve_criteria::none, resolve_reason::registration,
               own_entry(k.key), std::nullopt);
  }
}

// ---------------------------------------------------------------- API

HRESULT node::register_key(std::uint64_t now_ms, const key256& key, bytes app_data, void* key_context) {
  impl x(*this);
  node_state& s = *state_;
  s.now_ms = now_ms;
  if (status_ == node_status::faulted) return DRT_E_FAULTED;
  if (x.publishes(key)) return DRT_E_DUPLICATE_KEY;
  if (const HRESULT hr = security_.register_key(key, key_context); FAILED(hr)) return hr;
  s.keys.push_back({key, std::move(app_data), key_context, false, false, now_ms});
  std::vector<key256> keys;
  for (const auto& k : s.keys) keys.push_back(k.key);
  cache_.set_local_keys(keys, s.keys.front().key);  // the oldest key anchors the cache
  x.flush_leaf_set_events();
  if (status_ == node_status::active) x.publish_pending_keys();
  return S_OK;
}

HRESULT node::update_key(std::uint64_t now_ms, const key256& key, bytes app_data) {
  state_->now_ms = now_ms;
  for (auto& k : state_->keys) {
    if (k.key == key) {
      k.app_data = std::move(app_data);  // §3.7 step 4: nothing is sent
      return S_OK;
    }
  }
  return E_INVALIDARG;
}

HRESULT node::unregister_key(std::uint64_t now_ms, const key256& key) {
  impl x(*this);
  node_state& s = *state_;
  s.now_ms = now_ms;
  auto it = std::find_if(s.keys.begin(), s.keys.end(), [&](const registered_key& k) { return k.key == key; });
  if (it == s.keys.end()) return E_INVALIDARG;
  const registered_key k = *it;
  if (status_ == node_status::active || status_ == node_status::alone) x.revoke_key(k, false);
  s.keys.erase(std::find_if(s.keys.begin(), s.keys.end(), [&](const registered_key& r) { return r.key == key; }));
  (void)security_.unregister_key(key, k.key_context);
  std::vector<key256> keys;
  for (const auto& r : s.keys) keys.push_back(r.key);
  cache_.set_local_keys(keys, keys.empty() ? cache_.anchor() : keys.front());
  x.flush_leaf_set_events();
  return S_OK;
}

void node::close(std::uint64_t now_ms) {
  impl x(*this);
  node_state& s = *state_;
  s.now_ms = now_ms;
  if (s.closed) return;
  if (status_ == node_status::active || status_ == node_status::alone)
    for (const auto& k : s.keys) x.revoke_key(k, true);
  for (const auto& k : s.keys) (void)security_.unregister_key(k.key, k.key_context);
  s.keys.clear();
  s.pending.clear();
  s.searches.clear();
  s.closed = true;
}

void node::fault(HRESULT reason) {
  impl x(*this);
  state_->pending.clear();
  x.set_status(node_status::faulted, reason);
}

// ---------------------------------------------------------------- maintenance (§3.11)

void node::impl::report_unprovable(registered_key& k, HRESULT why) {
  if (k.proof_failed_reported) return;
  k.proof_failed_reported = true;
  node_event e{};
  e.type = node_event::kind::registration_state_changed;
  e.local_key = k.key;
  e.status_error = why;
  n.out_events_.push_back(e);
}

void node::impl::maintenance_tick() {
  const std::uint64_t period = n.cache_.size() <= 2 ? 10'000 : 15'000;
  s.maintenance_ms = s.now_ms + period * (90 + n.rng_.uniform(21)) / 100;  // ±10 % [D13]
  // 1. empty cache: bootstrap
  if (n.cache_.empty() && !s.round_active && s.alone_retry_ms == 0) start_bootstrap_round();
  // 2. expiry of unpinned, unconfirmed entries
  if (s.now_ms > unconfirmed_lifetime_ms) {
    if (n.cache_.remove_unconfirmed(static_cast<std::uint32_t>((s.now_ms - unconfirmed_lifetime_ms) / 1000)) > 0)
      after_cache_change();
  }
  if (!s.peer_credentials.empty()) prune_credentials();  // mode 2: only peers still cached
  if (s.keys.empty()) {
    start_spread();
    return;
  }
  // D29: notice an expired local certificate even when nobody asks for a proof. The credential
  // is a copy of a cached buffer, so asking each tick is cheap; an invalid chain means expiry.
  if (bytes credential; n.security_.get_serialized_credential(credential) == DRT_E_INVALID_CERT_CHAIN) {
    for (auto& k : s.keys) report_unprovable(k, DRT_E_INVALID_CERT_CHAIN);
  }
  // 3. probe leaf-set entries not confirmed for 60 s, oldest first, at most 4
  std::vector<const cache_entry*> stale;
  for (const auto& e : n.cache_.entries())
    if (e.pinned && s.now_ms >= std::uint64_t{e.confirmed_s} * 1000 + probe_age_ms) stale.push_back(&e);
  std::sort(stale.begin(), stale.end(), [](auto* a, auto* b) { return a->confirmed_s < b->confirmed_s; });
  std::vector<std::pair<route_entry, endpoint>> probes;
  for (std::size_t i = 0; i < stale.size() && i < 4; ++i) probes.emplace_back(stale[i]->to_route_entry(), stale[i]->preferred());
  for (const auto& probe : probes) {
    const route_entry& r = probe.first;
    const endpoint& ep = probe.second;
    const bool already = std::any_of(s.pending.begin(), s.pending.end(), [&](const auto& kv) {
      return kv.second.why == purpose::probe && kv.second.entry.key == r.key && kv.second.to == ep;
    });
    if (!already) send_inquire_for(r, ep, purpose::probe, true, 0, std::nullopt, 0, false);
  }
  // OpenDRT extension (docs/simulator.md "Deviations"): a registration resolve that ran while
  // the cache held fewer than 8 entries (a node that became ACTIVE through another newcomer)
  // may have stopped far from its key; run it once more now that the cache has grown.
  for (auto& k : s.keys) {
    if (k.published && k.published_cache_size < 8 && n.cache_.size() >= 8) {
      k.published_cache_size = n.cache_.size();
      start_walk(search_kind::registration, add_small(k.key, 1), resolve_criteria::none, resolve_reason::registration,
                 own_entry(k.key), std::nullopt);
    }
  }
  // 4. leaf-set refill, 5. spread
  start_refill();
  start_spread();
  // 6. split detection with probability min(1, 4 / N_est) [D26]
  if (!n.config_.split_detection || s.split_round_id != 0) return;
  double estimate_sum = 0;
  int estimates = 0;
  for (const auto& ls : n.cache_.leaf_sets()) {
    if (ls.below.empty() || ls.above.empty()) continue;
    const key256 span = up_distance(ls.below.back(), ls.above.back());
    double span_frac = 0;
    for (int i = 3; i >= 0; --i) span_frac = span_frac * 18446744073709551616.0 + static_cast<double>(span.limb[i]);
    span_frac /= 115792089237316195423570985008687907853269984665640564039457584007913129639936.0;
    if (span_frac <= 0) continue;
    const double est = static_cast<double>(ls.below.size() + ls.above.size()) / span_frac;
    if (est >= 4294967296.0) continue;
    estimate_sum += est;
    ++estimates;
  }
  const double n_est = estimates > 0 ? estimate_sum / estimates : static_cast<double>(n.cache_.size() + 1);
  const double p = std::min(1.0, 4.0 / std::max(1.0, n_est));
  if (static_cast<double>(n.rng_.uniform(1'000'000)) < p * 1'000'000.0) {
    s.split_round_id = ++s.request_seq;
    n.out_bootstrap_.push_back({s.split_round_id, true, 5000, 1});
  }
}

}  // namespace drt::engine
