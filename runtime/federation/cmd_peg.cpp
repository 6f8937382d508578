// bystack-cli pegin, pegout, peg-status, supply: the federation's user side and its supply
// checker over both chains' APIs (docs/federation.md, "Real processes"). Part of bystack-cli,
// kept beside the federation processes since it runs their clients and the actors' checker.

#include "actors/federation/address.hpp"
#include "actors/federation/supply.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/cli/wallet.hpp"
#include "runtime/federation/chain_client.hpp"
#include "runtime/federation/fed_config.hpp"
#include "runtime/node/config.hpp"

#include <iostream>

namespace bystack::cli {

namespace {

namespace fed = bystack::federation;

/// What the peg commands read from a sidechain node's config: its genesis and its federation.
struct stack_view {
  ledger::genesis_spec sidechain_genesis;
  fed::federation_setup setup;
  fed::replica_options replica; ///< DPoS rules and elections, as the nodes run them
};

stack_view load_stack(const std::string& sidechain_config) {
  auto c = node::load_node_config(sidechain_config);
  if (!c) throw std::runtime_error(c.err().message);
  if (!c->genesis || c->federation_file.empty())
    throw std::runtime_error(sidechain_config +
                             ": a BUTXO sidechain config with a federation_file is required");
  auto s = fed::load_federation(c->federation_file);
  if (!s) throw std::runtime_error(s.err().message);
  if (auto ok = fed::check_elections(*s, *c); !ok) throw std::runtime_error(ok.err().message);
  auto o = fed::replica_options_of(*c, *s);
  return stack_view{*c->genesis, std::move(*s), std::move(o)};
}

/// The mainchain asset a peg command moves: --asset, else the mainchain's native asset.
ledger::asset_definition mainchain_asset(const arguments& a, const stack_view& v) {
  ledger::asset_id want = v.setup.params.mainchain_native;
  if (const auto* s = a.get("--asset")) want = parse_hash_arg(*s, "--asset");
  for (const auto& d : v.setup.mainchain_genesis.assets)
    if (d.id() == want) return d;
  throw usage_error("--asset: not an asset of the mainchain's genesis");
}

constexpr std::string_view pegin_usage =
    "usage: bystack-cli pegin --sidechain-config FILE --key FILE --amount N [--asset ID]\n"
    "                         [--to PUBKEY|PROGRAM] [--node MAINCHAIN_HOST:PORT]\n"
    "                         [--sidechain SIDECHAIN_HOST:PORT] [--fee-reserve] [--json]\n"
    "\n"
    "Pays N base units of a mainchain asset (--asset, default the mainchain's native asset) from\n"
    "the key's mainchain outputs to the federation's m-of-n address, naming the sidechain owner\n"
    "(--to, default the same key) in the output's data, and submits it to the mainchain node\n"
    "(--node). FILE is a sidechain node's config (bystackd) naming the federation file. Once the\n"
    "block has pegin_confirmations on the sidechain's light client a collector claims it and the\n"
    "same units of the pegged asset belong to the owner on the sidechain; follow it with\n"
    "`bystack-cli peg-status TXID`. With an elected federation (an election section in the\n"
    "federation file) --sidechain is required: the payment goes to the federation in force at\n"
    "the next mainchain height in that node's elected schedule (GET /federation).\n"
    "With --fee-reserve the payment funds the federation's fee reserve instead (mainchain native\n"
    "units that pay migration fees, migration_fee in the federation file): no sidechain owner,\n"
    "never claimable, outside the pegged supply.\n";

/// Returns the federation a pegin in the next mainchain block pays: the genesis one, or with
/// elections the one of the sidechain node's schedule (each term's program is rebuilt from its
/// members and threshold and must give the address the node names).
ledger::control_program pegin_program(const arguments& a, const stack_view& v,
                                      const node_client& mc) {
  if (!v.setup.election) return v.setup.params.federation;
  auto sc = fed::api_client(a.need("--sidechain", "the sidechain API (the federation is elected)"),
                            http_retry::cli());
  auto f = sc.get("/federation");
  if (!f || f->first != 200 || !f->second.contains("schedule"))
    throw std::runtime_error("--sidechain: GET /federation: " +
                             (f ? f->second.dump() : f.err().message));
  auto p = v.setup.params;
  const auto& sched = f->second["schedule"];
  auto last = p.federation;
  try {
    for (std::size_t i = 1; i < sched.size(); ++i) {
      const auto& t = sched[i];
      std::vector<crypto::public_key> keys;
      for (const auto& m : t.at("members"))
        keys.push_back(parse_pubkey(m.get<std::string>(), "schedule"));
      auto prog = fed::federation_program(keys, t.at("threshold").get<std::uint8_t>());
      if (!prog || prog->address().hex() != t.at("address").get<std::string>())
        throw std::runtime_error("--sidechain: the schedule's term " + std::to_string(i) +
                                 " does not give its address");
      if (*prog == last) continue; // the collectors changed
      last = *prog;
      if (auto ok = fed::add_rotation(p, {*prog, t.at("mainchain_from").get<std::uint64_t>(),
                                          t.at("sidechain_from").get<std::uint64_t>()});
          !ok)
        throw std::runtime_error("--sidechain: the schedule's term " + std::to_string(i) + ": " +
                                 ok.err().message);
    }
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("--sidechain: malformed schedule: ") + e.what());
  }
  auto height = fetch(mc, "/status").at("height").get<std::uint64_t>();
  return fed::federation_at(p, height + 1);
}

int run_pegin(std::span<const std::string_view> args) {
  arguments a(
      args, {"--sidechain-config", "--key", "--amount", "--asset", "--to", "--node", "--sidechain"},
      {"--json", "--fee-reserve"});
  auto v = load_stack(a.need("--sidechain-config", "a sidechain node config"));
  auto key = load_key(a.need("--key", "the payer's key file"));
  auto amount = parse_number(a.need("--amount", "base units to peg in"), "--amount");
  if (amount == 0) throw usage_error("--amount: must be at least 1");
  auto def = mainchain_asset(a, v);
  auto owner = ledger::control_program::single(key.pub());
  auto dest = a.has("--to") ? parse_owner(*a.get("--to"), "--to") : owner;
  auto node = connect(a);
  funding how;
  how.owner = owner;
  how.chain = fetch_chain(node, nullptr);
  if (how.chain.chain != v.setup.params.mainchain)
    throw std::runtime_error("--node: that node's chain " + how.chain.chain.hex() +
                             " is not the federation's mainchain " +
                             v.setup.params.mainchain.hex());
  how.utxos = fetch_utxos(node, owner.address());
  tx_file f;
  f.tx.chain = how.chain.chain;
  auto o = ledger::pay(def.id(), amount, pegin_program(a, v, node));
  bool reserve = a.has("--fee-reserve");
  if (reserve && (def.id() != v.setup.params.mainchain_native || a.has("--to")))
    throw usage_error("--fee-reserve: the reserve is in the mainchain's native asset and has no "
                      "sidechain owner (no --asset, no --to)");
  o.data = reserve ? fed::fee_reserve_memo() : ledger::encode(dest);
  f.tx.outputs.push_back(o);
  fund(f, how);
  maybe_sign(f, key, true);
  auto id = f.tx.id();
  auto out = ledger::output_id(id, 0, f.tx.outputs[0]);
  if (reserve)
    return submit_and_report(node, f, a.has("--json"), "pegin",
                             {{"mainchain_output", out.hex()}, {"fee_reserve", true}});
  return submit_and_report(node, f, a.has("--json"), "pegin",
                           {{"mainchain_output", out.hex()},
                            {"sidechain_output", fed::pegin_output_id(out).hex()},
                            {"sidechain_asset", fed::pegged_definition(def).id().hex()}});
}

constexpr std::string_view pegout_usage =
    "usage: bystack-cli pegout --sidechain-config FILE --key FILE --amount N [--asset ID]\n"
    "                          [--to PUBKEY|PROGRAM] [--mainchain-fee F]\n"
    "                          [--node SIDECHAIN_HOST:PORT] [--json]\n"
    "\n"
    "Burns N units of a pegged asset (the sidechain twin of mainchain asset --asset, default the\n"
    "mainchain's native asset) from the key's sidechain outputs in a pegout output naming the\n"
    "mainchain owner (--to, default the same key), and submits it to the sidechain node. The\n"
    "federation's members release N - F units on the mainchain (F, default 100000, pays the\n"
    "release's mainchain fee and must be in the mainchain's native asset).\n";

int run_pegout(std::span<const std::string_view> args) {
  arguments a(
      args,
      {"--sidechain-config", "--key", "--amount", "--asset", "--to", "--mainchain-fee", "--node"},
      {"--json"});
  auto v = load_stack(a.need("--sidechain-config", "a sidechain node config"));
  auto key = load_key(a.need("--key", "the owner's key file"));
  auto amount = parse_number(a.need("--amount", "pegged units to burn"), "--amount");
  auto def = mainchain_asset(a, v);
  auto fee = a.number("--mainchain-fee", 100'000);
  if (fee >= amount) throw usage_error("--amount: must exceed the mainchain fee");
  if (fee > 0 && def.id() != v.setup.params.mainchain_native)
    throw usage_error("--mainchain-fee: only a pegout of the mainchain's native asset pays one");
  auto owner = ledger::control_program::single(key.pub());
  auto dest = a.has("--to") ? parse_owner(*a.get("--to"), "--to") : owner;
  auto node = connect(a);
  funding how;
  how.owner = owner;
  how.chain = fetch_chain(node, nullptr);
  how.utxos = fetch_utxos(node, owner.address());
  tx_file f;
  f.tx.chain = how.chain.chain;
  auto pegged = fed::pegged_definition(def).id();
  f.tx.outputs.push_back(fed::make_pegout_output(pegged, amount, {dest, fee}));
  fund(f, how);
  maybe_sign(f, key, true);
  auto id = f.tx.id();
  return submit_and_report(node, f, a.has("--json"), "pegout",
                           {{"pegout", ledger::output_id(id, 0, f.tx.outputs[0]).hex()},
                            {"release_amount", amount - fee}});
}

/// Reads both chains through the federation's clients (the same code the federation runs).
struct both_chains {
  fed::mainchain_follower mc;
  fed::sidechain_replica sc;
  fed::sidechain_scan scan;
};

std::unique_ptr<both_chains> read_both(const arguments& a, const stack_view& v) {
  auto b = std::make_unique<both_chains>(both_chains{
      fed::mainchain_follower(
          fed::api_client(a.need("--mainchain", "the mainchain API"), http_retry::cli())),
      fed::sidechain_replica(
          fed::api_client(a.need("--sidechain", "the sidechain API"), http_retry::cli()),
          v.sidechain_genesis, v.setup.params, v.replica),
      {}});
  for (;;) {
    auto r = b->mc.poll(100'000);
    if (!r) throw std::runtime_error("mainchain: " + r.err().message);
    if (r->empty()) break;
  }
  for (;;) {
    auto r = b->sc.poll(
        [&](std::uint64_t h, const std::vector<ledger::tx>& txs) {
          fed::scan_sidechain_block(b->scan, txs, h, b->sc.state());
        },
        100'000);
    if (!r) throw std::runtime_error("sidechain: " + r.err().message);
    if (r->empty()) break;
  }
  return b;
}

constexpr std::string_view status_usage =
    "usage: bystack-cli peg-status ID --sidechain-config FILE --mainchain HOST:PORT\n"
    "                              --sidechain HOST:PORT [--json]\n"
    "\n"
    "Tells where a peg is. ID is a pegin's mainchain transaction id (pending on the mainchain,\n"
    "waiting for confirmations on the sidechain's light client, claimed), or a pegout's\n"
    "sidechain output id (burned and waiting for its release, released on the mainchain,\n"
    "recorded on the sidechain).\n";

int run_peg_status(std::span<const std::string_view> args) {
  arguments a(args, {"--sidechain-config", "--mainchain", "--sidechain"}, {"--json"}, 1);
  if (a.positional().size() != 1) throw usage_error("give the pegin txid or the pegout id");
  auto id = parse_hash_arg(a.positional()[0], "ID");
  auto v = load_stack(a.need("--sidechain-config", "a sidechain node config"));
  auto b = read_both(a, v);
  const auto& p = b->sc.fed(); // with every elected rotation
  fed::light_client lc(p, b->sc.state());
  auto lc_height = lc.tip().hdr.height;
  json j{{"id", id.hex()}, {"light_client_height", lc_height}};
  // A pegin: a mainchain transaction paying the federation.
  for (const auto& blk : b->mc.chain())
    for (const auto& t : blk->txs()) {
      if (t->id() != id) continue;
      j["kind"] = "pegin";
      j["mainchain_height"] = blk->hdr().height;
      auto conf = lc.confirmations(blk->hash());
      j["confirmations"] = conf;
      j["pegin_confirmations"] = p.pegin_confirmations;
      json outs = json::array();
      std::string state = "not a pegin";
      for (std::uint32_t k = 0; k < t->outputs.size(); ++k) {
        if (!fed::accepts_pegin(p, t->outputs[k].owner, blk->hdr().height)) continue;
        auto oid = ledger::output_id(id, k, t->outputs[k]);
        bool claimed = b->sc.state().issuance_used(fed::claim_key(oid));
        state = claimed     ? "claimed"
                : conf == 0 ? "waiting for the light client"
                            : "waiting for confirmations";
        outs.push_back({{"mainchain_output", oid.hex()},
                        {"amount", t->outputs[k].amount},
                        {"claimed", claimed},
                        {"sidechain_output", fed::pegin_output_id(oid).hex()}});
      }
      j["outputs"] = std::move(outs);
      j["state"] = state;
    }
  if (!j.contains("kind")) {
    // A pegout: a sidechain output, then a mainchain release naming it in its memo.
    const auto* e = b->sc.state().find(id);
    bool burned = false;
    for (const auto& bu : b->scan.burns)
      burned |= bu.pegout == id;
    std::optional<std::pair<crypto::hash256, std::uint64_t>> release;
    for (const auto& blk : b->mc.chain())
      for (const auto& t : blk->txs())
        for (const auto& o : t->outputs)
          if (o.data == fed::release_memo(id)) release = {t->id(), blk->hdr().height};
    if (burned || e) {
      j["kind"] = "pegout";
      if (release) {
        j["release"] = release->first.hex();
        j["release_height"] = release->second;
        j["release_confirmations"] = b->mc.height() - release->second + 1;
      }
      j["state"] = e && e->out.kind == fed::pegout_output
                       ? (release ? "released, waiting for the record" : "waiting for release")
                       : "released and recorded";
    } else if (auto t =
                   fed::api_client(*a.get("--mainchain"), http_retry::cli()).get("/tx/" + id.hex());
               t && t->first == 200 && t->second.value("status", "") == "pending") {
      j["kind"] = "pegin";
      j["state"] = "pending on the mainchain";
    } else {
      j["kind"] = "unknown";
      j["state"] = "neither a mainchain pegin transaction nor a sidechain pegout";
    }
  }
  if (a.has("--json"))
    print_json(j);
  else
    std::cout << j.value("kind", "") << " " << id.hex() << ": " << j.value("state", "") << "\n";
  return j["kind"] == "unknown" ? 1 : 0;
}

constexpr std::string_view supply_usage =
    "usage: bystack-cli supply --sidechain-config FILE --mainchain HOST:PORT\n"
    "                          --sidechain HOST:PORT [--json]\n"
    "\n"
    "The supply checker over both chains' APIs: reads the mainchain's best chain and replays the\n"
    "committed sidechain, then checks for every pegged asset that the sidechain units plus those\n"
    "burned and not yet released never exceed what the federation holds on the mainchain with\n"
    "pegin_confirmations, that every release matches one burn and every claim a federation\n"
    "output. The federation programs are the whole schedule: the genesis federation and every\n"
    "one elected on the sidechain (a migration between them moves coins, it releases nothing).\n"
    "Prints per asset locked / sidechain units / burned-not-released; on a violation it prints\n"
    "the first discrepancy with the transactions involved and exits with status 1.\n";

int run_supply(std::span<const std::string_view> args) {
  arguments a(args, {"--sidechain-config", "--mainchain", "--sidechain"}, {"--json"});
  auto v = load_stack(a.need("--sidechain-config", "a sidechain node config"));
  auto b = read_both(a, v);
  fed::count_sidechain_units(b->scan, b->sc.state());
  // Every federation of the schedule, the genesis one and each elected one: a migration
  // between them is no release, and a release from a program outside it has no burn.
  auto programs = fed::federations(b->sc.fed());
  auto mc = fed::scan_mainchain(b->mc.chain(), programs);
  auto rep = fed::check_supply(mc, b->scan, v.setup.params.pegin_confirmations);
  json assets = json::array();
  for (const auto& [id, s] : rep.assets)
    assets.push_back({{"asset", id.hex()},
                      {"locked", s.locked},
                      {"sidechain_units", s.sidechain_units},
                      {"burned_not_released", s.burned_unreleased}});
  json txs = json::array();
  for (const auto& t : rep.txs)
    txs.push_back(t.hex());
  json progs = json::array();
  for (const auto& pr : programs)
    progs.push_back(pr.address().hex());
  json j{{"ok", rep.ok},
         {"federations", std::move(progs)},
         {"mainchain_height", b->mc.height()},
         {"sidechain_height", b->sc.height()},
         {"claims", rep.claims},
         {"burns", rep.burns},
         {"releases", rep.releases},
         {"assets", std::move(assets)},
         {"fee_reserve", rep.reserve},
         {"fee_reserve_paid", rep.reserve_fees}};
  if (!rep.ok) {
    j["discrepancy"] = rep.discrepancy;
    j["transactions"] = std::move(txs);
  }
  if (a.has("--json")) {
    print_json(j);
  } else {
    std::cout << "mainchain height " << b->mc.height() << ", sidechain height " << b->sc.height()
              << ": " << rep.claims << " claims, " << rep.burns << " burns, " << rep.releases
              << " releases, " << programs.size() << " federation programs in the schedule\n"
              << "fee reserve " << rep.reserve << " (paid as fees so far " << rep.reserve_fees
              << ", apart from the pegged supply)\n";
    for (const auto& [id, s] : rep.assets)
      std::cout << "asset " << id.hex() << ": locked " << s.locked << ", sidechain units "
                << s.sidechain_units << ", burned not released " << s.burned_unreleased << "\n";
    if (rep.ok)
      std::cout << "supply: ok\n";
    else {
      std::cout << "supply: VIOLATION: " << rep.discrepancy << "\n";
      for (const auto& t : rep.txs)
        std::cout << "  tx " << t.hex() << "\n";
    }
  }
  return rep.ok ? 0 : 1;
}

const registration reg_pegin{{"pegin", "pay a mainchain asset to the federation for the sidechain",
                              pegin_usage, &run_pegin}};
const registration reg_pegout{{"pegout",
                               "burn pegged units on the sidechain for a mainchain release",
                               pegout_usage, &run_pegout}};
const registration reg_status{
    {"peg-status", "where a pegin or pegout is (both chains)", status_usage, &run_peg_status}};
const registration reg_supply{
    {"supply", "the federation's supply checker over both chains", supply_usage, &run_supply}};

} // namespace

} // namespace bystack::cli
