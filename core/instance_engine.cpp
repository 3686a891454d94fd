// core: the instance's side of the protocol engine (design.md "Threads and events"). Everything
// here runs on the instance's strand: inputs are fed to the engine, then pump() drains what it
// produced (datagrams to the transport, events to the event queue, results to searches, resolve
// requests to the bootstrap provider) and re-arms the one timer at the engine's next deadline.
#include "errors.hpp"
#include "instance.hpp"
#include "search.hpp"

#include <asio/bind_executor.hpp>

#include <cstring>

namespace drt::core {
namespace {

DRT_STATUS to_status(engine::node_status s) {
  switch (s) {
    case engine::node_status::active: return DRT_ACTIVE;
    case engine::node_status::alone: return DRT_ALONE;
    case engine::node_status::no_network: return DRT_NO_NETWORK;
    case engine::node_status::faulted: return DRT_FAULTED;
  }
  return DRT_FAULTED;
}

DRT_MATCH_TYPE to_match(engine::match_type t) {
  switch (t) {
    case engine::match_type::exact: return DRT_MATCH_EXACT;
    case engine::match_type::near: return DRT_MATCH_NEAR;
    case engine::match_type::intermediate: return DRT_MATCH_INTERMEDIATE;
  }
  return DRT_MATCH_NEAR;
}

key_bytes to_api_key(const engine::key256& k) {
  key_bytes out{};
  k.to_api_bytes(out.data());
  return out;
}

std::vector<DRT_ADDRESS> to_path(const std::vector<engine::search_path_entry>& entries) {
  std::vector<DRT_ADDRESS> out;
  out.reserve(entries.size());
  for (const auto& e : entries) {
    DRT_ADDRESS a{};
    const sockaddr_in6 s6 = to_sockaddr(e.node);
    std::memcpy(&a.socketAddress, &s6, sizeof s6);
    a.flags = e.flags;
    a.nearness = e.nearness;
    a.latency = e.latency_ms;
    out.push_back(a);
  }
  return out;
}

}  // namespace

std::uint64_t instance::now_ms() const {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - epoch_).count());
}

HRESULT instance::create_engine() {
  engine::node_config config;
  config.security_mode = static_cast<std::uint8_t>(settings_.eSecurityMode);
  config.version_major = settings_.bProtocolMajorVersion;
  config.version_minor = settings_.bProtocolMinorVersion;
  config.max_routing_addresses = settings_.ulMaxRoutingAddresses;
  if (HRESULT hr = engine::node::check_config(config); FAILED(hr)) {
    return fail(hr, "the protocol engine cannot run these settings");
  }
  // Every provider call the engine makes counts as a provider callback of this instance, so an
  // API call of this instance from inside it is refused rather than deadlocking.
  security_adapter_ = std::make_unique<runtime::security_adapter>(security_, [this](bool enter) {
    if (enter) {
      callback_scope::enter(this);
    } else {
      callback_scope::leave();
    }
  });
  engine_ = std::make_unique<engine::node>(config, rng_, *security_adapter_);
  return S_OK;
}

void instance::feed_local_endpoints(const std::vector<sockaddr_in6>& addrs) {
  engine_->set_local_endpoints(now_ms(), to_endpoints(addrs));
}

engine::node_counters instance::counters() const { return engine_ ? engine_->counters() : engine::node_counters{}; }

void instance::pump() {
  if (!engine_ || pumping_) return;  // an input fed from inside pump() is drained by the loop
  pumping_ = true;
  for (;;) {
    auto datagrams = engine_->take_datagrams();
    auto events = engine_->take_events();
    auto results = engine_->take_search_results();
    auto requests = engine_->take_bootstrap_requests();
    if (datagrams.empty() && events.empty() && results.empty() && requests.empty()) break;
    if (transport_attached_) {
      callback_scope scope(this);
      for (const auto& d : datagrams) {
        const sockaddr_in6 to = to_sockaddr(d.to);
        const sockaddr_in6 from = to_sockaddr(d.from);
        const bool has_source = d.from.port != 0;
        // A datagram the transport cannot queue is lost like one lost on the wire; the engine
        // retransmits what matters.
        (void)transport_->table.SendTo(transport_->table.pvContext, &to, has_source ? &from : nullptr, d.data.data(),
                                       static_cast<std::uint32_t>(d.data.size()));
      }
    }
    for (const auto& e : events) on_engine_event(e);
    for (const auto& r : results) on_engine_result(r);
    for (const auto& q : requests) run_bootstrap_request(q);
  }
  for (auto& [id, weak] : engine_searches_) {
    if (auto s = weak.lock()) s->set_path(to_path(engine_->search_path(id)));
  }
  pumping_ = false;
  schedule_engine_timer();
}

void instance::schedule_engine_timer() {
  if (!engine_ || closing.load()) return;
  const std::uint64_t due = engine_->next_wakeup_ms();
  if (due == engine_timer_due_) return;
  engine_timer_due_ = due;
  if (due == UINT64_MAX) {
    engine_timer_.cancel();
    return;
  }
  engine_timer_.expires_at(epoch_ + std::chrono::milliseconds(due));
  std::weak_ptr<instance> weak = weak_from_this();
  engine_timer_.async_wait(asio::bind_executor(strand_, [weak](const std::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || !self->engine_ || self->closing.load()) return;
    self->engine_timer_due_ = UINT64_MAX;
    self->engine_->on_timer(self->now_ms());
    self->pump();
  }));
}

void instance::on_engine_event(const engine::node_event& e) {
  switch (e.type) {
    case engine::node_event::kind::status_changed: {
      const DRT_STATUS status = to_status(e.status);
      if (status == DRT_ALONE) {
        // spec/api.md §4.11: the last failure the bootstrap provider reported, or
        // NO_ADDRESSES_AVAILABLE, with the endpoints it returned (none of which answered).
        std::vector<sockaddr_storage> reported;
        for (const auto& a : round_addresses_) {
          sockaddr_storage ss{};
          std::memcpy(&ss, &a, sizeof a);
          reported.push_back(ss);
        }
        set_status(DRT_ALONE, FAILED(round_last_failure_) ? round_last_failure_ : DRT_E_NO_ADDRESSES_AVAILABLE,
                   std::move(reported));
      } else if (status == DRT_FAULTED) {
        set_status(DRT_FAULTED, FAILED(e.status_error) ? e.status_error : E_FAIL);
        for (auto& s : searches) s->end_by_fault();
      } else {
        set_status(status, S_OK);
      }
      break;
    }
    case engine::node_event::kind::leafset_key_changed: {
      queued_event ev;
      ev.type = DRT_EVENT_LEAFSET_KEY_CHANGED;
      ev.change = e.added ? DRT_LEAFSET_KEY_ADDED : DRT_LEAFSET_KEY_DELETED;
      ev.local_key = to_api_key(e.local_key);
      ev.remote_key = to_api_key(e.remote_key);
      events_.push(std::move(ev));
      break;
    }
    case engine::node_event::kind::registration_state_changed: {
      queued_event ev;
      ev.type = DRT_EVENT_REGISTRATION_STATE_CHANGED;
      ev.hr = e.status_error;  // spec/api.md §4.11: the provider's failure
      ev.local_key = to_api_key(e.local_key);
      events_.push(std::move(ev));
      break;
    }
  }
}

void instance::on_engine_result(const engine::search_result& r) {
  auto it = engine_searches_.find(r.search_id);
  if (it == engine_searches_.end()) return;
  auto s = it->second.lock();
  if (!s) {
    engine_searches_.erase(it);
    return;
  }
  if (r.hr == S_OK) {
    search_result_item item;
    item.type = to_match(r.type);
    item.key = to_api_key(r.key);
    item.app_data = r.app_data;
    s->add_result(std::move(item));
    return;
  }
  // The engine's last word on this search.
  s->set_path(to_path(engine_->search_path(r.search_id)));
  if (s->timer) s->timer->cancel();
  s->finish(r.hr == DRT_E_FAULTED ? DRT_E_FAULTED : DRT_E_NO_MORE);
  engine_searches_.erase(it);
}

HRESULT instance::start_search(const std::shared_ptr<search>& s) {
  const search_params& p = s->params();
  if (p.timeout_ms == 0) {  // 0 expires immediately (spec/api.md §5.3.1)
    s->time_out();
    return S_OK;
  }
  engine::search_info info;
  info.target = engine::key256::from_api_bytes(p.target.data());
  if (p.has_range) {
    info.minimum = engine::key256::from_api_bytes(p.min.data());
    info.maximum = engine::key256::from_api_bytes(p.max.data());
  }
  info.iterative = p.iterative;
  info.allow_current_instance_match = p.allow_current_instance;
  info.any_match_in_range = p.any_match_in_range;
  info.max_endpoints = p.max_endpoints;
  std::uint64_t id = 0;
  if (HRESULT hr = engine_->start_search(now_ms(), info, id); FAILED(hr)) return fail(hr, "the engine refused the search");
  s->engine_id = id;
  engine_searches_[id] = s;
  if (p.timeout_ms != DRT_TIMEOUT_INFINITE) {
    s->timer = std::make_unique<asio::steady_timer>(lib().worker().context());
    s->timer->expires_after(std::chrono::milliseconds(p.timeout_ms));
    std::weak_ptr<instance> weak_instance = weak_from_this();
    std::weak_ptr<search> weak_search = s;
    s->timer->async_wait(asio::bind_executor(strand_, [weak_instance, weak_search](const std::error_code& ec) {
      auto self = weak_instance.lock();
      auto target = weak_search.lock();
      if (ec || !self || !target || !self->engine_) return;
      (void)self->engine_->end_search(target->engine_id);
      self->engine_searches_.erase(target->engine_id);
      target->time_out();
      self->pump();
    }));
  }
  pump();
  return S_OK;
}

HRESULT instance::continue_search(const std::shared_ptr<search>& s) {
  if (s->finished() || s->engine_id == 0 || !engine_) return S_OK;  // nothing left to resume
  const HRESULT hr = engine_->continue_search(now_ms(), s->engine_id);
  pump();
  return FAILED(hr) ? fail(hr) : succeed();
}

void instance::end_search(const std::shared_ptr<search>& s) {
  if (engine_ && s->engine_id != 0) {
    (void)engine_->end_search(s->engine_id);
    engine_searches_.erase(s->engine_id);
  }
  if (s->timer) s->timer->cancel();
  s->end_by_close();
  std::erase(searches, s);
  pump();
}

}  // namespace drt::core
