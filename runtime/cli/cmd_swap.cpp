// bystack-cli swap: the two-party "magnetic" trade, both sides in one transaction.

#include "runtime/cli/wallet.hpp"

#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view swap_usage =
    "usage: bystack-cli swap offer --key FILE --give-asset ID [--give-lot HEX] --give-amount N\n"
    "                              --want-asset ID [--want-lot HEX] --want-amount N\n"
    "                              --counterparty PUBKEY|PROGRAM [--expires-at H] --out FILE\n"
    "                              [--fee-per-kb N] [--node HOST:PORT] [--json]\n"
    "       bystack-cli swap accept --key FILE --in OFFER --out FILE [--fee N]\n"
    "                              [--fee-per-kb N] [--node HOST:PORT] [--json]\n"
    "\n"
    "Two parties trade assets in one transaction, so that both moves happen or neither does.\n"
    "\n"
    "offer (the maker) builds a transaction with the maker's inputs of what it gives, an output\n"
    "paying the given units to the counterparty (a public key or a program hex), the maker's\n"
    "change, and an output paying the maker what it wants. The counterparty's inputs are\n"
    "missing, so the offer is unbalanced and nobody signs it yet.\n"
    "\n"
    "accept (the taker) checks that the offer pays its key, then adds its inputs of what the\n"
    "maker wants, its change, and the fee (native-asset inputs at the minimum rate). This\n"
    "changes the transaction id, which every signature covers: both parties sign after accept.\n"
    "\n"
    "The flow: offer -> accept -> both sign, in any order, each its own copy (sign) -> combine\n"
    "-> submit. Each party should `inspect` the accepted file before signing it. A transaction\n"
    "with one party's signatures only is refused by the node (threshold-not-met).\n";

int offer(std::span<const std::string_view> args) {
  arguments a(args,
              {"--key", "--give-asset", "--give-lot", "--give-amount", "--want-asset", "--want-lot",
               "--want-amount", "--counterparty", "--expires-at", "--out", "--fee-per-kb",
               "--node"},
              {"--json"});
  auto key = load_key(a.need("--key", "the maker's key file"));
  auto give =
      parse_hash_arg(a.need("--give-asset", "the asset id the maker gives"), "--give-asset");
  auto give_amount =
      parse_number(a.need("--give-amount", "base units the maker gives"), "--give-amount");
  auto want =
      parse_hash_arg(a.need("--want-asset", "the asset id the maker wants"), "--want-asset");
  auto want_amount =
      parse_number(a.need("--want-amount", "base units the maker wants"), "--want-amount");
  if (give_amount == 0 || want_amount == 0)
    throw usage_error("--give-amount and --want-amount must be at least 1");
  auto taker = parse_owner(a.need("--counterparty", "the taker's public key or program hex"),
                           "--counterparty");
  auto want_lot =
      a.has("--want-lot") ? parse_hash_arg(*a.get("--want-lot"), "--want-lot") : crypto::hash256{};
  const auto& out = a.need("--out", "the offer file to write");
  auto maker = ledger::control_program::single(key.pub());
  if (taker == maker) throw usage_error("--counterparty: the maker cannot trade with itself");

  auto node = connect(a);
  funding how;
  how.owner = maker;
  how.chain = fetch_chain(node, a.get("--fee-per-kb"));
  how.utxos = fetch_utxos(node, maker.address());
  how.pay_fee = false; // the taker pays it, when the transaction is complete
  auto give_lot = a.has("--give-lot") ? parse_hash_arg(*a.get("--give-lot"), "--give-lot")
                                      : pick_lot(how.utxos, give, give_amount);
  how.only = holding{give, give_lot};

  tx_file f;
  f.tx.chain = how.chain.chain;
  f.tx.expires_at = a.number("--expires-at", 0);
  f.tx.outputs.push_back(ledger::pay(give, give_amount, taker, give_lot));
  f.tx.outputs.push_back(ledger::pay(want, want_amount, maker, want_lot));
  fund(f, how);
  write_tx_file(out, f);
  report_built(f, 0, out, a.has("--json"),
               "send " + out + " to the counterparty: bystack-cli swap accept --key KEY --in " +
                   out + " --out ACCEPTED");
  return 0;
}

int accept(std::span<const std::string_view> args) {
  arguments a(args, {"--key", "--in", "--out", "--fee", "--fee-per-kb", "--node"}, {"--json"});
  auto key = load_key(a.need("--key", "the taker's key file"));
  const auto& in = a.need("--in", "the offer file");
  const auto& out = a.need("--out", "the accepted file to write");
  auto f = read_tx_file(in);
  auto taker = ledger::control_program::single(key.pub());
  for (const auto& txin : f.tx.inputs)
    if (!txin.witness.empty())
      throw std::runtime_error(in + " is already signed; adding inputs would void the "
                                    "signatures (accept an unsigned offer)");
  bool paid = false;
  for (const auto& o : f.tx.outputs)
    paid = paid || (o.kind == ledger::output_kind::control && o.owner == taker);
  if (!paid) throw std::runtime_error(in + " pays nothing to this key; it is not your offer");

  auto node = connect(a);
  funding how;
  how.owner = taker;
  how.chain = fetch_chain(node, a.get("--fee-per-kb"));
  if (f.tx.chain != how.chain.chain)
    throw std::runtime_error(in + " names chain " + f.tx.chain.hex() + ", the node runs " +
                             how.chain.chain.hex());
  how.utxos = fetch_utxos(node, taker.address());
  if (a.has("--fee")) how.fixed_fee = a.number("--fee", 0);
  auto fee = fund(f, how);
  write_tx_file(out, f);
  report_built(f, fee, out, a.has("--json"),
               "both parties: bystack-cli inspect --in " + out +
                   ", then bystack-cli sign --key KEY --in " + out + " --out SIGNED; then combine");
  return 0;
}

int run_swap(std::span<const std::string_view> args) {
  if (args.empty()) throw usage_error("expected 'offer' or 'accept'");
  auto rest = args.subspan(1);
  if (args[0] == "offer") return offer(rest);
  if (args[0] == "accept") return accept(rest);
  throw usage_error("expected 'offer' or 'accept', got '" + std::string(args[0]) + "'");
}

const registration reg{
    {"swap", "offer or accept a two-party asset swap in one transaction", swap_usage, &run_swap}};

} // namespace

} // namespace bystack::cli
