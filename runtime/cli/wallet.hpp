#pragma once
/// What the wallet commands of bystack-cli share: argument parsing, keys and owners from the
/// command line, the partially-signed transaction file, coin selection and fees.
///
/// Transaction file (JSON), what `transfer`, `issue`, `swap`, `sign`, `combine`, `inspect` and
/// `submit` read and write:
///
///     {"id": "<transaction id>", "tx": "<hex of ledger::encode(tx), witnesses included>",
///      "native_asset": "<hex>", "min_fee_per_kb": 1000,
///      "inputs": [{"kind": "spend", "program": "<hex of ledger::encode(control_program)>",
///                  "asset": "<hex>", "amount": 5, "lot": "<hex>"}, ...]}
///
/// `inputs` runs parallel to the transaction's inputs and says what each one spends (or issues)
/// and which program must sign it, so that a party can see what it signs and sign without asking
/// a node. `native_asset` and `min_fee_per_kb` (optional) let `inspect` show the fee.

#include "runtime/cli/command.hpp"
#include "runtime/cli/node_client.hpp"
#include "runtime/crypto/keys.hpp"
#include "runtime/ledger/tx.hpp"
#include "runtime/ledger/wallet.hpp"

#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bystack::cli {

/// Holds parsed arguments: options with values (each may repeat), flags and positional words.
class arguments {
public:
  /// Parses `args`; `with_value` names the options that take a value, `flags` those that do
  /// not. Throws usage_error naming an unknown option, a missing value or a surplus word.
  arguments(std::span<const std::string_view> args,
            std::initializer_list<std::string_view> with_value,
            std::initializer_list<std::string_view> flags, std::size_t max_positional = 0);

  bool has(std::string_view name) const;
  /// Returns the last value of an option, or nullptr when absent.
  const std::string* get(std::string_view name) const;
  /// Returns the last value of a required option; throws usage_error saying what it holds.
  const std::string& need(std::string_view name, std::string_view what) const;
  /// Returns every value of a repeatable option, in order.
  std::vector<std::string> all(std::string_view name) const;
  const std::vector<std::string>& positional() const noexcept { return positional_; }
  /// Returns an option's value as a number, or `fallback` when absent.
  std::uint64_t number(std::string_view name, std::uint64_t fallback) const;

private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> flags_;
  std::vector<std::string> positional_;
};

/// Parses a decimal number; throws usage_error naming `arg`.
std::uint64_t parse_number(std::string_view text, std::string_view arg);
/// Parses 64 hex characters; throws usage_error naming `arg`.
crypto::hash256 parse_hash_arg(std::string_view hex, std::string_view arg);
/// Parses an Ed25519 public key (64 hex characters); throws usage_error naming `arg`.
crypto::public_key parse_pubkey(std::string_view hex, std::string_view arg);
/// Parses an owner: a public key (64 hex: a single-key program) or the hex of an encoded
/// control program (what `address` prints); throws usage_error naming `arg`.
ledger::control_program parse_owner(std::string_view hex, std::string_view arg);
/// Loads a key file; throws with the file's problem.
crypto::key_pair load_key(const std::string& file);
/// Returns the hex of a program's canonical encoding.
std::string program_hex(const ledger::control_program& p);
/// Describes a program in one line: "1-of-1 <key>" or "2-of-3 <key>,<key>,<key>".
std::string describe(const ledger::control_program& p);
/// Returns the program as {"threshold", "keys"}, the node API's form.
json program_json(const ledger::control_program& p);

/// The development wallets of a local cluster (`bystackd testnet` / `bystackd genesis` fund them,
/// `bystack-loadgen` spends them): one derivation, in runtime/ledger/wallet.hpp.
using ledger::dev_wallet_seed;

/// Describes what one input of a transaction spends or issues and who must sign it.
struct input_info {
  ledger::control_program program; ///< the spent output's owner, or the asset's issuer
  ledger::asset_id asset;
  std::uint64_t amount = 0;
  crypto::hash256 lot;
  bool operator==(const input_info&) const = default;
};

/// Holds a transaction being built and signed, with what each input spends.
struct tx_file {
  ledger::tx tx;
  std::vector<input_info> inputs; ///< parallel to tx.inputs
  std::optional<ledger::asset_id> native;
  std::optional<std::uint64_t> min_fee_per_kb;
};

/// Reads a transaction file; throws naming the file and the field.
tx_file read_tx_file(const std::string& path);
/// Writes a transaction file (replacing an existing one); throws when it cannot.
void write_tx_file(const std::string& path, const tx_file& f);
/// Returns the file's JSON form.
json tx_file_json(const tx_file& f);

/// Names what balances: an asset and its lot (zero for fungible kinds).
struct holding {
  ledger::asset_id asset;
  crypto::hash256 lot;
  auto operator<=>(const holding&) const = default;
};

/// Sums of one holding over a transaction's inputs and outputs.
struct flow {
  std::uint64_t in = 0;
  std::uint64_t out = 0;
};

/// Returns what each holding receives from the inputs and pays to the outputs (issue inputs
/// credit as the ledger's rules do: a lot for Atomic, one token per unit for Quark).
std::map<holding, flow> flows(const tx_file& f);

/// Returns the encoded size once every input carries its threshold of signatures.
std::size_t signed_size(const tx_file& f);
/// Returns the minimum fee for `size` bytes at `fee_per_kb` (the ledger's rule).
std::uint64_t minimum_fee(std::uint64_t fee_per_kb, std::size_t size);

/// Holds which of an input's keys have signed, correctly or not.
struct signature_state {
  std::vector<std::uint8_t> valid;   ///< key indices with a signature that verifies
  std::vector<std::uint8_t> invalid; ///< key indices with one that does not (or out of range)
  std::vector<std::uint8_t> unsigned_keys;
  std::size_t threshold = 0;
  bool complete() const noexcept { return valid.size() >= threshold && invalid.empty(); }
};
/// Checks input i's witness against its program and the transaction's sighash.
signature_state signatures_of(const tx_file& f, std::size_t i);

/// Signs every input whose program holds the key; returns the indices it signed.
std::vector<std::size_t> sign_all(tx_file& f, const crypto::key_pair& key);

/// An unspent output as GET /utxo lists it.
struct utxo {
  crypto::hash256 id;
  ledger::asset_id asset;
  std::uint64_t amount = 0;
  crypto::hash256 lot;
  std::uint64_t height = 0;
  ledger::control_program owner;
  std::string kind = "control"; ///< output kind name; only control outputs are spent by fund()
};
/// Parses GET /utxo's answer; throws naming the field.
std::vector<utxo> parse_utxos(const json& body);

/// What a network charges and calls itself, from GET /status.
struct chain_info {
  crypto::hash256 chain;
  ledger::asset_id native;
  std::uint64_t min_fee_per_kb = 0;
};

/// Connects to the node of --node / BYSTACK_NODE / the default; throws usage_error if malformed.
node_client connect(const arguments& a);
/// Sends GET and returns the body of a 200 answer; otherwise throws with the node's rule and
/// message.
json fetch(const node_client& node, const std::string& path);
/// Reads the chain id, native asset and fee rate from GET /status; `fee_per_kb` (from
/// --fee-per-kb) overrides the rate, which a node that does not report it needs.
chain_info fetch_chain(const node_client& node, const std::string* fee_per_kb);
/// Returns the unspent outputs of an owner (by address).
std::vector<utxo> fetch_utxos(const node_client& node, const crypto::hash256& address);

/// Says how to complete a transaction from one owner's unspent outputs.
struct funding {
  ledger::control_program owner; ///< whose outputs pay and who gets the change
  std::vector<utxo> utxos;       ///< the owner's unspent outputs
  chain_info chain;
  bool pay_fee = true;
  std::optional<std::uint64_t> fixed_fee; ///< --fee: exactly this, instead of the minimum
  std::optional<holding> only;            ///< cover this holding's shortfall and no other
};

/// Covers what the outputs lack (every holding whose outputs exceed its inputs, or `only`) and,
/// if asked, the fee, from the owner's outputs: for each holding the smallest single output that
/// covers the shortfall, else the smallest outputs in increasing order until they do; change
/// goes back to the owner. The fee is the minimum for the signed size, recomputed until the
/// inputs it adds are paid for too. Returns the fee; throws when the owner's outputs fall short.
std::uint64_t fund(tx_file& f, const funding& how);

/// Picks the lot of `asset` to spend `amount` from: zero for fungible kinds (their outputs carry
/// no lot), otherwise the lot (Atomic) or token (Quark) with the smallest holding that covers
/// the amount, since lots never merge. Throws when none does.
crypto::hash256 pick_lot(const std::vector<utxo>& utxos, const ledger::asset_id& asset,
                         std::uint64_t amount);

/// Prints what a building command wrote (id, counts, fee, file) and the step that follows.
void report_built(const tx_file& f, std::uint64_t fee, const std::string& out, bool as_json,
                  std::string_view next, const json& extra = json::object());

/// Loads the signing key, and signs what it may when `sign` is set; returns the inputs signed.
std::vector<std::size_t> maybe_sign(tx_file& f, const crypto::key_pair& key, bool sign);

/// Posts a signed transaction (POST /tx) and prints its id and the node's verdict ('accepted' or
/// 'orphan'); a refusal prints the rule and message on stderr. Returns the exit status (0 or 1).
/// `submit`, and `issue`/`transfer` with --submit, share it; `extra` joins the JSON printed.
int submit_and_report(const node_client& node, const tx_file& f, bool as_json,
                      std::string_view command, const json& extra = json::object());

/// Prints data as JSON (pretty) on stdout.
void print_json(const json& j);

} // namespace bystack::cli
