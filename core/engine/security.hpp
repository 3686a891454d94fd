// core/engine: the security provider as the engine calls it (protocol.md §5.2), with byte
// spans in and owned byte vectors out, so an adapter over the C DRT_SECURITY_PROVIDER table is a
// thin copy layer. Calls are synchronous. Implementations are used by one engine at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "drt/drt_errors.h"
#include "engine/endpoint.hpp"
#include "engine/key_math.hpp"
#include "engine/message.hpp"

namespace drt::engine {

using byte_span = std::span<const std::uint8_t>;

struct packed_payload {
  bytes cpa;              // pSecuredAddressPayload
  bytes classifier;       // pClassifier (even length, or empty)
  bytes secured_payload;  // pSecuredPayload
  bytes cert_chain;       // pCertChain
};

struct unpacked_payload {
  std::uint8_t version_major = 0;
  std::uint8_t version_minor = 0;
  key256 key;
  bytes payload;
  std::uint32_t flags = 0;          // DRT_PAYLOAD_REVOKED
  std::vector<endpoint> addresses;  // zone 0: the engine applies zones
};

class security_provider {
 public:
  virtual ~security_provider() = default;
  [[nodiscard]] virtual HRESULT register_key(const key256& key, void* key_context) = 0;
  [[nodiscard]] virtual HRESULT unregister_key(const key256& key, void* key_context) = 0;
  // payload == nullptr: none given. nonce empty: none (16 zero bytes in the CPA).
  [[nodiscard]] virtual HRESULT secure_and_pack_payload(void* key_context, std::uint8_t major, std::uint8_t minor,
                                                        std::uint32_t flags, const key256& key,
                                                        const bytes* payload, std::span<const endpoint> addresses,
                                                        byte_span nonce, packed_payload& out) = 0;
  // secured_payload == nullptr: none given (PayloadHash not checked).
  [[nodiscard]] virtual HRESULT validate_and_unpack_payload(byte_span cpa, byte_span cert_chain, byte_span classifier,
                                                            byte_span nonce, const bytes* secured_payload,
                                                            unpacked_payload& out) = 0;
  [[nodiscard]] virtual HRESULT get_serialized_credential(bytes& credential) = 0;
  [[nodiscard]] virtual HRESULT validate_remote_credential(byte_span credential) = 0;
  [[nodiscard]] virtual HRESULT sign_data(std::span<const byte_span> buffers, bytes& key_identifier, bytes& signature) = 0;
  [[nodiscard]] virtual HRESULT verify_data(std::span<const byte_span> buffers, byte_span remote_credential,
                                            byte_span key_identifier, byte_span signature) = 0;
  [[nodiscard]] virtual HRESULT encrypt_data(byte_span remote_credential, std::span<const byte_span> buffers,
                                             std::vector<bytes>& encrypted, bytes& keytoken) = 0;
  // Decrypts each buffer in place.
  [[nodiscard]] virtual HRESULT decrypt_data(byte_span keytoken, void* key_context, std::vector<bytes>& buffers) = 0;
};

// The built-in null provider (protocol.md §5.7, docs/security.md): CPA profile 0x4F/0x00, byte
// for byte the format of plugins/security-openssl's null provider. Stateless: thread-safe.
class null_security final : public security_provider {
 public:
  HRESULT register_key(const key256&, void*) override { return S_OK; }
  HRESULT unregister_key(const key256&, void*) override { return S_OK; }
  HRESULT secure_and_pack_payload(void* key_context, std::uint8_t major, std::uint8_t minor, std::uint32_t flags,
                                  const key256& key, const bytes* payload, std::span<const endpoint> addresses,
                                  byte_span nonce, packed_payload& out) override;
  HRESULT validate_and_unpack_payload(byte_span cpa, byte_span cert_chain, byte_span classifier, byte_span nonce,
                                      const bytes* secured_payload, unpacked_payload& out) override;
  HRESULT get_serialized_credential(bytes& credential) override { credential.clear(); return S_OK; }
  HRESULT validate_remote_credential(byte_span) override { return S_OK; }
  HRESULT sign_data(std::span<const byte_span>, bytes& key_identifier, bytes& signature) override {
    key_identifier.clear();
    signature.clear();
    return S_OK;
  }
  HRESULT verify_data(std::span<const byte_span>, byte_span, byte_span, byte_span) override { return S_OK; }
  HRESULT encrypt_data(byte_span, std::span<const byte_span> buffers, std::vector<bytes>& encrypted,
                       bytes& keytoken) override;
  HRESULT decrypt_data(byte_span keytoken, void*, std::vector<bytes>&) override {
    return keytoken.empty() ? S_OK : DRT_E_INVALID_MESSAGE;
  }
};

}  // namespace drt::engine
