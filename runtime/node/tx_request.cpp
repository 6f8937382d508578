#include "runtime/node/tx_request.hpp"

#include "runtime/crypto/signature_scheme.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace bystack::node {

namespace {

using json = nlohmann::json;

result<ledger::transaction> tx_from_json(const json& j) {
  if (!j.is_object()) return make_error("transaction: expected a JSON object");
  ledger::transaction tx;
  auto hex_field = [&](const char* name, bytes& out) -> result<void> {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string())
      return make_error(std::string("transaction: '") + name + "' missing or not a string");
    if (!from_hex(it->get_ref<const std::string&>(), out))
      return make_error(std::string("transaction: '") + name + "' is not hex");
    return {};
  };
  bytes sender;
  if (auto r = hex_field("sender", sender); !r) return r.err();
  if (sender.size() != tx.sender.size())
    return make_error("transaction: 'sender' must be 32 bytes (64 hex characters)");
  std::copy(sender.begin(), sender.end(), tx.sender.begin());
  auto nonce = j.find("nonce");
  if (nonce == j.end() || !nonce->is_number_unsigned())
    return make_error("transaction: 'nonce' missing or not an unsigned integer");
  tx.nonce = nonce->get<std::uint64_t>();
  if (auto r = hex_field("payload", tx.payload); !r) return r.err();
  if (tx.payload.size() > ledger::max_tx_payload_bytes)
    return make_error("transaction: payload above " + std::to_string(ledger::max_tx_payload_bytes) +
                      " bytes");
  if (auto r = hex_field("signature", tx.signature); !r) return r.err();
  crypto::crypto_meter meter;
  if (!crypto::ed25519_scheme().verify(tx.sender, tx.id(), tx.signature, meter))
    return make_error("transaction: bad signature");
  return tx;
}

} // namespace

result<ledger::transaction> transaction_from_json_text(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return make_error("transaction: not JSON");
  return tx_from_json(j);
}

std::string transaction_to_json_text(const ledger::transaction& tx) {
  json j;
  j["sender"] = to_hex(tx.sender);
  j["nonce"] = tx.nonce;
  j["payload"] = to_hex(tx.payload);
  j["signature"] = to_hex(tx.signature);
  return j.dump();
}

result<tx_request> parse_tx_request(std::string_view body, std::uint64_t max_txs) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) return make_error("body is not JSON");
  std::vector<const json*> items;
  if (doc.is_object() && doc.contains("txs")) {
    const auto& list = doc["txs"];
    if (!list.is_array()) return make_error("'txs' must be a list");
    for (const auto& t : list)
      items.push_back(&t);
  } else {
    items.push_back(&doc);
  }
  tx_request req;
  req.items = items.size();
  if (items.size() > max_txs) {
    req.too_many = true;
    return req;
  }
  req.txs.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto tx = tx_from_json(*items[i]);
    if (!tx) {
      ++req.invalid;
      if (req.errors.size() < tx_errors_reported_max) req.errors.push_back({i, tx.err().message});
      continue;
    }
    req.txs.push_back(std::move(tx).value());
  }
  return req;
}

namespace {

ledger_tx_item ledger_item(const json& j) {
  ledger_tx_item item;
  if (!j.is_string()) {
    item.error = "expected a hex string (ledger::encode of the transaction)";
    return item;
  }
  const auto& hex = j.get_ref<const std::string&>();
  if (hex.size() > 2 * ledger::max_tx_bytes) {
    item.error = "transaction above " + std::to_string(ledger::max_tx_bytes) + " bytes";
    return item;
  }
  bytes raw;
  if (!from_hex(hex, raw)) {
    item.error = "not hex";
    return item;
  }
  auto t = ledger::decode_tx(raw);
  if (!t) {
    item.error = t.err().message;
    return item;
  }
  item.id = t->id();
  item.tx = std::move(t).value();
  return item;
}

} // namespace

result<ledger_tx_request> parse_ledger_tx_request(std::string_view body, std::uint64_t max_txs) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) return make_error("body is not JSON");
  if (!doc.is_object())
    return make_error("expected a JSON object {\"tx\": ...} or {\"txs\": [...]}");
  ledger_tx_request req;
  if (auto it = doc.find("txs"); it != doc.end()) {
    if (!it->is_array()) return make_error("'txs' must be a list of hex strings");
    req.batch = true;
    if (it->size() > max_txs) {
      req.too_many = true;
      return req;
    }
    req.items.reserve(it->size());
    for (const auto& t : *it)
      req.items.push_back(ledger_item(t));
    return req;
  }
  auto it = doc.find("tx");
  if (it == doc.end()) return make_error("expected a key 'tx' (one transaction) or 'txs' (a list)");
  req.items.push_back(ledger_item(*it));
  return req;
}

} // namespace bystack::node
