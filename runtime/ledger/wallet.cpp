#include "runtime/ledger/wallet.hpp"

namespace bystack::ledger {

bool sign_input(tx& t, std::size_t index, const control_program& program, const crypto::signer& s) {
  if (index >= t.inputs.size()) return false;
  auto& in = t.inputs[index];
  for (std::size_t k = 0; k < program.keys.size(); ++k) {
    if (program.keys[k] != s.pub()) continue;
    for (const auto& w : in.witness)
      if (w.key_index == k) return false;
    auto sig = s.sign(sighash(input_id(in), t.id()));
    in.witness.push_back(key_signature{static_cast<std::uint8_t>(k), std::move(sig)});
    return true;
  }
  return false;
}

input spend_of(const hash256& id) {
  input in;
  in.kind = input_kind::spend;
  in.spent_output = id;
  return in;
}

output pay(const asset_id& asset, std::uint64_t amount, const control_program& owner,
           const hash256& lot) {
  output o;
  o.kind = output_kind::control;
  o.asset = asset;
  o.amount = amount;
  o.owner = owner;
  o.lot = lot;
  return o;
}

crypto::secret_seed dev_wallet_seed(std::string_view seed, std::uint64_t index) {
  crypto::sha3_256_hasher h;
  h.update(as_bytes(std::string_view{"bystack/loadgen-wallet"}));
  h.update_u64(seed.size());
  h.update(as_bytes(seed));
  h.update_u64(index);
  auto d = h.finish();
  crypto::secret_seed s;
  std::copy(d.data.begin(), d.data.end(), s.begin());
  return s;
}

} // namespace bystack::ledger
