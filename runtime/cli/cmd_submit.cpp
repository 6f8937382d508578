// bystack-cli submit: sends a transaction file's transaction to a node.

#include "runtime/cli/wallet.hpp"

#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view submit_usage =
    "usage: bystack-cli submit --in FILE [--node HOST:PORT] [--json]\n"
    "\n"
    "Posts the transaction (POST /tx) and prints its id and the node's verdict: 'accepted'\n"
    "(in the pool) or 'orphan' (held until its parent arrives). A refusal prints the rule the\n"
    "transaction broke and the node's message, with exit status 1. Follow it with\n"
    "`bystack-cli tx ID`.\n";

int run_submit(std::span<const std::string_view> args) {
  arguments a(args, {"--in", "--node"}, {"--json"});
  auto f = read_tx_file(a.need("--in", "the signed transaction file"));
  auto node = connect(a);
  auto raw = ledger::encode(f.tx);
  auto r = node.post("/tx", json{{"tx", to_hex(byte_view{raw.data(), raw.size()})}});
  if (!r) throw std::runtime_error(r.err().message);
  if (a.has("--json")) print_json(r->body);
  if (r->status == 200) {
    if (!a.has("--json"))
      std::cout << "id      " << r->body.value("id", f.tx.id().hex()) << '\n'
                << "status  " << r->body.value("status", std::string("?")) << '\n';
    // The node cannot tell an input it has not seen yet from one already spent.
    if (!a.has("--json") && r->body.value("status", std::string()) == "orphan")
      std::cerr << "note: the node holds it until an input it does not know appears; if that "
                   "input is already spent, it never will\n";
    return 0;
  }
  const auto& e = r->body.contains("error") ? r->body["error"] : json::object();
  std::string rule = e.is_object() ? e.value("rule", std::string("error")) : "error";
  std::string message = e.is_object() ? e.value("message", std::string()) : e.dump();
  // The node's message starts with the rule; print it once.
  if (message.starts_with(rule + ": ")) message.erase(0, rule.size() + 2);
  if (!a.has("--json"))
    std::cerr << "bystack-cli submit: refused (" << rule << "): " << message << '\n';
  return 1;
}

const registration reg{
    {"submit", "send a signed transaction file to a node", submit_usage, &run_submit}};

} // namespace

} // namespace bystack::cli
