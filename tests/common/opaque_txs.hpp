#pragma once
// Signed opaque client transactions as the API's POST /tx body takes them (cluster tests).

#include "runtime/base/bytes.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/block.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace bystack::test {

struct opaque_txs {
  nlohmann::json txs = nlohmann::json::array(); ///< the "txs" array of POST /tx
  std::vector<std::string> ids;                 ///< their ids, hex
};

/// Makes n transactions of one client (key seed byte `seed`), nonces from `nonce` on (advanced),
/// payload byte k of transaction k repeated `payload_bytes` times.
inline opaque_txs make_opaque_txs(std::uint8_t seed, std::uint64_t& nonce, std::size_t n,
                                  std::size_t payload_bytes) {
  crypto::secret_seed s{};
  s[0] = seed;
  auto client = crypto::ed25519_scheme().make_signer(s);
  opaque_txs out;
  for (std::size_t k = 0; k < n; ++k) {
    ledger::transaction tx;
    tx.sender = client->pub();
    tx.nonce = nonce++;
    tx.payload.assign(payload_bytes, static_cast<std::uint8_t>(k));
    tx.signature = client->sign(tx.id());
    out.ids.push_back(tx.id().hex());
    out.txs.push_back({{"sender", to_hex(tx.sender)},
                       {"nonce", tx.nonce},
                       {"payload", to_hex(tx.payload)},
                       {"signature", to_hex(tx.signature)}});
  }
  return out;
}

} // namespace bystack::test
