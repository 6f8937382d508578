#pragma once
/// The CAF actor that hosts a node_core: turns mail into events and effects into calls on its
/// node_env. It holds no protocol logic of its own.

#include "actors/node/environment.hpp"
#include "actors/node/node_core.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <memory>
#include <vector>

namespace bystack::bbft {

using start_atom = caf::atom_constant<caf::atom("start")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using status_atom = caf::atom_constant<caf::atom("status")>;

/// Answers a status request (production API).
struct node_status {
  std::uint32_t id = 0;
  std::uint64_t view = 0;
  std::uint64_t committed_height = 0;
  crypto::hash256 committed_hash;
  std::uint32_t expected_leader = 0;
  std::uint64_t pool_size = 0;
  core_stats stats;
};

using tx_list = std::vector<ledger::transaction>;

struct node_actor_state {
  std::shared_ptr<node_core> core;
  node_env* env = nullptr;
  static inline const char* name = "bbft-node";
};

/// Runs a node: `start` starts the core, `deliver(from, bytes)` hands it a message,
/// `timer(kind, view)` fires a timer, `submit(txs)` adds client transactions.
caf::behavior node_actor(caf::stateful_actor<node_actor_state>* self,
                         std::shared_ptr<node_core> core, node_env* env);

/// Hands the effects the core produced to env (shared by every handler).
void flush_effects(node_core& core, node_env& env, std::size_t decoded_bytes);

} // namespace bystack::bbft

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::shared_bytes)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::bbft::tx_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::bbft::node_status)
