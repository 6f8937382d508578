#pragma once
/// What a run of the BBFT simulator can host besides the consensus nodes and the wallets: more
/// parties with their own events (a mainchain, a federation, users), whose CAF actors share the
/// run's actor system and deterministic scheduler, who see the sidechain's committed blocks and
/// submit sidechain transactions through the same super nodes as the wallets. Without a plugin
/// (the default) nothing changes in a run or its trace hash.

#include "runtime/ledger/block.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/rules.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace caf {
class actor_system;
}

namespace bystack::sim {

class stack_plugin {
public:
  virtual ~stack_plugin() = default;
  /// Adds the outputs the plugin's parties own to the sidechain's genesis (outputs only: the
  /// genesis transaction id depends on the network name alone, so the wallets' ids stay).
  virtual void extend_genesis(ledger::genesis_spec& g) = 0;
  /// The extension rules every node's ledger application checks (null: none).
  virtual const ledger::extension_rules* rules() const = 0;
  /// Called once before the first event with the run's actor system, a function that runs every
  /// pending actor message (the nodes' mailboxes are empty when the plugin calls it) and the
  /// sidechain's final genesis.
  virtual void start(caf::actor_system& sys, std::function<void()> run_actors,
                     const ledger::genesis_spec& genesis) = 0;
  /// A block at its first honest commit (each height once, in order), at simulated time t_us.
  virtual void on_commit(const ledger::block& b, std::int64_t t_us) = 0;
  /// Runs the plugin's own events up to t_us (called at every ledger tick) and returns the
  /// sidechain transactions to submit now.
  virtual std::vector<ledger::transaction> advance(std::int64_t t_us) = 0;
  /// The run ended at t_us; the actor system is still up.
  virtual void stop(std::int64_t t_us) = 0;
};

} // namespace bystack::sim
