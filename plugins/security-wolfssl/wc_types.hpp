// RAII owners for the wolfCrypt objects the plugin uses (WC_RNG, RsaKey, ecc_key, Aes), the key
// and certificate types of this plugin, and two byte helpers (wipe, constant-time compare).
// wolfssl/options.h is force-included by the build before any wolfSSL header (CMakeLists.txt).
#pragma once

#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace drt::plugins::wolfssl {

// Overwrites bytes that held key material; the volatile store is not optimised away.
inline void wipe(void* p, std::size_t n) noexcept {
  auto* v = static_cast<volatile std::uint8_t*>(p);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0;
}

// Equal sizes and equal bytes, in time independent of where they differ.
[[nodiscard]] inline bool ct_equal(std::span<const std::uint8_t> a,
                                   std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

// One reference on the library's init count: wolfSSL_Init on construction, wolfSSL_Cleanup on
// destruction (library.cpp). wolfSSL counts the references itself; the plugin only serialises
// the calls (library.cpp says why). Every derived-key provider object and every DeriveKey call
// holds one while it uses wolfCrypt. libwolfssl is not linked NODELETE, so the pairing matters
// when the plugin is unloaded.
class library_ref {
 public:
  library_ref() noexcept;
  ~library_ref();
  library_ref(const library_ref&) = delete;
  library_ref& operator=(const library_ref&) = delete;
  [[nodiscard]] bool ok() const noexcept { return ok_; }

 private:
  bool ok_ = false;
};

// A DRBG; wolfCrypt's WC_RNG is not thread-safe, so every use holds the mutex.
class rng {
 public:
  rng() noexcept { ok_ = wc_InitRng(&rng_) == 0; }
  ~rng() {
    if (ok_) wc_FreeRng(&rng_);
  }
  rng(const rng&) = delete;
  rng& operator=(const rng&) = delete;
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  // Runs f(WC_RNG*) under the lock and returns its result.
  template <class F>
  auto with(F&& f) {
    std::lock_guard lock(mutex_);
    return f(&rng_);
  }

 private:
  std::mutex mutex_;
  WC_RNG rng_{};
  bool ok_ = false;
};

// Debian's wolfSSL is built with FP_ECC and HAVE_THREAD_LS: every thread that signs, verifies
// or derives keeps a thread-local cache of precomputed tables (about 0.8 MB per point used)
// that only wc_ecc_fp_free() on that same thread releases; wolfCrypt_Cleanup frees the
// cleaning thread's only. Each ECC operation calls this first: a thread_local owner, created
// once per thread, frees the thread's cache when the thread exits. (Freeing it after every
// operation instead made O2 operations 10-40x slower: the tables are rebuilt on every use.)
// glibc keeps the plugin mapped after dlclose until such threads have exited.
void own_thread_ecc_cache() noexcept;

struct rsa_deleter {
  void operator()(RsaKey* k) const noexcept {
    wc_FreeRsaKey(k);
    delete k;
  }
};
struct ecc_deleter {
  void operator()(ecc_key* k) const noexcept {
    wc_ecc_free(k);
    delete k;
  }
};
using rsa_ptr = std::unique_ptr<RsaKey, rsa_deleter>;
using ecc_ptr = std::unique_ptr<ecc_key, ecc_deleter>;

// A fresh, initialised key object, or null.
[[nodiscard]] rsa_ptr new_rsa_key();
[[nodiscard]] ecc_ptr new_ecc_key();

// An initialised Aes context, freed on scope exit.
class aes_context {
 public:
  aes_context() noexcept { ok_ = wc_AesInit(&aes_, nullptr, INVALID_DEVID) == 0; }
  ~aes_context() {
    if (ok_) wc_AesFree(&aes_);
    wipe(&aes_, sizeof aes_);
  }
  aes_context(const aes_context&) = delete;
  aes_context& operator=(const aes_context&) = delete;
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] Aes* get() noexcept { return &aes_; }

 private:
  Aes aes_{};
  bool ok_ = false;
};

// A public or private key of one of the two families the profiles use. wolfCrypt key objects
// are not const-correct (RSA blinding, cached values), so each operation locks `mutex`.
struct pkey {
  enum class family { rsa, ec };
  family type = family::rsa;
  rsa_ptr rsa;
  ecc_ptr ec;
  bool has_private = false;
  int bits = 0;            // RSA modulus bits; EC field bits
  int curve_id = 0;        // ECC_SECP256R1 etc. for EC
  std::vector<std::uint8_t> public_id;  // RSA n ‖ e, EC the uncompressed point: for equality
  std::mutex mutex;
};
using pkey_ptr = std::shared_ptr<pkey>;

// A public key from a DER SubjectPublicKeyInfo (RSA or EC); null for other algorithms or bad
// input. A private key from DER PKCS#8, PKCS#1 RSAPrivateKey or SEC1 ECPrivateKey (which:
// any, rsa or ec); null if it does not parse or leaves bytes over.
enum class private_key_form { any, rsa, ec };
[[nodiscard]] pkey_ptr public_key_from_spki(std::span<const std::uint8_t> spki);
[[nodiscard]] pkey_ptr private_key_from_der(std::span<const std::uint8_t> der, private_key_form form);

// A certificate, parsed once (credential.cpp). Immutable after parsing, so it is shared freely.
struct cert {
  std::vector<std::uint8_t> der;
  std::vector<std::uint8_t> tbs;         // the signed TBSCertificate, whole TLV
  std::vector<std::uint8_t> signature;   // BIT STRING contents without the unused-bits byte
  std::vector<std::uint8_t> issuer;      // Name, whole TLV
  std::vector<std::uint8_t> subject;
  std::vector<std::uint8_t> spki;        // SubjectPublicKeyInfo, whole TLV
  std::vector<std::uint8_t> public_key_bits;  // its BIT STRING contents without the unused byte
  std::uint32_t signature_oid = 0;       // wolfSSL OID sum (CTC_SHA256wRSA, ...)
  bool is_ca = false;
  bool key_usage_set = false;
  std::uint16_t key_usage = 0;           // KEYUSE_* bits
  std::int64_t not_before = 0;           // Unix seconds
  std::int64_t not_after = 0;
  pkey_ptr key;                          // null if neither RSA nor EC
};
using x509_ptr = std::shared_ptr<const cert>;

}  // namespace drt::plugins::wolfssl
