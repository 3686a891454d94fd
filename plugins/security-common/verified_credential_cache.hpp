// The remote credentials that verified, kept once per process for every derived-key provider
// this plugin creates (docs/performance.md §1.3). One source for both security plugins
// (README.md here); the backend's credential.hpp and sha256.hpp give the types.
//
// Why process-wide: the derived-key provider registers one key per instance (api.md §5.6.1), so
// an application that publishes many keys runs many instances in one process, and they all meet
// the same peers. Verifying a chain is a pure function of (root, credential bytes, time); parsing
// and verifying it once per process instead of once per instance took the publish cost of
// drt-compare-opendht from 48 first-contact checks to one, and the memory of ~21 parsed peer
// certificates out of every instance. It is the one piece of mutable state a security plugin
// keeps outside its provider objects, bounded (default_entries_max, least recently used goes first) and
// holding only immutable verification results.
//
// It also lends the providers one chain verifier per root (share_verifier).
//
// Entries are keyed by the provider's root and the credential's bytes, so providers with
// different roots never see each other's results. A hit still goes through the caller's own
// clock: outside the chain's validity window, before the check or more than remote_cache_ttl_s
// after it, the entry is dropped and the credential verified again.
//
// Thread-safe: every member takes the mutex.
#pragma once

#include "backend.hpp"
#include "credential.hpp"
#include "sha256.hpp"

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

namespace drt::plugins::OPENDRT_SECURITY_BACKEND {

// A remote credential that verified, as the cache keeps it.
struct remote_peer {
  pkey_ptr public_key;
  key_profile profile = key_profile::none;
  key_bytes_t derived_wire{};
  cpa_public_key cpa_key;
  bool may_receive_keytoken = true;  // keyUsage allows keyEncipherment (O1) / keyAgreement (O2)
  std::int64_t valid_from = 0;
  std::int64_t valid_until = 0;
  std::int64_t checked_at = 0;

  // Whether a verification made at checked_at still stands at `now` (Unix seconds).
  [[nodiscard]] bool usable_at(std::int64_t now) const noexcept;
};

inline constexpr std::int64_t remote_cache_ttl_s = 300;  // as protocol.md §5.2 allows the engine

struct credential_cache_key {
  sha256_digest root{};        // SHA-256 of the provider's root, DER-encoded as a credential
  sha256_digest credential{};  // SHA-256 of the credential's bytes
  auto operator<=>(const credential_cache_key&) const = default;
};

class verified_credential_cache {
 public:
  static constexpr std::size_t default_entries_max = 4096;  // ~3 KiB each with OpenSSL

  explicit verified_credential_cache(std::size_t entries_max = default_entries_max) noexcept
      : entries_max_(entries_max < 1 ? 1 : entries_max) {}
  verified_credential_cache(const verified_credential_cache&) = delete;
  verified_credential_cache& operator=(const verified_credential_cache&) = delete;

  struct statistics {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;     // not cached, or dropped as no longer usable
    std::uint64_t evictions = 0;  // dropped for room
    std::size_t entries = 0;
  };

  // The plugin's one cache (derived_key_config.cpp).
  [[nodiscard]] static verified_credential_cache& shared();

  // The entry if it is still usable at `now`; a stale entry is removed. Throws nothing.
  [[nodiscard]] std::shared_ptr<const remote_peer> find(const credential_cache_key& key,
                                                        std::int64_t now) noexcept;
  // Adds or replaces; evicts the least recently used entry when full. Throws std::bad_alloc.
  void insert(const credential_cache_key& key, std::shared_ptr<const remote_peer> peer);

  [[nodiscard]] statistics stats() const noexcept;

  // The chain verifier of a root, shared by every provider with that root while one holds it:
  // the one already registered for `root`, else `made` (registered now). One parsed root and
  // trust store per process instead of per instance. Throws std::bad_alloc.
  [[nodiscard]] std::shared_ptr<const chain_verifier> share_verifier(
      const sha256_digest& root, std::shared_ptr<const chain_verifier> made);

 private:
  using entry = std::pair<credential_cache_key, std::shared_ptr<const remote_peer>>;

  std::size_t entries_max_;
  library_ref library_;  // first: wolfCrypt stays initialised while entries hold its keys
  mutable std::mutex mutex_;
  std::list<entry> recent_;  // most recently used first
  std::map<credential_cache_key, std::list<entry>::iterator> index_;
  statistics stats_;
  std::map<sha256_digest, std::weak_ptr<const chain_verifier>> verifiers_;
};

}  // namespace drt::plugins::OPENDRT_SECURITY_BACKEND
