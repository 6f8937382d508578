#pragma once
/// Reads a ledger genesis (assets and initial outputs) from YAML; the same mapping appears in
/// scenarios (`ledger.genesis`) and node configs (`genesis`).
///
/// ```yaml
/// network: bystack-sim        # chain id = SHA3 of a domain prefix and this name
/// min_fee_per_kb: 100         # native base units per 1,000 bytes
/// block_reward: 0
/// assets:
///   - {name: BTM, kind: byte, decimals: 8, native: true}
///   - {name: TICKET, kind: quantum, decimals: 0, max_supply: 1000, issuer: <hex public key>}
///   - {name: ITEM, kind: quark, issuer_multisig: {threshold: 2, keys: [<hex>, <hex>, <hex>]}}
/// outputs:
///   - {asset: BTM, amount: 100000000, owner: <hex public key>}
///   - {asset: BTM, amount: 5, owner_multisig: {threshold: 1, keys: [<hex>]}}
/// ```

#include "runtime/config/yaml_reader.hpp"
#include "runtime/ledger/genesis.hpp"

#include <filesystem>

namespace bystack::config {

/// Reads a genesis mapping (throws config_error naming file, line and key).
ledger::genesis_spec read_genesis(map_reader m);
/// Loads a file whose top level is a genesis mapping; also checks that the state builds.
result<ledger::genesis_spec> load_genesis(const std::filesystem::path& file);
/// Reads a control program from `key` (a hex public key) or `key_multisig` ({threshold, keys}).
std::optional<ledger::control_program> read_program(map_reader& m, const std::string& key);

} // namespace bystack::config
