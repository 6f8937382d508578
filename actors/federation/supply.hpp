#pragma once
/// The supply checker across both chains: for every pegged asset, the units on the sidechain
/// plus those burned and not yet released never exceed what the federation holds on the
/// mainchain with enough confirmations; every release matches one burn; every claim names a
/// federation output on the mainchain's best chain with enough confirmations. It watches from
/// outside (simulation checkers, a `bystack-cli` command over both chains' APIs) and reports the
/// first discrepancy with the transactions involved.

#include "actors/federation/sidechain_rules.hpp"

#include <map>

namespace bystack::federation {

/// A federation output created on the mainchain's best chain.
struct locked_coin {
  hash256 txid;
  ledger::asset_id asset;
  std::uint64_t amount = 0;
  std::uint64_t height = 0;
  bool by_release = false; ///< change of a release (counted at once: it never left the federation)
  bool spent = false;
};

/// A mainchain transaction spending federation outputs.
struct release_seen {
  hash256 txid;
  std::uint64_t height = 0;
  std::optional<hash256> pegout;                      ///< the pegout its memo names, if any
  std::map<ledger::asset_id, std::uint64_t> released; ///< spent minus returned, by asset
};

/// What the checker reads from the mainchain's best chain.
struct mainchain_scan {
  std::uint64_t height = 0;
  std::map<hash256, locked_coin> coins; ///< every federation output, by output id
  std::vector<release_seen> releases;
  /// The fee reserve (federation outputs carrying fee_reserve_memo(), funded from outside the
  /// pegged supply): its coins, kept apart from `coins`, and what the transactions spending it
  /// paid as fees (reserve in - reserve out).
  std::map<hash256, locked_coin> reserve;
  std::uint64_t reserve_fees = 0;
};

/// Reads a best chain (genesis first) for the federation programs (every federation of a
/// rotation schedule: federations(params)). A transaction that moves federation coins only to
/// federation programs (a migration after a rotation) is no release. Fee reserve coins are
/// counted apart: a migration pays its fee from them, and a transaction that pays any fee from
/// the pegged coins releases them without a burn.
mainchain_scan scan_mainchain(const std::vector<mainchain::block_ptr>& best_chain,
                              const std::vector<ledger::control_program>& federations);
inline mainchain_scan scan_mainchain(const std::vector<mainchain::block_ptr>& best_chain,
                                     const ledger::control_program& federation) {
  return scan_mainchain(best_chain, std::vector<ledger::control_program>{federation});
}

struct claim_seen {
  hash256 sidechain_tx;
  std::uint64_t height = 0; ///< sidechain height
  hash256 mainchain_output;
  ledger::asset_id asset; ///< mainchain asset
  std::uint64_t amount = 0;
};

struct burn_seen {
  hash256 pegout;
  hash256 sidechain_tx;
  ledger::asset_id asset; ///< mainchain asset
  std::uint64_t amount = 0;
};

/// What the checker reads from the sidechain.
struct sidechain_scan {
  std::vector<claim_seen> claims;
  std::vector<burn_seen> burns;
  std::map<ledger::asset_id, std::uint64_t> units; ///< unspent control units by mainchain asset
};

/// Adds a committed sidechain block's claims and burns; `state` is the state after it.
void scan_sidechain_block(sidechain_scan& s, const std::vector<ledger::tx>& txs,
                          std::uint64_t height, const ledger::utxo_view& state);
/// Counts the pegged units a sidechain state holds in control outputs.
void count_sidechain_units(sidechain_scan& s, const ledger::utxo_set& state);

struct asset_supply {
  std::uint64_t sidechain_units = 0;
  std::uint64_t burned_unreleased = 0;
  std::uint64_t locked = 0; ///< unspent federation outputs with enough confirmations
};

struct supply_report {
  std::uint64_t reserve = 0;      ///< unspent fee reserve (mainchain native units), not locked
  std::uint64_t reserve_fees = 0; ///< fees the reserve paid (migrations)
  bool ok = true;
  std::string discrepancy;  ///< the first one found, in words
  std::vector<hash256> txs; ///< the transactions involved
  std::map<ledger::asset_id, asset_supply> assets;
  std::uint64_t claims = 0, burns = 0, releases = 0;
};

/// Checks the two scans against each other with the given confirmation depth.
supply_report check_supply(const mainchain_scan& mc, const sidechain_scan& sc,
                           std::uint64_t confirmations);

} // namespace bystack::federation
