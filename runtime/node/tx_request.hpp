#pragma once
/// Parses the body of POST /tx: one transaction object, or {"txs": [...]} with many. Kept apart
/// from the HTTP server so that the parser can be tested and fuzzed without a socket.

#include "runtime/base/result.hpp"
#include "runtime/ledger/block.hpp"
#include "runtime/ledger/tx.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bystack::node {

/// Bounds the per-item errors a reply lists, so that a large bad batch gets a short answer.
inline constexpr std::size_t tx_errors_reported_max = 8;

/// Names one refused item of a request and why it was refused.
struct tx_item_error {
  std::size_t index = 0;
  std::string message;
};

/// Holds a parsed POST /tx body: the transactions that passed, and what was wrong with the rest.
struct tx_request {
  std::size_t items = 0; ///< transactions in the request, valid or not
  std::vector<ledger::transaction> txs;
  std::uint64_t invalid = 0;
  std::vector<tx_item_error> errors; ///< the first tx_errors_reported_max refused items
  /// Tells whether the request holds more than the caller's bound; then nothing was checked.
  bool too_many = false;
};

/// Parses one transaction from its JSON form ({"sender","nonce","payload","signature"}, hex
/// fields) and checks its size bounds and the client's Ed25519 signature over its id.
result<ledger::transaction> transaction_from_json_text(const std::string& json);

/// Renders a transaction as the JSON object POST /tx takes.
std::string transaction_to_json_text(const ledger::transaction& tx);

/// Parses a POST /tx body and checks each transaction. An error refuses the whole body (not
/// JSON, 'txs' not a list); a request of more than `max_txs` items is returned with too_many set
/// and none of its items checked, so that a huge batch costs no signature checks.
result<tx_request> parse_tx_request(std::string_view body, std::uint64_t max_txs);

/// Holds one transaction of a BUTXO POST /tx body.
struct ledger_tx_item {
  std::optional<ledger::tx> tx; ///< unset when malformed
  crypto::hash256 id;           ///< tx->id() when decoded
  std::string error;            ///< malformed: why
};

/// Holds a parsed BUTXO POST /tx body.
struct ledger_tx_request {
  bool batch = false; ///< {"txs": [...]} rather than {"tx": ...}
  std::vector<ledger_tx_item> items;
  /// Tells whether the request holds more than the caller's bound; then nothing was decoded.
  bool too_many = false;
};

/// Parses a BUTXO POST /tx body: {"tx": "<hex of ledger::encode(tx)>"} or {"txs": ["<hex>", ...]},
/// decoding each transaction (bounds, canonical form; no state or signature checks). An error
/// refuses the whole body (not JSON, neither key, 'txs' not a list); an item that is not a hex
/// string or does not decode is reported in its item.
result<ledger_tx_request> parse_ledger_tx_request(std::string_view body, std::uint64_t max_txs);

} // namespace bystack::node
