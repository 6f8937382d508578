#pragma once
/// A mining network in simulated time: mainchain nodes (actors/mainchain) on a seeded random
/// graph with latency, uplink bandwidth and block validation time, miners (actors/miner) that
/// find blocks as Poisson processes, and optionally a selfish pool. A plain discrete-event loop
/// drives the pure cores directly (no CAF), which keeps tens of thousands of blocks within
/// seconds; the cores are the same ones a CAF actor would host.

#include "actors/mainchain/mainchain_core.hpp"
#include "actors/miner/miner_core.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace bystack::sim::mainchain {

/// Describes the network and the miners.
struct network_params {
  std::size_t nodes = 50;
  std::size_t out_degree =
      4; ///< links per node: a ring plus out_degree - 1 random (nodes - 1: all)
  double latency_min_ms = 50; ///< one-way latency of a link, uniform per link
  double latency_max_ms = 150;
  double bandwidth_mbps = 20;            ///< every node's uplink (0: unlimited)
  std::uint64_t block_bytes = 1'000'000; ///< the modelled wire size of a block
  double validate_ms_per_mb = 100;       ///< receiver CPU per MB of block, one block at a time
  /// A share of the nodes (drawn with the seed) is slower: uplink divided and validation time
  /// multiplied by slow_factor. Real networks have such a tail (Decker and Wattenhofer's 95th
  /// percentile of propagation was about six times their median).
  double slow_fraction = 0;
  double slow_factor = 1;
  std::vector<double> shares; ///< miner i sits on node i; shares sum to 1
  /// Links every pair of mining nodes directly (a relay network between pools).
  bool miners_relay = false;
  double relay_latency_ms = 30;
  double relay_bandwidth_mbps = 0; ///< 0: unlimited
};

/// Describes one run.
struct run_params {
  std::uint64_t seed = 1;
  std::uint64_t blocks = 1000; ///< stop once this many blocks have been mined
  double block_interval_s = 600;
  std::uint64_t retarget_blocks = 2016;
  /// Miner 0 mines selfishly (Eyal and Sirer); honest nodes move to an equal-work block with
  /// probability gamma, modelling which one they hear of first.
  bool selfish = false;
  double gamma = 0;
};

/// What a run measured.
struct run_result {
  std::uint64_t seed = 0;
  std::uint64_t mined = 0;   ///< blocks found
  std::uint64_t counted = 0; ///< found at heights settled by the end of the run
  std::uint64_t stale = 0;   ///< of those, not on node 0's final chain
  std::uint64_t final_height = 0;
  std::uint64_t reorgs = 0;                ///< over all nodes
  std::vector<std::uint64_t> reorg_depths; ///< histogram: index = depth
  double propagation_p50_s = 0;            ///< block first received by a node, after it was mined
  double propagation_p90_s = 0;
  double propagation_mean_s = 0;
  double miner_delay_s = 0;  ///< mean hash-weighted delay to the other miners
  double confirm1_p50_s = 0; ///< main-chain block mined -> node 0 holds it
  double confirm6_p50_s = 0; ///< main-chain block mined -> node 0 holds 5 on top
  double confirm6_p90_s = 0;
  std::uint64_t attacker_blocks = 0; ///< main-chain blocks of miner 0 (selfish runs)
  std::uint64_t main_blocks = 0;     ///< main-chain blocks counted
  std::uint64_t messages = 0;
  std::uint64_t rejected = 0;
  double sim_seconds = 0;
  std::uint64_t trace_hash = 0;
};

run_result run_network(const network_params& net, const run_params& run);

/// Describes the double-spend experiment (Nakamoto 2008, section 11).
struct double_spend_params {
  std::uint64_t seed = 1;
  double q = 0.1;      ///< the attacker's hash share
  std::uint64_t z = 1; ///< confirmations the merchant waits for
  std::uint64_t trials = 1000;
  std::uint64_t give_up_deficit = 0; ///< the attacker stops this many blocks behind
};

struct double_spend_result {
  std::uint64_t trials = 0;
  std::uint64_t successes = 0;       ///< the merchant's node ended with the conflicting spend
  std::uint64_t blocks = 0;          ///< blocks mined over all trials
  std::uint64_t max_reorg_depth = 0; ///< at the merchant's node
  std::uint64_t trace_hash = 0;
};

/// Runs independent races: an honest node (the merchant's) and the attacker's node, each with
/// its miner, no propagation delay (the paper's model); the attacker pays the merchant on the
/// public chain, mines a conflicting branch in private and publishes it per
/// miner::double_spend_strategy; success is read from the merchant node's UTXO set after the
/// reorganisation.
double_spend_result run_double_spend(const double_spend_params& p);

/// Returns the 64-bit trace hash as 16 hex digits.
std::string hex64(std::uint64_t x);

} // namespace bystack::sim::mainchain
