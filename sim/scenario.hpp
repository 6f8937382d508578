#pragma once
/// A simulation scenario: topology, network model, CPU model, protocol parameters, workload,
/// faults and length. Loaded from YAML; every error names the file, the line and the key.

#include "actors/common/params.hpp"
#include "runtime/base/result.hpp"
#include "runtime/ledger/genesis.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace bystack::sim {

/// Draws one-way propagation delays.
struct latency_model {
  enum class kind { constant, uniform, normal, regions };
  kind model = kind::constant;
  double ms = 50;                          ///< constant
  double min_ms = 0;                       ///< uniform
  double max_ms = 0;                       ///< uniform
  double mean_ms = 0;                      ///< normal
  double stddev_ms = 0;                    ///< normal (truncated at 0)
  std::vector<std::string> region_names;   ///< regions
  std::vector<std::vector<double>> rtt_ms; ///< regions: round-trip times, one-way = rtt / 2
  double jitter_ms = 0;                    ///< regions: uniform +- jitter on the one-way delay
  std::vector<std::uint32_t> region_of;    ///< regions: node -> region (default: round robin)
};

/// Charges CPU time for the work a node does on one event.
struct cpu_model {
  double per_message_us = 2;            ///< fixed cost of handling one event
  double decode_ns_per_byte = 0.5;      ///< Cap'n Proto decode and validation
  double encode_ns_per_byte = 0.5;      ///< Cap'n Proto encode
  double verify_us = 47;                ///< one Ed25519 verification
  double sign_us = 17;                  ///< one Ed25519 signature
  double aggregate_verify_us = 1200;    ///< one aggregate verification (pairings)
  double aggregate_per_signer_us = 0.6; ///< per signer key aggregation in an aggregate check
};

struct network_model {
  latency_model latency;
  double bandwidth_mbps = 100;                ///< every node's uplink
  std::optional<double> super_bandwidth_mbps; ///< super nodes' uplink, if different
};

/// One injected fault (issue: faults); see docs/faults.md for the kinds.
struct fault_spec {
  std::string kind;
  std::vector<std::uint32_t> nodes;
  double at_ms = 0;
  std::optional<double> until_ms;
  double rate = 0;                    ///< loss rate (0..1)
  double delay_ms = 0;                ///< extra delay
  std::vector<std::uint32_t> group_b; ///< partition: the other side (default: everyone else)
};

/// The scenario's `ledger:` section.
struct ledger_spec {
  bool enabled = false;
  std::optional<ledger::genesis_spec> genesis; ///< explicit; otherwise generated for the wallets
  std::uint32_t wallets = 64;
  double rate_tps = 200;          ///< offered transactions per simulated second
  double tick_ms = 50;            ///< submission granularity
  double invalid_share = 0.0;     ///< share of generated transactions made invalid
  double swap_share = 0.05;       ///< multi-party swaps (Quark item for native tokens)
  double multisig_share = 0.05;   ///< spends of 2-of-3 multisig outputs
  double atomic_share = 0.05;     ///< Atomic lot transfers (split)
  double quark_share = 0.05;      ///< Quark token transfers
  double quantum_share = 0.05;    ///< Quantum whole-unit transfers
  std::uint64_t fee_per_kb = 100; ///< generated genesis: minimum fee rate
  std::uint64_t block_reward = 0; ///< generated genesis
  std::uint64_t initial_balance = 1'000'000'000;
  bool coinbase = true;    ///< leaders collect fees with a coinbase
  double stop_after_s = 0; ///< stop offering after this simulated time (0: never)
};

/// One entry of the twins partition schedule (Twins: one partition per round): messages of views
/// first_view..last_view cross only between instances on the same side; an instance on no side
/// hears every side.
struct twins_partition {
  std::uint64_t first_view = 1;
  std::uint64_t last_view = 1;
  std::vector<std::vector<std::uint32_t>> sides; ///< instances: nodes 0..N-1, then the twins
};

/// The scenario's `twins:` section: each listed node runs a second honest core with its own key;
/// the twin of nodes[k] is instance N + k (see docs/faults.md, "Twins").
struct twins_spec {
  std::vector<std::uint32_t> nodes;
  std::vector<twins_partition> partitions;
  /// Partitions apply until then (the synchronous period after the Twins rounds); absent: forever.
  std::optional<double> heal_ms;
};

/// The scenario's `adversary:` section: one adversary controls `nodes` together (their keys and
/// what they learn). Strategy `split`: every colluder runs in both halves of the network, so as
/// a leader it proposes one validly signed block per half and every colluder votes for the block
/// of each half; messages between the halves are withheld until release_ms.
struct adversary_spec {
  std::vector<std::uint32_t> nodes;
  std::string strategy = "split";
  std::vector<std::uint32_t> first_half; ///< honest nodes of the first half (default: lower half)
  double at_ms = 0;
  std::optional<double> release_ms; ///< withheld messages are delivered then (absent: never)
};

struct scenario {
  std::string name = "unnamed";
  std::string source; ///< file it came from
  std::uint64_t seed = 1;
  std::uint32_t nodes = 4;
  std::uint32_t supers = 1;
  std::vector<std::uint32_t> group_sizes; ///< empty: even split
  std::uint32_t rounds = 10;              ///< blocks to commit at every honest node
  std::string crypto = "modelled";        ///< modelled | ed25519
  std::string certificates = "list";      ///< list | aggregate
  std::uint32_t aggregate_bytes = 48;
  network_model network;
  cpu_model cpu;
  bbft::params protocol;
  double max_sim_seconds = 3600;
  std::vector<fault_spec> faults;
  bool check_safety = true;
  std::optional<double> liveness_bound_ms; ///< after the last fault heals
  ledger_spec ledger;                      ///< the BUTXO workload (off: opaque transactions)
  twins_spec twins;
  adversary_spec adversary;
  /// How the simulator itself runs (not what it models; the outcome is the same either way):
  /// lookahead windows as wide as the minimum link latency (false: one virtual instant per
  /// window), and worker threads for the nodes of one window (1 or 2; see docs/simulator.md).
  bool sim_windows = true;
  std::uint32_t sim_threads = 1;
  /// A measurement, not a way to run: each window's node handlers are called directly, in the
  /// order CAF would run them, instead of through a CAF message to each node's actor (the actors
  /// exist but get no mail). Same outcome and trace hash; the wall time difference is what CAF's
  /// dispatch costs (bystack-sim-bench --dispatch direct; never set from a scenario file).
  bool sim_direct_dispatch = false;
  /// A measurement: the wall time of each phase of the loop (run_result::wall_pop_seconds and
  /// the next three), three or four clock readings per window. Off unless asked for
  /// (bystack-sim-bench asks): a run on a network whose minimum link latency is near zero has
  /// about one window per delivery, and the readings were 6.7% of such a run's samples.
  bool sim_phase_times = false;
  /// With two threads, each window's effects are applied in two streams at once, one per thread
  /// (sim/simulation.cpp, the split flush): same outcome and trace hash. Off by default: on the
  /// 2-vCPU machine it was measured on the run was slower (docs/simulator.md); a measurement
  /// for machines where it may pay (bystack-sim-bench --flush split; never set from a file).
  bool sim_split_flush = false;
};

/// Loads a scenario file.
result<scenario> load_scenario(const std::filesystem::path& file);
/// Parses scenario text; `name` stands for the file in errors.
result<scenario> parse_scenario(const std::string& text, const std::string& name);
/// Checks cross-field consistency (group sizes add up to nodes, M <= N, ...).
result<void> validate(const scenario& s);
/// The simulator's reference run at N = `nodes`, M = `supers` (bystack-sim-bench's, there with
/// N = 10,000, M = 100, 100 rounds): seed 1, modelled crypto, aggregate certificates, uniform
/// 20-80 ms latency, 100 Mbit/s links (1,000 for super nodes), 100 synthetic transactions per
/// block, a 60 s view timeout and no simulated-time limit to speak of.
scenario reference_scenario(std::uint32_t nodes, std::uint32_t supers, std::uint32_t rounds);

} // namespace bystack::sim
