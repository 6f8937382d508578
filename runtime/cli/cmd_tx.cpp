// bystack-cli tx: where a transaction stands on a node (pending, committed or unknown).

#include "runtime/cli/wallet.hpp"

#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view tx_usage =
    "usage: bystack-cli tx ID [--node HOST:PORT] [--json]\n"
    "\n"
    "Asks a node about a transaction (GET /tx/ID): 'pending' (in its pool), 'committed' (with\n"
    "the height) or 'unknown', and prints its inputs and outputs when the node has it.\n";

int run_tx(std::span<const std::string_view> args) {
  arguments a(args, {"--node"}, {"--json"}, 1);
  if (a.positional().empty()) throw usage_error("ID is required (a transaction id, 64 hex)");
  auto id = parse_hash_arg(a.positional()[0], "ID");
  auto body = fetch(connect(a), "/tx/" + id.hex());
  if (a.has("--json")) {
    print_json(body);
    return 0;
  }
  std::cout << "id      " << id.hex() << '\n'
            << "status  " << body.value("status", std::string("?")) << '\n';
  if (body.contains("height")) std::cout << "height  " << body["height"] << '\n';
  bytes raw;
  if (body.contains("tx") && body["tx"].is_string() &&
      from_hex(body["tx"].get<std::string>(), raw)) {
    auto t = ledger::decode_tx(byte_view{raw.data(), raw.size()});
    if (!t) throw std::runtime_error("the node's 'tx' does not decode: " + t.err().message);
    for (std::size_t i = 0; i < t->inputs.size(); ++i) {
      const auto& in = t->inputs[i];
      std::cout << "input " << i << "  "
                << ledger::input_kind_name(static_cast<std::uint8_t>(in.kind));
      if (in.kind == ledger::input_kind::spend) std::cout << ' ' << in.spent_output.hex();
      if (in.kind == ledger::input_kind::issue)
        std::cout << ' ' << in.amount << " of " << in.definition.name << " ("
                  << in.definition.id().hex() << ')';
      std::cout << "  (" << in.witness.size() << " signature" << (in.witness.size() == 1 ? "" : "s")
                << ")\n";
    }
    for (std::size_t i = 0; i < t->outputs.size(); ++i) {
      const auto& o = t->outputs[i];
      std::cout << "output " << i << " " << o.amount << " of " << o.asset.hex();
      if (o.lot != crypto::hash256{}) std::cout << " lot " << o.lot.hex();
      if (o.kind == ledger::output_kind::control)
        std::cout << " -> " << o.owner.address().hex();
      else
        std::cout << " (" << ledger::output_kind_name(static_cast<std::uint8_t>(o.kind)) << ')';
      std::cout << '\n';
    }
  }
  return 0;
}

const registration reg{{"tx", "show a transaction's status on a node", tx_usage, &run_tx}};

} // namespace

} // namespace bystack::cli
