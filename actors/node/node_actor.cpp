#include "actors/node/node_actor.hpp"

namespace bystack::bbft {

void flush_effects(node_core& core, node_env& env, std::size_t decoded_bytes) {
  auto me = core.id();
  // Charge first: messages leave once the node has done the work that produced them.
  env.charge(me, decoded_bytes, core.meter());
  core.meter().reset();
  for (auto& e : core.take_effects()) {
    std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, send_effect>)
            env.send_owned(me, std::move(x));
          else if constexpr (std::is_same_v<T, timer_effect>)
            env.set_timer(me, x);
          else if constexpr (std::is_same_v<T, certified_effect>)
            env.on_certified(me, x);
          else if constexpr (std::is_same_v<T, commit_effect>)
            env.on_commit_owned(me, std::move(x));
          else if constexpr (std::is_same_v<T, reject_effect>)
            env.on_reject(me, x, {});
        },
        e);
  }
}

namespace {

void handle_start(node_actor_state& st) {
  st.core->start(st.env->now_us(st.core->id()));
  flush_effects(*st.core, *st.env, 0);
}

void handle_deliver(node_actor_state& st, std::uint32_t from, const shared_bytes& bytes) {
  auto me = st.core->id();
  auto now = st.env->now_us(me);
  auto msg = st.env->decode(bytes);
  if (!msg) {
    st.env->on_reject(me, reject_effect{from, "undecodable message"}, msg.err().message);
    flush_effects(*st.core, *st.env, bytes ? bytes->size() : 0);
    return;
  }
  st.core->on_message(from, *msg, now);
  flush_effects(*st.core, *st.env, bytes->size());
}

void handle_timer(node_actor_state& st, std::uint8_t kind, std::uint64_t view) {
  st.core->on_timer(static_cast<timer_kind>(kind), view, st.env->now_us(st.core->id()));
  flush_effects(*st.core, *st.env, 0);
}

std::uint64_t handle_submit(node_actor_state& st, tx_list txs) {
  auto n = st.core->submit(std::move(txs), st.env->now_us(st.core->id()));
  flush_effects(*st.core, *st.env, 0);
  return n;
}

void handle_event(node_actor_state& st, node_event& e) {
  switch (e.what) {
  case node_event::kind::start:
    handle_start(st);
    break;
  case node_event::kind::deliver:
    if (e.decoded) {
      auto me = st.core->id();
      st.core->on_message(e.from, *e.decoded, st.env->now_us(me));
      flush_effects(*st.core, *st.env, e.size);
    } else {
      handle_deliver(st, e.from, e.bytes);
    }
    break;
  case node_event::kind::timer:
    handle_timer(st, e.timer, e.view);
    break;
  case node_event::kind::submit:
    handle_submit(st, std::move(e.txs));
    break;
  }
}

} // namespace

void handle_pull(node_actor_state& st, const node_event_pull& p) {
  node_event e;
  while (p.source->next(p.instance, e))
    handle_event(st, e);
}

caf::behavior node_actor(caf::stateful_actor<node_actor_state>* self,
                         std::shared_ptr<node_core> core, node_env* env) {
  self->state.core = std::move(core);
  self->state.env = env;
  return {
      // First: the simulator's one message per node and window. CAF tries the cases in order,
      // and each case tried before the matching one costs a type comparison per message.
      // Sent without a response id (caf::anon_send), so nothing answers it: returning
      // `delegated` tells CAF so, instead of an empty reply it would build and drop through a
      // response promise (an atomic count on the actor per window, a cache miss at scale).
      [self](window_atom, const node_event_pull& p) -> caf::delegated<void> {
        handle_pull(self->state, p);
        return {};
      },
      [self](start_atom) { handle_start(self->state); },
      [self](deliver_atom, std::uint32_t from, const shared_bytes& bytes) {
        handle_deliver(self->state, from, bytes);
      },
      [self](timer_atom, std::uint8_t kind, std::uint64_t view) {
        handle_timer(self->state, kind, view);
      },
      [self](submit_atom, tx_list& txs) -> std::uint64_t {
        return handle_submit(self->state, std::move(txs));
      },
      [self](batch_atom, const node_event_batch& b) {
        // Index 0 of the store is never an event, so a zero `next` ends the chain.
        for (auto i = b.first; i != 0;) {
          auto& e = (*b.store)[i];
          handle_event(self->state, e);
          i = e.next;
        }
      },
      [self](status_atom) -> node_status {
        const auto& c = *self->state.core;
        return node_status{
            c.id(),        c.view(), c.committed_height(), c.committed_hash(), c.expected_leader(),
            c.pool_size(), c.stats()};
      },
  };
}

} // namespace bystack::bbft
