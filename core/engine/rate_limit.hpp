// core/engine: per-source limits on unsolicited requests (SOLICIT, REQUEST, FLOOD, INQUIRE,
// LOOKUP), so that one peer cannot make a node spend its conversation table, its signatures
// (each INQUIRE costs a SecureAndPackPayload) or its upload on it alone. Token buckets, one per
// source endpoint and one per source address (a peer may vary its port); loopback sources have
// only the per-endpoint bucket, because every node of a local cloud shares [::1]. Both tables
// are bounded: an idle source (its bucket full again) carries no information and is forgotten
// whenever a new source arrives; when the table is still full, the least recently seen goes. Not thread-safe: owned by one node.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/endpoint.hpp"

namespace drt::engine {

class source_rate_limiter {
 public:
  // Per endpoint: 100 requests per second, bursts of 200. Per address: 4 endpoints' worth.
  static constexpr double endpoint_per_ms = 0.1, endpoint_burst = 200;
  static constexpr double address_per_ms = 0.4, address_burst = 800;
  static constexpr std::size_t sources_max = 256;  // per table

  // True when a request from `from` may be served now (and charges it).
  bool allow(const endpoint& from, std::uint64_t now_ms);
  std::size_t size() const { return endpoints_.size() + addresses_.size(); }
  std::size_t memory_bytes() const;

 private:
  struct bucket {
    ipv6_address address{};
    std::uint16_t port = 0;  // 0 in the per-address table
    double tokens = 0;
    std::uint64_t seen_ms = 0;
  };
  static bool take(std::vector<bucket>& table, const ipv6_address& a, std::uint16_t port, double per_ms, double burst,
                   std::uint64_t now_ms);

  std::vector<bucket> endpoints_;
  std::vector<bucket> addresses_;
};

}  // namespace drt::engine
