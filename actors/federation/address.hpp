#pragma once
/// The federation's mainchain address: an m-of-n control program over the members' keys.

#include "runtime/base/result.hpp"
#include "runtime/ledger/tx.hpp"

#include <vector>

namespace bystack::federation {

using crypto::hash256;

/// Returns the m-of-n program of a federation: the keys sorted (byte order), so that every
/// party derives the same program and address from the member list in any order. Refuses a
/// threshold outside 1..n, more than ledger::max_multisig_keys members and a key listed twice
/// (two "members" with one key would let one signer count twice).
result<ledger::control_program> federation_program(std::vector<crypto::public_key> members,
                                                   std::uint8_t threshold);

/// Returns the threshold that tolerates f faulty members of n for both safety (fewer than m
/// can release nothing) and liveness (n - f honest members still reach m): the largest m with
/// m <= n - f, which needs f < m, i.e. n >= 2f + 1. Returns 0 when no such m exists.
std::uint8_t threshold_for(std::size_t n, std::size_t f);

/// Checks one rotation: at most a third of the old members (floor(n / 3)) are replaced, so that
/// the members who stay keep the federation's memory and a captured election cannot swap the
/// whole federation at once.
result<void> check_rotation(const ledger::control_program& from, const ledger::control_program& to);

} // namespace bystack::federation
