#include "runtime/federation/schedule.hpp"

namespace bystack::federation {

std::optional<federation_term> federation_schedule::on_commit(const ledger::block_delta& d,
                                                              std::uint64_t height,
                                                              const ledger::utxo_view& state,
                                                              const federation_params& p) {
  tally_.apply(d);
  auto lc_tip = light_client(p, state).tip().hdr.height;
  return elector_.on_commit(height, tally_, lc_tip);
}

std::optional<federation_rotation>
federation_schedule::rotation_of(const federation_term& t) const {
  const auto& terms = elector_.terms();
  // `t` is the last term; the program it follows is the one of the term before it.
  if (terms.size() < 2 || terms[terms.size() - 2].program == t.program) return std::nullopt;
  return federation_rotation{t.program, t.mainchain_from, t.sidechain_from};
}

std::vector<term_summary> summarize(const std::vector<federation_term>& terms) {
  std::vector<term_summary> out;
  for (const auto& t : terms) {
    term_summary s;
    s.epoch = t.epoch;
    s.sidechain_from = t.sidechain_from;
    s.mainchain_from = t.mainchain_from;
    s.address = t.program.address().hex();
    s.threshold = t.program.threshold;
    for (const auto& k : t.members)
      s.members.push_back(to_hex(k));
    for (const auto& k : t.collectors)
      s.collectors.push_back(to_hex(k));
    s.replaced = t.replaced;
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace bystack::federation
