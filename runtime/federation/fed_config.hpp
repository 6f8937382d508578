#pragma once
/// The federation's configuration on real processes (docs/federation.md, "Real processes"):
///
/// - the federation file a sidechain node names with `federation_file:` (bystackd): the members'
///   keys and threshold, the mainchain node config whose chain id, genesis and consensus params
///   the sidechain's light client follows, and the confirmation depths. From it every party
///   derives the same federation_params (sidechain_rules, collector_core, member_core).
/// - the config of a federation process (bystack-federationd): its key, its roles (collector,
///   member), the APIs it polls and the other members it sends signature shares to.
///
/// Errors name the file, line and key; unknown keys are errors; relative paths are taken
/// relative to the file's directory.

#include "actors/federation/election.hpp"
#include "actors/federation/sidechain_rules.hpp"
#include "runtime/base/result.hpp"
#include "runtime/config/yaml_reader.hpp"
#include "runtime/ledger/genesis.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace bystack::node {
struct node_config;
}

namespace bystack::federation {

struct federation_setup {
  std::filesystem::path source;
  std::vector<crypto::public_key> members; ///< as listed
  std::uint8_t threshold = 0;
  std::filesystem::path mainchain_config;
  ledger::genesis_spec mainchain_genesis;
  federation_params params; ///< derived: program, chain id, genesis header, consensus, depths
  /// The `election:` section (docs/federation.md, "Elections on real processes"): members and
  /// collectors elected on the sidechain's DPoS votes. Absent: the genesis federation forever
  /// and collectors by per-process configuration, as before.
  std::optional<federation_election_params> election;
  /// election.genesis_collectors: the collectors of the genesis term. Empty: until an election
  /// names collectors, every process configured with the collector role acts.
  std::vector<crypto::public_key> genesis_collectors;
};

/// The genesis term of an elected schedule: the members, program and genesis collectors of the
/// file.
federation_term genesis_term_of(const federation_setup& s);

/// Loads a federation file (see the file comment).
result<federation_setup> load_federation(const std::filesystem::path& file);
result<federation_setup> parse_federation(const std::string& text, const std::string& name,
                                          const std::filesystem::path& base_dir);

/// The federation file's settings that decide which sidechain blocks are valid, as (key, value)
/// in a fixed order, each value one line of text: the members and threshold, the mainchain the
/// light client follows (its genesis header, chain id and consensus parameters, from
/// `mainchain_config`), the confirmation depths, `headers_per_input_max`, `grace_blocks` and the
/// `election:` keys. bystackd's store marker covers them (node_config::ext_rules), so that a
/// node restarted over its store with another value is refused naming the key.
std::vector<std::pair<std::string, std::string>> chain_rules_of(const federation_setup& s);

/// Checks that a sidechain node config can run the federation's elections: an `election:`
/// section needs the sidechain genesis's `dpos:` section (registrations and votes are DPoS
/// outputs). Without an election section, anything goes.
result<void> check_elections(const federation_setup& s, const node::node_config& sidechain);

struct federationd_config {
  std::filesystem::path source;
  std::string name;
  std::filesystem::path key_file;
  bool collector = false;
  bool member = false;
  std::filesystem::path sidechain_config; ///< a bystackd config with a federation_file
  std::string sidechain_api;              ///< HOST:PORT of a sidechain node's API
  std::string mainchain_api;              ///< HOST:PORT of a mainchain node's API
  config::endpoint api;                   ///< members: where POST /share is served
  std::vector<std::string> peers;         ///< other members' APIs (HOST:PORT)
  std::uint64_t poll_ms = 250;
  /// members: the durable record of the releases signed (default: key_file + ".signed")
  std::filesystem::path signed_record;
};

result<federationd_config> load_federationd_config(const std::filesystem::path& file);
result<federationd_config> parse_federationd_config(const std::string& text,
                                                    const std::string& name,
                                                    const std::filesystem::path& base_dir);

} // namespace bystack::federation
