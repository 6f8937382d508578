// Ed25519 verification and the two signature-scheme backends (Botan 2 and libsodium). Both
// implement RFC 8032, so signatures are byte-identical; the verifiers differ on edge cases
// (see keys.hpp and docs/crypto.md).

#include "runtime/crypto/keys.hpp"
#include "runtime/crypto/signature_scheme.hpp"

#include <botan/ed25519.h>
#include <botan/mem_ops.h>
#include <botan/pubkey.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace bystack::crypto {

namespace {

constexpr std::size_t ed25519_signature_bytes = 64;

static_assert(crypto_sign_PUBLICKEYBYTES == sizeof(public_key));
static_assert(crypto_sign_SEEDBYTES == sizeof(secret_seed));
static_assert(crypto_sign_BYTES == ed25519_signature_bytes);

/// Initialises libsodium once per process; every libsodium entry point below calls it first.
void ensure_sodium() {
  static const bool initialised = [] {
    if (sodium_init() < 0) {
      // Without libsodium there is no verifier at all; continuing would accept nothing.
      std::fputs("bystack: libsodium failed to initialise\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)initialised;
}

class botan_signer final : public signer {
public:
  explicit botan_signer(const secret_seed& seed) : keys_(key_pair::from_seed(seed)) {}
  const public_key& pub() const noexcept override { return keys_.pub(); }
  bytes sign(const hash256& digest) const override {
    auto sig = keys_.sign(digest.view());
    return bytes(sig.begin(), sig.end());
  }

private:
  key_pair keys_; // caches the Botan key object
};

class botan_scheme final : public signature_scheme {
public:
  std::string_view name() const noexcept override { return "ed25519-botan"; }
  std::size_t signature_size() const noexcept override { return ed25519_signature_bytes; }
  std::unique_ptr<signer> make_signer(const secret_seed& seed) const override {
    return std::make_unique<botan_signer>(seed);
  }
  bool verify(const public_key& pk, const hash256& digest, byte_view sig,
              crypto_meter& meter) const override {
    if (sig.size() != ed25519_signature_bytes) return false;
    ++meter.verifies;
    return verify_ed25519_botan(pk, digest.view(), sig);
  }
};

class sodium_signer final : public signer {
public:
  explicit sodium_signer(const secret_seed& seed) {
    ensure_sodium();
    crypto_sign_seed_keypair(pub_.data(), secret_.data(), seed.data());
  }
  ~sodium_signer() override { sodium_memzero(secret_.data(), secret_.size()); }
  sodium_signer(const sodium_signer&) = delete;
  sodium_signer& operator=(const sodium_signer&) = delete;

  const public_key& pub() const noexcept override { return pub_; }
  bytes sign(const hash256& digest) const override {
    bytes sig(ed25519_signature_bytes);
    crypto_sign_detached(sig.data(), nullptr, digest.data.data(), digest.data.size(),
                         secret_.data());
    return sig;
  }

private:
  public_key pub_{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> secret_{}; // seed || public key
};

class sodium_scheme final : public signature_scheme {
public:
  sodium_scheme() { ensure_sodium(); }
  std::string_view name() const noexcept override { return "ed25519-sodium"; }
  std::size_t signature_size() const noexcept override { return ed25519_signature_bytes; }
  std::unique_ptr<signer> make_signer(const secret_seed& seed) const override {
    return std::make_unique<sodium_signer>(seed);
  }
  bool verify(const public_key& pk, const hash256& digest, byte_view sig,
              crypto_meter& meter) const override {
    if (sig.size() != ed25519_signature_bytes) return false;
    ++meter.verifies;
    return verify_ed25519_sodium(pk, digest.view(), sig);
  }
};

} // namespace

bool verify_ed25519_botan(const public_key& pk, byte_view message, byte_view signature) {
  if (signature.size() != ed25519_signature_bytes) return false;
  try {
    Botan::Ed25519_PublicKey key(pk.data(), pk.size());
    Botan::PK_Verifier verifier(key, "Pure");
    return verifier.verify_message(message.data(), message.size(), signature.data(),
                                   signature.size());
  } catch (const std::exception&) {
    return false; // Botan reports some malformed inputs by throwing; to a caller it is "invalid"
  }
}

bool verify_ed25519_sodium(const public_key& pk, byte_view message, byte_view signature) {
  if (signature.size() != ed25519_signature_bytes) return false;
  ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), pk.data()) ==
         0;
}

bool verify_ed25519(const public_key& pk, byte_view message, byte_view signature) {
  return verify_ed25519_sodium(pk, message, signature);
}

const signature_scheme& ed25519_botan_scheme() {
  static const botan_scheme scheme;
  return scheme;
}

const signature_scheme& ed25519_sodium_scheme() {
  static const sodium_scheme scheme;
  return scheme;
}

const signature_scheme& ed25519_scheme() {
  return ed25519_sodium_scheme();
}

} // namespace bystack::crypto
