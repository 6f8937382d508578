#pragma once
/// Modelled crypto for large simulations: signatures with the sizes of the real ones, checked by
/// a cheap keyed mix instead of curve arithmetic. The simulator charges modelled CPU time per
/// verification (counted in the crypto_meter) instead of spending it.
///
/// NOT SECURE: anyone who knows a public key can compute its modelled signatures. It detects what
/// the simulator's Byzantine behaviours do (garbage, wrong signer, wrong digest), because those are
/// written as an attacker without the secret key would write them.

#include "runtime/crypto/signature_scheme.hpp"

namespace bystack::crypto {

/// Returns the modelled single-signature scheme (64-byte signatures, like Ed25519). The public
/// key for a seed is sha3_256(seed); word j of the signature of digest d is
/// mix64(pk64 ^ mix64(d64 + j)), where pk64 and d64 are the first 8 bytes (little-endian) of the
/// key and the digest. Only those 8 + 8 bytes matter.
const signature_scheme& modelled_scheme();

/// Returns a certificate scheme whose certificates carry one constant-size aggregate signature
/// of `aggregate_size` bytes (48 for a BLS12-381 G1 signature, 64 for MuSig), modelled: bytes
/// 0-7 hold the XOR of the signers' first signature words, bytes 8-15 the signer count, the rest
/// is zero. Merging requires disjoint signers. Throws std::invalid_argument if aggregate_size < 16.
std::unique_ptr<certificate_scheme> make_modelled_aggregate_scheme(std::size_t aggregate_size = 48);

} // namespace bystack::crypto
