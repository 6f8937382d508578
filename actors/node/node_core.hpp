#pragma once
/// The BBFT protocol core of one consensus node: a plain state machine, events in, effects out.
///
/// A node may hold several roles at once: every node is a validator (actors/validator: checks
/// proposals, votes, counts certificates, commits, times views out, catches up); a super node
/// also relays for its group (actors/super_node: forwards proposals, collects votes into a group
/// certificate, exchanges certificates with the other super nodes, sends the combined certificate
/// down); the leader of a view proposes (actors/leader: pool, block assembly). The member
/// functions of each role live in that role's folder.
///
/// Consensus (chained two-phase, pipelined on the paper's round): a view runs the paper's T0..T4
/// and ends with every node holding a block certificate (votes of more than 2/3 of N, the paper's
/// commit point: `certified_effect`). The proposal of the next view carries that certificate as its
/// justify; a block is final (`commit_effect`) once a child proposed in the very next view is
/// certified too. This keeps the paper's message pattern and count per view while making view
/// changes safe: a one-phase commit cannot be kept safe across leader changes with n = 3f + 1.
///
/// Nothing here reads a clock, sleeps, spawns threads or draws randomness: time comes in with
/// each event (`now_us`), and the core asks for timers as effects.

#include "actors/common/effects.hpp"
#include "actors/common/epochs.hpp"
#include "actors/common/flat_map.hpp"
#include "actors/common/lazy_deque.hpp"
#include "actors/common/params.hpp"
#include "actors/common/topology.hpp"
#include "actors/common/view_set.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/application.hpp"
#include "runtime/protocol/messages.hpp"

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace bystack::bbft {

/// Returns the genesis block every node starts from (height 0, view 0, no transactions).
ledger::block_ptr genesis_block();

/// Committed blocks a core no longer keeps in memory (see core_config::retained_blocks): a
/// node's block store, or in the simulator one copy of the chain that all nodes share.
class chain_archive {
public:
  virtual ~chain_archive() = default;
  /// Returns the committed block at height h (>= 1) with a certificate for it, or nullopt.
  virtual std::optional<proto::committed_block> committed_block_at(std::uint64_t h) const = 0;
};

/// Everything a core needs from outside, fixed for its lifetime.
struct core_config {
  std::uint32_t me = 0;
  std::shared_ptr<const topology> topo;
  std::shared_ptr<const crypto::validator_set> validators;
  const crypto::certificate_scheme* certs = nullptr; ///< also gives the vote signature scheme
  std::unique_ptr<crypto::signer> signer;
  params p;
  /// What blocks mean (not owned; outlives the core). Null: opaque transactions, every block
  /// valid (pure consensus benchmarks).
  ledger::application* app = nullptr;
  /// Committed chain kept in memory: the blocks of the last `retained_blocks` heights (0: the
  /// whole chain, the default), and the certificates of the last `retained_certificates` of
  /// them (0: of every kept block). Memory then stays flat however long the node runs (the
  /// window may reach twice its size before it is trimmed). Blocks and certificates below the
  /// window are served to peers catching up from `archive` (not owned); without one, a peer
  /// asking below the window gets no blocks and its retry asks another peer.
  std::uint64_t retained_blocks = 0;
  std::uint64_t retained_certificates = 0;
  const chain_archive* archive = nullptr;
  /// DPoS epochs (not owned; outlives the core): the set and topology of each height. Null: the
  /// fixed set `topo` and `validators` for ever. With it, `validators` is the universe of every
  /// node that may sit in a set (node id = index) and `topo` is replaced by each epoch's.
  const consensus_set_provider* sets = nullptr;
};

/// What a core holds in memory, counted in entries (see node_core::retained()).
struct retained_counts {
  std::size_t chain_blocks = 0;       ///< committed blocks kept (genesis included until trimmed)
  std::size_t chain_certificates = 0; ///< certificates of kept committed blocks
  std::size_t pending_blocks = 0;     ///< uncommitted blocks
  std::size_t collections = 0;        ///< super node vote collections
  std::size_t timeout_views = 0;      ///< views with view changes kept
  std::size_t seen_views = 0;         ///< views whose proposal was handled or relayed
  /// Group certificates the collections hold, and of them those held by collections that have
  /// sent their commit certificate (none: they are dropped then, see send_commit_certificate).
  std::size_t collected_certificates = 0;
  std::size_t certificates_after_commit = 0;
  std::size_t collections_committed = 0; ///< collections that sent their commit certificate
};

/// Counts what a node did, for observers and metrics.
struct core_stats {
  std::uint64_t proposals_made = 0;
  std::uint64_t votes_cast = 0;
  std::uint64_t views_timed_out = 0;
  std::uint64_t rehomes = 0;
  std::uint64_t rejected = 0;
  std::uint64_t sync_requests = 0;
  std::uint64_t blocks_refused = 0; ///< proposals the application found invalid
  std::uint64_t txs_refused = 0;    ///< client transactions the application refused
  // Compact relay and gossip (actors/relay).
  std::uint64_t compact_rebuilt = 0;       ///< compact proposals rebuilt and passed on to voting
  std::uint64_t compact_no_round_trip = 0; ///< ... of them without asking for missing batches
  std::uint64_t compact_fetches = 0;       ///< block_requests sent
  std::uint64_t compact_collisions = 0;    ///< ambiguous short ids or a rebuilt root that differed
  std::uint64_t compact_failed = 0;        ///< compact proposals given up (bad answer, no data)
  std::uint64_t gossip_batches = 0;        ///< distinct transaction batches received or created
  std::uint64_t compact_missing = 0;       ///< batches asked for in block_requests
  std::uint64_t compact_prefilled = 0;     ///< batches a leader sent whole in its compact proposals
};

/// What a node is waiting for before it can commit its next height (node_core::waiting_for()):
/// the first stage missing on the way from its committed head to a two-chain commit. For stall
/// reports (the simulator's end-of-run summary) and for a real node's logs or /metrics.
struct wait_state {
  enum class stage : std::uint8_t {
    proposal,       ///< no proposal of block `height` received (this node is in view `view`)
    batches,        ///< compact proposal held; `missing` batches missing, asked `peer` (if `asked`)
    rebuild_failed, ///< compact proposal given up (answers did not match the header)
    dropped,        ///< block rebuilt, but it came too late for its view and was dropped as stale
    certificate,    ///< block held, no certificate yet (`voted`: this node voted for it)
    block,          ///< a certificate of block `height` is known, the block is not held
    commit,         ///< (only if the walk finds no end) certified blocks without a commit
  };
  stage what = stage::proposal;
  std::uint64_t height = 0;     ///< the block waited for
  std::uint64_t block_view = 0; ///< its view, when the node holds it or its compact form
  std::uint64_t committed_height = 0;
  std::uint64_t view = 0;
  std::uint64_t high_qc_height = 0;
  bool super = false;           ///< this node is a super node
  std::uint32_t super_node = 0; ///< the super node it votes through (itself if super)
  bool voted = false;
  std::size_t missing = 0; ///< stage batches: batches still missing
  bool asked = false;      ///< stage batches: a block_request went out
  std::uint32_t peer = 0;  ///< batches, rebuild_failed: its source; block, dropped: catch-up peer
  bool sync_outstanding = false;
  /// Certified blocks held above the committed head, below `height` (the two-chain rule waits
  /// for a certified child in the very next view).
  std::uint32_t certified_above = 0;
};
/// Names a stage ("proposal", "batches", ...).
const char* to_string(wait_state::stage s) noexcept;

class node_core {
public:
  explicit node_core(core_config cfg);

  // -- events -------------------------------------------------------------------------------------

  /// Starts the node at genesis (or at what restore() loaded): enters the first view.
  void start(std::int64_t now_us);
  /// Handles a decoded message from node `from`.
  void on_message(std::uint32_t from, const msg_ptr& msg, std::int64_t now_us);
  /// Handles a timer set by an earlier timer_effect.
  void on_timer(timer_kind kind, std::uint64_t view, std::int64_t now_us);
  /// Adds client transactions to the pool and forwards them towards the next leaders.
  /// Returns how many were accepted (duplicates, overflow and, with an application, invalid
  /// transactions are refused); `verdicts`, when given, receives one answer per transaction.
  std::size_t submit(std::vector<ledger::transaction> txs, std::int64_t now_us,
                     std::vector<ledger::app_verdict>* verdicts = nullptr);
  /// Loads a committed chain (after a restart) before start(); blocks must be in height order
  /// and link up. Returns an error naming the first bad block. The chain starts at height 1, or,
  /// on a fresh core with a chain window (retained_blocks) and an archive, higher: the top of
  /// the chain, whose heights below come from the archive (the store checked how they link
  /// before, see chain_store::load_for_restart), and whose first block's parent is not checked.
  result<void> restore(const std::vector<proto::committed_block>& chain);

  /// A committed block and its certificate.
  struct chain_entry {
    ledger::block_ptr block;
    cert_ptr cert;
  };

  /// Moves out the effects produced so far.
  std::vector<effect> take_effects() { return std::exchange(out_, {}); }
  crypto::crypto_meter& meter() noexcept { return meter_; }

  // -- queries ------------------------------------------------------------------------------------

  std::uint32_t id() const noexcept { return me_; }
  std::uint64_t view() const noexcept { return view_; }
  std::uint64_t committed_height() const noexcept { return chain_base_ + chain_.size() - 1; }
  const crypto::hash256& committed_hash() const noexcept { return chain_hashes_.back(); }
  /// Returns the committed block at height h with its certificate, as the codec wants it, from
  /// memory or the archive; nullopt if neither has it (see core_config::retained_blocks).
  std::optional<proto::committed_block> find_committed(std::uint64_t h) const;
  /// Like find_committed(), but throws std::out_of_range if the block is not available.
  proto::committed_block committed_block_at(std::uint64_t h) const;
  /// Returns the committed block at height h (0 = genesis) if it is still kept in memory, or
  /// null; its certificate may be null below the certificate window.
  const chain_entry* committed_at(std::uint64_t h) const {
    return h >= chain_base_ && h - chain_base_ < chain_.size() ? &chain_[h - chain_base_] : nullptr;
  }
  /// Lowest committed height still kept in memory.
  std::uint64_t lowest_retained_height() const noexcept { return chain_base_; }
  /// Counts what the core holds in memory (for tests and memory studies).
  retained_counts retained() const;
  /// A hint for a host that runs many cores in turn (the simulator): asks the processor to
  /// load this core's object into the cache ahead of its next event. No effect on behaviour.
  void prefetch() const noexcept;
  /// The second step, once the object is in: what the core holds on the heap and reads on
  /// every event (the top of the chain, uncommitted blocks, the effects' room).
  void prefetch_held() const noexcept;
  const proto::block_certificate& high_qc() const noexcept { return *high_qc_; }
  /// Returns the leader this node expects for its current view.
  std::uint32_t expected_leader() const;
  std::size_t pool_size() const noexcept { return app_ ? app_->pool_size() : pool_ids_.size(); }
  ledger::application* app() const noexcept { return app_; }
  std::uint32_t current_super() const noexcept { return current_super_; }
  const core_stats& stats() const noexcept { return stats_; }
  const topology& topo() const noexcept { return *topo_; }
  const params& parameters() const noexcept { return p_; }
  /// Returns the epoch of the height this node decides next (0 with a fixed set).
  std::uint64_t epoch() const { return sets_ ? sets_->epoch_of(high_qc_->height + 1) : 0; }
  /// Tells whether this node sits in the set deciding its next height (always with a fixed set).
  bool in_set() const { return !epoch_ || epoch_->contains(me_); }
  /// Tells what this node waits for before it can commit height committed_height() + 1.
  wait_state waiting_for() const;
  /// Batches in this node's gossip mempool (relay: compact).
  std::size_t mempool_batches() const noexcept { return mempool_.size(); }
  /// Overlay peers of a node for transaction gossip (symmetric: a circulant graph).
  static std::vector<std::uint32_t> gossip_peers(std::uint32_t me, std::uint32_t n,
                                                 std::uint32_t degree);

private:
  struct pending_block {
    ledger::block_ptr block;
    cert_ptr cert; ///< set once certified
  };

  // Validator role (actors/validator/validator.cpp).
  void on_proposal(std::uint32_t from, const msg_ptr& msg, const proto::proposal& p);
  void keep_late_certified(const ledger::block_ptr& b);
  void on_commit_certificate(std::uint32_t from, const msg_ptr& msg,
                             const proto::commit_certificate& c);
  void on_view_change(std::uint32_t from, const proto::view_change& vc);
  void on_relayed_view_change(std::uint32_t from, const proto::view_change& vc);
  void on_timeout_certificate(std::uint32_t from, const proto::timeout_certificate& tc);
  void on_sync_request(std::uint32_t from, const proto::sync_request& r);
  void on_sync_response(std::uint32_t from, const msg_ptr& msg, const proto::sync_response& r);
  void on_view_timeout(std::uint64_t view);
  void on_sync_retry();
  /// Checks a block certificate; `owner`, when given, is the immutable decoded message that
  /// holds it (the certificate scheme may remember the outcome by the message's identity).
  bool check_block_certificate(const proto::block_certificate& c, const char*& reason,
                               const std::shared_ptr<const void>& owner = nullptr);
  bool check_timeout_certificate(const proto::timeout_certificate& tc, const char*& reason);
  void process_certificate(const cert_ptr& c, std::uint32_t from);
  /// The same for a certificate inside a decoded message (`owner`): a pointer to it that shares
  /// the message's ownership is made only where the certificate is kept, so a certificate the
  /// node already holds (a proposal's justify, mostly) costs no reference count on a message
  /// that every node of a simulation shares.
  void process_certificate(const msg_ptr& owner, const proto::block_certificate& c,
                           std::uint32_t from);
  /// Both of the above: `owner` holds `c` (a cert_ptr owner is the certificate itself).
  template <class Owner>
  void process_certificate_of(const Owner& owner, const proto::block_certificate& c,
                              std::uint32_t from);
  void try_commit(const crypto::hash256& certified);
  /// Gives a block that just entered pending_ the certificate that came before it (see
  /// early_certs_), and tries the two-chain rule on it and its certified children.
  void attach_early_certificate(const crypto::hash256& h);
  /// Handles again the proposals kept because block `h` (their parent) was missing, now that
  /// it is held: if their view is still on, the node votes (and a super node relays) after all.
  void resume_children(const crypto::hash256& h);
  void remember_early_certificate(const cert_ptr& cp);
  bool has_early_certificate(const crypto::hash256& h) const;
  void commit_chain(const crypto::hash256& tip);
  void trim_chain();
  void enter_view(std::uint64_t v, bool via_timeout);
  void cast_vote(const proto::proposal& p);
  void time_out_view(std::uint64_t v);
  void form_timeout_certificate(std::uint64_t v);
  void request_sync(std::uint32_t peer);
  void maybe_rehome(std::uint64_t v);
  void note_lost_vote(std::uint64_t v);
  std::vector<std::uint32_t> view_change_targets() const;
  const ledger::block_header* header_of(const crypto::hash256& h) const;
  bool known_certified(const crypto::hash256& h) const;
  std::int64_t current_view_timeout_us() const;

  // Super node role (actors/super_node/super_node.cpp).
  struct collection {
    std::uint64_t height = 0;
    crypto::hash256 block_hash;
    std::vector<crypto::indexed_signature> votes;
    crypto::signer_bitmap voted;
    std::size_t group_sent = 0; ///< votes covered by the last group certificate sent
    bool complete_sent = false;
    bool early_sent = false; ///< the early group certificate went out (early_group_cert_share)
    /// Own group certificate and received ones, each shared with the message that carried it
    /// (a super node holds M of them per view: copies cost O(N M) bits per super node).
    std::vector<std::shared_ptr<const crypto::quorum_certificate>> certs;
    std::vector<std::uint32_t> cert_counts; ///< signers of each of certs, counted once
    crypto::signer_bitmap signers;          ///< union over certs
    std::size_t signer_count = 0;           ///< signers.count(), kept as certs arrive
    std::vector<bool> supers_seen;          ///< super nodes whose certificate arrived
    std::uint32_t supers_count = 0;
    bool certified = false;
    bool commit_timer = false;
    bool commit_sent = false;
  };
  void relay_proposal(const msg_ptr& msg, const proto::proposal& p);
  void on_vote(std::uint32_t from, const proto::vote& v);
  void on_group_certificate(std::uint32_t from, const msg_ptr& msg,
                            const proto::group_certificate& g);
  void on_group_wait(std::uint64_t view);
  collection& collection_for(std::uint64_t view, std::uint64_t height, const crypto::hash256& h);
  void maybe_send_group_certificate(std::uint64_t view, collection& c);
  void add_certificate(std::uint64_t view, collection& c,
                       const std::shared_ptr<const crypto::quorum_certificate>& qc,
                       std::uint32_t from);
  proto::block_certificate combined(std::uint64_t view, const collection& c) const;
  void send_commit_certificate(std::uint64_t view, collection& c);
  void on_commit_wait(std::uint64_t view);
  /// Once views have failed, sends a certificate this super node formed to the next leader.
  void hand_to_next_leader(std::uint64_t view, const collection& c, const cert_ptr& bc);
  /// Views after a timed-out one during which recovery measures stay on.
  static constexpr std::uint64_t recovery_views = 8;
  /// Tells whether a view failed here lately (this node timed out, or learnt the timeout
  /// certificate of, a view within the last recovery_views views).
  bool recovering() const noexcept {
    return timed_out_view_ > 0 && timed_out_view_ + recovery_views >= view_;
  }
  /// While recovering, a super node relays proposals, combined certificates and timeout
  /// certificates to every node of the block's set, not only to its group, and members vote
  /// through every super node: a member whose super node is faulty, or that re-homed onto one,
  /// is then served by any honest super node (fault-search seeds 9959, 21737, ...).
  std::vector<std::uint32_t> recovery_targets(std::uint64_t height) const;
  std::vector<std::uint32_t> relay_targets() const;
  /// Returns where to relay a proposal or certificate of the block at `height` (fixed set: the
  /// same as relay_targets()).
  std::vector<std::uint32_t> relay_targets(std::uint64_t height) const;
  bool group_complete(const collection& c) const;
  /// Tells whether early_group_cert_share of the group has voted (false when the option is off).
  bool group_early(const collection& c) const;
  void note_rehome(std::uint32_t node, std::uint32_t target);

  // Leader role (actors/leader/leader.cpp).
  void maybe_propose(std::int64_t now_us);
  void propose();
  std::vector<ledger::transaction> take_block_transactions(std::uint64_t height);
  void drop_from_pool(const ledger::block& b);
  /// Makes sure the application holds the state after `h`, processing uncommitted ancestors it
  /// has not seen (blocks that arrived by catch-up); false if a block on the way is missing or
  /// invalid.
  bool app_ready(const crypto::hash256& h);
  void charge(const ledger::app_verdict& v) {
    meter_.verifies += v.signatures_checked;
    meter_.hashed_bytes += v.bytes_hashed;
  }

  // Compact relay and transaction gossip (actors/relay/relay.cpp).
  struct pool_batch {
    msg_ptr msg; ///< a tx_batch
    crypto::hash256 id;
    std::int64_t arrived_us = 0;
    std::uint64_t seq = 0;              ///< arrival order
    std::vector<std::uint32_t> holders; ///< peers known to hold it (no announcement to them)
  };
  struct rebuild {
    msg_ptr msg; ///< the compact_proposal
    crypto::hash256 block_hash;
    crypto::hash256 key;
    std::uint32_t source = 0;                                  ///< whom to ask for missing batches
    std::vector<std::shared_ptr<const proto::tx_batch>> slots; ///< per position; null: missing
    std::vector<std::uint64_t> shorts; ///< expected short id per position (prefilled: unused)
    std::vector<bool> prefilled;
    std::size_t missing = 0;
    bool asked = false;     ///< a block_request went out
    bool asked_all = false; ///< ... for every position (after a root mismatch)
    bool done = false;      ///< rebuilt, validated and handed to on_proposal
    bool failed = false;
    std::vector<std::pair<std::uint32_t, std::vector<std::uint32_t>>> waiting; ///< requests
  };
  /// One batch of a compact block: a batch of the mempool named by its short id, or a batch the
  /// leader sends whole (prefilled: its own young batch, or transactions no held batch carries
  /// exactly, e.g. a transaction that came in two batches, or a coinbase).
  struct compact_pick {
    std::shared_ptr<const proto::tx_batch> batch;
    crypto::hash256 id;
    bool prefill = false;
  };
  struct compact_plan {
    std::vector<compact_pick> picks;
    std::vector<crypto::hash256> consumed; ///< mempool batches whose transactions all went in
  };
  void relay_start();
  void on_gossip_tick();
  void on_gossip_batch(std::uint32_t from, const msg_ptr& msg, const proto::tx_batch& b);
  void on_tx_announce(std::uint32_t from, const proto::tx_announce& a);
  void on_tx_request(std::uint32_t from, const proto::tx_request& r);
  void propose_compact(const proto::proposal& p, const msg_ptr& full, const compact_plan& plan);
  compact_plan pick_batches();
  compact_plan pick_batches_app();
  void add_to_mempool(const msg_ptr& msg, const crypto::hash256& id, std::uint32_t from,
                      bool announce);
  void erase_from_mempool(const crypto::hash256& id);
  void remember_included(const crypto::hash256& id, msg_ptr m);
  void remember_included_txs(const ledger::block& b);
  /// Client admission under either relay: the application's check (with an application), else
  /// the pool bound and the refusal of a transaction already pooled or in an accepted block.
  /// Appends tx's verdict to *verdicts (if given); true when tx is admitted.
  bool admit_client_tx(const ledger::transaction& tx, std::vector<ledger::app_verdict>* verdicts);
  /// Client transactions under compact relay: one batch into the gossip mempool.
  std::size_t submit_gossip(std::vector<ledger::transaction> txs,
                            std::vector<ledger::app_verdict>* verdicts);
  void on_compact(std::uint32_t from, const msg_ptr& msg, const proto::compact_proposal& c);
  void on_block_request(std::uint32_t from, const proto::block_request& r);
  void on_block_batches(std::uint32_t from, const proto::block_batches& b);
  void try_finish(rebuild& r);
  void serve(rebuild& r, std::uint32_t to, const std::vector<std::uint32_t>& indexes);
  void ask(rebuild& r, std::vector<std::uint32_t> indexes);

  // Plumbing.
  void send(std::vector<std::uint32_t> to, msg_ptr m, phase ph);
  void send_one(std::uint32_t to, msg_ptr m, phase ph) { send({to}, std::move(m), ph); }
  void reject(std::uint32_t from, const char* reason);
  void set_timer(timer_kind k, std::uint64_t view, std::int64_t delay_us) {
    out_.push_back(timer_effect{k, view, delay_us});
  }
  bool is_super() const noexcept { return topo_->is_super(me_); }

  // DPoS epochs (actors/common/epochs.hpp); each reduces to the fixed set when sets_ is null.
  /// Returns the set of the epoch of `height` (null: fixed set, or not known yet).
  std::shared_ptr<const epoch_set> set_at(std::uint64_t height) const {
    return sets_ ? sets_->set_of(sets_->epoch_of(height)) : nullptr;
  }
  /// Returns the topology that leads and groups the block at `height`.
  const topology& topo_at(std::uint64_t height) const {
    auto s = set_at(height);
    return s ? *s->topo() : *topo_;
  }
  /// Returns the quorum for certificates of the block at `height`.
  std::size_t quorum_at(std::uint64_t height) const {
    auto s = set_at(height);
    return s ? s->quorum() : set_->quorum();
  }
  /// Follows the set of the height decided next (called when the highest certificate moves).
  void refresh_epoch();
  /// Sets whose quorum a timeout certificate needs at this node's next height (empty: fixed).
  std::vector<std::shared_ptr<const epoch_set>> timeout_sets() const;
  /// Tells whether these view-change senders make a timeout quorum (fixed: more than 2/3 of N).
  bool timeout_quorum(const std::set<std::uint32_t>& senders) const;
  /// Tells whether a node's view changes count at this node's next height (fixed: all).
  bool counts_for_timeout(std::uint32_t node) const;
  static std::set<std::uint32_t>
  senders_of(const std::map<std::uint32_t, proto::view_change>& votes) {
    std::set<std::uint32_t> out;
    for (const auto& kv : votes)
      out.insert(kv.first);
    return out;
  }
  /// Tells whether every signer of these certificates is a member of `s`.
  static bool signers_in(const crypto::qc_list& qcs, const epoch_set& s);
  const crypto::signature_scheme& votes_scheme() const { return certs_->votes(); }

  std::uint32_t me_;
  std::shared_ptr<const topology> topo_;
  std::shared_ptr<const crypto::validator_set> set_;
  const crypto::certificate_scheme* certs_;
  std::unique_ptr<crypto::signer> signer_;
  const consensus_set_provider* sets_ = nullptr;
  std::shared_ptr<const epoch_set> epoch_; ///< the set deciding high_qc_->height + 1 (DPoS)
  params p_;
  ledger::application* app_;
  crypto::crypto_meter meter_;
  std::vector<effect> out_;
  core_stats stats_;
  std::int64_t now_us_ = 0;

  // Chain.
  std::vector<chain_entry> chain_; ///< committed, by height; [0] is height chain_base_
  std::vector<crypto::hash256> chain_hashes_;
  std::uint64_t chain_base_ = 0; ///< height of chain_[0]: 0 (genesis) until trimmed
  std::uint64_t retained_blocks_ = 0;
  std::uint64_t retained_certificates_ = 0;
  const chain_archive* archive_ = nullptr;
  crypto::hash256 genesis_hash_;
  flat_map<crypto::hash256, pending_block> pending_; ///< uncommitted blocks by hash, as they came
  cert_ptr high_qc_;

  // Pacemaker.
  std::uint64_t view_ = 0;
  std::uint64_t last_voted_view_ = 0;
  std::uint64_t timed_out_view_ = 0;
  std::uint32_t consecutive_timeouts_ = 0;
  std::optional<proto::timeout_certificate> last_tc_; ///< the TC that let us into view_, if any
  std::map<std::uint64_t, std::map<std::uint32_t, proto::view_change>> timeouts_; ///< by view
  view_set seen_proposal_views_;           ///< views whose proposal we handled (bounded)
  std::uint64_t voted_view_via_super_ = 0; ///< last view we voted in
  std::uint64_t cert_received_view_ = 0;   ///< last view whose certificate reached us
  std::uint64_t heard_super_view_ = 0;     ///< last view our super node showed life in
  bool heard_super_recently_ = false;      ///< since the last view timeout fired
  /// Views this node voted in that timed out without their certificate coming back, and the
  /// last of them: while they keep failing, votes also go to that many more super nodes.
  std::uint32_t lost_vote_views_ = 0;
  std::uint64_t last_lost_vote_view_ = 0;
  std::uint32_t current_super_ = 0;

  // Catch-up.
  bool sync_outstanding_ = false;
  std::uint32_t sync_peer_ = 0;
  /// Certificates of blocks not held yet (bounded): a block rebuilt from a compact proposal may
  /// arrive after its certificate (its missing batches came back after the next view's proposal
  /// or T4), and nothing would bring that certificate again.
  lazy_deque<cert_ptr> early_certs_;
  /// Proposals that came before their parent block (bounded): a block rebuilt from a compact
  /// proposal after the next view's block was rebuilt (its batches came later) left that next
  /// block without this node's vote for good, and a super node waiting for a complete group
  /// never sent its group certificate (N = 10,000, docs/relay.md).
  struct orphan_proposal {
    crypto::hash256 parent;
    std::uint32_t from = 0;
    msg_ptr msg;
  };
  std::vector<orphan_proposal> orphans_;
  std::uint32_t sync_misses_ = 0; ///< catch-up retries unanswered in a row
  /// Outside the set (DPoS): view timeouts spent asking a super node for the chain, which picks
  /// the next one to ask when the last request went to another node.
  std::uint64_t outside_sync_turns_ = 0;

  // Super node role.
  std::map<std::pair<std::uint64_t, crypto::hash256>, collection> collections_;
  /// The collection collection_for() returned last (votes and certificates of one view come in
  /// runs); reset whenever collections_ loses an entry.
  collection* last_collection_ = nullptr;
  std::uint64_t last_collection_view_ = 0;
  view_set relayed_views_;
  std::set<std::uint32_t> adopted_;  ///< nodes of other groups that re-homed to us
  std::set<std::uint32_t> departed_; ///< own members that re-homed elsewhere

  // Leader role.
  lazy_deque<ledger::transaction> pool_;
  std::unordered_set<crypto::hash256> pool_ids_;
  std::uint64_t proposed_view_ = 0;

  // Compact relay and gossip.
  std::vector<std::uint32_t> gossip_peers_;
  bool gossip_entry_ = false;
  std::uint64_t gossip_seq_ = 0; ///< batches made here (client transaction nonces follow)
  double gossip_credit_ = 0;     ///< client transactions owed to the next batch
  std::uint64_t pool_seq_ = 0;
  std::unordered_map<crypto::hash256, pool_batch> mempool_;
  std::vector<crypto::hash256> fresh_; ///< batches to announce at the next tick
  std::unordered_map<crypto::hash256, std::int64_t> requested_; ///< batch -> asked at
  std::unordered_map<crypto::hash256, msg_ptr> included_; ///< batches in accepted blocks (bounded)
  lazy_deque<crypto::hash256> included_order_;
  std::map<std::uint64_t, rebuild> rebuilds_; ///< by view (bounded)
  /// dedup_txs: transaction ids of accepted blocks (bounded).
  std::unordered_set<crypto::hash256> included_txs_;
  lazy_deque<crypto::hash256> included_txs_order_;
  /// With an application: the mempool batch that first brought each pooled transaction.
  std::unordered_map<crypto::hash256, crypto::hash256> tx_home_;
};

} // namespace bystack::bbft
