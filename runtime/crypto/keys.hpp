#pragma once
/// Ed25519 key pairs, signatures and key files.
///
/// Key file format: a text file holding exactly 64 hex characters (upper or lower case), the
/// 32-byte secret seed, optionally followed by a single newline ("\n"); nothing else, no
/// comment, no surrounding whitespace. The public key is derived from the seed (RFC 8032), so it
/// is not stored. save() writes lower-case hex plus a newline with mode 0600 and never overwrites.
/// load() refuses a file that group or other may access (mode & 077 != 0), like ssh does with
/// private keys; fix it with `chmod 600 <file>`.
///
/// Backends: key pairs sign with Botan 2; verify_ed25519() applies libsodium's rule (see
/// docs/crypto.md for the measurements and the differences between the two verifiers).

#include "runtime/base/bytes.hpp"
#include "runtime/base/result.hpp"
#include "runtime/crypto/hash.hpp"

#include <array>
#include <filesystem>
#include <memory>

namespace bystack::crypto {

using public_key = std::array<std::uint8_t, 32>;
using secret_seed = std::array<std::uint8_t, 32>;
using ed25519_signature = std::array<std::uint8_t, 64>;

/// Derives the node identity (SHA3-256 of the public key).
hash256 node_id_of(const public_key& pk);

/// Holds an Ed25519 key pair (Botan 2 backend).
class key_pair {
public:
  /// Generates a fresh key pair from the operating system's randomness (Botan AutoSeeded_RNG;
  /// throws only if the system has no randomness source at all).
  static key_pair generate();
  /// Derives a key pair deterministically from a 32-byte seed (simulation, tests).
  static key_pair from_seed(const secret_seed& seed);
  /// Loads a key file written by save(); the error names the file and what is wrong with it.
  static result<key_pair> load(const std::filesystem::path& file);

  key_pair(key_pair&&) noexcept;
  key_pair& operator=(key_pair&&) noexcept;
  ~key_pair();

  const public_key& pub() const noexcept { return pub_; }
  const secret_seed& seed() const noexcept { return seed_; }
  ed25519_signature sign(byte_view message) const;
  /// Writes the key file with mode 0600 (refuses to overwrite an existing file).
  result<void> save(const std::filesystem::path& file) const;

private:
  key_pair(const secret_seed& seed);
  struct impl;
  std::unique_ptr<impl> impl_;
  secret_seed seed_{};
  public_key pub_{};
};

/// Verifies an Ed25519 signature with the default backend (libsodium); false for a malformed
/// key or signature, never throws.
bool verify_ed25519(const public_key& pk, byte_view message, byte_view signature);

/// Verifies with Botan 2. Accepts a non-canonical S (S + L) and small-order points, which
/// libsodium rejects; nodes of one network must not mix the two verifiers.
bool verify_ed25519_botan(const public_key& pk, byte_view message, byte_view signature);

/// Verifies with libsodium: rejects a non-canonical S, a non-canonical or small-order public key
/// and a small-order R (no signature malleability).
bool verify_ed25519_sodium(const public_key& pk, byte_view message, byte_view signature);

} // namespace bystack::crypto
