// core/engine: LOOKUP answers and the resolver walk (protocol.md §3.9, §3.10), the searches the
// API starts, and the maintenance resolves of §3.11.
#include <algorithm>

#include "engine/node_state.hpp"

namespace drt::engine {
namespace {

// Side of T a key lies on (protocol.md §1.4 rule from T): 1 above (up ≤ down), 0 below.
int side_of(const key256& target, const key256& k) {
  return up_distance(target, k) <= down_distance(target, k) ? 1 : 0;
}

bool endpoint_in(const std::vector<endpoint>& list, const endpoint& e) {
  return std::any_of(list.begin(), list.end(), [&](const endpoint& x) { return x.same_wire(e); });
}

}  // namespace

// §3.9 LOOKUP at node P [D21].
void node::impl::on_lookup(const message& m, const endpoint& from, const endpoint& local) {
  message a;
  a.type = message_type::authority;
  a.acked_id = m.message_id;
  // 1. busy: token bucket, 200 per second, burst 50
  s.lookup_tokens = std::min(50.0, s.lookup_tokens + static_cast<double>(s.now_ms - s.lookup_tokens_ms) * 0.2);
  s.lookup_tokens_ms = s.now_ms;
  if (s.lookup_tokens < 1.0) {
    ++n.counters_.lookups_answered_busy;
    a.flags = flags::authority_busy;
    return send_answer(std::move(a), from, local);
  }
  s.lookup_tokens -= 1.0;
  // 2. the sender's own entry (registration, split detection)
  if (m.route) consider_route_entry(*m.route, std::nullopt, 0, false);
  const key256& target = *m.target_id;
  const key256& validate = *m.validate_id;
  std::uint16_t f = 0;
  if (!publishes(validate)) f |= flags::authority_not_published;
  // 3. L: target on the arc of a full leaf set but unknown here
  const bool known = n.cache_.find_key(target) != nullptr || publishes(target);
  if (!known) {
    for (const auto& ls : n.cache_.leaf_sets()) {
      if (ls.below.size() < leaf_set_side_max || ls.above.size() < leaf_set_side_max) continue;
      if (up_distance(ls.below.back(), target) <= up_distance(ls.below.back(), ls.above.back())) {
        f |= flags::authority_unknown_in_leafset;
        break;
      }
    }
  }
  // 4. referral: closest to the target, not in the flagged path, not our entry for the Validate key
  const std::vector<endpoint>& flagged = m.endpoints ? *m.endpoints : std::vector<endpoint>{};
  const bool any_referral = m.lookup && (m.lookup->flags & flags::lookup_any_referral);
  std::optional<route_entry> best;
  const cache_entry* best_cached = nullptr;
  for (const auto& c : n.cache_.entries()) {
    // Distance first: the flagged-path test only runs for entries that would win.
    if (best_cached != nullptr && !closer_to(target, c.key, best_cached->key)) continue;
    if (endpoint_in(flagged, c.preferred())) continue;
    if (c.others && std::any_of(c.others->begin(), c.others->end(), [&](const ipv6_address& ad) {
          endpoint x; x.address = ad; x.port = c.port; return endpoint_in(flagged, x); }))
      continue;
    best_cached = &c;
  }
  if (best_cached != nullptr) best = best_cached->to_route_entry();
  for (const auto& k : s.keys) {
    if (k.key == validate) continue;
    if (!best || closer_to(target, k.key, best->key)) best = own_entry(k.key);
  }
  if (best && (any_referral || (closer_to(target, best->key, validate) && !(best->key == validate)))) a.route = std::move(best);
  a.flags = f;
  send_answer(std::move(a), from, local, m.credential ? &*m.credential : nullptr);  // mode 2: referral for the asker
}

bool node::impl::in_range(const search_state& st, const key256& k) const {
  if (st.kind != search_kind::application) return true;
  if (!st.info.minimum) return k == st.info.target;
  return !(k < *st.info.minimum) && !(*st.info.maximum < k);
}

bool node::impl::excluded(const search_state& st, const endpoint& e) const {
  return endpoint_in(st.excluded, e) || endpoint_in(st.resolve_path, e) || is_own_endpoint(e);
}

void node::impl::record_path(search_state& st, const endpoint& ep, const key256& key, std::uint8_t f, std::uint32_t latency_ms) {
  if (st.kind != search_kind::application) return;
  for (auto& p : st.path) {
    if (p.node.same_wire(ep) && p.key == key) {
      p.flags |= f;
      if (p.latency_ms == 0) p.latency_ms = latency_ms;
      return;
    }
  }
  if (st.path.size() >= 64) return;
  st.path.push_back({ep, key, f, static_cast<std::uint16_t>(nearness(key, st.info.target)), latency_ms});
}

std::uint64_t node::impl::start_walk(search_kind kind, const key256& target, resolve_criteria criteria, resolve_reason reason,
                                     std::optional<route_entry> own, std::optional<hop> first_hop) {
  const std::uint64_t id = s.next_search_id++;
  search_state& st = s.searches[id];
  st.id = id;
  st.kind = kind;
  st.info.target = target;
  st.criteria = criteria;
  st.reason = reason;
  st.own_entry = std::move(own);
  st.started_ms = s.now_ms;
  st.cache_size_at_start = n.cache_.size();
  st.rounds = 1;
  if (first_hop) st.next_hops.push_back(*first_hop);
  advance(st);
  return id;
}

// §3.10.3 step 3–5.
void node::impl::advance(search_state& st) {
  for (;;) {
    if (st.done || st.finalizing) return;
    if (st.lookups_sent >= lookups_per_round_max) return finalize_round(st);
    if (st.next_hops.empty()) {
      const cache_entry* best = nullptr;
      for (const auto& c : n.cache_.entries())
        if ((best == nullptr || closer_to(st.info.target, c.key, best->key)) && !excluded(st, c.preferred())) best = &c;
      if (best == nullptr) return finalize_round(st);
      st.next_hops.push_back({best->to_route_entry(), best->preferred(), 0});
    }
    hop& h = st.next_hops.back();
    if (h.use_count >= use_count_max) {
      st.next_hops.pop_back();
      continue;
    }
    if (st.info.iterative && !st.continue_granted) {
      st.paused = true;
      search_result r;
      r.search_id = st.id;
      r.type = match_type::intermediate;
      r.key = h.entry.key;
      r.publisher = h.ep;
      n.out_results_.push_back(std::move(r));
      return;
    }
    st.continue_granted = false;
    return send_lookup(st, h);
  }
}

void node::impl::send_lookup(search_state& st, hop& h) {
  if (n.config_.security_mode >= 2 && credential_of(h.ep) == nullptr) return check_hop_first(st, h);
  message m;
  m.type = message_type::lookup;
  lookup_controls c;
  c.criteria = static_cast<std::uint8_t>(st.criteria);
  c.reason = static_cast<std::uint8_t>(st.reason);
  m.lookup = c;
  m.target_id = st.info.target;
  m.validate_id = h.entry.key;
  if (st.own_entry) m.route = *st.own_entry;
  std::vector<endpoint> path;
  path.push_back(local_source());
  for (const auto& e : st.excluded) if (path.size() < flagged_path_max) path.push_back(e);
  for (auto it = st.resolve_path.rbegin(); it != st.resolve_path.rend() && path.size() < flagged_path_max; ++it)
    if (!endpoint_in(path, *it)) path.push_back(*it);
  m.endpoints = std::move(path);
  ++h.use_count;
  ++st.lookups_sent;
  ++st.total_lookups;
  pending_request p;
  p.why = purpose::lookup;
  p.entry = h.entry;
  p.search_id = st.id;
  send_request(std::move(m), h.ep, std::move(p));
}

void node::impl::on_lookup_expired(pending_request& p, bool busy) {
  auto it = s.searches.find(p.search_id);
  if (!busy) {
    n.cache_.remove(p.entry.key, p.to);
    after_cache_change();
  }
  if (it == s.searches.end()) return;
  search_state& st = it->second;
  record_path(st, p.to, p.entry.key, busy ? path_flags::too_busy : path_flags::unreachable, 0);
  if (!endpoint_in(st.resolve_path, p.to)) st.resolve_path.push_back(p.to);
  if (!st.next_hops.empty() && st.next_hops.back().ep == p.to) st.next_hops.pop_back();
  advance(st);
}

// §3.10.3 step 7.
void node::impl::on_authority_for_lookup(const message& m, const endpoint& from, pending_request& p) {
  const std::uint16_t f = m.flags.value_or(0);
  if (p.why == purpose::refill) {
    // §3.11 step 4: a referral goes through §3.4; nothing new marks the side exhausted.
    if (m.route && !n.cache_.contains_identical(*m.route) && !publishes(m.route->key) &&
        n.cache_.would_enter_leaf_set(m.route->key)) {
      consider_route_entry(*m.route, std::nullopt, 0, false);
    } else {
      s.refill_exhausted.emplace_back(p.validate_key, p.refill_above);
    }
    return;
  }
  auto it = s.searches.find(p.search_id);
  if (it == s.searches.end() || it->second.done) return;
  search_state& st = it->second;
  if (f & flags::authority_busy) return on_lookup_expired(p, true);
  const std::uint32_t latency = static_cast<std::uint32_t>(s.now_ms - p.first_sent_ms);
  if (!endpoint_in(st.resolve_path, from)) st.resolve_path.push_back(from);
  hop h{p.entry, from, 0};
  if (!st.next_hops.empty() && st.next_hops.back().ep == from) h = st.next_hops.back();
  std::uint8_t pf = 0;
  if (f & flags::authority_unknown_in_leafset) { ++st.suspicious; pf |= path_flags::suspect_unregistered_id; }
  auto take_as_match = [&](const route_entry& r) {
    if (st.kind == search_kind::application && in_range(st, r.key) &&
        (!st.current_best || closer_to(st.info.target, r.key, st.current_best->entry.key))) {
      if (st.current_best) st.best_stack.push_back(*st.current_best);
      st.current_best = hop{r, from, 0};
      pf |= path_flags::accepted;
      return true;
    }
    return false;
  };
  bool just_set = false;
  if ((f & flags::authority_not_published) == 0) {
    // The hop answered at its endpoint for its key: cache it (liveness shown, §3.4 "if needed").
    if (n.cache_.find(p.entry.key, from) == nullptr && entry_acceptable(p.entry)) {
      if (n.config_.security_mode >= 1 || n.cache_.would_enter_leaf_set(p.entry.key)) {
        consider_route_entry(p.entry, std::nullopt, 0, false);
      } else {
        n.cache_.insert(p.entry, from.address, false, now_s(), n.rng_);
        after_cache_change();
      }
    }
    just_set = take_as_match(p.entry);
  } else {
    pf |= path_flags::bad_validate_id;
    n.cache_.remove(p.entry.key, from);
    after_cache_change();
  }
  st.converged_at = h;
  auto finish = [&] {
    record_path(st, from, p.entry.key, pf, latency);
    finalize_round(st);
  };
  if (st.info.any_match_in_range && just_set) return finish();
  if (st.criteria == resolve_criteria::none && st.reason == resolve_reason::app_request && st.suspicious >= 2) return finish();
  const bool published = (f & flags::authority_not_published) == 0;
  if (m.route) {
    const route_entry& r = *m.route;
    const auto rep = usable_endpoint(r);
    if (rep && rep->same_wire(from)) {  // a referral naming the hop itself (another of its keys)
      take_as_match(r);
      st.converged_key = r.key;
      return finish();
    }
    const bool flag_a = false;
    if (rep && entry_acceptable(r) && !excluded(st, *rep) && (flag_a || closer_to(st.info.target, r.key, p.entry.key))) {
      if (st.info.minimum && !in_range(st, r.key) && side_exhausted(st, r.key) && !st.next_hops.empty() &&
          st.next_hops.back().ep.same_wire(from) && st.next_hops.back().use_count < use_count_max) {
        // A referral outside the range on a side of T already known to hold no further candidate
        // leads nowhere: flag it and ask the hop again (like a hop that did not answer, §3.10.3
        // step 6), so that it names its next closest key.
        st.resolve_path.push_back(*rep);
        record_path(st, from, p.entry.key, pf | path_flags::rejected, latency);
        return advance(st);
      }
      pf |= path_flags::accepted;
      record_path(st, from, p.entry.key, pf, latency);
      if (st.kind == search_kind::application) st.learned.push_back(r);
      st.next_hops.push_back({r, *rep, 0});
      return advance(st);
    }
    pf |= (rep && endpoint_in(st.resolve_path, *rep)) ? path_flags::loop : path_flags::rejected;
  }
  // The walk converged here: the hop knows no unflagged key closer to T than its own.
  if (published) st.converged_key = p.entry.key;
  finish();
}

// §3.10.4 Finalize.
void node::impl::finalize_round(search_state& st) {
  if (st.kind != search_kind::application) {
    st.done = true;
    s.searches.erase(st.id);
    return;
  }
  if (!st.current_best) return end_round(st, false);
  st.finalizing = true;
  const hop cand = *st.current_best;
  record_path(st, cand.ep, cand.entry.key, path_flags::inquire, 0);
  send_inquire_for(cand.entry, cand.ep, purpose::search_candidate, true, st.id, std::nullopt, 0, false);
}

void node::impl::on_candidate_answer(search_state& st, const message* m, const endpoint& from, pending_request& p) {
  if (st.done) return;
  bool ok = false;
  unpacked_payload u;
  if (m != nullptr && (m->flags.value_or(0) & (flags::authority_not_published | flags::authority_busy)) == 0 && m->extended_payload)
    ok = validate_cpa(*m, p, u, &*m->extended_payload);
  if (ok) {
    const bool dup = std::any_of(st.results.begin(), st.results.end(), [&](const found_result& r) {
      return r.entry.key == p.entry.key && r.ep.same_wire(from);
    });
    if (!dup) st.results.push_back({p.entry, from, std::move(u.payload), false});
    if (!endpoint_in(st.excluded, from)) {
      st.excluded.push_back(from);
      st.excluded_keys.push_back(p.entry.key);
    }
    st.finalizing = false;
    return end_round(st, true);
  }
  if (m != nullptr && m->validate_cpa) drop(drop_reason::security_failure);  // a proof that did not validate
  record_path(st, from, p.entry.key, m == nullptr ? path_flags::unreachable : path_flags::rejected, 0);
  if (st.best_stack.empty()) {
    st.current_best.reset();
    st.finalizing = false;
    return end_round(st, false);
  }
  st.current_best = st.best_stack.back();
  st.best_stack.pop_back();
  const hop cand = *st.current_best;
  send_inquire_for(cand.entry, cand.ep, purpose::search_candidate, true, st.id, std::nullopt, 0, false);
}

// How far from T the range reaches on one side of T (ring distance). The range itself never
// wraps (§1.1), but the ring does: with T − min or max − T beyond 2^255, candidates reach
// half-way round on both sides (e.g. T = 0 in [0, 2^256 − 1] has candidates just below 2^256
// on its below side).
key256 node::impl::range_reach(const search_state& st, int side) const {
  const key256& t = st.info.target;
  const key256 to_min = sub_mod(t, *st.info.minimum), to_max = sub_mod(*st.info.maximum, t);
  const key256 half = half_ring();
  if (half < to_min || half < to_max) return half;
  return side == 0 ? to_min : to_max;
}

// Every candidate on k's side of T has been found (range searches).
bool node::impl::side_exhausted(const search_state& st, const key256& k) const {
  const int side = side_of(st.info.target, k);
  return !(st.certified[side] < range_reach(st, side));
}

// OpenDRT completion rule for range searches (docs/simulator.md "Deviations"): a round that
// converged at key c (its hop knew no unflagged key closer to T) shows that no unfound key lies
// closer to T than c among c's leaf-set neighbours toward T. The resolver knows which of those
// are flagged (Excluded), so it can tell how far from T each side of T is fully known:
// * c's side, up to d(c), when fewer than 5 Excluded keys lie between T and c, or when the 5
//   nearest of them already lie in the known part (the leaf set bridges the rest);
// * the other side, up to d(c), when fewer than 5 Excluded keys lie within d(c) of T (c's leaf
//   set then reaches across T past every flagged key there).
void node::impl::certify_convergence(search_state& st, const key256& c) {
  const key256& t = st.info.target;
  const key256 dc = ring_distance(t, c);
  const int side = side_of(t, c);
  std::vector<key256> same;  // distances of Excluded keys between T and c on c's side
  std::size_t within = 0;    // Excluded keys (either side) closer to T than c
  // Flagged keys: the Excluded nodes', and this node's own (its endpoint heads every flagged path).
  auto count = [&](const key256& k) {
    if (k == c) return;
    const key256 d = ring_distance(t, k);
    if (!(d < dc)) return;
    ++within;
    if (side_of(t, k) == side) same.push_back(d);
  };
  for (const auto& k : st.excluded_keys) count(k);
  for (const auto& k : s.keys) count(k.key);
  bool own = same.size() < leaf_set_side_max;
  if (!own) {
    std::sort(same.begin(), same.end());
    own = !(st.certified[side] < same[same.size() - leaf_set_side_max]);
  }
  if (own && st.certified[side] < dc) st.certified[side] = dc;
  if (within < leaf_set_side_max && st.certified[1 - side] < dc) st.certified[1 - side] = dc;
}

// §3.10.5 several results: new rounds until enough, or nothing new.
void node::impl::end_round(search_state& st, bool yielded) {
  const std::size_t wanted = std::min<std::size_t>(st.info.iterative ? 1 : st.info.max_endpoints, results_per_search_max);
  bool new_node = yielded;
  if (st.converged_at && !endpoint_in(st.excluded, st.converged_at->ep)) {
    st.excluded.push_back(st.converged_at->ep);
    st.excluded_keys.push_back(st.converged_at->entry.key);
    new_node = true;
  }
  const key256& t = st.info.target;
  bool complete = false;
  int open_side = -1;  // a side of T that may still hide a closer candidate
  if (!st.info.minimum) {
    // Exact search: one round unless the walk ended at the target itself without a result.
    complete = st.results.size() >= wanted || (st.converged_at && !(st.converged_at->entry.key == t));
  } else {
    if (st.converged_key) certify_convergence(st, *st.converged_key);
    const key256 limit[2] = {range_reach(st, 0), range_reach(st, 1)};
    // Distance of the wanted-th closest result so far.
    std::optional<key256> kth;
    if (st.results.size() >= wanted) {
      std::vector<key256> d;
      for (const auto& r : st.results) d.push_back(ring_distance(t, r.entry.key));
      std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(wanted - 1), d.end());
      kth = d[wanted - 1];
    }
    complete = true;
    for (int side : {0, 1}) {
      const bool known = !(st.certified[side] < limit[side]) || (kth && !(st.certified[side] < *kth));
      if (!known) {
        complete = false;
        if (open_side < 0) open_side = side;
      }
    }
  }
  const std::uint32_t rounds_max = st.info.minimum ? rounds_per_range_search_max : rounds_per_search_max;
  const bool stop = complete || !new_node || st.rounds >= rounds_max || (st.info.any_match_in_range && !st.results.empty());
  if (stop) return complete_search(st);
  // New round: keep Excluded and learned entries; clear the rest (§3.10.5).
  ++st.rounds;
  st.resolve_path.clear();
  st.next_hops.clear();
  st.best_stack.clear();
  st.current_best.reset();
  st.converged_at.reset();
  st.converged_key.reset();
  st.lookups_sent = 0;
  st.suspicious = 0;
  // Initial hop: the closest known entry on a side not yet known to be complete (both sides
  // open: the closest overall), so that the walk approaches T from there.
  std::optional<route_entry> first;
  endpoint first_ep;
  auto consider = [&](const route_entry& r) {
    if (first && !closer_to(t, r.key, first->key)) return;
    const auto ep = usable_endpoint(r);
    if (!ep || excluded(st, *ep)) return;
    first = r;
    first_ep = *ep;
  };
  for (int pass = 0; pass < 2 && !first; ++pass) {
    // pass 0: only the open side; pass 1: anywhere
    for (const auto& c : n.cache_.entries()) {
      if (first && !closer_to(t, c.key, first->key)) continue;
      if (pass == 0 && open_side >= 0 && side_of(t, c.key) != open_side) continue;
      consider(c.to_route_entry());
    }
    for (const auto& r : st.learned)
      if (pass == 1 || open_side < 0 || side_of(t, r.key) == open_side) consider(r);
  }
  if (first) st.next_hops.push_back({*first, first_ep, 0});
  advance(st);
}

void node::impl::complete_search(search_state& st) {
  st.done = true;
  std::vector<found_result> all = st.results;
  if (st.info.allow_current_instance_match) {
    for (const auto& k : s.keys) {
      if (!in_range(st, k.key)) continue;
      found_result r;
      r.entry = own_entry(k.key);
      r.app_data = k.app_data;
      r.local = true;
      all.push_back(std::move(r));
    }
  }
  std::sort(all.begin(), all.end(), [&](const found_result& a, const found_result& b) {
    if (a.entry.key == b.entry.key) return a.ep < b.ep;
    return closer_to(st.info.target, a.entry.key, b.entry.key);
  });
  const std::size_t wanted = std::min<std::size_t>(st.info.iterative ? 1 : st.info.max_endpoints, results_per_search_max);
  if (st.info.any_match_in_range && !all.empty()) all.resize(1);
  if (all.size() > wanted) all.resize(wanted);
  for (auto& f : all) {
    search_result r;
    r.search_id = st.id;
    r.type = (f.entry.key == st.info.target || st.info.any_match_in_range) ? match_type::exact : match_type::near;
    r.key = f.entry.key;
    r.app_data = std::move(f.app_data);
    if (!f.local) r.publisher = f.ep;
    n.out_results_.push_back(std::move(r));
  }
  search_result end;
  end.search_id = st.id;
  end.hr = DRT_E_NO_MORE;
  end.lookups_sent = st.total_lookups;
  n.out_results_.push_back(std::move(end));
}

// §3.11 step 4: leaf-set refill, at most 2 LOOKUPs per tick.
void node::impl::start_refill(bool early) {
  int sent = 0;
  if (!early) ++s.refill_tick;
  for (const auto& ls : n.cache_.leaf_sets()) {
    for (bool above : {false, true}) {
      const auto& side = above ? ls.above : ls.below;
      if (sent >= 2 || side.empty()) continue;
      const bool full = side.size() >= leaf_set_side_max;
      // A side with fewer than 5 entries asks its farthest entry F for F ± 1 (§3.11 step 4).
      // OpenDRT extension for a full side (docs/simulator.md "Deviations"), because the flood
      // chain of §3.6 alone leaves some leaf sets a member short:
      // * every other tick, a gap check: ask the farthest entry F (whose own leaf set spans
      //   the whole side, us included) for the midpoint between our key and F's, with us and
      //   the side's entries flagged. Every key outside that arc is farther from the midpoint
      //   than every key inside it, so the referral is a member we miss if F knows one;
      // * the other ticks, ask the nearest entry what lies just beyond our j-th entry
      //   (j = 4 every other time, else 0, 1, 2, 3 in turn; j = 0 asks for our own key ± 1)
      //   with entries 1..j flagged: this finds a missing 5th member, which the gap check can
      //   miss when a 6th entry on the other side lies nearer our key.
      // An early check (1 s after the leaf set changed, node.cpp) is a gap check.
      const bool gap_check = full && (early || s.refill_tick % 2 == 0);
      std::size_t j = 0;
      if (full) {
        const std::uint64_t odd = s.refill_tick / 2;  // counts the ticks without a gap check
        j = odd % 2 == 0 ? leaf_set_side_max - 1 : (odd / 2) % (leaf_set_side_max - 1);
      } else if (std::find(s.refill_exhausted.begin(), s.refill_exhausted.end(), std::make_pair(ls.local, above)) !=
                 s.refill_exhausted.end()) {
        continue;
      }
      const cache_entry* ask = n.cache_.find_key(full && !gap_check ? side.front() : side.back());
      const key256 edge_key = full ? (j == 0 ? ls.local : side[j - 1]) : side.back();
      if (ask == nullptr) continue;
      message m;
      m.type = message_type::lookup;
      lookup_controls c;
      c.flags = flags::lookup_any_referral;
      c.criteria = static_cast<std::uint8_t>(resolve_criteria::nearest);
      c.reason = static_cast<std::uint8_t>(resolve_reason::cache_maintenance);
      m.lookup = c;
      if (gap_check) {
        m.target_id = above ? add_mod(ls.local, shift_right(up_distance(ls.local, side.back()), 1))
                            : sub_mod(ls.local, shift_right(down_distance(ls.local, side.back()), 1));
      } else {
        m.target_id = above ? add_small(edge_key, 1) : sub_small(edge_key, 1);
      }
      m.validate_id = ask->key;
      std::vector<endpoint> path{local_source()};
      auto flag = [&](const std::vector<key256>& keys, std::size_t count) {
        for (std::size_t i = 0; i < count && i < keys.size(); ++i)
          if (const cache_entry* e = n.cache_.find_key(keys[i]); e && path.size() < flagged_path_max) path.push_back(e->preferred());
      };
      flag(side, gap_check ? side.size() : full ? j : side.size());
      m.endpoints = std::move(path);
      pending_request p;
      p.why = purpose::refill;
      p.entry = ask->to_route_entry();
      p.validate_key = ls.local;
      p.refill_above = above;
      send_request(std::move(m), ask->preferred(), std::move(p));
      ++sent;
    }
  }
}

// §3.11 step 5: keep 10 arcs populated.
void node::impl::start_spread() {
  if (n.cache_.empty()) return;
  if (s.spread_paused) {
    if (n.cache_.size() <= s.spread_cache_size) return;
    s.spread_paused = false;
    s.spread_fruitless = 0;
  }
  const bool running = std::any_of(s.searches.begin(), s.searches.end(), [](const auto& kv) {
    return kv.second.kind == search_kind::maintenance;
  });
  if (running) return;
  const key256 arc = div_small(key_max(), 10);
  bool filled[10] = {};
  for (const auto& e : n.cache_.entries()) {
    const key256 off = sub_mod(e.key, n.cache_.anchor());
    int i = 0;
    key256 lim = arc;
    while (i < 9 && !(off < lim)) { lim = add_mod(lim, arc); ++i; }
    filled[i] = true;
  }
  for (int t = 0; t < 10; ++t) {
    const int i = (s.spread_arc + t) % 10;
    if (filled[i]) continue;
    s.spread_arc = (i + 1) % 10;
    if (s.spread_cache_size == n.cache_.size()) {
      if (++s.spread_fruitless >= 3) { s.spread_paused = true; return; }
    } else {
      s.spread_fruitless = 0;
    }
    s.spread_cache_size = n.cache_.size();
    key256 mid = n.cache_.anchor();
    for (int k = 0; k < i; ++k) mid = add_mod(mid, arc);
    mid = add_mod(mid, div_small(arc, 2));
    start_walk(search_kind::maintenance, mid, resolve_criteria::nearest, resolve_reason::cache_maintenance, std::nullopt, std::nullopt);
    return;
  }
}

void node::impl::start_split_detection_walk(const route_entry& r, const endpoint& ep) {
  const registered_key& k = s.keys[n.rng_.uniform(s.keys.size())];
  start_walk(search_kind::split_detection, add_small(k.key, 1), resolve_criteria::none, resolve_reason::split_detection,
             own_entry(k.key), hop{r, ep, 0});
}

// ---------------------------------------------------------------- API

HRESULT node::start_search(std::uint64_t now_ms, const search_info& info, std::uint64_t& search_id) {
  impl x(*this);
  state_->now_ms = now_ms;
  if (status_ == node_status::faulted) return DRT_E_FAULTED;
  if (info.minimum.has_value() != info.maximum.has_value()) return DRT_E_INVALID_SEARCH_RANGE;
  if (info.minimum && (*info.maximum < *info.minimum || info.target < *info.minimum || *info.maximum < info.target))
    return DRT_E_INVALID_SEARCH_RANGE;
  if (info.max_endpoints < 1) return DRT_E_INVALID_MAX_ENDPOINTS;
  const bool exact = !info.minimum || (*info.minimum == info.target && *info.maximum == info.target);
  const std::uint64_t id = state_->next_search_id++;
  search_state& st = state_->searches[id];
  st.id = id;
  st.kind = search_kind::application;
  st.info = info;
  if (exact) st.info.minimum.reset(), st.info.maximum.reset();
  st.criteria = exact ? resolve_criteria::none : resolve_criteria::nearest;
  st.reason = resolve_reason::app_request;
  st.started_ms = now_ms;
  st.rounds = 1;
  search_id = id;
  x.advance(st);
  return S_OK;
}

HRESULT node::continue_search(std::uint64_t now_ms, std::uint64_t search_id) {
  impl x(*this);
  state_->now_ms = now_ms;
  auto it = state_->searches.find(search_id);
  if (it == state_->searches.end() || it->second.done) return DRT_E_NO_MORE;
  search_state& st = it->second;
  if (!st.paused) return S_OK;
  st.paused = false;
  st.continue_granted = true;
  x.advance(st);
  return S_OK;
}

HRESULT node::end_search(std::uint64_t search_id) {
  auto it = state_->searches.find(search_id);
  if (it == state_->searches.end()) return E_INVALIDARG;
  state_->searches.erase(it);  // answers still in flight are ignored (no pending owner)
  return S_OK;
}

std::vector<search_path_entry> node::search_path(std::uint64_t search_id) const {
  auto it = state_->searches.find(search_id);
  return it == state_->searches.end() ? std::vector<search_path_entry>{} : it->second.path;
}

}  // namespace drt::engine
