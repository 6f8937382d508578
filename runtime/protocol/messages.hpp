#pragma once
/// Consensus messages as plain C++ values (no codec inside). The codec (runtime/codec) maps them
/// to Cap'n Proto bytes; the protocol cores (actors/) consume and produce them.

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/block.hpp"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace bystack::proto {

using crypto::hash256;
using crypto::qc_list;
using crypto::quorum_certificate;

/// Proves that more than 2/3 of the set voted for a block in a view: group certificates over
/// vote_digest(height, view, block_hash) whose signers add up to a quorum.
struct block_certificate {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  hash256 block_hash;
  qc_list certs; ///< shared by identity: copying a block certificate copies no signature
  bool operator==(const block_certificate&) const = default;
};

/// A node's signed statement that view `view` timed out for it, with the highest certificate it
/// holds and the super node it will use from now on (super-node failover).
struct view_change {
  std::uint64_t view = 0;
  std::uint32_t sender = 0;
  std::uint64_t high_qc_view = 0; ///< signed: the view of high_qc
  std::uint32_t rehome_to = 0;    ///< the super node the sender sends its votes to from now on
  block_certificate high_qc;      ///< not signed (it proves itself); empty inside a timeout cert
  bytes signature;                ///< over view_change_digest(view, high_qc_view)
  bool operator==(const view_change&) const = default;
};

/// Proves that a quorum left view `view`: their signed view changes (high_qc left empty).
struct timeout_certificate {
  std::uint64_t view = 0;
  std::vector<view_change> votes;
  bool operator==(const timeout_certificate&) const = default;
};

/// T0/T1: the leader's block, the certificate of its parent (justify) and, after a timeout, the
/// timeout certificate that let the leader in; signed by the leader over proposal_digest().
/// Super nodes forward it unchanged to their groups.
struct proposal {
  ledger::block_ptr block;
  std::uint32_t leader = 0; ///< index of the leader in the validator set
  block_certificate justify;
  std::optional<timeout_certificate> tc;
  bytes signature;
  bool operator==(const proposal& o) const {
    return leader == o.leader && signature == o.signature && justify == o.justify && tc == o.tc &&
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
  std::uint32_t super_node = 0;
  block_certificate cert;
  bool operator==(const commit_certificate&) const = default;
};

/// Asks a peer for committed blocks from `from_height` on (catch-up).
struct sync_request {
  std::uint32_t sender = 0;
  std::uint64_t from_height = 0;
  std::uint32_t max_blocks = 0;
  bool operator==(const sync_request&) const = default;
};

/// A block with the certificate that certifies it (more than 2/3 voted for it).
struct committed_block {
  ledger::block_ptr block;
  block_certificate cert;
  bool operator==(const committed_block& o) const {
    return cert == o.cert && (block == o.block || (block && o.block && *block == *o.block));
  }
};

/// Answers a sync_request: committed blocks in height order, then the certified blocks above
/// them (their certificates prove the commit of the last committed ones).
struct sync_response {
  std::uint32_t sender = 0;
  std::vector<committed_block> blocks;
  bool operator==(const sync_response&) const = default;
};

/// The transactions of a tx_batch: one immutable list shared by every copy of the batch, so
/// that copying a batch (into a mempool, a block_batches answer, a remembered block) copies a
/// pointer, and a simulator can hand all its nodes one decoded body (sim/body_pool.hpp). Reading
/// never copies; changing a list that is shared copies it first (copy on write).
class batch_txs {
public:
  using list = std::vector<ledger::transaction>;
  using value_type = ledger::transaction;
  using const_iterator = list::const_iterator;
  using size_type = list::size_type;

  batch_txs() = default;
  batch_txs(list v) { // NOLINT: implicit, a batch is built from a list
    if (!v.empty()) p_ = std::make_shared<list>(std::move(v));
  }
  batch_txs(std::initializer_list<ledger::transaction> v) : batch_txs(list(v)) {}
  /// Shares `body` (null: empty) instead of holding a list of its own.
  explicit batch_txs(std::shared_ptr<const list> body) : p_(std::move(body)), shared_(true) {}

  const list& get() const noexcept { return p_ ? *p_ : empty_list(); }
  operator const list&() const noexcept { return get(); } // NOLINT: reads as the list
  /// The shared body (null when empty).
  const std::shared_ptr<const list>& body() const noexcept { return p_; }

  size_type size() const noexcept { return p_ ? p_->size() : 0; }
  bool empty() const noexcept { return size() == 0; }
  const_iterator begin() const noexcept { return get().begin(); }
  const_iterator end() const noexcept { return get().end(); }
  const ledger::transaction& operator[](size_type i) const { return get()[i]; }
  const ledger::transaction& front() const { return get().front(); }
  const ledger::transaction& back() const { return get().back(); }

  // Changes (copy on write).
  ledger::transaction& operator[](size_type i) { return mut()[i]; }
  void reserve(size_type n) { mut().reserve(n); }
  void resize(size_type n) { mut().resize(n); }
  void clear() { mut().clear(); }
  void push_back(const ledger::transaction& tx) { mut().push_back(tx); }
  void push_back(ledger::transaction&& tx) { mut().push_back(std::move(tx)); }
  void assign(size_type n, const ledger::transaction& tx) { mut().assign(n, tx); }
  template <class It> void assign(It first, It last) { mut().assign(first, last); }

  bool operator==(const batch_txs& o) const { return p_ == o.p_ || get() == o.get(); }

private:
  static const list& empty_list() noexcept {
    static const list e;
    return e;
  }
  /// The list to change: this batch's own, never one another holder can see.
  list& mut() {
    if (!p_ || shared_ || p_.use_count() != 1) {
      auto own = std::make_shared<list>(p_ ? *p_ : list{});
      p_ = own;
      shared_ = false;
      return *own;
    }
    // Created here by make_shared<list> (never a const object) and held by nobody else.
    return const_cast<list&>(*p_);
  }
  std::shared_ptr<const list> p_;
  bool shared_ = false; ///< p_ came from outside (share): never changed in place
};

/// Carries client transactions towards the nodes that will propose them.
struct tx_batch {
  std::uint32_t sender = 0;
  batch_txs txs;
  bool operator==(const tx_batch&) const = default;
};

/// Transaction gossip (relay: compact): announces batches of client transactions by id (the
/// batch id is batch_id() of a tx_batch; the bodies travel as tx_batch).
struct tx_announce {
  std::uint32_t sender = 0;
  std::vector<hash256> ids;
  bool operator==(const tx_announce&) const = default;
};

/// Transaction gossip: asks the announcer for the bodies of announced batches.
struct tx_request {
  std::uint32_t sender = 0;
  std::vector<hash256> ids;
  bool operator==(const tx_request&) const = default;
};

/// T0/T1 in compact relay: the proposal without its transactions. The block's transactions are
/// the concatenation of the listed batches' transactions, in order; each batch is named by a
/// short id (the first short_id_bytes bytes of short_id_of(key, batch id), key derived from the
/// header hash and `salt`), except the prefilled ones, which travel whole. Signed like a
/// proposal (proposal_digest over the header hash).
struct compact_proposal {
  ledger::block_header header;
  std::uint32_t leader = 0;
  block_certificate justify;
  std::optional<timeout_certificate> tc;
  bytes signature;
  std::uint64_t salt = 0;
  std::uint32_t short_id_bytes = 6;
  std::uint32_t batch_count = 0; ///< short ids plus prefilled batches
  bytes short_ids;               ///< short_id_bytes per batch not prefilled, in block order
  std::vector<std::uint32_t> prefilled_index; ///< ascending block positions of prefilled batches
  std::vector<tx_batch> prefilled;
  bool operator==(const compact_proposal&) const = default;
};

/// Asks the sender of a compact proposal for the batches at `indexes` (positions in the block).
struct block_request {
  std::uint32_t sender = 0;
  std::uint64_t view = 0;
  hash256 block_hash;
  std::vector<std::uint32_t> indexes;
  bool operator==(const block_request&) const = default;
};

/// Answers a block_request: the batches at `indexes`.
struct block_batches {
  std::uint32_t sender = 0;
  hash256 block_hash;
  std::vector<std::uint32_t> indexes;
  std::vector<tx_batch> batches;
  bool operator==(const block_batches&) const = default;
};

using message =
    std::variant<proposal, vote, group_certificate, commit_certificate, view_change, sync_request,
                 sync_response, tx_batch, timeout_certificate, tx_announce, tx_request,
                 compact_proposal, block_request, block_batches>;

/// Returns a short lower-case name of the message's type ("proposal", "vote", ...).
std::string_view type_name(const message& m);

/// What the leader signs.
hash256 proposal_digest(std::uint64_t height, std::uint64_t view, const hash256& block_hash);
/// What a voter signs (and what a quorum certificate certifies).
hash256 vote_digest(std::uint64_t height, std::uint64_t view, const hash256& block_hash);
/// Returns the id of a transaction batch: SHA3-256 over the Merkle root of its transactions
/// (not the sender: equal transactions from two nodes are one batch).
hash256 batch_id(const tx_batch& b);
/// Returns the keyed short id of a batch (BIP 152's role of SipHash): SHA3-256 over the key and
/// the batch id, of which the first short_id_bytes bytes are used.
hash256 short_id_key(const hash256& header_hash, std::uint64_t salt);
std::uint64_t short_id_of(const hash256& key, const hash256& batch, std::uint32_t bytes);

/// What a node signs when its view times out.
hash256 view_change_digest(std::uint64_t view, std::uint64_t high_qc_view);

} // namespace bystack::proto
