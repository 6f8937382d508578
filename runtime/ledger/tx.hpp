#pragma once
/// BUTXO transactions: a UTXO model that carries many assets, with a witness on every input.
///
/// A transaction names its network (`chain`), consumes inputs and creates outputs. Inputs are
/// *spend* (a previous output, unlocked by signatures of its owner's keys), *issue* (new units of
/// an asset, signed by the asset's issuer) and *coinbase* (block reward and fees). Outputs are
/// *control* (owned by one key or an m-of-n multisig of Ed25519 keys) and *retire* (burnt).
/// Further kinds (claim, veto; pegout, vote) extend the enums; validation hands kinds it does
/// not know to the chain's `extension_rules` (rules.hpp).
///
/// The canonical encoding defined here is what every id and signature covers; it is independent
/// of the wire codec. The transaction id covers everything but the witnesses, so that each party
/// can sign its own inputs after the transaction is fixed (the "magnetic" multi-party trade).

#include "runtime/base/bytes.hpp"
#include "runtime/base/result.hpp"
#include "runtime/crypto/hash.hpp"
#include "runtime/crypto/keys.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace bystack::ledger {

using crypto::hash256;
using asset_id = hash256;

/// Bounds on what a transaction may hold (decoding and validation check them).
inline constexpr std::size_t max_tx_inputs = 256;
inline constexpr std::size_t max_tx_outputs = 256;
inline constexpr std::size_t max_multisig_keys = 16;
inline constexpr std::size_t max_asset_name_bytes = 64;
inline constexpr std::size_t max_data_bytes = 1024;
/// An extension input's payload (a run of mainchain headers, a pegin claim, a release record):
/// 60 KiB, which leaves 4 KiB of a max_tx_bytes transaction for its other inputs, outputs and
/// witnesses.
inline constexpr std::size_t max_ext_input_bytes = 60 * 1024;
inline constexpr std::size_t max_issue_tokens = 1024; ///< tokens one Quark issue input may create
inline constexpr std::uint8_t max_decimals = 18;
inline constexpr std::size_t max_tx_bytes = 64 * 1024;

/// The four asset kinds of the paper (whitepaper 2.2.1), by divisibility and fungibility.
enum class asset_kind : std::uint8_t {
  byte = 0,    ///< divisible, fungible: any split and merge (tokens, points)
  atomic = 1,  ///< divisible, not fungible: units keep the lot they were issued in
  quark = 2,   ///< indivisible, not fungible: each token unique, one whole unit
  quantum = 3, ///< indivisible, fungible: whole units only (tickets, coupons)
};
const char* kind_name(asset_kind k);
bool parse_kind(std::string_view s, asset_kind& out);
inline bool divisible(asset_kind k) { return k == asset_kind::byte || k == asset_kind::atomic; }
inline bool fungible(asset_kind k) { return k == asset_kind::byte || k == asset_kind::quantum; }

/// Owns an output: `threshold` signatures of distinct `keys` unlock it (1-of-1 for one key).
struct control_program {
  std::uint8_t threshold = 1;
  std::vector<crypto::public_key> keys;

  /// Returns the address: SHA3-256 of the canonical encoding.
  hash256 address() const;
  static control_program single(const crypto::public_key& pk) { return {1, {pk}}; }
  bool operator==(const control_program&) const = default;
};

/// Defines an asset; its hash is the asset id, so the kind can never change after the fact.
struct asset_definition {
  std::string name;
  asset_kind kind = asset_kind::byte;
  std::uint8_t decimals = 0;       ///< display precision; one whole unit is 10^decimals
  std::uint64_t max_supply = 0;    ///< in base units; 0 means unbounded
  control_program issuer;          ///< whose signatures may issue units
  bytes data;                      ///< free metadata, at most max_data_bytes
  std::uint64_t nonce = 0;         ///< makes two otherwise equal definitions distinct

  asset_id id() const;
  /// Returns 10^decimals: the base units of one whole unit.
  std::uint64_t unit() const;
  bool operator==(const asset_definition&) const = default;
};

/// One signature of a witness: which key of the control program signed, and the signature.
struct key_signature {
  std::uint8_t key_index = 0;
  bytes signature;
  bool operator==(const key_signature&) const = default;
};

enum class input_kind : std::uint8_t {
  spend = 0,
  issue = 1,
  coinbase = 2,
  // Extension kinds (validated by the chain's extension_rules): claim = 16, veto = 17, ...
};
const char* input_kind_name(std::uint8_t k);

struct input {
  input_kind kind = input_kind::spend;
  hash256 spent_output;        ///< spend: the output id
  asset_definition definition; ///< issue: the asset issued (its id is definition.id())
  std::uint64_t amount = 0;    ///< issue, coinbase: base units created (Quark: tokens x unit)
  std::uint64_t nonce = 0;     ///< issue: distinguishes issuances; coinbase: the block height
  bytes ext;                   ///< extension kinds: their payload
  std::vector<key_signature> witness; ///< not covered by the transaction id

  bool operator==(const input&) const = default;
};

enum class output_kind : std::uint8_t {
  control = 0,
  retire = 1,
  // Extension kinds (validated by the chain's extension_rules): pegout = 16, vote = 17, ...
};
const char* output_kind_name(std::uint8_t k);

struct output {
  output_kind kind = output_kind::control;
  asset_id asset;
  std::uint64_t amount = 0;
  hash256 lot;                ///< Atomic: the lot; Quark: the token; zero for fungible kinds
  control_program owner;      ///< control: who may spend it
  bytes data;                 ///< extension kinds: their payload; free memo otherwise

  bool operator==(const output&) const = default;
};

struct tx {
  std::uint32_t version = 1;
  hash256 chain;                 ///< the network: a transaction cannot be replayed elsewhere
  std::uint64_t expires_at = 0;  ///< last block height that may include it; 0: never expires
  std::vector<input> inputs;
  std::vector<output> outputs;

  /// Returns SHA3-256 over the canonical encoding without witnesses.
  hash256 id() const;
  bool operator==(const tx&) const = default;
};

/// Returns the id of input i of a transaction: what spend and issuance records refer to.
hash256 input_id(const input& in);
/// Returns the id of output `index` of transaction `txid`: from where it comes and what it holds.
hash256 output_id(const hash256& txid, std::uint32_t index, const output& out);
/// Returns what a witness signature on an input covers: (input id, transaction id, chain).
hash256 sighash(const hash256& input_id, const hash256& txid);
/// Returns the token (Quark) or lot (Atomic) id that issue input `issue_input_id` creates; lots
/// use index 0 for the whole issuance.
hash256 token_id(const hash256& issue_input_id, std::uint64_t index);

/// Canonical encoding with witnesses (what a block carries and a node stores).
bytes encode(const tx& t);
/// Decodes a canonical encoding; refuses trailing bytes, unknown layout versions and anything
/// beyond the bounds above, naming the field.
result<tx> decode_tx(byte_view data);
/// Returns the size in bytes of encode(t) without building it.
std::size_t encoded_size(const tx& t);

bytes encode(const control_program& p);
result<control_program> decode_control_program(byte_view data);

/// Returns the chain id for a network name (SHA3-256 of a domain prefix and the name).
hash256 chain_id_of(std::string_view network_name);

} // namespace bystack::ledger
