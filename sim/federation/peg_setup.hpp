#pragma once
/// What bystack-federation-sim (federation_sim.*) and bystack-stack-sim (stack_sim.*) set up
/// alike: the parties' keys, the mainchain (BTM, every user funded in its genesis, the node
/// configuration with modelled proof of work and no retarget within a run), the federation's
/// parameters over it, and the users' three transactions (pegin, trade, pegout) with the
/// progress each user makes as the committed sidechain state changes.

#include "actors/federation/collector_core.hpp"
#include "actors/federation/sidechain_rules.hpp"
#include "actors/mainchain/mainchain_core.hpp"
#include "runtime/crypto/signature_scheme.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bystack::sim::federation {

/// A party's key and its single-key control program.
struct peg_key {
  std::unique_ptr<crypto::signer> s;
  ledger::control_program prog;
};

/// Derives a key from a tag (the party), a run seed and a salt byte (the simulator).
peg_key make_peg_key(const crypto::signature_scheme& scheme, std::uint32_t tag, std::uint64_t seed,
                     std::uint8_t salt);

/// BTM units every user holds in the mainchain's genesis.
constexpr std::uint64_t peg_user_funds = 10'000;

/// The mainchain and the federation over it.
struct peg_setup {
  ledger::asset_definition btm;
  ledger::genesis_spec mc_spec;              ///< BTM, every user funded (output i: user i)
  mainchain::node_config node;               ///< the mainchain nodes' configuration
  bystack::federation::federation_params fp; ///< the federation's rules over that mainchain
};

/// Builds the mainchain `network` (block reward 50, mean block interval mc_block_ms) and the
/// federation `federation` with `confirmations` for pegins and releases. `pow` and `scheme`
/// must outlive the nodes built from `node`.
peg_setup make_peg_setup(const std::string& network, const ledger::control_program& issuer,
                         const std::vector<peg_key>& users, double mc_block_ms,
                         mainchain::pow_checker& pow, const crypto::signature_scheme& scheme,
                         const ledger::control_program& federation, std::uint64_t confirmations);

/// A collector's configuration: the federation `fp` (with the rotations known so far), the
/// sidechain's parameters, its key and funding output, BTM as the mainchain asset it knows.
bystack::federation::collector_config
peg_collector(const bystack::federation::federation_params& fp,
              const ledger::chain_params& sidechain, const peg_key& key,
              const crypto::hash256& funding, const ledger::asset_definition& btm);

/// A mined block on `h` (its transaction root and modelled nonce set): a coinbase paying the
/// block reward to `to`, then `txs`.
mainchain::block_ptr make_peg_block(const peg_setup& s, mainchain::header h,
                                    const ledger::control_program& to,
                                    const std::vector<mainchain::tx_ptr>& txs);

/// A double spend's private branch against `node`'s best chain: from the block below
/// `from_height`, `length` blocks (timestamps 1 ms apart, coinbases paying `to`), whose first
/// block holds `conflict` and every transaction of the replaced blocks but `dropped` and those
/// spending its outputs (directly or through another).
std::vector<mainchain::block_ptr>
make_branch(const peg_setup& s, const mainchain::mainchain_core& node, std::uint64_t from_height,
            std::uint64_t length, const mainchain::tx_ptr& conflict, const crypto::hash256& dropped,
            const ledger::control_program& to);

/// A user's way through the peg.
struct peg_user {
  double pegin_at_s = -1;
  std::uint64_t amount = 0;
  crypto::hash256 pegin_output; ///< on the sidechain
  bool claimed = false;
  crypto::hash256 sc_coin; ///< the user's rest after the trade
  std::uint64_t sc_amount = 0;
  bool traded = false;
  crypto::hash256 pegout;
  bool burn_sent = false;
  double burn_at_s = -1;
  bool released = false;
  bool recorded = false;
};

/// User i pays `amount` of its genesis coin to `federation`, the sidechain owner (its own key)
/// in the output data, the rest back to itself; records the pegin's sidechain output in u.
ledger::tx make_pegin(const peg_setup& s, std::size_t i, const peg_key& user,
                      const ledger::control_program& federation, std::uint64_t amount, peg_user& u);
/// The user gives a tenth of its pegged units to `to` on the sidechain `chain`.
ledger::tx make_trade(const peg_setup& s, const crypto::hash256& chain, const peg_key& user,
                      const ledger::control_program& to, peg_user& u);
/// The user burns the rest, naming its own mainchain key (no mainchain fee).
ledger::tx make_pegout(const peg_setup& s, const crypto::hash256& chain, const peg_key& user,
                       peg_user& u);

struct peg_latencies {
  std::vector<double> pegin_s;  ///< mainchain submission -> sidechain units
  std::vector<double> record_s; ///< sidechain burn committed -> release recorded
};

/// Moves every user on after a sidechain commit (`state` at simulated second now_s): a claimed
/// pegin is traded, a committed trade pegged out, a burn and its record timed.
void peg_progress(std::vector<peg_user>& users, const ledger::utxo_view& state, double now_s,
                  peg_latencies& out, const std::function<void(std::size_t)>& trade,
                  const std::function<void(std::size_t)>& pegout);

} // namespace bystack::sim::federation
