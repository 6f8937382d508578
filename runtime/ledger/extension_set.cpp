#include "runtime/ledger/extension_set.hpp"

namespace bystack::ledger {

result<void> extension_set::add(const extension_rules* rules,
                                std::initializer_list<input_kind> inputs,
                                std::initializer_list<output_kind> outputs) {
  return add(rules, std::span<const input_kind>(inputs.begin(), inputs.size()),
             std::span<const output_kind>(outputs.begin(), outputs.size()));
}

result<void> extension_set::add(const extension_rules* rules, std::span<const input_kind> inputs,
                                std::span<const output_kind> outputs) {
  if (rules == nullptr) return make_error("extension_set: null rules");
  for (auto k : inputs)
    if (inputs_[static_cast<std::uint8_t>(k)] != nullptr)
      return make_error("extension_set: input kind " + std::to_string(static_cast<int>(k)) +
                        " is owned by another member");
  for (auto k : outputs)
    if (outputs_[static_cast<std::uint8_t>(k)] != nullptr)
      return make_error("extension_set: output kind " + std::to_string(static_cast<int>(k)) +
                        " is owned by another member");
  for (auto k : inputs)
    inputs_[static_cast<std::uint8_t>(k)] = rules;
  for (auto k : outputs)
    outputs_[static_cast<std::uint8_t>(k)] = rules;
  return {};
}

tx_error extension_set::check_input(
    const input& in, const hash256& iid, const hash256& txid, const utxo_view& view,
    const std::function<tx_error(const asset_id&, const hash256&, std::uint64_t, asset_kind)>&
        credit,
    std::vector<sig_job>& sigs) const {
  const auto* r = inputs_[static_cast<std::uint8_t>(in.kind)];
  return (r ? *r : none_).check_input(in, iid, txid, view, credit, sigs);
}

tx_error extension_set::check_input_at(
    std::uint64_t height, const input& in, const hash256& iid, const hash256& txid,
    const utxo_view& view,
    const std::function<tx_error(const asset_id&, const hash256&, std::uint64_t, asset_kind)>&
        credit,
    std::vector<sig_job>& sigs) const {
  const auto* r = inputs_[static_cast<std::uint8_t>(in.kind)];
  return (r ? *r : none_).check_input_at(height, in, iid, txid, view, credit, sigs);
}

tx_error extension_set::check_output(const output& out, const utxo_view& view) const {
  const auto* r = outputs_[static_cast<std::uint8_t>(out.kind)];
  return (r ? *r : none_).check_output(out, view);
}

void extension_set::apply_input(const input& in, const hash256& iid, const hash256& txid,
                                utxo_overlay& overlay, block_delta& delta,
                                std::uint64_t height) const {
  if (const auto* r = inputs_[static_cast<std::uint8_t>(in.kind)])
    r->apply_input(in, iid, txid, overlay, delta, height);
}

} // namespace bystack::ledger
