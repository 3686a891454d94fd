// verified_credential_cache.hpp: the process-wide cache of verified remote credentials.
#include "verified_credential_cache.hpp"

namespace drt::plugins::OPENDRT_SECURITY_BACKEND {

bool remote_peer::usable_at(std::int64_t now) const noexcept {
  return now >= valid_from && now <= valid_until && now >= checked_at &&
         now - checked_at < remote_cache_ttl_s;
}

verified_credential_cache& verified_credential_cache::shared() {
  static verified_credential_cache cache;
  return cache;
}

std::shared_ptr<const remote_peer> verified_credential_cache::find(const credential_cache_key& key,
                                                                   std::int64_t now) noexcept {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(key);
  if (it == index_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  if (!it->second->second->usable_at(now)) {
    recent_.erase(it->second);
    index_.erase(it);
    ++stats_.misses;
    return nullptr;
  }
  recent_.splice(recent_.begin(), recent_, it->second);  // iterators stay valid
  ++stats_.hits;
  return it->second->second;
}

void verified_credential_cache::insert(const credential_cache_key& key,
                                       std::shared_ptr<const remote_peer> peer) {
  std::lock_guard lock(mutex_);
  if (const auto it = index_.find(key); it != index_.end()) {
    it->second->second = std::move(peer);
    recent_.splice(recent_.begin(), recent_, it->second);
    return;
  }
  if (index_.size() >= entries_max_) {
    index_.erase(recent_.back().first);
    recent_.pop_back();
    ++stats_.evictions;
  }
  recent_.emplace_front(key, std::move(peer));
  try {
    index_.emplace(key, recent_.begin());
  } catch (...) {
    recent_.pop_front();
    throw;
  }
}

verified_credential_cache::statistics verified_credential_cache::stats() const noexcept {
  std::lock_guard lock(mutex_);
  statistics out = stats_;
  out.entries = index_.size();
  return out;
}

std::shared_ptr<const chain_verifier> verified_credential_cache::share_verifier(
    const sha256_digest& root, std::shared_ptr<const chain_verifier> made) {
  std::lock_guard lock(mutex_);
  std::erase_if(verifiers_, [](const auto& v) { return v.second.expired(); });
  auto& slot = verifiers_[root];
  if (auto existing = slot.lock()) return existing;
  slot = made;
  return made;
}

}  // namespace drt::plugins::OPENDRT_SECURITY_BACKEND
