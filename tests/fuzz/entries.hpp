#pragma once
/// The fuzz targets' bodies: plain functions shared by the libFuzzer executables (tests/fuzz) and
/// the regression replay that runs in the ordinary test build (tests/fuzz_regressions).
///
/// An entry takes the bytes a peer, a client or a config file could hand the node and drives
/// them through the same code the node runs. Refusing an input with an error is correct; a
/// crash, a sanitizer report, an escaping exception or a broken invariant is a bug.

#include "runtime/base/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace bystack::fuzz {

/// Describes what one input did; a non-empty `violation` names the invariant it broke.
struct verdict {
  bool accepted = false;
  std::string violation;
};

using entry = verdict (*)(byte_view input);

/// Names one target: its folder under tests/fuzz/corpus (and crashes) and its entry.
struct target {
  std::string_view name;
  entry run;
};

/// Returns every target, in the order of BYSTACK_FUZZ_TARGETS (tests/fuzz/entries.cmake).
std::span<const target> targets();
/// Returns the target of a name, or nullptr.
const target* find_target(std::string_view name);

/// Decodes one consensus message (codec::decode) as the node does for a verified envelope.
verdict codec_message(byte_view input);
/// Decodes one committed block (catch-up responses, the block store, GET /block).
verdict codec_committed(byte_view input);
/// Decodes one lone transaction (codec::decode_transaction).
verdict codec_transaction(byte_view input);
/// Checks one envelope as the transport does and decodes its payload if it passes; see
/// envelope_layout in entries.cpp for how the bytes split into sender, signature and payload.
verdict envelope(byte_view input);
/// Parses one POST /tx body (node::parse_tx_request).
verdict tx_request(byte_view input);
/// Decodes one BUTXO transaction (ledger::decode_tx), then validates it against a small state
/// with every rule (the same path POST /tx and block validation take).
verdict ledger_tx(byte_view input);
/// Parses one BUTXO POST /tx body (node::parse_ledger_tx_request).
verdict ledger_tx_request(byte_view input);
/// Parses one node config text (node::parse_node_config), without touching the disk.
verdict node_config(byte_view input);
/// Parses one simulation scenario text (sim::parse_scenario).
verdict scenario(byte_view input);

/// Holds the size of the envelope target's consensus set.
inline constexpr std::uint32_t envelope_set_size = 4;
/// Returns the 32-byte key seed of member `index` of the envelope target's consensus set.
std::array<std::uint8_t, 32> envelope_seed(std::uint32_t index);
/// Builds an envelope target input. With `sign_it` the entry signs the payload itself with the
/// sender's key (a member of the set sending bad bytes); otherwise `signature` is used as given.
bytes envelope_input(bool sign_it, std::uint32_t sender, byte_view signature, byte_view payload);

/// Runs one entry under libFuzzer: aborts on a violation so that the fuzzer keeps the input.
int run_libfuzzer(entry e, const std::uint8_t* data, std::size_t size);

} // namespace bystack::fuzz
