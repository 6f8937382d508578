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

/// Returns the modelled single-signature scheme (64-byte signatures, like Ed25519).
const signature_scheme& modelled_scheme();

/// Returns a certificate scheme whose certificates carry one constant-size aggregate signature
/// of `aggregate_size` bytes (48 for a BLS12-381 G1 signature, 64 for MuSig), modelled.
std::unique_ptr<certificate_scheme> make_modelled_aggregate_scheme(std::size_t aggregate_size = 48);

} // namespace bystack::crypto
