// core/engine: SHA-1 (HASHED_NONCE, protocol.md §3.3) and SHA-256 (the null provider's
// PayloadHash, §5.7). The engine may not link a crypto library (style.md), and these two
// digests are needed even with the null provider. Pure functions: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace drt::engine {

std::array<std::uint8_t, 20> sha1(std::span<const std::uint8_t> data);
std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data);

}  // namespace drt::engine
