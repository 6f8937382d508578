// bystack-cli utxos: the unspent outputs of an address, as a node reports them.

#include "runtime/cli/wallet.hpp"

#include <iomanip>
#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view utxos_usage =
    "usage: bystack-cli utxos ADDRESS|PUBKEY [--node HOST:PORT] [--json]\n"
    "       bystack-cli utxos --key FILE [--node HOST:PORT] [--json]\n"
    "\n"
    "Lists an owner's committed unspent outputs (GET /utxo): output id, asset, amount in base\n"
    "units, lot (Atomic) or token (Quark), '-' for fungible assets, and the height that\n"
    "created it. --node defaults to $BYSTACK_NODE, else 127.0.0.1:7101.\n";

int run_utxos(std::span<const std::string_view> args) {
  arguments a(args, {"--key", "--node"}, {"--json"}, 1);
  if (a.has("--key") == !a.positional().empty())
    throw usage_error("give an ADDRESS (or public key) or --key FILE");
  auto owner = a.has("--key")
                   ? ledger::control_program::single(load_key(*a.get("--key")).pub()).address()
                   : parse_hash_arg(a.positional()[0], "ADDRESS");
  auto body = fetch(connect(a), "/utxo?owner=" + owner.hex());
  if (a.has("--json")) {
    print_json(body);
    return 0;
  }
  auto list = parse_utxos(body);
  std::cout << "owner " << body.value("owner", owner.hex()) << ": " << list.size()
            << " unspent output" << (list.size() == 1 ? "" : "s")
            << (body.value("truncated", false) ? " (truncated)" : "") << '\n';
  if (list.empty()) return 0;
  std::cout << std::left << std::setw(66) << "id" << std::setw(66) << "asset" << std::setw(20)
            << "amount" << std::setw(66) << "lot"
            << "height\n";
  for (const auto& u : list)
    std::cout << std::setw(66) << u.id.hex() << std::setw(66) << u.asset.hex() << std::setw(20)
              << u.amount << std::setw(66)
              << (u.lot == crypto::hash256{} ? std::string("-") : u.lot.hex()) << u.height << '\n';
  return 0;
}

const registration reg{
    {"utxos", "list an address's unspent outputs (node)", utxos_usage, &run_utxos}};

} // namespace

} // namespace bystack::cli
