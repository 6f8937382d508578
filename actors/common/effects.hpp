#pragma once
/// What a protocol core asks of its environment: the core's only outputs.

#include "runtime/protocol/messages.hpp"

#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

namespace bystack::bbft {

using msg_ptr = std::shared_ptr<const proto::message>;
/// Certificates are shared, not copied: at N = 10,000 one block certificate holds a hundred
/// group certificates, and every node keeps the ones it commits.
using cert_ptr = std::shared_ptr<const proto::block_certificate>;

/// Names the step of the round a message belongs to (the paper's T0..T4), or its side path.
enum class phase : std::uint8_t {
  propose = 0,     ///< T0: leader -> super nodes
  forward = 1,     ///< T1: super node -> its group
  vote = 2,        ///< T2: node -> its super node
  group_cert = 3,  ///< T3: super node -> other super nodes
  commit_cert = 4, ///< T4: super node -> its group
  view_change = 5, ///< timeout path
  sync = 6,        ///< catch-up
  tx = 7,          ///< transaction forwarding
  gossip = 8,      ///< transaction gossip (announce, request, batch bodies)
  fetch = 9,       ///< missing batches of a compact proposal (request and answer)
};
inline constexpr std::size_t phase_count = 10;
const char* phase_name(phase p);

/// Sends one message to several nodes (encoded once).
struct send_effect {
  std::vector<std::uint32_t> to;
  msg_ptr msg;
  phase ph;
};

enum class timer_kind : std::uint8_t {
  view_timeout = 0, ///< the current view took too long
  group_wait = 1,   ///< a super node stops waiting for missing votes of its group
  propose = 2,      ///< a leader's block interval elapsed
  sync_retry = 3,   ///< a catch-up request went unanswered
  commit_wait = 4,  ///< a super node stops waiting for other groups' certificates before T4
  gossip = 5,       ///< transaction gossip tick (client batches, announcements)
};
inline constexpr std::size_t timer_kind_count = 6;

/// Asks for on_timer(kind, view) after delay_us; replaces any pending timer of the same kind.
struct timer_effect {
  timer_kind kind;
  std::uint64_t view;
  std::int64_t delay_us;
};

/// Reports that this node now holds votes of more than 2/3 of the set for a block (the paper's
/// commit point; final commit follows when the next view certifies a child).
struct certified_effect {
  std::uint64_t height;
  std::uint64_t view;
  crypto::hash256 block_hash;
};

/// Reports a final commit; emitted in height order, each exactly once. The environment persists
/// it and hands it to observers.
struct commit_effect {
  ledger::block_ptr block;
  cert_ptr cert; ///< the block's own certificate
};

/// Reports input that was refused (bad signature, unknown signer, malformed); counted by reason.
struct reject_effect {
  std::uint32_t from;
  const char* reason;
};

using effect =
    std::variant<send_effect, timer_effect, certified_effect, commit_effect, reject_effect>;

} // namespace bystack::bbft
