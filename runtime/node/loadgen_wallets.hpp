#pragma once
/// The pre-funded wallets of local clusters: `bystackd testnet` / `bystackd genesis` fund them in
/// the genesis, and `bystack-loadgen` derives the same keys from the same seed and count, then
/// finds their outputs through GET /utxo. Development keys only: anyone who knows the seed can
/// spend them.

#include "runtime/crypto/keys.hpp"
#include "runtime/ledger/genesis.hpp"

#include <string_view>

namespace bystack::node {

inline constexpr std::size_t loadgen_wallets_default = 64;
inline constexpr std::string_view loadgen_seed_default = "bystack-loadgen";
/// Base units each wallet gets at genesis (10^7 BTM at 8 decimals).
inline constexpr std::uint64_t loadgen_wallet_funds = 1'000'000'000'000'000;

/// Returns the secret seed of wallet `index`: SHA3-256 of a domain prefix, the seed text and the
/// index.
crypto::secret_seed loadgen_wallet_seed(std::string_view seed, std::uint64_t index);

/// Returns the genesis of a local cluster: the native asset BTM (8 decimals), a fee rate of
/// `min_fee_per_kb`, and one output of loadgen_wallet_funds for each of `wallets` wallets.
ledger::genesis_spec loadgen_genesis(std::string_view seed, std::size_t wallets,
                                     std::uint64_t min_fee_per_kb = 1000);

} // namespace bystack::node
