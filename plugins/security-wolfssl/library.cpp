// The library reference count and the key objects (wc_types.hpp).
#include "wc_types.hpp"

#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include <mutex>
#include <new>

namespace drt::plugins::wolfssl {
namespace {

// The plugin's one piece of global mutable state. wolfSSL 5.5.4 keeps its init count itself,
// but tests and updates it without a lock the first time (wolfSSL_Init checks initRefCount == 0
// and then initialises its count mutex), so two provider objects created at once on two
// threads could both initialise the library. Every Init/Cleanup of this plugin goes through
// this mutex; constinit, so it needs no dynamic initialisation and survives any unload order.
constinit std::mutex init_mutex;

}  // namespace

void own_thread_ecc_cache() noexcept {
  struct cache_owner {
    ~cache_owner() { wc_ecc_fp_free(); }  // thread-local in this build: no lock, no init needed
  };
  thread_local cache_owner owner;
  (void)owner;
}

library_ref::library_ref() noexcept {
  std::lock_guard lock(init_mutex);
  ok_ = wolfSSL_Init() == WOLFSSL_SUCCESS;
}

library_ref::~library_ref() {
  if (!ok_) return;
  std::lock_guard lock(init_mutex);
  wolfSSL_Cleanup();
}

rsa_ptr new_rsa_key() {
  auto* k = new (std::nothrow) RsaKey;
  if (k == nullptr) return nullptr;
  if (wc_InitRsaKey(k, nullptr) != 0) {
    delete k;
    return nullptr;
  }
  return rsa_ptr(k);
}

ecc_ptr new_ecc_key() {
  auto* k = new (std::nothrow) ecc_key;
  if (k == nullptr) return nullptr;
  if (wc_ecc_init(k) != 0) {
    delete k;
    return nullptr;
  }
  return ecc_ptr(k);
}

namespace {

constexpr std::uint8_t oid_rsa_encryption[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01};
constexpr std::uint8_t oid_ec_public_key[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};

// Fills bits and public_id of an RSA key.
[[nodiscard]] bool finish_rsa(pkey& k) {
  std::uint8_t n[4096 / 8 * 2];
  std::uint8_t e[16];
  word32 n_size = sizeof n;
  word32 e_size = sizeof e;
  if (wc_RsaFlattenPublicKey(k.rsa.get(), e, &e_size, n, &n_size) != 0 || n_size == 0) return false;
  std::size_t skip = 0;
  while (skip < n_size && n[skip] == 0) ++skip;
  if (skip == n_size) return false;
  int top = 0;
  for (std::uint8_t b = n[skip]; b != 0; b >>= 1) ++top;
  k.bits = static_cast<int>((n_size - skip - 1) * 8) + top;
  k.public_id.assign(n + skip, n + n_size);
  k.public_id.push_back(0xFF);  // separator: n and e cannot run into each other
  k.public_id.insert(k.public_id.end(), e, e + e_size);
  return true;
}

// Fills bits, curve_id and public_id (the uncompressed point) of an EC key.
[[nodiscard]] bool finish_ec(pkey& k) {
  if (k.ec->dp == nullptr) return false;
  k.curve_id = k.ec->dp->id;
  k.bits = k.ec->dp->size * 8;
  std::uint8_t point[1 + 2 * MAX_ECC_BYTES];
  word32 size = sizeof point;
  if (wc_ecc_export_x963(k.ec.get(), point, &size) != 0) return false;
  k.public_id.assign(point, point + size);
  return true;
}

// The AlgorithmIdentifier OID of a SubjectPublicKeyInfo, or an empty span.
[[nodiscard]] std::span<const std::uint8_t> spki_algorithm(std::span<const std::uint8_t> spki) {
  // 30 L { 30 L { 06 L oid ... } ... }
  auto skip_header = [](std::span<const std::uint8_t>& s, std::uint8_t tag) -> bool {
    if (s.size() < 2 || s[0] != tag) return false;
    std::size_t h = 2;
    if (s[1] & 0x80) h += s[1] & 0x7F;
    if (s.size() < h) return false;
    s = s.subspan(h);
    return true;
  };
  std::span<const std::uint8_t> s = spki;
  if (!skip_header(s, 0x30) || !skip_header(s, 0x30)) return {};
  if (s.size() < 2 || s[0] != 0x06 || s[1] > s.size() - 2) return {};
  return s.subspan(2, s[1]);
}

template <std::size_t N>
[[nodiscard]] bool is_oid(std::span<const std::uint8_t> oid, const std::uint8_t (&want)[N]) {
  return oid.size() == N && std::equal(oid.begin(), oid.end(), want);
}

}  // namespace

pkey_ptr public_key_from_spki(std::span<const std::uint8_t> spki) {
  const auto oid = spki_algorithm(spki);
  auto k = std::make_shared<pkey>();
  word32 index = 0;
  if (is_oid(oid, oid_rsa_encryption)) {
    k->type = pkey::family::rsa;
    k->rsa = new_rsa_key();
    if (!k->rsa) throw std::bad_alloc();
    if (wc_RsaPublicKeyDecode(spki.data(), &index, k->rsa.get(), static_cast<word32>(spki.size())) != 0 ||
        index != spki.size() || !finish_rsa(*k)) {
      return nullptr;
    }
    return k;
  }
  if (is_oid(oid, oid_ec_public_key)) {
    k->type = pkey::family::ec;
    k->ec = new_ecc_key();
    if (!k->ec) throw std::bad_alloc();
    if (wc_EccPublicKeyDecode(spki.data(), &index, k->ec.get(), static_cast<word32>(spki.size())) != 0 ||
        index != spki.size() || !finish_ec(*k)) {
      return nullptr;
    }
    return k;
  }
  return nullptr;
}

pkey_ptr private_key_from_der(std::span<const std::uint8_t> der, private_key_form form) {
  if (der.empty() || der.size() > 0xFFFFFFu) return nullptr;
  std::vector<std::uint8_t> copy(der.begin(), der.end());
  struct wipe_copy {
    std::vector<std::uint8_t>& v;
    ~wipe_copy() { wipe(v.data(), v.size()); }
  } wiper{copy};
  // PKCS#8 PrivateKeyInfo: skip to the traditional key inside; otherwise the input is one.
  word32 start = 0;
  word32 length = static_cast<word32>(copy.size());
  if (form == private_key_form::any) {
    word32 offset = 0;
    const int inner = wc_GetPkcs8TraditionalOffset(copy.data(), &offset, length);
    if (inner > 0 && offset + static_cast<word32>(inner) <= length) {
      start = offset;
      length = offset + static_cast<word32>(inner);
    }
  }
  auto k = std::make_shared<pkey>();
  k->has_private = true;
  if (form != private_key_form::ec) {
    k->type = pkey::family::rsa;
    k->rsa = new_rsa_key();
    if (!k->rsa) throw std::bad_alloc();
    word32 index = start;
    if (wc_RsaPrivateKeyDecode(copy.data(), &index, k->rsa.get(), length) == 0 && index == length &&
        finish_rsa(*k)) {
      return k;
    }
    k->rsa.reset();
  }
  if (form != private_key_form::rsa) {
    k->type = pkey::family::ec;
    k->ec = new_ecc_key();
    if (!k->ec) throw std::bad_alloc();
    word32 index = start;
    if (wc_EccPrivateKeyDecode(copy.data(), &index, k->ec.get(), length) != 0 || index != length) {
      return nullptr;
    }
    // SEC1 without its optional publicKey: compute the point from the scalar.
    own_thread_ecc_cache();
    if (k->ec->type == ECC_PRIVATEKEY_ONLY && wc_ecc_make_pub(k->ec.get(), nullptr) != 0) return nullptr;
    if (!finish_ec(*k)) return nullptr;
    return k;
  }
  return nullptr;
}

}  // namespace drt::plugins::wolfssl
