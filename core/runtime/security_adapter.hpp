// core/runtime: the engine's security interface (engine/security.hpp) over a provider's C table
// (DRT_SECURITY_PROVIDER, spec/api.md §4.5). Copies in and out, releases every provider buffer
// with the provider's own FreeData, and marks each call as a provider callback of the instance
// (callback_scope) so that re-entrant API calls are refused instead of deadlocking.
//
// Thread-safety: used only on its instance's strand, like the engine that calls it.
#pragma once

#include "engine/security.hpp"

#include <drt/drt.h>

#include <functional>

namespace drt::runtime {

class security_adapter final : public engine::security_provider {
 public:
  // `on_callback(true)` runs before and `on_callback(false)` after each provider call, so the
  // owner can mark the thread as inside a provider callback (core::callback_scope).
  explicit security_adapter(const DRT_SECURITY_PROVIDER& table, std::function<void(bool)> on_callback = {})
      : table_(table), on_callback_(std::move(on_callback)) {}

  HRESULT register_key(const engine::key256& key, void* key_context) override;
  HRESULT unregister_key(const engine::key256& key, void* key_context) override;
  HRESULT secure_and_pack_payload(void* key_context, std::uint8_t major, std::uint8_t minor, std::uint32_t flags,
                                  const engine::key256& key, const engine::bytes* payload,
                                  std::span<const engine::endpoint> addresses, engine::byte_span nonce,
                                  engine::packed_payload& out) override;
  HRESULT validate_and_unpack_payload(engine::byte_span cpa, engine::byte_span cert_chain,
                                      engine::byte_span classifier, engine::byte_span nonce,
                                      const engine::bytes* secured_payload, engine::unpacked_payload& out) override;
  HRESULT get_serialized_credential(engine::bytes& credential) override;
  HRESULT validate_remote_credential(engine::byte_span credential) override;
  HRESULT sign_data(std::span<const engine::byte_span> buffers, engine::bytes& key_identifier,
                    engine::bytes& signature) override;
  HRESULT verify_data(std::span<const engine::byte_span> buffers, engine::byte_span remote_credential,
                      engine::byte_span key_identifier, engine::byte_span signature) override;
  HRESULT encrypt_data(engine::byte_span remote_credential, std::span<const engine::byte_span> buffers,
                       std::vector<engine::bytes>& encrypted, engine::bytes& keytoken) override;
  HRESULT decrypt_data(engine::byte_span keytoken, void* key_context, std::vector<engine::bytes>& buffers) override;

 private:
  class call;  // RAII: callback marking around one provider call
  engine::bytes take(DRT_DATA& d);  // copy out and FreeData

  DRT_SECURITY_PROVIDER table_;
  std::function<void(bool)> on_callback_;  // true on entry, false on exit
};

}  // namespace drt::runtime
