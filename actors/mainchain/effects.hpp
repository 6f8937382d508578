#pragma once
/// What a mainchain node core asks of its environment: its only outputs. Peers are numbered by
/// the environment; a node knows only its peers' numbers.

#include "actors/mainchain/block.hpp"

#include <cstdint>
#include <variant>
#include <vector>

namespace bystack::mainchain {

using peer_id = std::uint32_t;
/// The peer number of the node itself (a block mined locally).
inline constexpr peer_id self_peer = 0xffffffffu;

/// Sends headers: an announcement of new blocks, or an answer to a headers request.
struct send_headers {
  peer_id to;
  std::vector<header> headers;
};
/// Asks a peer for the headers after the first hash of `locator` that it has on its chain.
struct request_headers {
  peer_id to;
  std::vector<hash256> locator; ///< tip first, then exponentially sparser, genesis last
};
/// Asks a peer for block bodies.
struct request_blocks {
  peer_id to;
  std::vector<hash256> hashes;
};
/// Sends whole blocks (an answer to request_blocks).
struct send_blocks {
  peer_id to;
  std::vector<block_ptr> blocks;
};
/// Relays a transaction the pool accepted.
struct send_tx {
  peer_id to;
  tx_ptr tx;
};

/// Hands a miner the block to work on (after a template request and whenever the tip moves).
struct template_ready {
  std::uint32_t miner;
  header hdr;              ///< everything but the nonce; tx_root filled
  std::vector<tx_ptr> txs; ///< coinbase first
};

/// Reports that the best chain moved: `disconnected` blocks undone (a reorganisation when
/// nonzero), `connected` blocks applied.
struct tip_changed {
  hash256 tip;
  std::uint64_t height;
  std::uint64_t disconnected;
  std::uint64_t connected;
};

/// Asks for on_timer() after delay_ms; replaces a pending request timer.
struct set_timer {
  std::int64_t delay_ms;
};

/// Reports refused input (a block, header or transaction), counted by reason.
struct rejected {
  peer_id from;
  const char* reason;
};

using effect = std::variant<send_headers, request_headers, request_blocks, send_blocks, send_tx,
                            template_ready, tip_changed, set_timer, rejected>;

} // namespace bystack::mainchain
