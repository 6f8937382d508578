// bystack-cli combine: merges the signatures of several copies of one transaction.

#include "runtime/cli/wallet.hpp"

#include <algorithm>
#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view combine_usage =
    "usage: bystack-cli combine --in FILE --in FILE [--in FILE ...] --out FILE\n"
    "\n"
    "Merges the witnesses of copies of the same transaction that different parties signed. The\n"
    "copies must have the same transaction id (inputs and outputs) and describe their inputs\n"
    "alike; a copy of another transaction is refused (exit status 1).\n";

int run_combine(std::span<const std::string_view> args) {
  arguments a(args, {"--in", "--out"}, {});
  auto ins = a.all("--in");
  if (ins.empty()) throw usage_error("--in is required (the signed copies, one --in each)");
  const auto& out = a.need("--out", "where to write the combined file");
  auto merged = read_tx_file(ins[0]);
  auto id = merged.tx.id();
  for (std::size_t n = 1; n < ins.size(); ++n) {
    auto f = read_tx_file(ins[n]);
    if (f.tx.id() != id)
      throw std::runtime_error(ins[n] + " holds transaction " + f.tx.id().hex() + ", not " +
                               id.hex() + " of " + ins[0]);
    if (f.inputs != merged.inputs)
      throw std::runtime_error(ins[n] + " describes the inputs of " + id.hex() +
                               " differently from " + ins[0]);
    for (std::size_t i = 0; i < f.tx.inputs.size(); ++i) {
      auto& w = merged.tx.inputs[i].witness;
      for (const auto& s : f.tx.inputs[i].witness)
        if (std::none_of(w.begin(), w.end(), [&](const ledger::key_signature& x) {
              return x.key_index == s.key_index;
            }))
          w.push_back(s);
    }
    if (!merged.native) merged.native = f.native;
    if (!merged.min_fee_per_kb) merged.min_fee_per_kb = f.min_fee_per_kb;
  }
  // Key order, so that the result does not depend on the order of the --in files.
  for (auto& in : merged.tx.inputs)
    std::sort(in.witness.begin(), in.witness.end(),
              [](const auto& x, const auto& y) { return x.key_index < y.key_index; });
  write_tx_file(out, merged);
  std::size_t complete = 0;
  for (std::size_t i = 0; i < merged.tx.inputs.size(); ++i)
    complete += signatures_of(merged, i).complete() ? 1 : 0;
  std::cout << "combined " << ins.size() << " copies of " << id.hex() << " -> " << out << " ("
            << complete << " of " << merged.tx.inputs.size() << " inputs fully signed)\n";
  return 0;
}

const registration reg{
    {"combine", "merge the signatures of copies of one transaction", combine_usage, &run_combine}};

} // namespace

} // namespace bystack::cli
