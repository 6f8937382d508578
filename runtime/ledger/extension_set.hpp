#pragma once
/// Several extension_rules on one chain: the sidechain runs DPoS (votes, vetoes, registrations)
/// and the federation (headers, claims, pegouts, releases) on one ledger, while check_tx and
/// apply_tx take a single `extension_rules`. An `extension_set` routes every extension input and
/// output to the member that owns its kind; a kind no member owns is refused as before
/// (`unknown-kind`), and two members may not own the same kind (add() refuses it).

#include "runtime/ledger/rules.hpp"

#include <array>
#include <span>
#include <string>

namespace bystack::ledger {

class extension_set final : public extension_rules {
public:
  /// Registers `rules` (not owned; must outlive the set) for the given kinds. Returns an error
  /// naming the kind if another member already owns it.
  result<void> add(const extension_rules* rules, std::initializer_list<input_kind> inputs,
                   std::initializer_list<output_kind> outputs);
  result<void> add(const extension_rules* rules, std::span<const input_kind> inputs,
                   std::span<const output_kind> outputs);

  tx_error check_input(const input& in, const hash256& iid, const hash256& txid,
                       const utxo_view& view,
                       const std::function<tx_error(const asset_id&, const hash256&, std::uint64_t,
                                                    asset_kind)>& credit,
                       std::vector<sig_job>& sigs) const override;
  tx_error check_input_at(std::uint64_t height, const input& in, const hash256& iid,
                          const hash256& txid, const utxo_view& view,
                          const std::function<tx_error(const asset_id&, const hash256&,
                                                       std::uint64_t, asset_kind)>& credit,
                          std::vector<sig_job>& sigs) const override;
  tx_error check_output(const output& out, const utxo_view& view) const override;
  void apply_input(const input& in, const hash256& iid, const hash256& txid, utxo_overlay& overlay,
                   block_delta& delta, std::uint64_t height) const override;

private:
  std::array<const extension_rules*, 256> inputs_{};
  std::array<const extension_rules*, 256> outputs_{};
  extension_rules none_; ///< refuses every kind with the usual error
};

} // namespace bystack::ledger
