// RAII owners for OpenSSL 3 objects: std::unique_ptr with the matching *_free as deleter, so no
// OpenSSL object is released by hand anywhere in the plugin.
#pragma once

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <memory>

namespace drt::plugins::openssl {

template <auto Free>
struct ossl_deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, ossl_deleter<EVP_PKEY_free>>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, ossl_deleter<EVP_PKEY_CTX_free>>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, ossl_deleter<EVP_MD_CTX_free>>;
using md_ptr = std::unique_ptr<EVP_MD, ossl_deleter<EVP_MD_free>>;
using cipher_ptr = std::unique_ptr<EVP_CIPHER, ossl_deleter<EVP_CIPHER_free>>;
using cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, ossl_deleter<EVP_CIPHER_CTX_free>>;
using kdf_ptr = std::unique_ptr<EVP_KDF, ossl_deleter<EVP_KDF_free>>;
using kdf_ctx_ptr = std::unique_ptr<EVP_KDF_CTX, ossl_deleter<EVP_KDF_CTX_free>>;
using x509_ptr = std::unique_ptr<X509, ossl_deleter<X509_free>>;
using x509_store_ptr = std::unique_ptr<X509_STORE, ossl_deleter<X509_STORE_free>>;
using x509_store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, ossl_deleter<X509_STORE_CTX_free>>;
using pkcs7_ptr = std::unique_ptr<PKCS7, ossl_deleter<PKCS7_free>>;
using bio_ptr = std::unique_ptr<BIO, ossl_deleter<BIO_free>>;

inline void free_x509_stack(STACK_OF(X509) * s) noexcept { sk_X509_pop_free(s, X509_free); }
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), ossl_deleter<free_x509_stack>>;

// A new reference to an object another owner keeps.
[[nodiscard]] inline x509_ptr share(X509* x) noexcept {
  if (x != nullptr && X509_up_ref(x) != 1) return nullptr;
  return x509_ptr(x);
}
[[nodiscard]] inline pkey_ptr share(EVP_PKEY* k) noexcept {
  if (k != nullptr && EVP_PKEY_up_ref(k) != 1) return nullptr;
  return pkey_ptr(k);
}

}  // namespace drt::plugins::openssl
