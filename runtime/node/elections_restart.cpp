#include "runtime/node/elections_restart.hpp"

#include "runtime/ledger/dpos.hpp"

namespace bystack::node {

result<ledger::block_delta> stored_delta(const chain_store& store, std::uint64_t h,
                                         const std::string& where) {
  auto raw = store.undo_at(h);
  if (!raw) return make_error(where + raw.err().message);
  ledger::block_delta d;
  if (*raw) {
    auto dd = ledger::decode_block_delta(byte_view{(*raw)->data(), (*raw)->size()});
    if (!dd) return make_error(where + "height " + std::to_string(h) + ": " + dd.err().message);
    d = std::move(*dd);
  }
  d.height = h;
  return d;
}

result<std::uint64_t> restore_host(chain_store& store, std::uint64_t head,
                                   const ledger::utxo_set& genesis, const ledger::utxo_set& state,
                                   const node_config& cfg, const std::string& where) {
  if (!cfg.ext_on_commit || head == 0) return std::uint64_t{0};
  if (cfg.ext_restore) {
    auto recs = store.host_records();
    if (!recs) return make_error(where + recs.err().message);
    auto r = cfg.ext_restore(*recs, state, head);
    if (!r) return make_error(where + r.err().message);
    if (*r) return std::uint64_t{0};
  }
  // The host needs each block's delta and the state after it: the stored blocks' deltas (the
  // store's undo data) are replayed over the genesis state, which must end at the stored state.
  auto st = genesis;
  std::vector<std::pair<std::uint64_t, bytes>> rebuilt;
  for (std::uint64_t h = 1; h <= head; ++h) {
    auto d = stored_delta(store, h, where);
    if (!d) return d.err();
    st.apply(*d);
    st.set_height(h);
    if (auto r = cfg.ext_on_commit(*d, h, st); !r)
      return make_error(where + "height " + std::to_string(h) + ": " + r.err().message);
    if (cfg.ext_record_at)
      if (auto rec = cfg.ext_record_at(h)) rebuilt.emplace_back(h, std::move(*rec));
  }
  if (st.hash() != state.hash())
    return make_error(where + "the stored blocks' changes do not replay to the stored state");
  // The next start reads what this one rebuilt.
  if (auto w = store.backfill_records({}, rebuilt); !w) return make_error(where + w.err().message);
  return head;
}

result<elections_restart> restore_elections(chain_store& store, const stored_chain& chain,
                                            const ledger::utxo_set& state,
                                            bbft::election_provider& elections,
                                            const std::string& where) {
  elections_restart out;
  if (chain.head == 0) return out;
  if (chain.proposers_from == 0 || chain.proposers_from > chain.head + 1 ||
      chain.proposers.size() != chain.head - chain.proposers_from + 1)
    return make_error(where + "elections: " + std::to_string(chain.proposers.size()) +
                      " proposers for heights " + std::to_string(chain.proposers_from) + " to " +
                      std::to_string(chain.head));
  // The proposers of heights from..head: those the walk kept, or read again from the store.
  auto proposers_from = [&](std::uint64_t from) -> result<std::vector<std::uint32_t>> {
    if (from >= chain.proposers_from)
      return std::vector<std::uint32_t>(
          chain.proposers.begin() + static_cast<std::ptrdiff_t>(from - chain.proposers_from),
          chain.proposers.end());
    auto r = store.proposers(from, chain.head);
    if (!r) return make_error(where + r.err().message);
    return r;
  };
  auto records = store.election_records();
  if (!records) return make_error(where + records.err().message);
  out.records = records->size();
  const auto epoch_blocks = elections.params().epoch_blocks;
  const auto electing = epoch_blocks == 0 ? 0 : chain.head / epoch_blocks;
  // Records start with the first store written by a node that keeps them: one that began
  // without them (an older store) has none for its first elections, and replays.
  if (records->size() == electing) {
    auto r = elections.restore(*records, ledger::dpos::vote_tally::from_state(state), chain.head);
    if (!r) return make_error(where + r.err().message);
    const auto from = bbft::election_provider::replay_from(*records);
    auto ps = proposers_from(from);
    if (!ps) return ps.err();
    // The records are read like the stored UTXO set, but what the chain says of them is checked:
    // each block since the last election names its proposer, who led its view and so is a super
    // node of the set in force at its height. A record naming another set is refused here.
    for (auto h = from; h <= chain.head; ++h) {
      const auto p = (*ps)[h - from];
      const auto epoch = elections.epoch_of(h);
      // Null: the fixed set before the first election.
      if (auto set = elections.set_of(epoch);
          set && (!set->topo()->contains(p) || !set->topo()->is_super(p)))
        return make_error(where + "elections: height " + std::to_string(h) +
                          " was proposed by node " + std::to_string(p) +
                          ", not a super node of the set the election records put in force for "
                          "epoch " +
                          std::to_string(epoch));
      elections.note_proposer(h, p);
    }
    out.from_records = true;
    return out;
  }
  if (records->size() > electing)
    return make_error(where + "elections: " + std::to_string(records->size()) +
                      " election records for " + std::to_string(electing) +
                      " electing heights up to the head " + std::to_string(chain.head));
  out.why_replayed = std::to_string(records->size()) + " election records for " +
                     std::to_string(electing) + " electing heights (a store written before them)";
  auto ps = proposers_from(1);
  if (!ps) return ps.err();
  std::vector<ledger::dpos::election_record> rebuilt;
  for (std::uint64_t h = 1; h <= chain.head; ++h) {
    auto d = stored_delta(store, h, where);
    if (!d) return d.err();
    elections.on_commit(*d, h);
    if (auto r = elections.record_at(h)) rebuilt.push_back(std::move(*r));
    elections.note_proposer(h, (*ps)[h - 1]);
    ++out.heights_replayed;
  }
  // What the elections read of the tally: the candidates with their votes, and the total.
  auto stored = ledger::dpos::vote_tally::from_state(state);
  if (elections.tally().candidates() != stored.candidates() ||
      elections.tally().total_votes() != stored.total_votes())
    return make_error(where + "elections: the stored changes do not replay to the stored votes");
  if (auto w = store.backfill_records(rebuilt, {}); !w) return make_error(where + w.err().message);
  return out;
}

} // namespace bystack::node
