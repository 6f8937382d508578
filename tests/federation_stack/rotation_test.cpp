// A federation rotation on real processes (docs/federation.md, "Elections on real processes"):
// the stack of scripts/stack.sh with `--elections` (a DPoS sidechain, an elected federation, a
// fourth member process that is a candidate). A user pegs in to the genesis federation; four
// candidates register and votes elect the candidate in place of the worst-voted member and as
// the only collector; every sidechain node (one of them restarted from its store) and every
// federation process derives the same schedule; the old members migrate the locked coins to the
// new program on the mainchain; the genesis collector goes idle and the elected one collects; a
// pegout after the rotation is released by the new federation from the migrated coins and
// recorded; `bystack-cli supply` balances over the whole schedule, and flags a transaction that
// two colluding new members make to move the remaining coins to a program outside it. Every wait
// polls with a generous deadline; nothing is timed.

#include "actors/federation/address.hpp"
#include "actors/federation/sidechain_rules.hpp"
#include "runtime/federation/chain_client.hpp"
#include "runtime/federation/fed_config.hpp"
#include "runtime/ledger/dpos.hpp"
#include "runtime/ledger/wallet.hpp"
#include "tests/federation_stack/stack_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace {

using namespace bystack::test::stack_names;

constexpr std::uint64_t pegout_amount = 400'000'000;
constexpr std::uint64_t pegin2_amount = 200'000'000;
constexpr std::uint64_t reserve_amount = 1'000'000;
constexpr std::uint64_t migration_fee = 100'000; // stack.sh's federation file
constexpr int epoch_blocks = 10;

class rotation_test : public bystack::test::stack_fixture {
protected:
  void SetUp() override {
    generate("rotation", "--mainchain-nodes 1 --sidechain-nodes 4 --hashes 8 --confirmations 3"
                         " --elections " +
                             std::to_string(epoch_blocks));
  }

  /// GET that waits through a busy node's 503s.
  result<std::pair<int, json>> submit(const std::string& where, const ledger::tx& t) {
    auto enc = ledger::encode(t);
    return fed::api_client(where).post("/tx", {{"tx", to_hex(byte_view{enc.data(), enc.size()})}});
  }

  std::string log_of(const std::string& name) {
    std::ifstream in(dir_ / (name + ".log"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string member_api(int i) const { return "127.0.0.1:" + std::to_string(base_ + 60 + i); }

  /// Prints a step with the wall seconds since the stack started (figures for the docs; nothing
  /// is asserted on them).
  void note(const std::string& what) const {
    auto s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    std::printf("[%7.1f s] %s\n", s, what.c_str());
    std::fflush(stdout);
  }
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

TEST_F(rotation_test, votes_elect_a_member_the_old_federation_migrates_and_the_new_one_releases) {
  ASSERT_NO_FATAL_FAILURE(start_stack(4));
  note("stack up");

  auto setup = fed::load_federation(dir_ / "federation.yaml");
  ASSERT_TRUE(setup) << setup.err().message;
  ASSERT_TRUE(setup->election);
  const auto old_program = setup->params.federation;
  const auto native = setup->params.mainchain_native.hex();
  std::vector<crypto::key_pair> member;
  for (int i = 0; i < 4; ++i)
    member.push_back(
        crypto::key_pair::load(dir_ / ("federation/member" + std::to_string(i) + ".key")).value());
  auto user0 = (dir_ / "user0.key").string(), voter = (dir_ / "voter.key").string();
  ASSERT_EQ(cli("keygen --dev-wallet 0 --out " + user0).first, 0);
  ASSERT_EQ(cli("keygen --dev-wallet 1 --out " + voter).first, 0);
  auto pub0 = cli_json("address --key " + user0)["owner"]["keys"][0].get<std::string>();

  // A pegin to the genesis federation.
  auto pegin_cmd = [&](std::uint64_t amount) {
    return "pegin --sidechain-config " + (dir_ / "sidechain/node0.yaml").string() + " --key " +
           user0 + " --amount " + std::to_string(amount) + " --node " + mc_;
  };
  // With elections the federation to pay comes from the sidechain's schedule.
  EXPECT_NE(cli(pegin_cmd(pegin_amount)).first, 0);
  auto pegin = cli_json(pegin_cmd(pegin_amount) + " --sidechain " + sc_);
  ASSERT_EQ(pegin["exit"], 0) << pegin.dump();
  auto mc_out = pegin["mainchain_output"].get<std::string>();
  auto pegged = pegin["sidechain_asset"].get<std::string>();
  // The fee reserve that pays the migration's mainchain fee (migration_fee 100000 in the
  // federation file), funded from another wallet, outside the pegged supply.
  auto reserve = cli_json("pegin --sidechain-config " + (dir_ / "sidechain/node0.yaml").string() +
                          " --key " + voter + " --amount " + std::to_string(reserve_amount) +
                          " --node " + mc_ + " --sidechain " + sc_ + " --fee-reserve");
  ASSERT_EQ(reserve["exit"], 0) << reserve.dump();

  // Four candidates register in one transaction, and the votes for all of them arrive in one
  // later transaction, so that every election sees none or all of them: the candidate (member
  // 3) 200, members 0 and 1 100 each, member 2 10.
  auto vk = crypto::key_pair::load(voter).value();
  auto vprog = ledger::control_program::single(vk.pub());
  auto vsigner = crypto::ed25519_scheme().make_signer(vk.seed());
  auto status = must_get(sc_, "/status");
  ASSERT_TRUE(status.contains("chain")) << "no sidechain status";
  crypto::hash256 sc_chain, sc_native;
  ASSERT_TRUE(crypto::parse_hash(status["chain"].get<std::string>(), sc_chain));
  ASSERT_TRUE(crypto::parse_hash(status["native_asset"].get<std::string>(), sc_native));
  auto utxos = must_get(sc_, "/utxo?owner=" + to_hex(vk.pub()));
  ASSERT_TRUE(utxos.contains("utxos")) << "no voter outputs";
  ASSERT_FALSE(utxos["utxos"].empty());
  crypto::hash256 coin;
  ASSERT_TRUE(crypto::parse_hash(utxos["utxos"][0]["id"].get<std::string>(), coin));
  auto coin_amount = utxos["utxos"][0]["amount"].get<std::uint64_t>();
  constexpr std::uint64_t deposit = 1000;
  ledger::tx regs;
  regs.chain = sc_chain;
  regs.inputs.push_back(ledger::spend_of(coin));
  for (int i : {3, 0, 1, 2})
    regs.outputs.push_back(
        ledger::dpos::make_registration(sc_native, deposit, {member[i].pub(), "127.0.0.1:1", ""}));
  regs.outputs.push_back(ledger::pay(sc_native, coin_amount - 4 * deposit, vprog));
  ASSERT_TRUE(ledger::sign_input(regs, 0, vprog, *vsigner));
  auto r = submit(sc_, regs);
  ASSERT_TRUE(r && r->first == 200) << (r ? r->second.dump() : r.err().message);
  ASSERT_TRUE(poll_until(seconds(120), [&] { return committed(sc_, regs.id().hex()); }))
      << "the registrations were not committed";
  note("registrations committed at sidechain height " +
       std::to_string(must_get(sc_, "/tx/" + regs.id().hex()).value("height", 0)));
  auto rid = [&](std::uint32_t k) { return ledger::output_id(regs.id(), k, regs.outputs[k]); };
  ledger::tx votes;
  votes.chain = sc_chain;
  auto change = ledger::output_id(regs.id(), 4, regs.outputs[4]);
  votes.inputs.push_back(ledger::spend_of(change));
  std::uint64_t total = 0;
  for (auto [k, v] : std::vector<std::pair<std::uint32_t, std::uint64_t>>{
           {0, 200}, {1, 100}, {2, 100}, {3, 10}}) {
    votes.outputs.push_back(ledger::dpos::make_vote(sc_native, v, rid(k), vprog));
    total += v;
  }
  votes.outputs.push_back(ledger::pay(sc_native, regs.outputs[4].amount - total, vprog));
  ASSERT_TRUE(ledger::sign_input(votes, 0, vprog, *vsigner));
  r = submit(sc_, votes);
  ASSERT_TRUE(r && r->first == 200) << (r ? r->second.dump() : r.err().message);

  // The pegin is claimed (by the genesis collector) and belongs to the user on the sidechain.
  ASSERT_TRUE(poll_until(seconds(240),
                         [&] {
                           auto c = get(sc_, "/federation/claim/" + mc_out);
                           return c && (*c)["claimed"].get<bool>();
                         }))
      << "the pegin was not claimed; see " << dir_;
  ASSERT_TRUE(poll_until(seconds(60), [&] { return balance(sc_, pub0, pegged) == pegin_amount; }));
  note("pegin claimed");

  // The election: member 3 replaces member 2 (one of three per rotation) and is the collector.
  json term;
  ASSERT_TRUE(poll_until(seconds(240),
                         [&] {
                           auto f = get(sc_, "/federation");
                           if (!f || (*f)["schedule"].size() < 2) return false;
                           term = (*f)["schedule"].back();
                           return true;
                         }))
      << "no election on the sidechain; see " << dir_;
  EXPECT_EQ(must_get(sc_, "/federation").value("elections", false), true);
  EXPECT_EQ(term["replaced"], 1) << term.dump();
  std::set<std::string> members;
  for (const auto& m : term["members"])
    members.insert(m.get<std::string>());
  EXPECT_EQ(members, (std::set<std::string>{to_hex(member[0].pub()), to_hex(member[1].pub()),
                                            to_hex(member[3].pub())}))
      << term.dump();
  ASSERT_EQ(term["collectors"].size(), 1u) << term.dump();
  EXPECT_EQ(term["collectors"][0], to_hex(member[3].pub()));
  auto new_program =
      fed::federation_program({member[0].pub(), member[1].pub(), member[3].pub()}, 2).value();
  EXPECT_EQ(term["address"], new_program.address().hex());
  auto from_height = term["mainchain_from"].get<std::uint64_t>();
  auto sidechain_from = term["sidechain_from"].get<std::uint64_t>();
  EXPECT_EQ(sidechain_from % epoch_blocks, 1u);
  note("elected (votes committed at sidechain height " +
       std::to_string(must_get(sc_, "/tx/" + votes.id().hex()).value("height", 0)) +
       "): in force from sidechain height " + std::to_string(sidechain_from) +
       ", pegins from mainchain height " + std::to_string(from_height));

  // Every sidechain node derives the same schedule, node 3 also after a restart from its store.
  // Node 3 is the node member 3 polls, the elected collector: its header runs after the
  // restart are what lets the migration and the later pegout proceed.
  ASSERT_EQ(bystack::test::stop_process(pids_["sidechain3"], SIGTERM), "");
  pids_["sidechain3"] = -1;
  start("sidechain3", BYSTACKD, dir_ / "sidechain/node3.yaml");
  auto schedule0 = must_get(sc_, "/federation")["schedule"];
  ASSERT_GE(schedule0.size(), 2u);
  for (int i = 1; i < 4; ++i) {
    auto where = "127.0.0.1:" + std::to_string(base_ + 21 + 2 * i);
    ASSERT_TRUE(poll_until(seconds(120),
                           [&] {
                             auto f = get(where, "/federation");
                             return f && (*f)["schedule"] == schedule0;
                           }))
        << "sidechain node " << i << " has another schedule; see " << dir_;
  }
  // Node 3 rebuilt its schedule from its store's records, without replaying the chain: its
  // second start line (the log is appended to) says so.
  std::string up_line;
  ASSERT_TRUE(poll_until(seconds(30),
                         [&] {
                           auto log = log_of("sidechain3");
                           auto first = log.find(" up, ");
                           auto up = log.rfind(" up, ");
                           if (first == std::string::npos || up == first) return false;
                           up_line = log.substr(up, log.find('\n', up) - up);
                           return true;
                         }))
      << "no second start line in sidechain3.log; see " << dir_;
  EXPECT_NE(up_line.find(", 0 heights replayed,"), std::string::npos) << up_line;

  // The old members migrate the coins to the new program; nothing stays at the old one.
  fed::mainchain_follower mf{fed::api_client(mc_)};
  auto sum_of = [&](const ledger::control_program& p) {
    std::uint64_t s = 0;
    for (const auto& c : mf.unspent_of(p))
      if (!fed::is_fee_reserve(c.out)) s += c.out.amount; // the pegged coins only
    return s;
  };
  ASSERT_TRUE(poll_until(seconds(240),
                         [&] {
                           if (!mf.poll(100'000)) return false;
                           return sum_of(new_program) == pegin_amount && sum_of(old_program) == 0;
                         }))
      << "no migration: new program holds " << sum_of(new_program) << ", old "
      << sum_of(old_program) << "; see " << dir_;
  EXPECT_GE(mf.height(), from_height);
  note("migration mined (mainchain height " + std::to_string(mf.height()) + ")");

  // A pegin now pays the new federation (the grace period is over) and is claimed.
  auto pegin2 = cli_json(pegin_cmd(pegin2_amount) + " --sidechain " + sc_);
  ASSERT_EQ(pegin2["exit"], 0) << pegin2.dump();
  auto mc_out2 = pegin2["mainchain_output"].get<std::string>();
  ASSERT_TRUE(poll_until(seconds(180), [&] {
    return committed(mc_, pegin2["id"].get<std::string>());
  })) << "the second pegin was not mined";

  // The collector role follows the election: the genesis collector idles, member 3 collects.
  ASSERT_TRUE(poll_until(seconds(120), [&] {
    auto s = get(member_api(3), "/status");
    return s && (*s)["collector_active"].get<bool>();
  }));
  ASSERT_TRUE(poll_until(seconds(60), [&] {
    return log_of("collector").find("idle: this key is not an elected collector") !=
           std::string::npos;
  })) << "the genesis collector did not go idle";
  note("member 3 collects, the genesis collector idles");

  // The node the elected collector polls restarts while member 3 collects: its header runs,
  // the claim of the second pegin and the release record below all come from member 3 after
  // that restart (a member whose node restarted once stopped progressing, docs/federation.md).
  auto before = must_get(member_api(3), "/status");
  ASSERT_EQ(bystack::test::stop_process(pids_["sidechain3"], SIGTERM), "");
  pids_["sidechain3"] = -1;
  // Two mainchain blocks while node 3 is down: member 3 polls them while its sidechain poll
  // fails (they once never reached its collector, which then stopped for good).
  auto mc_at = must_get(mc_, "/status")["height"].get<std::uint64_t>();
  ASSERT_TRUE(poll_until(seconds(120), [&] {
    auto s = get(mc_, "/status");
    return s && (*s)["height"].get<std::uint64_t>() >= mc_at + 2;
  }));
  start("sidechain3", BYSTACKD, dir_ / "sidechain/node3.yaml");
  ASSERT_TRUE(poll_until(seconds(120),
                         [&] {
                           auto s = get(member_api(3), "/status");
                           return s && (*s)["sidechain_height"].get<std::uint64_t>() >
                                           before["sidechain_height"].get<std::uint64_t>() + 2;
                         }))
      << "member 3 does not follow its restarted node; see " << dir_;
  note("sidechain node 3 restarted again; member 3 follows it (sidechain height " +
       std::to_string(must_get(member_api(3), "/status")["sidechain_height"].get<std::uint64_t>()) +
       ")");

  // A pegout after the rotation: released by the new federation from the migrated coins.
  auto mc_before = balance(mc_, pub0, native);
  // A node busy checking header runs may answer the submission late ("unavailable"): then
  // the pegout may still be in; it is submitted again only if it is not.
  std::string pegout_id;
  for (int attempt = 0; attempt < 3 && pegout_id.empty(); ++attempt) {
    auto pegout = cli_json("pegout --sidechain-config " + (dir_ / "sidechain/node0.yaml").string() +
                           " --key " + user0 + " --amount " + std::to_string(pegout_amount) +
                           " --mainchain-fee " + std::to_string(mainchain_fee) + " --node " + sc_);
    auto id = pegout.value("pegout", std::string());
    if (pegout["exit"] == 0) {
      pegout_id = id;
      break;
    }
    if (pegout["exit"] == -1) continue; // never got as far as submitting
    auto rule = pegout.contains("error") && pegout["error"].is_object()
                    ? pegout["error"].value("rule", std::string())
                    : std::string();
    ASSERT_EQ(rule, "unavailable") << pegout.dump();
    if (poll_until(seconds(30), [&] {
          auto p = get(sc_, "/federation/pegout/" + id);
          return p && (*p)["pending"].get<bool>();
        }))
      pegout_id = id;
  }
  ASSERT_FALSE(pegout_id.empty()) << "the pegout was never accepted";
  ASSERT_TRUE(poll_until(seconds(240),
                         [&] {
                           return cli_json("peg-status " + pegout_id + peg_)["state"] ==
                                  "released and recorded";
                         }))
      << "the pegout was not released and recorded; see " << dir_;
  note("pegout released by the new federation and recorded");
  ASSERT_TRUE(poll_until(seconds(240),
                         [&] {
                           auto c = get(sc_, "/federation/claim/" + mc_out2);
                           return c && (*c)["claimed"].get<bool>();
                         }))
      << "the pegin to the new federation was not claimed; see " << dir_;
  note("pegin to the new federation claimed");
  EXPECT_EQ(balance(mc_, pub0, native), mc_before + pegout_amount - mainchain_fee);
  ASSERT_TRUE(mf.poll(100'000));
  crypto::hash256 peg_id;
  ASSERT_TRUE(crypto::parse_hash(pegout_id, peg_id));
  std::map<crypto::hash256, ledger::control_program> owner_of;
  const ledger::tx* release = nullptr;
  for (const auto& b : mf.chain())
    for (const auto& t : b->txs()) {
      for (std::uint32_t k = 0; k < t->outputs.size(); ++k)
        owner_of[ledger::output_id(t->id(), k, t->outputs[k])] = t->outputs[k].owner;
      for (const auto& o : t->outputs)
        if (o.data == fed::release_memo(peg_id)) release = t.get();
    }
  ASSERT_NE(release, nullptr);
  for (const auto& in : release->inputs)
    EXPECT_EQ(owner_of.at(in.spent_output), new_program) << "a release input of another program";
  crypto::hash256 out2;
  ASSERT_TRUE(crypto::parse_hash(mc_out2, out2));
  EXPECT_EQ(owner_of.at(out2), new_program) << "the second pegin did not pay the new federation";
  // Member 2 left: it signed at most the migration; member 3 signed the release.
  auto s2 = must_get(member_api(2), "/status");
  auto s3 = must_get(member_api(3), "/status");
  EXPECT_LE(s2["member"]["releases_signed"].get<int>(), 1) << s2.dump();
  EXPECT_GE(s3["member"]["releases_signed"].get<int>(), 1) << s3.dump();
  EXPECT_EQ(s3["rotations"], 1) << s3.dump();
  EXPECT_EQ(s2["federation"], new_program.address().hex()) << s2.dump();

  // The supply checker over the whole schedule: the migration moved coins, released nothing.
  auto sup = cli_json("supply" + peg_);
  EXPECT_EQ(sup["exit"], 0) << sup.dump();
  EXPECT_EQ(sup.value("ok", false), true) << sup.dump();
  EXPECT_EQ(sup["federations"].size(), 2u) << sup.dump();
  EXPECT_EQ(sup["releases"], 1) << sup.dump();
  ASSERT_EQ(sup["assets"].size(), 1u) << sup.dump();
  EXPECT_EQ(sup["assets"][0]["locked"], pegin_amount + pegin2_amount - pegout_amount) << sup.dump();
  EXPECT_EQ(sup["assets"][0]["sidechain_units"], pegin_amount + pegin2_amount - pegout_amount)
      << sup.dump();
  EXPECT_EQ(sup["claims"], 2) << sup.dump();
  // The migration paid its fee from the reserve; what is left moved to the new federation.
  EXPECT_EQ(sup["fee_reserve_paid"], migration_fee) << sup.dump();
  EXPECT_EQ(sup["fee_reserve"], reserve_amount - migration_fee) << sup.dump();
  note("supply: ok over " + std::to_string(sup["federations"].size()) + " federation programs");

  // Two colluding new members move the remaining coins to a program outside the schedule: the
  // checker reports that transaction.
  ASSERT_TRUE(mf.poll(100'000));
  auto rest = mf.unspent_of(new_program);
  ASSERT_FALSE(rest.empty());
  auto outside = fed::federation_program({member[0].pub(), member[3].pub()}, 2).value();
  ledger::tx theft;
  theft.chain = setup->params.mainchain;
  std::uint64_t stolen = 0;
  for (const auto& c : rest) {
    theft.inputs.push_back(ledger::spend_of(c.id));
    stolen += c.out.amount;
  }
  theft.outputs.push_back(
      ledger::pay(rest[0].out.asset, stolen - mainchain_fee, outside, rest[0].out.lot));
  auto txid = theft.id();
  for (auto& in : theft.inputs)
    for (std::uint8_t k = 0; k < new_program.keys.size(); ++k)
      for (int i : {0, 3})
        if (new_program.keys[k] == member[i].pub()) {
          auto signer = crypto::ed25519_scheme().make_signer(member[i].seed());
          in.witness.push_back(
              ledger::key_signature{k, signer->sign(ledger::sighash(ledger::input_id(in), txid))});
        }
  r = submit(mc_, theft);
  ASSERT_TRUE(r && r->first == 200) << (r ? r->second.dump() : r.err().message);
  ASSERT_TRUE(poll_until(seconds(120), [&] { return committed(mc_, txid.hex()); }))
      << "the theft was not mined";
  auto flagged = cli_json("supply" + peg_);
  EXPECT_EQ(flagged["exit"], 1) << flagged.dump();
  EXPECT_EQ(flagged.value("ok", true), false) << flagged.dump();
  EXPECT_NE(flagged.value("discrepancy", std::string()).find(txid.hex().substr(0, 16)),
            std::string::npos)
      << flagged.dump();
  note("supply: " + flagged.value("discrepancy", std::string()));
}

} // namespace
