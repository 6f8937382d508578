// bystack-cli inspect: what a transaction file spends and pays, and who has yet to sign.

#include "runtime/cli/wallet.hpp"

#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view inspect_usage =
    "usage: bystack-cli inspect --in FILE [--json]\n"
    "\n"
    "Prints a transaction file without asking a node: its id, each input (what it spends or\n"
    "issues, the owner program, which keys have signed with a signature that verifies, which\n"
    "have not, and how many more are needed), each output, the fee (native inputs minus native\n"
    "outputs) against the minimum for the signed size, and whether it is ready to submit.\n"
    "What an input spends comes from the file, which its builder wrote, and a signature does\n"
    "not cover it (it covers the transaction's inputs and outputs): a wrong amount makes the\n"
    "transaction fail (unbalanced) or, for the native asset, raises the fee. Check your own\n"
    "inputs against `bystack-cli utxos` before you sign a file someone else built.\n";

std::string indices(const std::vector<std::uint8_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i)
    s += (i ? "," : "") + std::to_string(v[i]);
  return s.empty() ? "none" : s;
}

std::string lot_text(const crypto::hash256& lot) {
  return lot == crypto::hash256{} ? std::string() : " lot " + lot.hex();
}

int run_inspect(std::span<const std::string_view> args) {
  arguments a(args, {"--in"}, {"--json"});
  auto f = read_tx_file(a.need("--in", "the transaction file"));
  const auto& t = f.tx;
  json j{{"id", t.id().hex()}, {"chain", t.chain.hex()}, {"expires_at", t.expires_at}};
  json ins = json::array(), outs = json::array();
  bool complete = true;
  std::vector<std::size_t> incomplete;
  for (std::size_t i = 0; i < t.inputs.size(); ++i) {
    const auto& in = t.inputs[i];
    const auto& info = f.inputs[i];
    auto s = signatures_of(f, i);
    json e{{"index", i},
           {"kind", ledger::input_kind_name(static_cast<std::uint8_t>(in.kind))},
           {"asset", info.asset.hex()},
           {"amount", info.amount},
           {"lot", info.lot.hex()},
           {"owner", program_json(info.program)},
           {"address", info.program.address().hex()},
           {"signed_by", s.valid},
           {"bad_signatures", s.invalid},
           {"unsigned_keys", s.unsigned_keys},
           {"missing", s.valid.size() >= s.threshold ? 0 : s.threshold - s.valid.size()},
           {"complete", s.complete()}};
    if (in.kind == ledger::input_kind::spend) e["spent_output"] = in.spent_output.hex();
    if (in.kind == ledger::input_kind::issue) e["asset_name"] = in.definition.name;
    if (!s.complete()) {
      complete = false;
      incomplete.push_back(i);
    }
    ins.push_back(std::move(e));
  }
  for (std::size_t i = 0; i < t.outputs.size(); ++i) {
    const auto& o = t.outputs[i];
    json e{{"index", i},
           {"kind", ledger::output_kind_name(static_cast<std::uint8_t>(o.kind))},
           {"asset", o.asset.hex()},
           {"amount", o.amount},
           {"lot", o.lot.hex()}};
    if (o.kind == ledger::output_kind::control) {
      e["owner"] = program_json(o.owner);
      e["address"] = o.owner.address().hex();
    }
    outs.push_back(std::move(e));
  }
  j["inputs"] = std::move(ins);
  j["outputs"] = std::move(outs);
  auto fl = flows(f);
  auto size = signed_size(f);
  j["signed_size"] = size;
  if (f.native) {
    auto n = fl[holding{*f.native, {}}];
    j["native_asset"] = f.native->hex();
    j["fee"] = n.in >= n.out ? n.in - n.out : 0;
    if (f.min_fee_per_kb) j["min_fee"] = minimum_fee(*f.min_fee_per_kb, size);
  }
  json unbalanced = json::array();
  for (const auto& [h, x] : fl)
    if (x.in != x.out && (!f.native || h != holding{*f.native, {}}))
      unbalanced.push_back(
          {{"asset", h.asset.hex()}, {"lot", h.lot.hex()}, {"in", x.in}, {"out", x.out}});
  if (f.native && fl[holding{*f.native, {}}].out > fl[holding{*f.native, {}}].in)
    unbalanced.push_back({{"asset", f.native->hex()},
                          {"lot", crypto::hash256{}.hex()},
                          {"in", fl[holding{*f.native, {}}].in},
                          {"out", fl[holding{*f.native, {}}].out}});
  j["unbalanced"] = unbalanced;
  j["complete"] = complete;
  if (a.has("--json")) {
    print_json(j);
    return 0;
  }

  std::cout << "transaction " << t.id().hex() << '\n'
            << "chain       " << t.chain.hex() << '\n'
            << "expires     " << (t.expires_at ? std::to_string(t.expires_at) : "never") << '\n'
            << "inputs (" << t.inputs.size() << ")\n";
  for (std::size_t i = 0; i < t.inputs.size(); ++i) {
    const auto& in = t.inputs[i];
    const auto& info = f.inputs[i];
    auto s = signatures_of(f, i);
    std::cout << "  " << i << "  ";
    if (in.kind == ledger::input_kind::issue)
      std::cout << "issue " << info.amount << " of '" << in.definition.name << "' ("
                << ledger::kind_name(in.definition.kind) << ") " << info.asset.hex() << '\n';
    else
      std::cout << "spend " << in.spent_output.hex() << ": " << info.amount << " of "
                << info.asset.hex() << lot_text(info.lot) << '\n';
    std::cout << "     owner " << describe(info.program) << '\n'
              << "     signed by keys " << indices(s.valid) << "; ";
    if (!s.invalid.empty()) std::cout << "BAD signatures of keys " << indices(s.invalid) << "; ";
    if (s.complete())
      std::cout << "complete (" << s.threshold << " needed)\n";
    else
      std::cout << "missing " << (s.valid.size() >= s.threshold ? 0 : s.threshold - s.valid.size())
                << " more of keys " << indices(s.unsigned_keys) << '\n';
  }
  std::cout << "outputs (" << t.outputs.size() << ")\n";
  for (std::size_t i = 0; i < t.outputs.size(); ++i) {
    const auto& o = t.outputs[i];
    std::cout << "  " << i << "  " << o.amount << " of " << o.asset.hex() << lot_text(o.lot);
    if (o.kind == ledger::output_kind::control)
      std::cout << "\n     to " << describe(o.owner) << "\n     address " << o.owner.address().hex()
                << '\n';
    else
      std::cout << " (" << ledger::output_kind_name(static_cast<std::uint8_t>(o.kind)) << ")\n";
  }
  if (j.contains("fee")) {
    std::cout << "fee         " << j["fee"].get<std::uint64_t>() << " of the native asset";
    if (j.contains("min_fee"))
      std::cout << " (minimum " << j["min_fee"].get<std::uint64_t>() << " for " << size
                << " bytes signed)";
    std::cout << '\n';
  } else {
    std::cout << "fee         unknown (the file does not name the native asset)\n";
  }
  for (const auto& u : unbalanced)
    std::cout << "unbalanced  asset " << u["asset"].get<std::string>() << ": in "
              << u["in"].get<std::uint64_t>() << ", out " << u["out"].get<std::uint64_t>()
              << " (another party has yet to add its inputs)\n";
  if (complete) {
    std::cout << "signatures  complete: every input meets its threshold\n";
  } else {
    std::cout << "signatures  incomplete: input";
    if (incomplete.size() > 1) std::cout << 's';
    for (std::size_t i = 0; i < incomplete.size(); ++i)
      std::cout << (i ? ", " : " ") << incomplete[i];
    std::cout << (incomplete.size() > 1 ? " still need" : " still needs") << " signatures\n";
  }
  return 0;
}

const registration reg{{"inspect", "show a transaction file: inputs, outputs, signatures, fee",
                        inspect_usage, &run_inspect}};

} // namespace

} // namespace bystack::cli
