#pragma once
/// Building and signing BUTXO transactions: what wallets, tools, tests and the simulator's
/// workload share. A transaction is built first, then each party signs the inputs it controls.

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/tx.hpp"

namespace bystack::ledger {

/// Adds `s`'s signature to input `index` if `program` (the spent output's owner or the issuer)
/// holds s's key and the witness lacks it. Returns whether it signed.
bool sign_input(tx& t, std::size_t index, const control_program& program, const crypto::signer& s);

/// Derives the key seed of development wallet `index` from a text seed: the wallets a local
/// cluster's genesis funds, which the load generator and `bystack-cli keygen --dev-wallet` use.
crypto::secret_seed dev_wallet_seed(std::string_view seed, std::uint64_t index);

/// Returns a spend input of output `id` (unsigned).
input spend_of(const hash256& id);
/// Returns a control output.
output pay(const asset_id& asset, std::uint64_t amount, const control_program& owner,
           const hash256& lot = {});

} // namespace bystack::ledger
