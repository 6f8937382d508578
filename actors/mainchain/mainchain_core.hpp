#pragma once
/// The proof-of-work mainchain node: a plain state machine, events in, effects out.
///
/// It keeps a block index (headers and bodies by hash, each with its chain's cumulative work),
/// the best chain and its UTXO state (runtime/ledger) with the undo data of every connected
/// block. A block is checked in two steps, as Bitcoin does: header rules (version, height,
/// difficulty bits, seed, timestamps, proof of work) when the header or block arrives; its
/// transactions (ledger::check_block on the parent's state, coinbase within reward plus fees)
/// when it is connected to the best chain. Fork choice is by most cumulative work
/// (pow::work_from_bits), first seen winning ties; a reorganisation undoes blocks back to the
/// fork point, applies the new branch, and goes back to the old branch if a block of the new
/// one is invalid. Blocks whose parent is unknown wait in a bounded orphan pool while the node
/// asks their sender for headers (header-first catch-up: headers, then bodies).
///
/// Nothing here reads a clock, sleeps, spawns threads or draws randomness of its own: time
/// comes in with each event (`now_ms`), and the one random choice (the optional tie switch that
/// models the selfish-mining gamma) comes from a seed in the configuration.

#include "actors/mainchain/consensus.hpp"
#include "actors/mainchain/effects.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/mempool.hpp"
#include "runtime/ledger/wallet.hpp"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace bystack::mainchain {

/// Everything a node needs from outside, fixed for its lifetime.
struct node_config {
  consensus_params consensus;
  ledger::genesis_spec genesis;
  std::uint64_t genesis_time_ms = 0;
  std::vector<peer_id> peers;
  pow_checker* pow = nullptr;                       ///< not owned; outlives the core
  const crypto::signature_scheme* scheme = nullptr; ///< transaction signatures
  ledger::mempool_limits pool;
  std::size_t orphans_max = 64; ///< blocks whose parent is unknown
  std::size_t headers_per_message_max = 2000;
  std::size_t blocks_in_flight_max = 16;    ///< bodies requested and not yet received
  std::int64_t request_timeout_ms = 20'000; ///< after this a body request goes to another peer
  std::size_t template_txs_max = 2000;      ///< transactions of a template besides the coinbase
  /// Probability of moving to a block whose chain has the same work as the tip (0: first seen
  /// wins, as Bitcoin). Simulations set it to model which of two equal blocks a node hears first.
  double tie_switch_probability = 0;
  std::uint64_t tie_seed = 0;
};

/// Counts what a node did, for observers and tests.
struct node_stats {
  std::uint64_t blocks_received = 0;
  std::uint64_t blocks_connected = 0;
  std::uint64_t blocks_disconnected = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t orphans_added = 0;
  std::uint64_t orphans_evicted = 0;
  std::uint64_t orphans_linked = 0;
  std::uint64_t reorgs = 0; ///< tip changes that disconnected at least one block
  std::uint64_t max_reorg_depth = 0;
  std::uint64_t failed_reorgs = 0; ///< new branches found invalid and rolled back
  std::uint64_t headers_requests = 0;
  std::uint64_t block_requests = 0;
  std::uint64_t request_timeouts = 0;
  std::map<std::string, std::uint64_t> rejected; ///< by reason
  std::uint64_t rejected_total() const;
};

class mainchain_core {
public:
  explicit mainchain_core(node_config cfg);
  mainchain_core(const mainchain_core&) = delete;
  mainchain_core& operator=(const mainchain_core&) = delete;

  // -- events -------------------------------------------------------------------------------------

  /// Handles a whole block from a peer.
  void on_block(peer_id from, const block_ptr& b, std::int64_t now_ms);
  /// Handles headers from a peer: an announcement or an answer to request_headers.
  void on_headers(peer_id from, const std::vector<header>& headers, std::int64_t now_ms);
  /// Answers a peer's request for headers after the first locator hash on the best chain.
  void on_request_headers(peer_id from, const std::vector<hash256>& locator);
  /// Answers a peer's request for block bodies.
  void on_request_blocks(peer_id from, const std::vector<hash256>& hashes);
  /// Handles a transaction from a client (from = self_peer) or a peer.
  ledger::admit_result on_tx(peer_id from, const tx_ptr& t, std::int64_t now_ms);
  /// Registers a miner and answers with a template; later tip changes send fresh templates.
  void on_template_request(std::uint32_t miner, const ledger::control_program& payout,
                           std::int64_t now_ms);
  /// Handles a block a local miner found. Unpublished blocks (a withholding attacker's private
  /// chain) are connected but neither announced nor served until publish().
  void on_block_mined(const block_ptr& b, std::int64_t now_ms, bool publish = true);
  /// Publishes a withheld block and its withheld ancestors: announces and serves them.
  void publish(const hash256& h);
  /// Handles the request timer: re-requests bodies that a peer did not deliver in time.
  void on_timer(std::int64_t now_ms);

  /// Moves out the effects produced so far.
  std::vector<effect> take_effects() { return std::exchange(out_, {}); }

  // -- queries ------------------------------------------------------------------------------------

  std::uint64_t height() const noexcept { return chain_.size() - 1; }
  const hash256& tip_hash() const noexcept { return chain_.back()->hash; }
  const header& tip_header() const noexcept { return chain_.back()->hdr; }
  const pow::uint256& tip_work() const noexcept { return chain_.back()->work; }
  /// Returns the hash of the best chain's block at height h (h <= height()).
  const hash256& hash_at(std::uint64_t h) const { return chain_.at(h)->hash; }
  /// Returns the block body at height h of the best chain (null for genesis).
  block_ptr block_at(std::uint64_t h) const { return chain_.at(h)->blk; }
  bool knows(const hash256& h) const { return index_.count(h) != 0; }
  bool has_body(const hash256& h) const;
  bool on_best_chain(const hash256& h) const;
  /// Returns the height of the highest published block whose header passed the rules (the
  /// public chain's height, as a withholding miner sees it).
  std::uint64_t public_height() const noexcept { return public_height_; }
  std::size_t index_size() const noexcept { return index_.size(); }
  std::size_t orphan_count() const noexcept { return orphans_.size(); }
  const ledger::utxo_set& state() const noexcept { return utxo_; }
  const ledger::chain_params& ledger_params() const noexcept { return ledger_params_; }
  const ledger::mempool& pool() const noexcept { return *pool_; }
  const node_stats& stats() const noexcept { return stats_; }
  const consensus_params& consensus() const noexcept { return cfg_.consensus; }
  /// Returns the bits a child of the block `parent` must carry (retarget every K blocks).
  std::uint64_t next_bits(const hash256& parent) const;
  /// Returns the genesis header every node of this configuration shares.
  const header& genesis_header() const noexcept { return chain_.front()->hdr; }
  /// Returns a header for a child of the best tip (bits, seed, a valid timestamp at or after
  /// now_ms; no transactions, nonce 0).
  header child_header(std::int64_t now_ms) const;

private:
  struct entry {
    header hdr;
    hash256 hash;
    entry* parent = nullptr;
    pow::uint256 work;                          ///< cumulative, this block included
    block_ptr blk;                              ///< null while only the header is known
    std::unique_ptr<ledger::block_delta> delta; ///< once connected: for undo and reconnect
    std::vector<entry*> children;
    bool linked = false; ///< this body and every ancestor's body are present
    bool invalid = false;
    bool published = true;
    bool on_chain = false;
  };
  struct orphan {
    block_ptr blk;
    peer_id from;
  };
  struct subscription {
    std::uint32_t miner;
    ledger::control_program payout;
  };

  entry* find(const hash256& h) const;
  const char* check_header(const header& h, const entry& parent, std::int64_t now_ms) const;
  entry* add_entry(const header& h, const hash256& hash, entry* parent);
  void accept_block(peer_id from, const block_ptr& b, std::int64_t now_ms, bool publish);
  void link(entry* e);
  void consider(entry* e);
  void activate_best(std::int64_t now_ms);
  bool reorganise_to(entry* target, std::int64_t now_ms);
  void mark_invalid(entry* e);
  void connect_orphans_of(const hash256& parent, std::int64_t now_ms);
  void request_bodies(peer_id from, std::int64_t now_ms, entry* target = nullptr);
  void announce(const std::vector<entry*>& blocks);
  void reject(peer_id from, const char* reason);
  void rebuild_pool(const std::vector<entry*>& undone);
  void send_templates(std::int64_t now_ms);
  void send_template(const subscription& s, std::int64_t now_ms);
  std::uint64_t expected_bits(const entry& parent) const;
  hash256 expected_seed(const entry& parent) const;
  std::uint64_t median_time_past(const entry& e) const;
  const entry* ancestor(const entry* e, std::uint64_t height) const;
  std::vector<hash256> locator() const;
  double next_uniform();

  node_config cfg_;
  ledger::chain_params ledger_params_;
  ledger::utxo_set utxo_;
  std::unique_ptr<ledger::signature_checker> checker_;
  std::unique_ptr<ledger::mempool> pool_;
  std::unordered_map<hash256, std::unique_ptr<entry>> index_;
  std::vector<entry*> chain_;    ///< the best chain by height, genesis first
  entry* best_ = nullptr;        ///< the most-work linked valid block
  entry* best_header_ = nullptr; ///< the most-work valid header, body or not
  std::deque<orphan> orphans_;   ///< oldest first, at most orphans_max
  std::map<hash256, std::pair<peer_id, std::int64_t>> in_flight_; ///< body -> (peer, asked at)
  std::vector<subscription> miners_;
  std::uint64_t public_height_ = 0;
  std::uint64_t rng_state_;
  std::uint64_t work_bits_ = 0; ///< the bits work_of_bits_ belongs to
  pow::uint256 work_of_bits_;
  node_stats stats_;
  std::vector<effect> out_;
};

} // namespace bystack::mainchain
