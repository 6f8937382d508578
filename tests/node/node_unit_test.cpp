// The production node's pieces that need no network: the config loader (errors name file, line
// and key), the envelope checks (forged, unknown, garbage) and the chain store across a reopen.
#include "runtime/codec/codec.hpp"
#include "runtime/node/chain_store.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/envelope.hpp"
#include "runtime/node/metrics.hpp"
#include "tests/common/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdlib.h>

namespace bystack::node {
namespace {

namespace fs = std::filesystem;

using test::temp_dir;

const std::string key0 = "0d171210a2b92a9974d017d73377cd3d46970260ad753751d6ca3b9ff2ee1252";
const std::string key1 = "de8ffc2d09a280d5ceaf710a92e700b1442fc3306cd0bd0c8f1400064a22c6cf";

std::string good_config() {
  return "node:\n"
         "  key_file: node0.key\n"
         "  listen: {address: 127.0.0.1, port: 7100}\n"
         "  data_dir: data0\n"
         "  api: {address: 127.0.0.1, port: 7101}\n"
         "consensus:\n"
         "  nodes:\n"
         "    - {key: " +
         key0 +
         ", address: 127.0.0.1, port: 7100}\n"
         "    - {key: " +
         key1 +
         ", address: 127.0.0.1, port: 7102}\n"
         "  groups:\n"
         "    - {super: 0, members: [0, 1]}\n"
         "protocol:\n"
         "  view_timeout_ms: 1500\n";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  if (pos == std::string::npos) throw std::logic_error("test text not found: " + from);
  return s.replace(pos, from.size(), to);
}

std::string load_error(const std::string& text) {
  temp_dir dir;
  auto file = dir.path() / "node.yaml";
  std::ofstream(file) << text;
  auto r = load_node_config(file);
  if (r) return "";
  // The file name must appear in every error.
  EXPECT_NE(r.err().message.find(file.string()), std::string::npos) << r.err().message;
  return r.err().message;
}

TEST(node_config, loads_a_good_file_and_resolves_paths_next_to_it) {
  temp_dir dir;
  auto file = dir.path() / "node.yaml";
  std::ofstream(file) << good_config();
  auto r = load_node_config(file);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->key_file, dir.path() / "node0.key");
  EXPECT_EQ(r->data_dir, dir.path() / "data0");
  ASSERT_EQ(r->nodes.size(), 2u);
  EXPECT_EQ(r->nodes[1].addr.port, 7102);
  EXPECT_EQ(r->protocol.view_timeout_us, 1'500'000);
  ASSERT_EQ(r->groups.size(), 1u);
  EXPECT_EQ(r->groups[0].members, (std::vector<std::uint32_t>{0, 1}));
}

TEST(node_config, render_reads_back) {
  auto r = parse_node_config(good_config(), "a.yaml", "/x");
  ASSERT_TRUE(r) << r.err().message;
  auto again = parse_node_config(render_node_config(*r), "b.yaml", "/x");
  ASSERT_TRUE(again) << again.err().message;
  EXPECT_EQ(again->nodes[1].key, r->nodes[1].key);
  EXPECT_EQ(again->protocol.view_timeout_us, r->protocol.view_timeout_us);
}

TEST(node_config, chain_window_defaults_to_1024_blocks_reads_back_and_is_checked) {
  auto r = parse_node_config(good_config(), "a.yaml", "/x");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->retained_blocks, 1024u);
  auto text =
      replace(good_config(), "  data_dir: data0\n", "  data_dir: data0\n  retained_blocks: 0\n");
  r = parse_node_config(text, "a.yaml", "/x");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->retained_blocks, 0u); // the whole chain in memory
  r->retained_blocks = 64;
  auto again = parse_node_config(render_node_config(*r), "b.yaml", "/x");
  ASSERT_TRUE(again) << again.err().message;
  EXPECT_EQ(again->retained_blocks, 64u);
  auto bad = parse_node_config(
      replace(good_config(), "  data_dir: data0\n", "  data_dir: data0\n  retained_blocks: -3\n"),
      "a.yaml", "/x");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.err().message.find("retained_blocks"), std::string::npos) << bad.err().message;
  // What a start checks of the stored chain: all of it by default, or the window.
  EXPECT_TRUE(r->check_whole_chain_at_start);
  auto window = parse_node_config(replace(good_config(), "  data_dir: data0\n",
                                          "  data_dir: data0\n  check_chain_at_start: window\n"),
                                  "a.yaml", "/x");
  ASSERT_TRUE(window) << window.err().message;
  EXPECT_FALSE(window->check_whole_chain_at_start);
  auto back = parse_node_config(render_node_config(*window), "b.yaml", "/x");
  ASSERT_TRUE(back) << back.err().message;
  EXPECT_FALSE(back->check_whole_chain_at_start);
  auto odd = parse_node_config(replace(good_config(), "  data_dir: data0\n",
                                       "  data_dir: data0\n  check_chain_at_start: some\n"),
                               "a.yaml", "/x");
  ASSERT_FALSE(odd);
  EXPECT_NE(odd.err().message.find("check_chain_at_start"), std::string::npos) << odd.err().message;
}

TEST(node_config, relay_defaults_to_full_and_compact_reads_back_with_its_gossip) {
  auto r = parse_node_config(good_config(), "a.yaml", "/x");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->protocol.relay, bbft::relay_mode::full);
  auto text = replace(good_config(), "  view_timeout_ms: 1500\n",
                      "  view_timeout_ms: 1500\n  relay: compact\n"
                      "  gossip: {interval_ms: 50, min_age_ms: 300, short_id_bytes: 8}\n");
  r = parse_node_config(text, "a.yaml", "/x");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->protocol.relay, bbft::relay_mode::compact);
  EXPECT_EQ(r->protocol.gossip_interval_us, 50'000);
  EXPECT_EQ(r->protocol.compact_min_age_us, 300'000);
  EXPECT_EQ(r->protocol.compact_prefill_age_us, 0); // real nodes prefill nothing by default
  EXPECT_EQ(r->protocol.gossip_client_tps, 0u);     // and generate no transactions
  auto again = parse_node_config(render_node_config(*r), "b.yaml", "/x");
  ASSERT_TRUE(again) << again.err().message;
  EXPECT_EQ(again->protocol.relay, bbft::relay_mode::compact);
  EXPECT_EQ(again->protocol.gossip_interval_us, 50'000);
  EXPECT_EQ(again->protocol.compact_min_age_us, 300'000);
  EXPECT_EQ(again->protocol.short_id_bytes, 8u);
}

TEST(node_config, relay_names_and_gossip_without_compact_relay_are_refused) {
  auto e = load_error(replace(good_config(), "  view_timeout_ms: 1500\n",
                              "  view_timeout_ms: 1500\n  relay: pipelined\n"));
  EXPECT_NE(e.find("protocol.relay"), std::string::npos) << e;
  e = load_error(replace(good_config(), "  view_timeout_ms: 1500\n",
                         "  view_timeout_ms: 1500\n  gossip: {degree: 4}\n"));
  EXPECT_NE(e.find("only 'relay: compact' gossips"), std::string::npos) << e;
}

TEST(node_config, round_shortening_options_are_off_by_default_and_read_back) {
  auto r = parse_node_config(good_config(), "a.yaml", "/x");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_FALSE(r->protocol.block_catch_up);
  EXPECT_EQ(r->protocol.early_group_cert_share, 0.0);
  EXPECT_LT(r->protocol.compact_own_min_age_us, 0); // min_age_ms applies to own batches too
  auto text = replace(good_config(), "  view_timeout_ms: 1500\n",
                      "  view_timeout_ms: 1500\n  block_catch_up: true\n"
                      "  early_group_cert: 0.75\n  relay: compact\n"
                      "  gossip: {min_age_ms: 300, own_min_age_ms: 450}\n");
  r = parse_node_config(text, "a.yaml", "/x");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_TRUE(r->protocol.block_catch_up);
  EXPECT_EQ(r->protocol.early_group_cert_share, 0.75);
  EXPECT_EQ(r->protocol.compact_min_age_us, 300'000);
  EXPECT_EQ(r->protocol.compact_own_min_age_us, 450'000);
  auto again = parse_node_config(render_node_config(*r), "b.yaml", "/x");
  ASSERT_TRUE(again) << again.err().message;
  EXPECT_TRUE(again->protocol.block_catch_up);
  EXPECT_EQ(again->protocol.early_group_cert_share, 0.75);
  EXPECT_EQ(again->protocol.compact_own_min_age_us, 450'000);
  // Off renders as nothing, and reads back off.
  auto off = parse_node_config(
      render_node_config(*parse_node_config(good_config(), "c.yaml", "/x")), "d.yaml", "/x");
  ASSERT_TRUE(off) << off.err().message;
  EXPECT_FALSE(off->protocol.block_catch_up);
  EXPECT_EQ(off->protocol.early_group_cert_share, 0.0);
  EXPECT_LT(off->protocol.compact_own_min_age_us, 0);
}

TEST(node_config, malformed_round_shortening_options_are_refused_by_name) {
  auto with = [](const std::string& lines) {
    return load_error(
        replace(good_config(), "  view_timeout_ms: 1500\n", "  view_timeout_ms: 1500\n" + lines));
  };
  // The error names the key and what it expects (not merely an unknown key).
  auto refused = [](const std::string& e, const std::string& key, const std::string& expected) {
    EXPECT_NE(e.find("'" + key + "'"), std::string::npos) << e;
    EXPECT_NE(e.find(expected), std::string::npos) << e;
    EXPECT_EQ(e.find("unknown key"), std::string::npos) << e;
  };
  refused(with("  early_group_cert: 1.5\n"), "protocol.early_group_cert", "expected a number in");
  refused(with("  early_group_cert: -0.1\n"), "protocol.early_group_cert", "expected a number in");
  refused(with("  early_group_cert: most\n"), "protocol.early_group_cert",
          "expected a number, got 'most'");
  refused(with("  block_catch_up: sometimes\n"), "protocol.block_catch_up",
          "expected true or false");
  refused(with("  relay: compact\n  gossip: {own_min_age_ms: -5}\n"),
          "protocol.gossip.own_min_age_ms", "expected an integer in");
  refused(with("  relay: compact\n  gossip: {own_min_age_ms: soon}\n"),
          "protocol.gossip.own_min_age_ms", "expected an integer");
  // Without compact relay there is no gossip to tune.
  auto e = with("  gossip: {own_min_age_ms: 1500}\n");
  EXPECT_NE(e.find("only 'relay: compact' gossips"), std::string::npos) << e;
}

TEST(node_config, unknown_key_names_line_and_key) {
  auto e =
      load_error(replace(good_config(), "  data_dir: data0\n", "  data_dir: data0\n  dta: 1\n"));
  EXPECT_NE(e.find(":5:"), std::string::npos) << e;
  EXPECT_NE(e.find("node.dta"), std::string::npos) << e;
}

TEST(node_config, bad_public_key_names_the_list_element) {
  auto e = load_error(replace(good_config(), key1, "zz"));
  EXPECT_NE(e.find("consensus.nodes[1].key"), std::string::npos) << e;
  EXPECT_NE(e.find(":9:"), std::string::npos) << e;
}

TEST(node_config, missing_key_port_and_range_are_named) {
  auto e = load_error(replace(good_config(), "  key_file: node0.key\n", ""));
  EXPECT_NE(e.find("node.key_file"), std::string::npos) << e;
  e = load_error(replace(good_config(), "port: 7101", "port: 70000"));
  EXPECT_NE(e.find("node.api.port"), std::string::npos) << e;
  e = load_error(replace(good_config(), "view_timeout_ms: 1500", "view_timeout_ms: fast"));
  EXPECT_NE(e.find("protocol.view_timeout_ms"), std::string::npos) << e;
}

TEST(node_config, groups_must_cover_every_node_once) {
  auto e = load_error(replace(good_config(), "members: [0, 1]", "members: [0]"));
  EXPECT_NE(e.find("node 1 belongs to no group"), std::string::npos) << e;
  e = load_error(replace(good_config(), "members: [0, 1]", "members: [0, 1, 1]"));
  EXPECT_NE(e.find("consensus.groups[0].members[2]"), std::string::npos) << e;
  e = load_error(replace(good_config(), "super: 0", "super: 5"));
  EXPECT_NE(e.find("consensus.groups[0].super"), std::string::npos) << e;
}

TEST(node_config, missing_file_is_named) {
  auto r = load_node_config("/nonexistent/bystack.yaml");
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("/nonexistent/bystack.yaml"), std::string::npos);
}

// -- envelopes -----------------------------------------------------------------------------------

struct envelope_fixture : ::testing::Test {
  const crypto::signature_scheme& scheme = crypto::ed25519_scheme();
  std::vector<std::unique_ptr<crypto::signer>> signers;
  crypto::validator_set set;
  envelope_fixture() {
    std::vector<crypto::public_key> keys;
    for (std::uint8_t i = 0; i < 4; ++i) {
      crypto::secret_seed seed{};
      seed[0] = i + 1;
      signers.push_back(scheme.make_signer(seed));
      keys.push_back(signers.back()->pub());
    }
    set = crypto::validator_set(keys);
  }
  bytes seal(std::uint32_t as, const crypto::signer& s, const bytes& payload) {
    return s.sign(envelope_digest(network_id_of(set), as, payload));
  }
};

TEST_F(envelope_fixture, accepts_what_a_member_signed) {
  envelope_checker check(set, scheme, 1024);
  bytes payload = {1, 2, 3};
  EXPECT_EQ(check.check(2, payload, seal(2, *signers[2], payload)), drop_reason::none);
}

TEST_F(envelope_fixture, refuses_forged_signature_and_claimed_identity) {
  envelope_checker check(set, scheme, 1024);
  bytes payload = {1, 2, 3};
  // Node 3 claims to be node 2.
  EXPECT_EQ(check.check(2, payload, seal(2, *signers[3], payload)), drop_reason::bad_signature);
  // A valid signature moved to other bytes.
  auto sig = seal(2, *signers[2], payload);
  bytes other = {1, 2, 4};
  EXPECT_EQ(check.check(2, other, sig), drop_reason::bad_signature);
  // A signature for another network (another consensus set).
  auto digest = envelope_digest(crypto::sha3_256(payload), 2, payload);
  EXPECT_EQ(check.check(2, payload, signers[2]->sign(digest)), drop_reason::bad_signature);
}

TEST_F(envelope_fixture, refuses_unknown_sender_garbage_and_oversized) {
  envelope_checker check(set, scheme, 16);
  bytes payload = {1, 2, 3};
  crypto::secret_seed stranger_seed{};
  stranger_seed[0] = 99;
  auto stranger = scheme.make_signer(stranger_seed);
  EXPECT_EQ(check.check(4, payload, seal(4, *stranger, payload)), drop_reason::unknown_sender);
  EXPECT_EQ(check.check(0xffffffff, payload, bytes(64, 7)), drop_reason::unknown_sender);
  EXPECT_EQ(check.check(1, payload, bytes(10, 7)), drop_reason::malformed);
  EXPECT_EQ(check.check(1, {}, seal(1, *signers[1], {})), drop_reason::malformed);
  EXPECT_EQ(check.check(1, payload, bytes(64, 0xff)), drop_reason::bad_signature);
  bytes big(17, 0);
  EXPECT_EQ(check.check(1, big, seal(1, *signers[1], big)), drop_reason::oversized);
}

TEST_F(envelope_fixture, reports_its_cost) {
  // Not a benchmark with a bound: prints what signing and checking one envelope costs here, the
  // figure docs/node.md quotes.
  envelope_checker check(set, scheme, 64 * 1024 * 1024);
  for (std::size_t size : {std::size_t{200}, std::size_t{2'000'000}}) {
    bytes payload(size, 5);
    constexpr int rounds = 200;
    auto t0 = std::chrono::steady_clock::now();
    bytes sig;
    for (int i = 0; i < rounds; ++i)
      sig = seal(1, *signers[1], payload);
    auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i)
      ASSERT_EQ(check.check(1, payload, sig), drop_reason::none);
    auto t2 = std::chrono::steady_clock::now();
    auto us = [](auto d) { return std::chrono::duration<double, std::micro>(d).count() / rounds; };
    std::printf("[envelope] %zu-byte payload: seal %.1f us, check %.1f us\n", size, us(t1 - t0),
                us(t2 - t1));
  }
}

// -- metrics -------------------------------------------------------------------------------------

TEST(node_metrics, counts_drops_by_reason_in_prometheus_text) {
  metrics m;
  m.dropped(drop_reason_name(drop_reason::bad_signature));
  m.dropped(drop_reason_name(drop_reason::bad_signature));
  m.dropped(drop_reason_name(drop_reason::unknown_sender));
  m.rejected("proposal: bad \"leader\" signature");
  m.message_out("vote", 3, 300);
  m.committed(10, 0.2);
  m.committed(5, 3.0);
  m.set_archive(15, 1);
  EXPECT_EQ(m.dropped_count("bad_signature"), 2u);
  auto text = m.render();
  for (const char* line :
       {"bystack_messages_dropped_total{reason=\"bad_signature\"} 2\n",
        "bystack_messages_dropped_total{reason=\"unknown_sender\"} 1\n",
        "bystack_messages_rejected_total{reason=\"proposal: bad \\\"leader\\\" signature\"} 1\n",
        "bystack_messages_out_total{type=\"vote\"} 3\n", "bystack_blocks_committed_total 2\n",
        "bystack_transactions_committed_total 15\n",
        "bystack_round_latency_seconds_bucket{le=\"0.25\"} 1\n",
        "bystack_round_latency_seconds_bucket{le=\"4\"} 2\n",
        "bystack_round_latency_seconds_count 2\n", "bystack_archive_reads_total 15\n",
        "bystack_archive_failures_total 1\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

// -- chain store ---------------------------------------------------------------------------------

proto::committed_block block_at(std::uint64_t h, const crypto::hash256& parent) {
  ledger::transaction tx;
  tx.nonce = h;
  tx.payload = {static_cast<std::uint8_t>(h)};
  tx.signature.assign(64, 0);
  auto b = std::make_shared<const ledger::block>(
      ledger::make_block(h, h + 1, parent, h, 1000 * h, static_cast<std::uint32_t>(h % 5), {tx}));
  proto::block_certificate c;
  c.height = h;
  c.view = h + 1;
  c.block_hash = b->hash();
  return {b, c};
}

/// Appends heights 1..n, each on the one below, and returns what was written.
std::vector<proto::committed_block> append_chain(chain_store& st, std::uint64_t n) {
  std::vector<proto::committed_block> written;
  crypto::hash256 parent;
  for (std::uint64_t h = 1; h <= n; ++h) {
    written.push_back(block_at(h, parent));
    parent = written.back().cert.block_hash;
    EXPECT_TRUE(st.append(written.back())) << h;
  }
  return written;
}

TEST(chain_store, reopening_reloads_the_chain_in_order) {
  temp_dir dir;
  std::vector<proto::committed_block> written;
  {
    auto st = chain_store::open(dir.path() / "db", true);
    ASSERT_TRUE(st) << st.err().message;
    crypto::hash256 parent;
    for (std::uint64_t h = 1; h <= 5; ++h) {
      written.push_back(block_at(h, parent));
      parent = written.back().cert.block_hash;
      auto w = (*st)->append(written.back());
      ASSERT_TRUE(w) << w.err().message;
    }
    // A gap is refused and changes nothing.
    EXPECT_FALSE((*st)->append(block_at(9, parent)));
  }
  auto st = chain_store::open(dir.path() / "db", true);
  ASSERT_TRUE(st) << st.err().message;
  EXPECT_EQ((*st)->head().value(), 5u);
  auto chain = (*st)->load_all();
  ASSERT_TRUE(chain) << chain.err().message;
  ASSERT_EQ(chain->size(), written.size());
  for (std::size_t i = 0; i < written.size(); ++i)
    EXPECT_EQ((*chain)[i], written[i]) << i;
  // The next height still appends after the reopen.
  EXPECT_TRUE((*st)->append(block_at(6, written.back().cert.block_hash)));
}

TEST(chain_store, keeps_pending_transactions_across_a_reopen) {
  temp_dir dir;
  {
    auto st = chain_store::open(dir.path() / "db", true);
    ASSERT_TRUE(st) << st.err().message;
    ASSERT_TRUE((*st)->put_pending({{7, bytes{1, 2}}, {300, bytes{3}}, {9, bytes{4, 5, 6}}}));
    ASSERT_TRUE((*st)->erase_pending({9}));
  }
  auto st = chain_store::open(dir.path() / "db", true);
  ASSERT_TRUE(st) << st.err().message;
  auto p = (*st)->load_pending();
  ASSERT_TRUE(p) << p.err().message;
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].first, 7u); // in sequence order, not insertion order
  EXPECT_EQ((*p)[0].second, (bytes{1, 2}));
  EXPECT_EQ((*p)[1].first, 300u);
  EXPECT_EQ((*p)[1].second, (bytes{3}));
}

TEST(store_archive, serves_stored_blocks_and_counts_what_it_cannot) {
  auto kv = store::make_memory_store(chain_store::columns());
  auto* raw_kv = kv.get();
  chain_store st(std::move(kv), false);
  auto written = append_chain(st, 4);
  store_archive archive(st, codec::limits{});
  for (std::uint64_t h = 1; h <= 4; ++h) {
    auto b = archive.committed_block_at(h);
    ASSERT_TRUE(b) << h;
    EXPECT_EQ(*b, written[h - 1]);
  }
  EXPECT_FALSE(archive.committed_block_at(5)); // above the head: not there, not a failure
  EXPECT_EQ(archive.reads(), 4u);
  EXPECT_EQ(archive.failures(), 0u);
  // Garbage under height 2, and height 4's block under height 3: neither is served.
  store::write_batch w;
  w.put("blocks", store::be64(2), bytes{1, 2, 3, 4, 5});
  w.put("blocks", store::be64(3), codec::encode_committed(written[3]));
  ASSERT_TRUE(raw_kv->write(w));
  EXPECT_FALSE(archive.committed_block_at(2));
  EXPECT_FALSE(archive.committed_block_at(3));
  EXPECT_EQ(archive.failures(), 2u);
  EXPECT_TRUE(archive.committed_block_at(1)); // the rest is still served
}

TEST(chain_store, restart_load_checks_every_height_and_decodes_only_the_top) {
  auto kv = store::make_memory_store(chain_store::columns());
  auto* raw_kv = kv.get();
  chain_store st(std::move(kv), false);
  const crypto::hash256 genesis{}; // block_at(1, {}) extends the zero hash
  auto written = append_chain(st, 50);
  for (std::uint64_t keep : {0u, 4u, 50u, 80u}) {
    auto c = st.load_for_restart(keep, genesis);
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->head, 50u);
    EXPECT_EQ(c->head_hash, written.back().cert.block_hash);
    ASSERT_EQ(c->proposers.size(), 50u);
    for (std::size_t i = 0; i < 50; ++i)
      EXPECT_EQ(c->proposers[i], written[i].block->header.proposer) << i;
    const std::size_t top = keep == 0 || keep > 50 ? 50 : keep;
    ASSERT_EQ(c->top.size(), top) << keep;
    for (std::size_t i = 0; i < top; ++i)
      EXPECT_EQ(c->top[i], written[50 - top + i]) << keep << " " << i;
  }
  // Only the top proposers, as a start keeps them (the last DPoS epoch); the rest on demand.
  for (std::uint64_t top : {0u, 1u, 7u, 50u, 90u}) {
    auto c = st.load_for_restart(4, genesis, {}, top);
    ASSERT_TRUE(c) << c.err().message;
    const std::uint64_t kept = std::min<std::uint64_t>(top, 50);
    EXPECT_EQ(c->proposers_from, 51 - kept) << top;
    ASSERT_EQ(c->proposers.size(), kept) << top;
    for (std::size_t i = 0; i < kept; ++i)
      EXPECT_EQ(c->proposers[i], written[50 - kept + i].block->header.proposer) << top;
  }
  auto some = st.proposers(3, 9);
  ASSERT_TRUE(some) << some.err().message;
  ASSERT_EQ(some->size(), 7u);
  for (std::size_t i = 0; i < 7; ++i)
    EXPECT_EQ((*some)[i], written[2 + i].block->header.proposer);
  auto beyond = st.proposers(49, 51);
  ASSERT_FALSE(beyond);
  EXPECT_NE(beyond.err().message.find("height 51 is missing"), std::string::npos)
      << beyond.err().message;
  auto empty = chain_store::in_memory()->load_for_restart(4, genesis);
  ASSERT_TRUE(empty) << empty.err().message;
  EXPECT_EQ(empty->head, 0u);
  EXPECT_EQ(empty->head_hash, genesis);
  EXPECT_TRUE(empty->top.empty());

  // Each fault is found below the top too (every height's header and certificate are read),
  // and named with its height; the store is put back after each. Twice: with the header
  // records a store keeps beside its blocks (a fault below the top is in the record), and as a
  // store written before them (no records: the blocks' headers are read).
  for (bool records : {true, false}) {
    SCOPED_TRACE(records ? "header records" : "no header records");
    if (!records) {
      store::write_batch w;
      for (std::uint64_t h = 1; h <= 50; ++h)
        w.del("headers", store::be64(h));
      ASSERT_TRUE(raw_kv->write(w));
      ASSERT_TRUE(st.load_for_restart(4, genesis)); // the blocks' headers stand in
    }
    auto put_back = [&](std::uint64_t h) {
      store::write_batch undo;
      undo.put("blocks", store::be64(h), codec::encode_committed(written[h - 1]));
      if (records)
        undo.put("headers", store::be64(h),
                 header_record(written[h - 1].block->header, written[h - 1].cert));
      ASSERT_TRUE(raw_kv->write(undo));
      ASSERT_TRUE(st.load_for_restart(4, genesis));
    };
    // Below the top (heights 1..46) the fault goes where the walk reads: the record, if kept.
    auto inject = [&](std::uint64_t h, const proto::committed_block* cb, const bytes& garbage) {
      store::write_batch w;
      if (records && h <= 46)
        w.put("headers", store::be64(h), cb ? header_record(cb->block->header, cb->cert) : garbage);
      else
        w.put("blocks", store::be64(h), cb ? codec::encode_committed(*cb) : garbage);
      ASSERT_TRUE(raw_kv->write(w));
    };
    auto expect_refused = [&](std::uint64_t h, const proto::committed_block* cb,
                              const std::string& why, std::uint64_t named = 0) {
      inject(h, cb, bytes{1, 2, 3, 4, 5, 6, 7, 8});
      auto c = st.load_for_restart(4, genesis);
      ASSERT_FALSE(c) << why;
      const auto at = "at height " + std::to_string(named ? named : h);
      EXPECT_TRUE(c.err().message.find(at + " ") != std::string::npos ||
                  c.err().message.find(at + ":") != std::string::npos)
          << c.err().message;
      EXPECT_NE(c.err().message.find(why), std::string::npos) << c.err().message;
      put_back(h);
    };
    expect_refused(5, nullptr, "does not decode");
    expect_refused(10, &written[10], "holds height 11");
    auto other_cert = written[11];
    other_cert.cert.block_hash = written[12].cert.block_hash;
    expect_refused(12, &other_cert, "certificate is for another block");
    auto off_chain = block_at(20, written[3].cert.block_hash); // certified, but not on 19
    expect_refused(20, &off_chain, "does not extend the block below");
    // Another block certified at 46 on top of 45: height 47 no longer extends it.
    auto b46 = *written[45].block;
    b46.header.timestamp_ms += 1;
    proto::committed_block other{std::make_shared<const ledger::block>(b46), written[45].cert};
    other.cert.block_hash = b46.hash();
    expect_refused(46, &other, "does not extend the block below", 47);
    // Likewise in the top (48 under 49), where the blocks are decoded in full.
    auto b48 = *written[47].block;
    b48.header.timestamp_ms += 1;
    proto::committed_block other48{std::make_shared<const ledger::block>(b48), written[47].cert};
    other48.cert.block_hash = b48.hash();
    expect_refused(48, &other48, "does not extend the block below", 49);
    {
      store::write_batch w;
      w.del("blocks", store::be64(30));
      w.del("headers", store::be64(30));
      ASSERT_TRUE(raw_kv->write(w));
      auto c = st.load_for_restart(4, genesis);
      ASSERT_FALSE(c);
      EXPECT_NE(c.err().message.find("height 30 is missing"), std::string::npos) << c.err().message;
      put_back(30);
    }
    // Transactions are decoded (and checked against the header's root) in the top only: a
    // tampered payload at height 49 is refused, at height 10 it is left to the archive's reads.
    auto tamper = [&](std::uint64_t h) {
      auto b = *written[h - 1].block;
      b.txs[0].payload.push_back(0xff);
      return codec::encode_committed(
          {std::make_shared<const ledger::block>(b), written[h - 1].cert});
    };
    store::write_batch w;
    w.put("blocks", store::be64(49), tamper(49));
    ASSERT_TRUE(raw_kv->write(w));
    auto c = st.load_for_restart(4, genesis);
    ASSERT_FALSE(c);
    EXPECT_NE(c.err().message.find("tx_root does not match"), std::string::npos) << c.err().message;
    put_back(49);
    store::write_batch w10;
    w10.put("blocks", store::be64(10), tamper(10));
    ASSERT_TRUE(raw_kv->write(w10));
    EXPECT_TRUE(st.load_for_restart(4, genesis));
    EXPECT_FALSE(st.load_for_restart(0, genesis)); // keep 0 decodes every height
    put_back(10);
  }
}

TEST(codec, committed_header_decode_reads_what_the_full_decode_reads) {
  auto cb = block_at(7, crypto::hash256{});
  auto enc = codec::encode_committed(cb);
  auto hd = codec::decode_committed_header(enc);
  ASSERT_TRUE(hd) << hd.err().message;
  EXPECT_EQ(hd->header, cb.block->header);
  EXPECT_EQ(hd->cert_block_hash, cb.cert.block_hash);
  EXPECT_EQ(hd->cert_height, cb.cert.height);
  EXPECT_EQ(hd->cert_view, cb.cert.view);
  EXPECT_FALSE(codec::decode_committed_header(bytes{}));
  EXPECT_FALSE(codec::decode_committed_header(bytes(enc.begin(), enc.begin() + 16)));
  codec::limits small;
  small.max_message_bytes = 8;
  EXPECT_FALSE(codec::decode_committed_header(enc, small));
}

TEST(chain_store, a_window_check_walks_only_the_top_and_the_height_below_it) {
  auto kv = store::make_memory_store(chain_store::columns());
  auto* raw_kv = kv.get();
  chain_store st(std::move(kv), false);
  const crypto::hash256 genesis{};
  auto written = append_chain(st, 50);
  // Keep 4, no proposers, check only what is decoded: heights 47..50 walked from 46's hash.
  auto c = st.load_for_restart(4, genesis, {}, 0, 0);
  ASSERT_TRUE(c) << c.err().message;
  EXPECT_EQ(c->head, 50u);
  EXPECT_EQ(c->head_hash, written.back().cert.block_hash);
  ASSERT_EQ(c->top.size(), 4u);
  EXPECT_EQ(c->top.front().block->header.height, 47u);
  EXPECT_TRUE(c->proposers.empty());
  // The walk reaches down to the proposers kept and to check_top.
  c = st.load_for_restart(4, genesis, {}, 7, 0);
  ASSERT_TRUE(c) << c.err().message;
  EXPECT_EQ(c->proposers_from, 44u);
  EXPECT_EQ(c->proposers.size(), 7u);
  auto put = [&](std::uint64_t h, const std::string& col, const bytes& v) {
    store::write_batch w;
    w.put(col, store::be64(h), v);
    ASSERT_TRUE(raw_kv->write(w));
  };
  auto record_of = [&](const proto::committed_block& b) {
    return header_record(b.block->header, b.cert);
  };
  auto refused = [&](std::uint64_t check_top, const std::string& why) {
    auto r = st.load_for_restart(4, genesis, {}, 0, check_top);
    ASSERT_FALSE(r) << why;
    EXPECT_NE(r.err().message.find(why), std::string::npos) << r.err().message;
  };
  // A fault below what the window walks is not read; the whole walk finds it.
  put(10, "headers", bytes{1, 2, 3});
  EXPECT_TRUE(st.load_for_restart(4, genesis, {}, 0, 0));
  EXPECT_TRUE(st.load_for_restart(4, genesis, {}, 0, 39)); // walks 12..50 from 11
  refused(chain_store::all_heights, "block at height 10 does not decode");
  put(10, "headers", record_of(written[9]));
  // The height below the walk is read and checked.
  put(46, "headers", bytes{1, 2, 3});
  refused(0, "block at height 46 does not decode");
  put(46, "headers", record_of(written[44]));
  refused(0, "block at height 46 holds height 45");
  auto other_cert = written[45];
  other_cert.cert.block_hash = written[46].cert.block_hash;
  put(46, "headers", record_of(other_cert));
  refused(0, "block at height 46: its certificate is for another block");
  auto b46 = *written[45].block;
  b46.header.timestamp_ms += 1;
  proto::committed_block other{std::make_shared<const ledger::block>(b46), written[45].cert};
  other.cert.block_hash = b46.hash();
  put(46, "headers", record_of(other));
  refused(0, "block at height 47 does not extend the block below");
  {
    store::write_batch w;
    w.del("headers", store::be64(46));
    w.del("blocks", store::be64(46));
    ASSERT_TRUE(raw_kv->write(w));
    refused(0, "block at height 46 is missing below the head 50");
  }
  put(46, "headers", record_of(written[45]));
  put(46, "blocks", codec::encode_committed(written[45]));
  EXPECT_TRUE(st.load_for_restart(4, genesis, {}, 0, 0));
  // check_top 10: heights 41..50 walked from 40's hash; 40 is read, 39 is not.
  put(40, "headers", bytes{9});
  refused(10, "block at height 40 does not decode");
  put(40, "headers", record_of(written[39]));
  put(39, "headers", bytes{9});
  EXPECT_TRUE(st.load_for_restart(4, genesis, {}, 0, 10));
  refused(11, "block at height 39 does not decode");
}

TEST(chain_store, serves_raw_blocks_by_height) {
  auto st = chain_store::in_memory();
  ASSERT_TRUE(st->append(block_at(1, {})));
  EXPECT_EQ(st->head().value(), 1u);
  auto raw = st->raw_at(1);
  ASSERT_TRUE(raw && *raw);
  EXPECT_TRUE(codec::decode_committed(**raw));
  EXPECT_FALSE(st->raw_at(2).value().has_value());
}

} // namespace
} // namespace bystack::node
