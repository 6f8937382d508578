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
  return submit_and_report(node, f, a.has("--json"), "submit");
}

const registration reg{
    {"submit", "send a signed transaction file to a node", submit_usage, &run_submit}};

} // namespace

} // namespace bystack::cli
