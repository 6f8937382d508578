#include "actors/federation/address.hpp"

#include <algorithm>

namespace bystack::federation {

result<ledger::control_program> federation_program(std::vector<crypto::public_key> members,
                                                   std::uint8_t threshold) {
  if (members.empty()) return make_error("federation: no members");
  if (members.size() > ledger::max_multisig_keys)
    return make_error("federation: " + std::to_string(members.size()) + " members, at most " +
                      std::to_string(ledger::max_multisig_keys));
  if (threshold == 0 || threshold > members.size())
    return make_error("federation: threshold " + std::to_string(threshold) + " of " +
                      std::to_string(members.size()) + " members");
  std::sort(members.begin(), members.end());
  if (std::adjacent_find(members.begin(), members.end()) != members.end())
    return make_error("federation: a member key is listed twice");
  ledger::control_program p;
  p.threshold = threshold;
  p.keys = std::move(members);
  return p;
}

std::uint8_t threshold_for(std::size_t n, std::size_t f) {
  if (n == 0 || n > ledger::max_multisig_keys || n < 2 * f + 1) return 0;
  return static_cast<std::uint8_t>(n - f);
}

result<void> check_rotation(const ledger::control_program& from,
                            const ledger::control_program& to) {
  for (const auto* p : {&from, &to})
    if (p->keys.empty() || p->threshold == 0 || p->threshold > p->keys.size())
      return make_error("rotation: a program needs 1 <= threshold <= keys");
  std::size_t replaced = 0;
  for (const auto& k : from.keys)
    replaced += std::find(to.keys.begin(), to.keys.end(), k) == to.keys.end();
  if (replaced > from.keys.size() / 3)
    return make_error("rotation: " + std::to_string(replaced) + " of " +
                      std::to_string(from.keys.size()) + " members replaced, at most " +
                      std::to_string(from.keys.size() / 3));
  return {};
}

} // namespace bystack::federation
