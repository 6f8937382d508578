#pragma once
/// The configuration of a production node (`bystackd --config FILE.yaml`): its key, its
/// addresses, its data directory, the consensus set and the protocol and transport bounds.
///
/// Relative paths (key_file, data_dir) are taken relative to the directory of the config file, so
/// that a cluster directory can be moved as a whole.

#include "actors/common/params.hpp"
#include "runtime/base/result.hpp"
#include "runtime/config/yaml_reader.hpp"
#include "runtime/crypto/keys.hpp"
#include "runtime/ledger/election.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/rewards.hpp"
#include "runtime/ledger/rules.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bystack::node {

/// Names a host and a TCP port.
using endpoint = config::endpoint;

/// Describes one member of the consensus set; its position in the list is its index.
struct peer_config {
  crypto::public_key key{};
  endpoint addr;
};

/// Describes one BBFT group: its super node and its members (the super node among them).
struct group_config {
  std::uint32_t super_node = 0;
  std::vector<std::uint32_t> members;
};

/// Bounds of the transport and the API; units last in names.
struct limits_config {
  std::uint64_t max_message_bytes = 32 * 1024 * 1024;    ///< one envelope on the wire
  std::uint64_t peer_window_bytes = 64 * 1024 * 1024;    ///< unacknowledged bytes towards one peer
  std::uint64_t inbound_queue_bytes = 128 * 1024 * 1024; ///< verified, not yet handled
  std::uint64_t max_request_bytes = 16 * 1024 * 1024;    ///< one HTTP request body
  std::uint64_t max_txs_per_request = 20'000;
  std::uint64_t reconnect_ms = 500;
};

/// What the transactions of blocks mean.
enum class ledger_mode : std::uint8_t {
  opaque = 0, ///< signed opaque payloads, every block valid (pure consensus)
  butxo = 1,  ///< the BUTXO multi-asset ledger (runtime/ledger), from a genesis
};

/// Names the environment variable that must be `1` for a config to enable test faults, so that
/// a production config cannot turn them on by accident.
inline constexpr const char* test_faults_env = "BYSTACK_ALLOW_TEST_FAULTS";

/// Faults a node injects on purpose (Byzantine tests); all off by default.
struct testing_config {
  /// When leading, append an invalid transaction to every K-th block proposed (0: never).
  std::uint64_t propose_invalid_every = 0;
  /// Serve POST /admin/link, which drops or delays this node's outgoing messages to chosen peers
  /// (the chaos harness, scripts/chaos.sh).
  bool link_faults = false;
};

/// DPoS elections of the consensus set (the genesis's optional `dpos:` section, docs/dpos.md).
/// With it, consensus.nodes is the universe of candidate nodes (every node that may ever sit in a
/// set, with its key and address), and the set of epochs 0 and 1 is `genesis_set`.
struct dpos_config {
  ledger::dpos::election_params election; ///< epoch_blocks, consensus_size, min_size, min_votes
  ledger::dpos::dpos_params rules;        ///< vote_lock_blocks, min_vote, candidate_deposit
  std::uint32_t supers = 1;               ///< super nodes M per set
  bool stake_and_delay = false;           ///< policy: stake_only (false) or stake_and_delay
  std::uint32_t max_group = 0;            ///< stake_and_delay: group bound (0: twice the even size)
  /// stake_and_delay: declared regions and the one-way delay between them (ms), by index.
  std::vector<std::string> regions;
  std::vector<std::vector<double>> delay_ms;
  std::vector<std::uint32_t> genesis_set; ///< indices into consensus.nodes, in rank order
  /// `rewards:` (docs/dpos.md "Rewards"): each block's reward plus fees is split between its
  /// proposer and the proposer's voters, a consensus rule. Absent: off (no coinbase, as before).
  std::optional<ledger::rewards::reward_params> rewards;
};

/// Holds everything bystackd reads from its config file.
struct node_config {
  std::filesystem::path source; ///< the config file
  std::filesystem::path key_file;
  endpoint listen;
  std::filesystem::path data_dir;
  endpoint api;
  std::vector<peer_config> nodes;
  std::vector<group_config> groups;
  bbft::params protocol;
  limits_config limits;
  bool sync_writes = true; ///< fsync each committed block
  /// Committed blocks the consensus core keeps in memory (the last this many heights; the window
  /// may reach twice that before it is trimmed); older ones are read from the store when a peer
  /// catches up. 0: the whole chain stays in memory.
  std::uint64_t retained_blocks = 1024;
  /// What a start checks of the stored chain below the heights it decodes (docs/node.md,
  /// "Restart in bounded memory and time"): every height's header record (true, the default),
  /// or only the top it needs (the window and the DPoS proposers), so that a start's time does
  /// not grow with the chain; heights below are then checked as the archive serves them.
  bool check_whole_chain_at_start = true;
  std::uint32_t api_threads = 4;
  ledger_mode ledger = ledger_mode::opaque;
  std::optional<ledger::genesis_spec> genesis; ///< set in butxo mode
  std::filesystem::path genesis_file;          ///< where the genesis came from, if a file
  std::optional<dpos_config> dpos;             ///< the genesis's `dpos:` section, if any
  /// BUTXO mode: the federation file (runtime/federation/fed_config.hpp) whose rules the ledger
  /// runs (claims, pegouts, the mainchain light client); empty: none.
  std::filesystem::path federation_file;
  testing_config testing;
  /// Extension rules the host installs in the ledger next to the DPoS rules (not read from the
  /// file; not owned; must outlive the node), with the input and output kinds they own; null:
  /// none.
  const ledger::extension_rules* ext = nullptr;
  std::vector<ledger::input_kind> ext_inputs;
  std::vector<ledger::output_kind> ext_outputs;
  /// Called by the host's ledger after every committed block, in height order (also a block
  /// the ledger refused, with an empty delta), with the committed state after it; when the
  /// node restarts, first for every stored block over a state replayed from the genesis
  /// (the federation's elections, runtime/federation). An error stops the node. Empty: none.
  std::function<result<void>(const ledger::block_delta&, std::uint64_t height,
                             const ledger::utxo_view& state)>
      ext_on_commit;
  /// What the host's state derived from the chain keeps per block (the federation schedule's
  /// record of an electing height), for the store to write with the block; nullopt: nothing.
  std::function<std::optional<bytes>(std::uint64_t height)> ext_record_at;
  /// Rebuilds the host's derived state at a restart from the records the store kept (by height)
  /// and the stored state at the head: true when rebuilt, false to replay every stored height
  /// through ext_on_commit instead (records missing: a store written before them).
  std::function<result<bool>(const std::vector<std::pair<std::uint64_t, bytes>>& records,
                             const ledger::utxo_set& state, std::uint64_t head)>
      ext_restore;
  /// The host's chain rules the store marker covers (the federation file's keys and values,
  /// federation::chain_rules_of), and the file they come from: a store created under other
  /// values is refused at start naming the first key that differs. Empty: the marker as before.
  std::vector<std::pair<std::string, std::string>> ext_rules;
  std::filesystem::path ext_rules_source;
};

/// Loads and checks a config file. Errors name the file, line and key (`a.yaml:7:3: key
/// 'consensus.nodes[2].key': ...`); unknown keys are errors.
result<node_config> load_node_config(const std::filesystem::path& file);

/// Parses config text; `name` stands for the file in errors and `base_dir` resolves relative paths.
result<node_config> parse_node_config(const std::string& text, const std::string& name,
                                      const std::filesystem::path& base_dir);

/// Renders a genesis as the YAML mapping read_genesis() reads, each line indented by `indent`
/// spaces (asset data is not rendered).
std::string render_genesis(const ledger::genesis_spec& g, int indent = 0);

/// Renders a config as YAML text that load_node_config() reads back (cluster generation).
std::string render_node_config(const node_config& c);

} // namespace bystack::node
