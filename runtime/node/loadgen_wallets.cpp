#include "runtime/node/loadgen_wallets.hpp"

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/wallet.hpp"

namespace bystack::node {

crypto::secret_seed loadgen_wallet_seed(std::string_view seed, std::uint64_t index) {
  return ledger::dev_wallet_seed(seed, index);
}

ledger::genesis_spec loadgen_genesis(std::string_view seed, std::size_t wallets,
                                     std::uint64_t min_fee_per_kb) {
  ledger::genesis_spec g;
  g.network = "bystack-local";
  g.min_fee_per_kb = min_fee_per_kb;
  ledger::asset_definition btm;
  btm.name = "BTM";
  btm.kind = ledger::asset_kind::byte;
  btm.decimals = 8;
  g.assets.push_back(btm);
  g.native_index = 0;
  const auto& scheme = crypto::ed25519_scheme();
  for (std::size_t i = 0; i < wallets; ++i) {
    auto signer = scheme.make_signer(loadgen_wallet_seed(seed, i));
    ledger::output o;
    o.asset = btm.id();
    o.amount = loadgen_wallet_funds;
    o.owner = ledger::control_program::single(signer->pub());
    g.outputs.push_back(std::move(o));
  }
  return g;
}

} // namespace bystack::node
