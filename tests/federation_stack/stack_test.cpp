// The whole federated stack as separate processes: a user pegs in on the mainchain, trades part
// of the pegged units on the sidechain, pegs out the rest and the release arrives on the
// mainchain; forged claims are refused with their rule; the collector, killed with SIGKILL after
// the pegin is mined and before it is claimed, is restarted and the pegin is claimed once; the
// supply checker (bystack-cli supply) finds no discrepancy. Every wait polls with a generous
// deadline; nothing is timed.

#include "actors/federation/sidechain_rules.hpp"
#include "runtime/federation/chain_client.hpp"
#include "runtime/federation/fed_config.hpp"
#include "runtime/ledger/wallet.hpp"
#include "tests/federation_stack/stack_fixture.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace {

using namespace bystack::test::stack_names;

constexpr std::uint64_t gift = 100'000'000;

class stack_test : public bystack::test::stack_fixture {
protected:
  void SetUp() override {
    generate("stack", "--mainchain-nodes 1 --sidechain-nodes 4 --hashes 4 --confirmations 3");
  }
};

TEST_F(stack_test, pegin_trade_pegout_forged_claims_and_a_collector_killed_mid_way) {
  ASSERT_NO_FATAL_FAILURE(start_stack(3));
  // The collector relays mainchain headers: the light client moves.
  ASSERT_TRUE(poll_until(seconds(180),
                         [&] {
                           auto f = get(sc_, "/federation");
                           return f && (*f)["light_client"]["height"].get<std::uint64_t>() >= 1;
                         }))
      << "no mainchain header reached the sidechain; see " << dir_;

  auto user0 = (dir_ / "user0.key").string(), user1 = (dir_ / "user1.key").string();
  ASSERT_EQ(cli("keygen --dev-wallet 0 --out " + user0).first, 0);
  ASSERT_EQ(cli("keygen --dev-wallet 1 --out " + user1).first, 0);
  auto pub0 = cli_json("address --key " + user0)["owner"]["keys"][0].get<std::string>();
  auto pub1 = cli_json("address --key " + user1)["owner"]["keys"][0].get<std::string>();
  auto setup = fed::load_federation(dir_ / "federation.yaml");
  ASSERT_TRUE(setup) << setup.err().message;
  auto native = setup->params.mainchain_native.hex();

  // The collector freezes (SIGSTOP) so that it cannot claim before it is killed: the pegin is
  // mined while it is stopped, then it is killed with SIGKILL.
  ::kill(pids_["collector"], SIGSTOP);
  auto pegin =
      cli_json("pegin --sidechain-config " + (dir_ / "sidechain/node0.yaml").string() + " --key " +
               user0 + " --amount " + std::to_string(pegin_amount) + " --node " + mc_);
  ASSERT_EQ(pegin["exit"], 0) << pegin.dump();
  auto pegin_tx = pegin["id"].get<std::string>();
  auto pegged = pegin["sidechain_asset"].get<std::string>();
  auto mc_out = pegin["mainchain_output"].get<std::string>();
  ASSERT_TRUE(poll_until(seconds(180), [&] { return committed(mc_, pegin_tx); }))
      << "the pegin was not mined";
  ::kill(pids_["collector"], SIGKILL);
  int status = 0;
  ::waitpid(pids_["collector"], &status, 0);
  pids_["collector"] = -1;
  // Past the confirmation depth on the mainchain, and nobody claimed it.
  auto mined = must_get(mc_, "/tx/" + pegin_tx);
  ASSERT_TRUE(mined.contains("height")) << "no answer to /tx/" << pegin_tx << "; see " << dir_;
  auto mined_at = mined["height"].get<std::uint64_t>();
  ASSERT_TRUE(poll_until(seconds(180), [&] {
    auto s = get(mc_, "/status");
    return s && (*s)["height"].get<std::uint64_t>() >= mined_at + 3;
  }));
  auto claim = get(sc_, "/federation/claim/" + mc_out);
  ASSERT_TRUE(claim);
  EXPECT_FALSE((*claim)["claimed"].get<bool>());
  EXPECT_EQ(cli_json("peg-status " + pegin_tx + peg_)["state"], "waiting for the light client");

  // Restarted, the collector relays the missing headers and claims the pegin, once.
  start("collector", FEDERATIOND, dir_ / "federation/collector.yaml");
  ASSERT_TRUE(poll_until(seconds(180),
                         [&] {
                           auto c = get(sc_, "/federation/claim/" + mc_out);
                           return c && (*c)["claimed"].get<bool>();
                         }))
      << "the restarted collector did not claim the pegin; see " << dir_;
  ASSERT_TRUE(poll_until(seconds(60), [&] { return balance(sc_, pub0, pegged) == pegin_amount; }))
      << "sidechain balance " << balance(sc_, pub0, pegged);
  EXPECT_EQ(cli_json("peg-status " + pegin_tx + peg_)["state"], "claimed");

  // Forged claims, sent to the sidechain's API as a lying collector would: each is refused
  // with the rule it breaks, and nothing is credited.
  fed::mainchain_follower mf{fed::api_client(mc_)};
  ASSERT_TRUE(mf.poll(100'000));
  mainchain::block_ptr blk;
  std::uint32_t index = 0;
  for (const auto& b : mf.chain())
    for (std::uint32_t i = 0; i < b->txs().size(); ++i)
      if (b->txs()[i]->id().hex() == pegin_tx) {
        blk = b;
        index = i;
      }
  ASSERT_TRUE(blk);
  auto asset_def = setup->mainchain_genesis.assets.at(0);
  auto submit_claim = [&](const fed::claim_payload& c, std::uint64_t credit) {
    ledger::tx t;
    auto s = must_get(sc_, "/status");
    crypto::parse_hash(s["chain"].get<std::string>(), t.chain);
    t.inputs.push_back(fed::make_claim_input(c));
    auto dest = ledger::control_program::single(crypto::key_pair::load(user1).value().pub());
    t.outputs.push_back(ledger::pay(fed::pegged_definition(asset_def).id(), credit, dest));
    auto enc = ledger::encode(t);
    return fed::api_client(sc_).post("/tx", {{"tx", to_hex(byte_view{enc.data(), enc.size()})}});
  };
  fed::claim_payload honest{asset_def, *blk->txs()[index], 0,
                            mainchain::make_merkle_path(blk->txs(), index), blk->hash()};
  auto inflated = honest;
  inflated.mc_tx.outputs[0].amount *= 10;
  auto r = submit_claim(inflated, pegin_amount * 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 400) << r->second.dump();
  EXPECT_EQ(r->second["error"]["rule"], "malformed") << r->second.dump();
  EXPECT_NE(r->second["error"]["message"].get<std::string>().find("not in block"),
            std::string::npos)
      << r->second.dump();
  // A transaction that is on no mainchain block: paid by another key, never broadcast.
  auto invented = honest;
  invented.mc_tx.inputs.at(0).spent_output.data[0] ^= 1;
  r = submit_claim(invented, pegin_amount);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 400) << r->second.dump();
  EXPECT_EQ(r->second["error"]["rule"], "malformed") << r->second.dump();
  // The honest claim again: the output was claimed already.
  r = submit_claim(honest, pegin_amount);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 400) << r->second.dump();
  EXPECT_EQ(r->second["error"]["rule"], "issuance-reused") << r->second.dump();
  EXPECT_EQ(balance(sc_, pub1, pegged), 0u);
  EXPECT_EQ(balance(sc_, pub0, pegged), pegin_amount);

  // The trade: part of the pegged units to another wallet on the sidechain.
  auto trade = cli_json("transfer --key " + user0 + " --to " + pub1 + " --asset " + pegged +
                        " --amount " + std::to_string(gift) + " --submit --node " + sc_);
  ASSERT_EQ(trade["exit"], 0) << trade.dump();
  ASSERT_TRUE(poll_until(seconds(120), [&] { return committed(sc_, trade["id"]); }));
  EXPECT_EQ(balance(sc_, pub1, pegged), gift);

  // The pegout of the rest; the members release it on the mainchain.
  auto before = balance(mc_, pub0, native);
  auto rest = pegin_amount - gift;
  auto pegout = cli_json("pegout --sidechain-config " + (dir_ / "sidechain/node0.yaml").string() +
                         " --key " + user0 + " --amount " + std::to_string(rest) +
                         " --mainchain-fee " + std::to_string(mainchain_fee) + " --node " + sc_);
  ASSERT_EQ(pegout["exit"], 0) << pegout.dump();
  auto pegout_id = pegout["pegout"].get<std::string>();
  ASSERT_TRUE(poll_until(
      seconds(240), [&] { return balance(mc_, pub0, native) == before + rest - mainchain_fee; }))
      << "mainchain balance " << balance(mc_, pub0, native) << ", expected "
      << before + rest - mainchain_fee << "; see " << dir_;
  EXPECT_EQ(balance(sc_, pub0, pegged), 0u);
  // The collector records the release once it has release_confirmations: the burn leaves the
  // sidechain state (GET /federation/pegout), and peg-status reads both chains to say so.
  ASSERT_TRUE(poll_until(seconds(240),
                         [&] {
                           auto p = get(sc_, "/federation/pegout/" + pegout_id);
                           return p && !(*p)["pending"].get<bool>();
                         }))
      << "the release was not recorded; see " << dir_;
  EXPECT_EQ(cli_json("peg-status " + pegout_id + peg_)["state"], "released and recorded");

  // The supply checker over both chains' APIs.
  auto supply = cli_json("supply" + peg_);
  EXPECT_EQ(supply["exit"], 0) << supply.dump();
  EXPECT_TRUE(supply["ok"].get<bool>()) << supply.dump();
  EXPECT_EQ(supply["claims"], 1) << supply.dump();
  EXPECT_EQ(supply["releases"], 1) << supply.dump();
  ASSERT_EQ(supply["assets"].size(), 1u) << supply.dump();
  EXPECT_EQ(supply["assets"][0]["locked"], gift) << supply.dump();
  EXPECT_EQ(supply["assets"][0]["sidechain_units"], gift) << supply.dump();
}

} // namespace
