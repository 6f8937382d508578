// bystack-cli issue: builds the issuance of a new asset (or more units of one) by its issuer.

#include "runtime/cli/wallet.hpp"

#include <iostream>
#include <random>

namespace bystack::cli {

namespace {

constexpr std::string_view issue_usage =
    "usage: bystack-cli issue --key FILE --name NAME --kind byte|atomic|quark|quantum\n"
    "                         --amount N [--decimals D] [--max-supply N] [--nonce N]\n"
    "                         [--to PUBKEY|PROGRAM] [--fee N] [--fee-per-kb N] [--sign]\n"
    "                         --out FILE | --submit [--node HOST:PORT] [--json]\n"
    "\n"
    "Builds a transaction with an issue input: N base units of the asset that the key issues\n"
    "(its definition: name, kind, decimals, max supply, the key as issuer; the asset id is the\n"
    "definition's hash, so the same flags issue more of the same asset). The units go to --to\n"
    "(default: the issuer): one output for Byte, Quantum and Atomic (one lot), one output per\n"
    "token for Quark (N / 10^decimals tokens, at most 1024). The fee comes from the issuer's\n"
    "native-asset outputs. --nonce tells two issuances apart (default: random); reusing one is\n"
    "refused (issuance-reused). Prints the asset id. --submit signs with the key and posts the\n"
    "transaction to the node (POST /tx) at once; --out is then optional. The node may be a\n"
    "sidechain node (bystackd) or a mainchain node (bystack-mainchaind), whose API answers the\n"
    "same wallet routes.\n";

constexpr std::string_view issue_asset_usage =
    "usage: bystack-cli issue-asset --key FILE --name NAME --kind byte|atomic|quark|quantum\n"
    "                               --amount N [--decimals D] [--max-supply N] [--nonce N]\n"
    "                               [--to PUBKEY|PROGRAM] [--fee N] [--fee-per-kb N]\n"
    "                               [--out FILE] [--node HOST:PORT] [--json]\n"
    "\n"
    "Issues an asset in one step: `issue` with --sign --submit (see `bystack-cli issue --help`).\n"
    "Typically against a mainchain node (bystack-mainchaind), where assets are issued; the\n"
    "issuance is final once a block holds it (`bystack-cli tx ID`).\n";

int run_issue(std::span<const std::string_view> args) {
  arguments a(args,
              {"--key", "--name", "--kind", "--amount", "--decimals", "--max-supply", "--nonce",
               "--to", "--fee", "--fee-per-kb", "--out", "--node"},
              {"--sign", "--submit", "--json"});
  auto key = load_key(a.need("--key", "the issuer's key file"));
  bool submit = a.has("--submit");
  ledger::asset_definition d;
  d.name = a.need("--name", "the asset's name");
  if (d.name.empty() || d.name.size() > ledger::max_asset_name_bytes)
    throw usage_error("--name: 1 to " + std::to_string(ledger::max_asset_name_bytes) + " bytes");
  if (!ledger::parse_kind(a.need("--kind", "byte, atomic, quark or quantum"), d.kind))
    throw usage_error("--kind: expected byte, atomic, quark or quantum, got '" + *a.get("--kind") +
                      "'");
  auto decimals = a.number("--decimals", 0);
  if (decimals > ledger::max_decimals)
    throw usage_error("--decimals: at most " + std::to_string(ledger::max_decimals));
  d.decimals = static_cast<std::uint8_t>(decimals);
  d.max_supply = a.number("--max-supply", 0);
  d.issuer = ledger::control_program::single(key.pub());
  auto amount = parse_number(a.need("--amount", "base units to issue"), "--amount");
  if (amount == 0) throw usage_error("--amount: must be at least 1");
  if (!ledger::divisible(d.kind) && amount % d.unit() != 0)
    throw usage_error("--amount: a " + std::string(ledger::kind_name(d.kind)) +
                      " asset issues whole units of " + std::to_string(d.unit()) + " base units");
  std::string out =
      submit && !a.has("--out") ? std::string() : a.need("--out", "the transaction file to write");
  auto to = a.has("--to") ? parse_owner(*a.get("--to"), "--to") : d.issuer;

  ledger::input in;
  in.kind = ledger::input_kind::issue;
  in.definition = d;
  in.amount = amount;
  std::random_device rd;
  in.nonce = a.has("--nonce") ? a.number("--nonce", 0)
                              : std::uniform_int_distribution<std::uint64_t>()(rd);
  auto iid = ledger::input_id(in);
  auto node = connect(a);
  funding how;
  how.owner = d.issuer;
  how.chain = fetch_chain(node, a.get("--fee-per-kb"));
  if (d.id() == how.chain.native) throw std::runtime_error("the native asset is not issued");
  how.utxos = fetch_utxos(node, d.issuer.address());
  if (a.has("--fee")) how.fixed_fee = a.number("--fee", 0);

  tx_file f;
  f.tx.chain = how.chain.chain;
  f.tx.inputs.push_back(in);
  f.inputs.push_back(input_info{d.issuer, d.id(), amount, {}});
  switch (d.kind) {
  case ledger::asset_kind::byte:
  case ledger::asset_kind::quantum:
    f.tx.outputs.push_back(ledger::pay(d.id(), amount, to));
    break;
  case ledger::asset_kind::atomic:
    f.tx.outputs.push_back(ledger::pay(d.id(), amount, to, ledger::token_id(iid, 0)));
    break;
  case ledger::asset_kind::quark:
    if (amount / d.unit() > ledger::max_issue_tokens)
      throw usage_error("--amount: at most " + std::to_string(ledger::max_issue_tokens) +
                        " Quark tokens per issuance");
    for (std::uint64_t k = 0; k < amount / d.unit(); ++k)
      f.tx.outputs.push_back(ledger::pay(d.id(), d.unit(), to, ledger::token_id(iid, k)));
    break;
  }
  auto fee = fund(f, how);
  maybe_sign(f, key, a.has("--sign") || submit);
  if (submit) {
    if (!out.empty()) write_tx_file(out, f);
    if (!a.has("--json")) std::cout << "asset   " << d.id().hex() << " (" << d.name << ")\n";
    return submit_and_report(node, f, a.has("--json"), "issue", {{"asset", d.id().hex()}});
  }
  write_tx_file(out, f);
  if (!a.has("--json")) std::cout << "asset    " << d.id().hex() << " (" << d.name << ")\n";
  report_built(f, fee, out, a.has("--json"),
               a.has("--sign") ? "bystack-cli submit --in " + out
                               : "bystack-cli sign --key KEY --in " + out + " --out SIGNED",
               {{"asset", d.id().hex()}});
  return 0;
}

int run_issue_asset(std::span<const std::string_view> args) {
  std::vector<std::string_view> all(args.begin(), args.end());
  all.push_back("--submit");
  return run_issue(all);
}

const registration reg{
    {"issue", "build the issuance of an asset by its issuer (node)", issue_usage, &run_issue}};
const registration reg_asset{{"issue-asset", "issue an asset: build, sign and submit (node)",
                              issue_asset_usage, &run_issue_asset}};

} // namespace

} // namespace bystack::cli
