#include "certgen.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace drt::certgen {
namespace {

[[noreturn]] void fail(const std::string& what) {
  const unsigned long e = ERR_get_error();
  char reason[256] = "";
  if (e != 0) ERR_error_string_n(e, reason, sizeof reason);
  ERR_clear_error();
  throw std::runtime_error(e != 0 ? what + ": " + reason : what);
}

void check(int ok, const char* what) {
  if (ok != 1) fail(what);
}

struct bio_free {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) fail(std::string("extension ") + OBJ_nid2sn(nid));
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  check(ok, "X509_add_ext");
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::int64_t now_unix() { return static_cast<std::int64_t>(std::time(nullptr)); }

pkey_ptr generate_key(const key_spec& spec) {
  EVP_PKEY* key = spec.type == key_type::ec
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(spec.rsa_bits));
  if (key == nullptr) fail("key generation");
  return pkey_ptr(key);
}

identity issue(const cert_spec& spec, pkey_ptr key, const identity* issuer) {
  x509_ptr cert(X509_new());
  if (!cert) fail("X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");
  unsigned char serial[16];
  check(RAND_bytes(serial, sizeof serial), "RAND_bytes");
  serial[0] &= 0x7F;  // positive
  serial[0] |= 0x01;  // and 16 bytes long
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (bn == nullptr || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) == nullptr) {
    BN_free(bn);
    fail("serial number");
  }
  BN_free(bn);
  const std::int64_t not_before = spec.not_before != 0 ? spec.not_before : now_unix() - 3600;
  const std::int64_t not_after = spec.not_after != 0 ? spec.not_after : not_before + 365LL * 86400;
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after)) == nullptr) {
    fail("validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                   -1, -1, 0),
        "subject name");
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert.get();
  EVP_PKEY* issuer_key = issuer != nullptr ? issuer->key.get() : key.get();
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert)), "issuer name");
  check(X509_set_pubkey(cert.get(), key.get()), "X509_set_pubkey");
  add_extension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_extension(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (spec.is_ca) {
    add_extension(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    if (spec.key_usage) {
      add_extension(cert.get(), issuer_cert, NID_key_usage,
                    EVP_PKEY_is_a(key.get(), "RSA") ? "critical,digitalSignature,keyEncipherment"
                                                    : "critical,digitalSignature,keyAgreement");
    }
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) fail("X509_sign");
  return identity{std::move(key), std::move(cert)};
}

std::string cert_pem(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  return bio_text(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  return bio_text(bio.get());
}

std::vector<std::uint8_t> cert_der(X509* cert) {
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert, &der);
  if (n <= 0) fail("i2d_X509");
  std::vector<std::uint8_t> out(der, der + n);
  OPENSSL_free(der);
  return out;
}

std::vector<std::uint8_t> key_der(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(i2d_PKCS8PrivateKey_bio(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "i2d_PKCS8PrivateKey_bio");
  const std::string s = bio_text(bio.get());
  return {s.begin(), s.end()};
}

std::array<std::uint8_t, 32> derived_key_wire(X509* cert) {
  unsigned char* der = nullptr;
  const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (n <= 0) fail("i2d_X509_PUBKEY");
  std::array<std::uint8_t, 32> digest{};
  unsigned int written = 0;
  const int ok = EVP_Digest(der, static_cast<std::size_t>(n), digest.data(), &written, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  check(ok, "SHA-256");
  return digest;
}

std::string to_hex(const std::uint8_t* bytes, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0x0F];
  }
  return out;
}

void write_identity(const identity& id, const std::filesystem::path& dir, const std::string& base) {
  std::filesystem::create_directories(dir);
  const auto cert_path = dir / (base + ".pem");
  const auto key_path = dir / (base + ".key");
  {
    std::ofstream out(cert_path, std::ios::binary | std::ios::trunc);
    out << cert_pem(id.cert.get());
    if (!out) throw std::runtime_error("cannot write " + cert_path.string());
  }
  const std::string key_text = key_pem(id.key.get());
  {
    // Created 0600 before any secret byte is written.
    std::ofstream create(key_path, std::ios::binary | std::ios::trunc);
    if (!create) throw std::runtime_error("cannot write " + key_path.string());
  }
  std::filesystem::permissions(key_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  std::ofstream out(key_path, std::ios::binary | std::ios::trunc);
  out << key_text;
  if (!out) throw std::runtime_error("cannot write " + key_path.string());
}

identity read_identity(const std::filesystem::path& dir, const std::string& base) {
  const std::string cert_text = read_text(dir / (base + ".pem"));
  const std::string key_text = read_text(dir / (base + ".key"));
  bio_ptr cert_bio(BIO_new_mem_buf(cert_text.data(), static_cast<int>(cert_text.size())));
  bio_ptr key_bio(BIO_new_mem_buf(key_text.data(), static_cast<int>(key_text.size())));
  if (!cert_bio || !key_bio) fail("BIO_new_mem_buf");
  x509_ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) fail((dir / (base + ".pem")).string() + " holds no PEM certificate");
  pkey_ptr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) fail((dir / (base + ".key")).string() + " holds no PEM private key");
  if (EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key.get()) != 1) {
    throw std::runtime_error((dir / (base + ".key")).string() + " does not match " +
                             (dir / (base + ".pem")).string());
  }
  return identity{std::move(key), std::move(cert)};
}

}  // namespace drt::certgen
