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
using batch_atom = caf::atom_constant<caf::atom("batch")>;
using window_atom = caf::atom_constant<caf::atom("window")>;
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

/// One event of a batch: what `start`, `deliver`, `timer` or `submit` would carry alone.
struct node_event {
  enum class kind : std::uint8_t { start, deliver, timer, submit };
  kind what = kind::start;
  std::uint8_t timer = 0; ///< timer_kind of a timer
  std::uint32_t from = 0; ///< sender of a delivery
  std::uint32_t next = 0; ///< index of this node's next event in the batch store, 0 = last
  std::uint64_t view = 0; ///< view of a timer
  shared_bytes bytes;     ///< a delivery's payload
  tx_list txs;            ///< a submission's transactions
  /// A delivery's payload already decoded, if the source has it (the simulator decodes each
  /// payload once for all its receivers): then `bytes` may be empty and `size` is the payload's
  /// size. The source keeps it alive and unchanged while the node handles the event.
  const msg_ptr* decoded = nullptr;
  std::size_t size = 0;
};

/// Names the events due at one node at one instant: a chain through `store` starting at
/// `first`. The sender keeps the store alive and unchanged until the node has handled it (the
/// node may move transactions out of it), so
/// that one CAF message carries any number of events without copying them.
struct node_event_batch {
  std::vector<node_event>* store = nullptr;
  std::uint32_t first = 0;
};

/// Hands a node its events one at a time: the simulator's lookahead windows, where the node's
/// own timers that fall due inside the window join its events while it runs.
class event_source {
public:
  virtual ~event_source() = default;
  /// Fills `e` with the next event of `instance`; false when there is none left.
  virtual bool next(std::uint32_t instance, node_event& e) = 0;
};

/// Asks a node to handle every event `source` has for `instance`, in the order it hands them.
struct node_event_pull {
  event_source* source = nullptr;
  std::uint32_t instance = 0;
};

struct node_actor_state {
  std::shared_ptr<node_core> core;
  node_env* env = nullptr;
  static inline const char* name = "bbft-node";
};

/// Runs a node: `start` starts the core, `deliver(from, bytes)` hands it a message,
/// `timer(kind, view)` fires a timer, `submit(txs)` adds client transactions, `batch(events)`
/// handles several of these in order (the simulator's way of delivering one instant's events),
/// `window(pull)` handles the events a source hands out one at a time (the simulator's windows).
caf::behavior node_actor(caf::stateful_actor<node_actor_state>* self,
                         std::shared_ptr<node_core> core, node_env* env);

/// Hands the effects the core produced to env (shared by every handler).
void flush_effects(node_core& core, node_env& env, std::size_t decoded_bytes);

/// What the actor does with a `window(pull)` message: handles every event the source hands out.
/// The simulator's `--dispatch direct` measurement calls it without CAF (docs/simulator.md).
void handle_pull(node_actor_state& st, const node_event_pull& p);

} // namespace bystack::bbft

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::shared_bytes)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::bbft::tx_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::bbft::node_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::bbft::node_event_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bystack::bbft::node_event_pull)
