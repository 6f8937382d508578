// bystack-cli register, vote, veto, show-election: DPoS on a sidechain node (docs/dpos.md).

#include "runtime/cli/wallet.hpp"
#include "runtime/ledger/dpos.hpp"

#include <iomanip>
#include <iostream>
#include <sstream>

namespace bystack::cli {

namespace {

namespace ld = ledger::dpos;

constexpr std::string_view register_usage =
    "usage: bystack-cli register --key FILE (--node-key FILE | --node-pubkey HEX)\n"
    "                            --address HOST:PORT [--region NAME] --deposit N\n"
    "                            [--fee N] [--fee-per-kb N] --out FILE | --submit\n"
    "                            [--node HOST:PORT] [--json]\n"
    "\n"
    "Registers a DPoS candidate: a registration output locking --deposit base units of the\n"
    "native asset (at least the genesis's candidate_deposit), owned by the candidate's node key,\n"
    "naming that key, the node's network address and a declared region (super-node choice may\n"
    "use it). --key pays the deposit and the fee from its unspent outputs (GET /utxo). The\n"
    "candidate id (the registration output's id) is printed: votes name it. The deposit comes\n"
    "back by `bystack-cli veto --key NODE_KEY --vote CANDIDATE_ID` after vote_lock_blocks.\n";

constexpr std::string_view vote_usage =
    "usage: bystack-cli vote --key FILE --candidate ID --amount N [--fee N] [--fee-per-kb N]\n"
    "                        --out FILE | --submit [--node HOST:PORT] [--json]\n"
    "\n"
    "Locks N base units of the native asset in a vote for candidate ID (a registration output\n"
    "id, see `bystack-cli show-election`), owned by --key, which also pays the fee. The vote\n"
    "counts in every election while it is unspent; `bystack-cli veto` unlocks it, no earlier\n"
    "than vote_lock_blocks after the block that created it. Prints the vote's id.\n";

constexpr std::string_view veto_usage =
    "usage: bystack-cli veto --key FILE --vote ID [--fee N] [--fee-per-kb N]\n"
    "                        --out FILE | --submit [--node HOST:PORT] [--json]\n"
    "\n"
    "Unlocks a vote (or a registration: the candidate withdraws) owned by --key: a veto input\n"
    "whose locked units, less the fee, go back to the owner. The node refuses it before\n"
    "vote_lock_blocks after the block that created the vote (rule locked-output).\n";

constexpr std::string_view show_usage =
    "usage: bystack-cli show-election [--node HOST:PORT] [--json]\n"
    "\n"
    "Prints a DPoS node's election state (GET /election): the epoch deciding the node's next\n"
    "height and its set (rank order, votes, super nodes and groups), the sets of later epochs\n"
    "already elected, and the registered candidates with their votes, in rank order.\n";

/// Finds the index of the first output of a kind (fund() appends change after the outputs).
std::uint32_t output_index(const tx_file& f, ledger::output_kind k) {
  for (std::uint32_t i = 0; i < f.tx.outputs.size(); ++i)
    if (f.tx.outputs[i].kind == k) return i;
  throw std::logic_error("output not found");
}

/// Builds around one extension output paid by --key, then writes or submits it.
int build_and_send(const arguments& a, const crypto::key_pair& key, ledger::output out,
                   std::string_view command, const std::string& id_name) {
  bool submit = a.has("--submit");
  std::string file =
      submit && !a.has("--out") ? std::string() : a.need("--out", "the transaction file to write");
  auto node = connect(a);
  funding how;
  how.owner = ledger::control_program::single(key.pub());
  how.chain = fetch_chain(node, a.get("--fee-per-kb"));
  out.asset = how.chain.native;
  how.utxos = fetch_utxos(node, how.owner.address());
  if (a.has("--fee")) how.fixed_fee = a.number("--fee", 0);
  tx_file f;
  f.tx.chain = how.chain.chain;
  auto kind = out.kind;
  f.tx.outputs.push_back(std::move(out));
  auto fee = fund(f, how);
  maybe_sign(f, key, true);
  auto idx = output_index(f, kind);
  auto oid = ledger::output_id(f.tx.id(), idx, f.tx.outputs[idx]);
  json extra{{id_name, oid.hex()}};
  if (!a.has("--json")) std::cout << std::left << std::setw(10) << id_name << oid.hex() << '\n';
  if (submit) {
    if (!file.empty()) write_tx_file(file, f);
    return submit_and_report(node, f, a.has("--json"), command, extra);
  }
  write_tx_file(file, f);
  report_built(f, fee, file, a.has("--json"), "bystack-cli submit --in " + file, extra);
  return 0;
}

int run_register(std::span<const std::string_view> args) {
  arguments a(args,
              {"--key", "--node-key", "--node-pubkey", "--address", "--region", "--deposit",
               "--fee", "--fee-per-kb", "--out", "--node"},
              {"--submit", "--json"});
  const auto& key_file = a.need("--key", "the paying wallet's key file");
  if (a.has("--node-key") == a.has("--node-pubkey"))
    throw usage_error("give the candidate's node key: --node-key FILE or --node-pubkey HEX");
  ld::registration r;
  r.node_key = a.has("--node-key") ? load_key(*a.get("--node-key")).pub()
                                   : parse_pubkey(*a.get("--node-pubkey"), "--node-pubkey");
  r.address = a.need("--address", "the node's HOST:PORT");
  if (r.address.empty() || r.address.size() > ld::max_address_bytes)
    throw usage_error("--address: 1 to " + std::to_string(ld::max_address_bytes) + " bytes");
  r.region = a.get("--region") ? *a.get("--region") : std::string();
  if (r.region.size() > ld::max_region_bytes)
    throw usage_error("--region: at most " + std::to_string(ld::max_region_bytes) + " bytes");
  auto deposit = parse_number(a.need("--deposit", "base units to lock"), "--deposit");
  if (deposit == 0) throw usage_error("--deposit: must be at least 1");
  auto key = load_key(key_file);
  return build_and_send(a, key, ld::make_registration({}, deposit, r), "register", "candidate");
}

int run_vote(std::span<const std::string_view> args) {
  arguments a(args,
              {"--key", "--candidate", "--amount", "--fee", "--fee-per-kb", "--out", "--node"},
              {"--submit", "--json"});
  const auto& key_file = a.need("--key", "the voter's key file");
  auto candidate = parse_hash_arg(a.need("--candidate", "the candidate id, 64 hex"), "--candidate");
  auto amount = parse_number(a.need("--amount", "base units to lock"), "--amount");
  if (amount == 0) throw usage_error("--amount: must be at least 1");
  auto key = load_key(key_file);
  return build_and_send(
      a, key, ld::make_vote({}, amount, candidate, ledger::control_program::single(key.pub())),
      "vote", "vote");
}

int run_veto(std::span<const std::string_view> args) {
  arguments a(args, {"--key", "--vote", "--fee", "--fee-per-kb", "--out", "--node"},
              {"--submit", "--json"});
  bool submit = a.has("--submit");
  const auto& key_file = a.need("--key", "the vote owner's key file");
  auto vote = parse_hash_arg(a.need("--vote", "the vote (or registration) id, 64 hex"), "--vote");
  std::string file =
      submit && !a.has("--out") ? std::string() : a.need("--out", "the transaction file to write");
  auto key = load_key(key_file);
  auto owner = ledger::control_program::single(key.pub());
  auto node = connect(a);
  auto chain = fetch_chain(node, a.get("--fee-per-kb"));
  // Votes and registrations are not in the owner index (GET /utxo?owner=): ask by id.
  auto body = fetch(node, "/utxo/" + vote.hex());
  body["id"] = vote.hex();
  auto list = parse_utxos(json{{"utxos", json::array({body})}});
  const utxo* locked = &list.at(0);
  if (locked->owner != owner)
    throw std::runtime_error("output " + vote.hex() + " is owned by " + describe(locked->owner) +
                             ", not by the key's single-key program");
  tx_file f;
  f.tx.chain = chain.chain;
  f.native = chain.native;
  f.min_fee_per_kb = chain.min_fee_per_kb;
  f.tx.inputs.push_back(ld::make_veto(vote));
  f.inputs.push_back(input_info{locked->owner, locked->asset, locked->amount, locked->lot});
  f.tx.outputs.push_back(ledger::pay(locked->asset, locked->amount, owner));
  // The size with the whole amount bounds the size with less: this fee covers the result.
  auto fee =
      a.has("--fee") ? a.number("--fee", 0) : minimum_fee(chain.min_fee_per_kb, signed_size(f));
  if (fee >= locked->amount)
    throw std::runtime_error("the fee (" + std::to_string(fee) + ") takes all " +
                             std::to_string(locked->amount) + " locked units");
  f.tx.outputs[0].amount = locked->amount - fee;
  maybe_sign(f, key, true);
  if (submit) {
    if (!file.empty()) write_tx_file(file, f);
    return submit_and_report(node, f, a.has("--json"), "veto", json{{"unlocked", vote.hex()}});
  }
  write_tx_file(file, f);
  report_built(f, fee, file, a.has("--json"), "bystack-cli submit --in " + file);
  return 0;
}

std::string short_key(const std::string& hex) {
  return hex.size() > 16 ? hex.substr(0, 16) + ".." : hex;
}

std::string node_text(const json& n) {
  return n.is_number() ? std::to_string(n.get<std::int64_t>()) : std::string("-");
}

void print_set(const json& s, std::ostream& o) {
  auto supers = s.value("supers", json::array());
  std::map<std::int64_t, std::size_t> group_of;
  auto groups = s.value("groups", json::array());
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (const auto& m : groups[g])
      group_of[m.get<std::int64_t>()] = g;
  auto first = s.value("first_height", std::uint64_t{0});
  o << "epoch " << s.value("epoch", std::uint64_t{0}) << " (from height " << first
    << "): " << s.value("members", json::array()).size() << " members, super nodes "
    << supers.dump()
    << (s.value("carried_over", false) ? " (carried over: too few eligible candidates)" : "")
    << '\n';
  o << "  " << std::left << std::setw(6) << "rank" << std::setw(6) << "node" << std::setw(8)
    << "group" << std::setw(20) << "votes" << std::setw(20) << "key"
    << "address\n";
  std::size_t rank = 1;
  for (const auto& m : s.value("members", json::array())) {
    std::string group = "-";
    if (m["node"].is_number()) {
      auto n = m["node"].get<std::int64_t>();
      if (auto it = group_of.find(n); it != group_of.end()) {
        group = std::to_string(it->second);
        for (const auto& sn : supers)
          if (sn.get<std::int64_t>() == n) group += "*";
      }
    }
    o << "  " << std::setw(6) << rank++ << std::setw(6) << node_text(m["node"]) << std::setw(8)
      << group << std::setw(20) << m.value("votes", std::uint64_t{0}) << std::setw(20)
      << short_key(m.value("key", std::string())) << m.value("address", std::string()) << '\n';
  }
}

int run_show_election(std::span<const std::string_view> args) {
  arguments a(args, {"--node"}, {"--json"});
  auto e = fetch(connect(a), "/election");
  if (a.has("--json")) {
    print_json(e);
    return 0;
  }
  auto& o = std::cout;
  o << "committed height " << e.value("committed_height", std::uint64_t{0}) << ", epoch "
    << e.value("epoch", std::uint64_t{0}) << " (" << e.value("epoch_blocks", std::uint64_t{0})
    << " blocks per epoch), total votes " << e.value("total_votes", std::uint64_t{0}) << "\n\n";
  o << "current set (* marks a super node)\n";
  if (e.contains("current") && e["current"].is_object()) print_set(e["current"], o);
  for (const auto& s : e.value("next", json::array())) {
    o << "\nnext set, already elected\n";
    print_set(s, o);
  }
  auto cands = e.value("candidates", json::array());
  o << "\ncandidates (" << cands.size() << "), rank order\n";
  o << "  " << std::left << std::setw(6) << "rank" << std::setw(6) << "node" << std::setw(20)
    << "votes" << std::setw(12) << "deposit" << std::setw(12) << "registered" << std::setw(68)
    << "id"
    << "address (region)\n";
  std::size_t rank = 1;
  for (const auto& c : cands)
    o << "  " << std::setw(6) << rank++ << std::setw(6) << node_text(c["node"]) << std::setw(20)
      << c.value("votes", std::uint64_t{0}) << std::setw(12) << c.value("deposit", std::uint64_t{0})
      << std::setw(12) << c.value("registered_at", std::uint64_t{0}) << std::setw(68)
      << c.value("id", std::string()) << c.value("address", std::string()) << " ("
      << c.value("region", std::string()) << ")\n";
  return 0;
}

const registration reg_register{{"register", "register a DPoS candidate: deposit, node key (node)",
                                 register_usage, &run_register}};
const registration reg_vote{
    {"vote", "lock native units in a vote for a DPoS candidate (node)", vote_usage, &run_vote}};
const registration reg_veto{
    {"veto", "unlock a vote or registration after its lock (node)", veto_usage, &run_veto}};
const registration reg_show{{"show-election", "print a DPoS node's sets and candidates (node)",
                             show_usage, &run_show_election}};

} // namespace

} // namespace bystack::cli
