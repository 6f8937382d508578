#pragma once
/// How a restarted DPoS node rebuilds its elections (docs/node.md, "Restart in bounded memory
/// and time"): from the election records its store keeps per electing height, the vote tally of
/// the loaded UTXO set and the proposers of the heights since the last election, so that the
/// cost does not grow with the chain; a store written before the records replays every height's
/// stored changes instead, as every start did before, and then writes the records it rebuilt so
/// that the next start reads them.

#include "actors/common/epochs.hpp"
#include "runtime/node/chain_store.hpp"
#include "runtime/node/config.hpp"

#include <string>

namespace bystack::node {

/// What a start did to rebuild the elections.
struct elections_restart {
  bool from_records = false;          ///< false: every stored height's changes were replayed
  std::size_t records = 0;            ///< election records read
  std::uint64_t heights_replayed = 0; ///< heights whose stored changes were read and applied
  std::string why_replayed;           ///< when replayed, why the records were not used
};

/// Brings a provider that has seen no commit to the state after the stored head. `state` is the
/// UTXO set the store holds as of the head; `where` prefixes every error (the data directory).
/// The error names the height of a record or of stored changes that cannot be used. After a
/// replay the rebuilt records are written to the store (chain_store::backfill_records).
result<elections_restart> restore_elections(chain_store& store, const stored_chain& chain,
                                            const ledger::utxo_set& state,
                                            bbft::election_provider& elections,
                                            const std::string& where);

/// Brings the host's state derived from the chain (node_config::ext_on_commit: the federation's
/// elections) to the stored head: through node_config::ext_restore from the store's host records
/// when it has them all, else by replaying every stored height's changes over `genesis` through
/// ext_on_commit (checking that they end at `state`, the stored UTXO set) and then writing the
/// records the host made meanwhile (node_config::ext_record_at). Returns the heights replayed
/// (0 after a restore from records). The error names the height or the record that failed.
result<std::uint64_t> restore_host(chain_store& store, std::uint64_t head,
                                   const ledger::utxo_set& genesis, const ledger::utxo_set& state,
                                   const node_config& cfg, const std::string& where);

/// The stored changes of height `h` (the store's undo data; an empty delta for a block without
/// any, such as a refused one), as the ledger's on_commit saw them.
result<ledger::block_delta> stored_delta(const chain_store& store, std::uint64_t h,
                                         const std::string& where);

} // namespace bystack::node
