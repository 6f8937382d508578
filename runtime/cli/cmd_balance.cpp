// bystack-cli balance: what an address holds, per asset, as a node reports it.

#include "runtime/cli/wallet.hpp"

#include <iomanip>
#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view balance_usage =
    "usage: bystack-cli balance ADDRESS|PUBKEY [--node HOST:PORT] [--json]\n"
    "       bystack-cli balance --key FILE [--node HOST:PORT] [--json]\n"
    "\n"
    "Prints the committed balance of an owner per asset (GET /balance), in base units.\n"
    "--node defaults to $BYSTACK_NODE, else 127.0.0.1:7101.\n";

int run_balance(std::span<const std::string_view> args) {
  arguments a(args, {"--key", "--node"}, {"--json"}, 1);
  if (a.has("--key") == !a.positional().empty())
    throw usage_error("give an ADDRESS (or public key) or --key FILE");
  auto owner = a.has("--key")
                   ? ledger::control_program::single(load_key(*a.get("--key")).pub()).address()
                   : parse_hash_arg(a.positional()[0], "ADDRESS");
  auto body = fetch(connect(a), "/balance/" + owner.hex());
  if (a.has("--json")) {
    print_json(body);
    return 0;
  }
  std::cout << "address " << body.value("address", owner.hex()) << '\n';
  const auto& list = body["balances"];
  if (!list.is_array() || list.empty()) {
    std::cout << "no unspent outputs\n";
    return 0;
  }
  std::cout << std::left << std::setw(66) << "asset" << std::setw(16) << "name" << std::setw(9)
            << "kind"
            << "amount\n";
  for (const auto& b : list)
    std::cout << std::setw(66) << b.value("asset", std::string()) << std::setw(16)
              << b.value("name", std::string("?")) << std::setw(9)
              << b.value("kind", std::string("?")) << b.value("amount", std::uint64_t{0}) << '\n';
  return 0;
}

const registration reg{
    {"balance", "print an address's balance per asset (node)", balance_usage, &run_balance}};

} // namespace

} // namespace bystack::cli
