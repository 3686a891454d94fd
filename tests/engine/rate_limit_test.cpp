// The per-source request limiter (core/engine/rate_limit.hpp).
#include "engine/rate_limit.hpp"

#include <gtest/gtest.h>

using namespace drt::engine;

namespace {

endpoint at(std::uint8_t host, std::uint16_t port, bool loopback = false) {
  endpoint e;
  if (loopback) {
    e.address[15] = 1;
  } else {
    e.address = {0x20, 0x01, 0x0d, 0xb8};
    e.address[15] = host;
  }
  e.port = port;
  return e;
}

int allowed(source_rate_limiter& l, const endpoint& e, int n, std::uint64_t now) {
  int ok = 0;
  for (int i = 0; i < n; ++i) ok += l.allow(e, now) ? 1 : 0;
  return ok;
}

}  // namespace

TEST(SourceRateLimiter, OneEndpointGetsItsBurstThenItsRate) {
  source_rate_limiter l;
  EXPECT_EQ(allowed(l, at(1, 4000), 500, 0), 200);
  EXPECT_EQ(allowed(l, at(1, 4000), 500, 1000), 100);  // 0.1 per ms refilled in 1 s
  EXPECT_EQ(allowed(l, at(2, 4000), 10, 1000), 10);    // another source is not affected
}

TEST(SourceRateLimiter, ChangingPortsDoesNotEscapeThePerAddressBucket) {
  source_rate_limiter l;
  int ok = 0;
  for (std::uint16_t p = 1; p <= 2000; ++p) ok += l.allow(at(3, static_cast<std::uint16_t>(2000 + p)), 0) ? 1 : 0;
  EXPECT_EQ(ok, 800);
}

TEST(SourceRateLimiter, LoopbackNodesShareAnAddressButNotABucket) {
  source_rate_limiter l;
  int ok = 0;
  for (std::uint16_t p = 1; p <= 20; ++p) ok += allowed(l, at(0, static_cast<std::uint16_t>(5000 + p), true), 100, 0);
  EXPECT_EQ(ok, 2000);
}

TEST(SourceRateLimiter, TablesStayBoundedAndForgetIdleSources) {
  source_rate_limiter l;
  for (int i = 0; i < 5000; ++i) (void)l.allow(at(static_cast<std::uint8_t>(i), static_cast<std::uint16_t>(1024 + i)), 0);
  EXPECT_LE(l.size(), 2 * source_rate_limiter::sources_max);
  endpoint fresh = at(9, 9999);
  fresh.address[14] = 7;             // a new address and a new endpoint
  (void)l.allow(fresh, 10'000);      // everyone else idle for 10 s: forgotten
  EXPECT_LE(l.size(), 2u);
}
