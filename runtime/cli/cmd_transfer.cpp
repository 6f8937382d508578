// bystack-cli transfer: builds a payment from an owner's unspent outputs.

#include "runtime/cli/wallet.hpp"

#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view transfer_usage =
    "usage: bystack-cli transfer --key FILE --to PUBKEY|PROGRAM --asset ID --amount N\n"
    "                            [--lot HEX] [--fee N] [--fee-per-kb N] [--expires-at H]\n"
    "                            [--from-multisig PROGRAM] [--sign] --out FILE | --submit\n"
    "                            [--node HOST:PORT] [--json]\n"
    "\n"
    "Builds a transaction paying N base units of asset ID to --to (a public key, or the program\n"
    "hex of a multisig from `bystack-cli address --multisig`; an address is a hash and cannot\n"
    "be paid to) from the owner's unspent outputs, which it asks the node for (GET /utxo):\n"
    "\n"
    "  owner       the key's single-key program, or --from-multisig PROGRAM (the key must be\n"
    "              one of its keys to --sign; the others sign with `bystack-cli sign`)\n"
    "  selection   per asset, the smallest single output that covers what is needed, else the\n"
    "              smallest outputs in increasing order until they do; change goes back to the\n"
    "              owner; the fee comes from native-asset outputs\n"
    "  lot         Atomic and Quark units keep their lot (token): --lot picks it, else the lot\n"
    "              with the smallest holding that covers N (a Quark token is one whole unit)\n"
    "  fee         the minimum for the signed size at the node's min_fee_per_kb (GET /status);\n"
    "              --fee-per-kb overrides the rate, --fee sets the fee itself\n"
    "\n"
    "Writes a transaction file (see `bystack-cli inspect`), unsigned unless --sign. --submit\n"
    "signs with the key and posts the transaction to the node (POST /tx) at once (--out is then\n"
    "optional): a single-key payment in one step, on a sidechain node (bystackd) or a mainchain\n"
    "node (bystack-mainchaind), whose API answers the same wallet routes.\n";

int run_transfer(std::span<const std::string_view> args) {
  arguments a(args,
              {"--key", "--to", "--asset", "--amount", "--lot", "--fee", "--fee-per-kb",
               "--expires-at", "--from-multisig", "--out", "--node"},
              {"--sign", "--submit", "--json"});
  bool submit = a.has("--submit");
  const auto& key_file = a.need("--key", "the owner's key file");
  auto to = parse_owner(a.need("--to", "the payee's public key or program hex"), "--to");
  auto asset = parse_hash_arg(a.need("--asset", "the asset id, 64 hex"), "--asset");
  auto amount = parse_number(a.need("--amount", "base units to pay"), "--amount");
  if (amount == 0) throw usage_error("--amount: must be at least 1");
  std::string out =
      submit && !a.has("--out") ? std::string() : a.need("--out", "the transaction file to write");
  auto key = load_key(key_file);
  auto owner = a.has("--from-multisig") ? parse_owner(*a.get("--from-multisig"), "--from-multisig")
                                        : ledger::control_program::single(key.pub());
  auto node = connect(a);
  funding how;
  how.owner = owner;
  how.chain = fetch_chain(node, a.get("--fee-per-kb"));
  how.utxos = fetch_utxos(node, owner.address());
  if (a.has("--fee")) how.fixed_fee = a.number("--fee", 0);
  auto lot = a.has("--lot") ? parse_hash_arg(*a.get("--lot"), "--lot")
                            : pick_lot(how.utxos, asset, amount);
  tx_file f;
  f.tx.chain = how.chain.chain;
  f.tx.expires_at = a.number("--expires-at", 0);
  f.tx.outputs.push_back(ledger::pay(asset, amount, to, lot));
  auto fee = fund(f, how);
  maybe_sign(f, key, a.has("--sign") || submit);
  if (submit) {
    if (!out.empty()) write_tx_file(out, f);
    return submit_and_report(node, f, a.has("--json"), "transfer");
  }
  write_tx_file(out, f);
  report_built(f, fee, out, a.has("--json"),
               a.has("--sign") ? "bystack-cli submit --in " + out
                               : "bystack-cli sign --key KEY --in " + out + " --out SIGNED");
  return 0;
}

const registration reg{{"transfer", "build a payment from an owner's unspent outputs (node)",
                        transfer_usage, &run_transfer}};

} // namespace

} // namespace bystack::cli
