#pragma once
/// Consensus messages as plain C++ values (no codec inside). The codec (runtime/codec) maps them
/// to Cap'n Proto bytes; the protocol cores (actors/) consume and produce them.

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/block.hpp"

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

namespace bystack::proto {

using crypto::hash256;
using crypto::quorum_certificate;

/// T0/T1: the leader's block and its signature over proposal_digest(); super nodes forward it
/// unchanged to their groups.
struct proposal {
  ledger::block_ptr block;
  std::uint32_t leader = 0; ///< index of the leader in the validator set
  bytes signature;
  bool operator==(const proposal& o) const {
    return leader == o.leader && signature == o.signature &&
           (block == o.block || (block && o.block && *block == *o.block));
  }
};

/// T2: a node's signature over vote_digest(); sent to its super node.
struct vote {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  hash256 block_hash;
  std::uint32_t voter = 0;
  bytes signature;
  bool operator==(const vote&) const = default;
};

/// T3: a super node's certificate over its group's votes; sent to every other super node.
struct group_certificate {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  hash256 block_hash;
  std::uint32_t super_node = 0;
  quorum_certificate qc;
  bool operator==(const group_certificate&) const = default;
};

/// T4: the certificates a super node holds once they add up to a quorum; sent to its group.
struct commit_certificate {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  hash256 block_hash;
  std::uint32_t super_node = 0;
  std::vector<quorum_certificate> certs;
  bool operator==(const commit_certificate&) const = default;
};

/// A node's signed wish to leave `view - 1` at `height` for `view` (round timeout).
struct view_change {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  std::uint32_t sender = 0;
  bytes signature; ///< over view_change_digest(height, view)
  bool operator==(const view_change&) const = default;
};

/// Asks a peer for committed blocks from `from_height` on (catch-up).
struct sync_request {
  std::uint32_t sender = 0;
  std::uint64_t from_height = 0;
  std::uint32_t max_blocks = 0;
  bool operator==(const sync_request&) const = default;
};

/// A committed block with the certificates that prove the commit.
struct committed_block {
  ledger::block_ptr block;
  std::vector<quorum_certificate> certs;
  bool operator==(const committed_block& o) const {
    return certs == o.certs && (block == o.block || (block && o.block && *block == *o.block));
  }
};

/// Answers a sync_request.
struct sync_response {
  std::uint32_t sender = 0;
  std::vector<committed_block> blocks;
  bool operator==(const sync_response&) const = default;
};

/// Carries client transactions towards the nodes that will propose them.
struct tx_batch {
  std::uint32_t sender = 0;
  std::vector<ledger::transaction> txs;
  bool operator==(const tx_batch&) const = default;
};

using message = std::variant<proposal, vote, group_certificate, commit_certificate, view_change,
                             sync_request, sync_response, tx_batch>;

/// Returns a short lower-case name of the message's type ("proposal", "vote", ...).
std::string_view type_name(const message& m);

/// What the leader signs.
hash256 proposal_digest(std::uint64_t height, std::uint64_t view, const hash256& block_hash);
/// What a voter signs (and what a quorum certificate certifies).
hash256 vote_digest(std::uint64_t height, std::uint64_t view, const hash256& block_hash);
/// What a node signs to ask for a view change.
hash256 view_change_digest(std::uint64_t height, std::uint64_t view);

} // namespace bystack::proto
