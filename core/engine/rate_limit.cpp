#include "engine/rate_limit.hpp"

#include <algorithm>

namespace drt::engine {

bool source_rate_limiter::take(std::vector<bucket>& table, const ipv6_address& a, std::uint16_t port, double per_ms,
                               double burst, std::uint64_t now_ms) {
  auto refill = [&](const bucket& b) {
    return std::min(burst, b.tokens + static_cast<double>(now_ms - std::min(now_ms, b.seen_ms)) * per_ms);
  };
  auto it = std::find_if(table.begin(), table.end(), [&](const bucket& b) { return b.address == a && b.port == port; });
  if (it == table.end()) {
    // Idle sources (full again) are forgotten before a new one is added: the table holds only
    // the recently busy ones, so an honest node's stays small.
    std::erase_if(table, [&](const bucket& b) { return refill(b) >= burst; });
    if (table.size() >= sources_max) {
      table.erase(std::min_element(table.begin(), table.end(),
                                   [](const bucket& x, const bucket& y) { return x.seen_ms < y.seen_ms; }));
    }
    table.push_back({a, port, burst, now_ms});
    it = table.end() - 1;
  }
  it->tokens = refill(*it);
  it->seen_ms = now_ms;
  if (it->tokens < 1.0) return false;
  it->tokens -= 1.0;
  return true;
}

bool source_rate_limiter::allow(const endpoint& from, std::uint64_t now_ms) {
  if (!take(endpoints_, from.address, from.port, endpoint_per_ms, endpoint_burst, now_ms)) return false;
  if (classify(from.address) == scope_class::loopback) return true;
  return take(addresses_, from.address, 0, address_per_ms, address_burst, now_ms);
}

std::size_t source_rate_limiter::memory_bytes() const {
  return (endpoints_.capacity() + addresses_.capacity()) * sizeof(bucket);
}

}  // namespace drt::engine
