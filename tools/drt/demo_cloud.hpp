// demo_cloud: the nodes of `drt demo`, all in this process, each with its own IPv6 UDP transport
// in loopback mode (bound to [::1], nothing leaves this machine), bootstrapping from the first
// node; their certificates; their events; and timed searches.
#pragma once

#include <drt/drt.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace drt::tool::demo {

// A root CA and one EC P-256 node certificate per node, made in memory with certgen.
struct pki {
  std::vector<std::uint8_t> root_pem;               // the trust anchor
  std::vector<std::vector<std::uint8_t>> local;     // per node: certificate PEM + private key PEM
  std::vector<drt::key> derived;                    // per node: its derived key
};
[[nodiscard]] pki make_pki(std::size_t nodes, const std::function<void(std::size_t)>& progress);

// null: no authentication; derived_key_openssl / derived_key_wolfssl: the derived-key provider
// of security-openssl / security-wolfssl (byte-compatible, so a cloud may mix them).
enum class security_kind { null, derived_key_openssl, derived_key_wolfssl };

struct member {
  drt::transport transport;
  drt::security_provider security;
  drt::bootstrap_provider bootstrap;
  drt::node node;
  std::vector<drt::registration> registrations;  // parallel to keys; reset = revoked
  std::vector<drt::key> keys;
  std::set<drt::key> leafset;                    // remote keys, from LEAFSET_KEY_CHANGED events
  std::optional<DRT_STATUS> status;              // the last STATUS_CHANGED
  std::size_t events = 0;
  std::size_t leafset_changes = 0;
};

// Opens a node on [::1] (seed: the first node's port, or none for the first node). local_cert is
// used with derived_key only (empty: resolve-only). Throws drt::error when the library refuses.
[[nodiscard]] member open_member(security_kind security, DRT_SECURITY_MODE mode, const std::vector<std::uint8_t>& root,
                                 const std::vector<std::uint8_t>& local_cert, std::optional<std::uint16_t> seed);

// Takes every queued event into m.status / m.leafset.
void drain_events(member& m);

// Drains every node's events until no leaf set has changed for `quiet` (or `limit` passes): a
// cloud that just formed still fills its leaf sets for a moment (the engine checks a changed
// leaf set for gaps 1 s later). Returns how long it waited.
std::chrono::milliseconds settle_leaf_sets(std::vector<member>& nodes, std::chrono::milliseconds quiet,
                                           std::chrono::milliseconds limit);

// Drains events until m.status == wanted or the limit passes; true when reached.
bool wait_status(member& m, DRT_STATUS wanted, std::chrono::milliseconds limit);

struct search_outcome {
  drt::search::state end = drt::search::state::in_progress;
  std::vector<drt::search_result> results;
  double first_ms = 0;  // time to the first result (0 when none)
  double done_ms = 0;   // time to the end
  std::vector<DRT_ADDRESS> path;
};

// Runs one search to its end (complete, timed out, or the limit).
[[nodiscard]] search_outcome run_search(drt::node& n, const drt::key& target, const drt::search_options& options,
                                        std::chrono::milliseconds limit);

[[nodiscard]] std::uint16_t port_of(const sockaddr_storage& ss);

}  // namespace drt::tool::demo
