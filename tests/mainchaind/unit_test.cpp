// The mainchain node's wire format, config loader and block store (no processes, no sockets).
#include "actors/mainchain/header_codec.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/wallet.hpp"
#include "runtime/mainchain/block_store.hpp"
#include "runtime/mainchain/config.hpp"
#include "runtime/mainchain/wire.hpp"

#include <gtest/gtest.h>

namespace bystack::mainchaind {
namespace {

mainchain::header sample_header(std::uint64_t height) {
  mainchain::header h;
  h.height = height;
  h.previous.data.fill(7);
  h.timestamp_ms = 1'764'000'000'000 + height;
  h.bits = 0x20000000007fffffull;
  h.nonce = 0x0123456789abcdefull;
  h.seed.data.fill(9);
  return h;
}

mainchain::block_ptr sample_block(std::uint64_t height) {
  ledger::tx cb;
  ledger::input in;
  in.kind = ledger::input_kind::coinbase;
  in.amount = 50;
  in.nonce = height;
  cb.inputs.push_back(in);
  crypto::public_key pk{};
  pk[0] = 1;
  cb.outputs.push_back(ledger::pay(ledger::asset_id{}, 50, ledger::control_program::single(pk)));
  return mainchain::make_block(sample_header(height),
                               {std::make_shared<const ledger::tx>(std::move(cb))});
}

TEST(MainchainWire, HeaderAndBlockRoundTrip) {
  auto h = sample_header(5);
  auto e = encode_header(h);
  EXPECT_EQ(e.size(), mainchain::header_bytes);
  auto d = decode_header(e);
  ASSERT_TRUE(d) << d.err().message;
  EXPECT_EQ(*d, h);

  auto b = sample_block(3);
  auto eb = encode_block(*b);
  auto db = decode_block(eb);
  ASSERT_TRUE(db) << db.err().message;
  EXPECT_EQ((*db)->hash(), b->hash());
  ASSERT_EQ((*db)->txs().size(), 1u);
  EXPECT_EQ((*db)->txs()[0]->id(), b->txs()[0]->id());
}

// The wire and the store carry a header in its one canonical encoding (the one the federation
// relays to the sidechain): the fields in order, integers little-endian.
TEST(MainchainWire, HeaderIsTheCanonicalEncoding) {
  auto h = sample_header(5);
  h.version = 0x01020304;
  bytes canonical;
  ledger::detail::writer w(canonical);
  mainchain::put(w, h);
  ASSERT_EQ(canonical.size(), mainchain::header_bytes);
  EXPECT_EQ(encode_header(h), canonical);
  // version (4 bytes) and height (8) first; the nonce after previous, timestamp_ms and bits.
  EXPECT_EQ((bytes{canonical.begin(), canonical.begin() + 12}),
            (bytes{4, 3, 2, 1, 5, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ((bytes{canonical.begin() + 60, canonical.begin() + 68}),
            (bytes{0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01}));
  // One byte short, a header names what is missing; one byte more is refused.
  auto shorter = decode_header(byte_view{canonical.data(), canonical.size() - 1});
  ASSERT_FALSE(shorter);
  EXPECT_NE(shorter.err().message.find("truncated header"), std::string::npos)
      << shorter.err().message;
  canonical.push_back(0);
  EXPECT_FALSE(decode_header(canonical));
}

TEST(MainchainWire, MessagesRoundTrip) {
  wire_limits lim;
  message m;
  m.type = msg_type::blocks;
  m.blocks = {sample_block(1), sample_block(2)};
  auto d = decode_message(encode_message(m), lim);
  ASSERT_TRUE(d) << d.err().message;
  ASSERT_EQ(d->blocks.size(), 2u);
  EXPECT_EQ(d->blocks[1]->hash(), m.blocks[1]->hash());

  message hello;
  hello.type = msg_type::hello;
  hello.name = "node7";
  hello.network = 0x1122334455667788ull;
  auto dh = decode_message(encode_message(hello), lim);
  ASSERT_TRUE(dh);
  EXPECT_EQ(dh->name, "node7");
  EXPECT_EQ(dh->network, hello.network);

  message gh;
  gh.type = msg_type::get_headers;
  gh.hashes.resize(3);
  gh.hashes[2].data.fill(4);
  auto dg = decode_message(encode_message(gh), lim);
  ASSERT_TRUE(dg);
  EXPECT_EQ(dg->hashes, gh.hashes);
}

TEST(MainchainWire, MalformedInputIsRefusedWithAReason) {
  wire_limits lim;
  message m;
  m.type = msg_type::blocks;
  m.blocks = {sample_block(1)};
  auto e = encode_message(m);
  // Every truncation is refused, never read past the end.
  for (std::size_t n = 0; n < e.size(); ++n) {
    auto d = decode_message(byte_view(e.data(), n), lim);
    EXPECT_FALSE(d) << "prefix of " << n << " bytes decoded";
  }
  // Trailing bytes.
  auto longer = e;
  longer.push_back(0);
  auto t = decode_message(longer, lim);
  ASSERT_FALSE(t);
  EXPECT_NE(t.err().message.find("trailing"), std::string::npos) << t.err().message;
  // Unknown type.
  bytes unknown{42};
  EXPECT_FALSE(decode_message(unknown, lim));
  // A count beyond the limit is refused before anything is allocated.
  bytes many{static_cast<std::uint8_t>(msg_type::get_blocks), 0xff, 0xff, 0xff, 0xff};
  auto c = decode_message(many, lim);
  ASSERT_FALSE(c);
  EXPECT_NE(c.err().message.find("exceeds"), std::string::npos) << c.err().message;
  // Oversized.
  wire_limits tiny;
  tiny.max_message_bytes = 10;
  EXPECT_FALSE(decode_message(e, tiny));
}

const char* good_config = R"(
node:
  name: a
  listen: {address: "127.0.0.1", port: 7300}
  api: {address: "127.0.0.1", port: 7301}
  data_dir: "a.data"
peers:
  - {name: b, address: "127.0.0.1", port: 7302}
consensus:
  target_block_ms: 2000
  retarget_blocks: 10
  genesis_expected_hashes: 16
  genesis_time_ms: 1764000000000
genesis:
  network: "t"
  block_reward: 50
  assets:
    - {name: "BTM", kind: byte, decimals: 8, native: true}
mining:
  payout: e1722346f014524b17b5e2d8950865ef50e506f8e6389fa10109473c3d56ceba
)";

std::string bad(std::string text, const std::string& from, const std::string& to) {
  auto p = text.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  return text.replace(p, from.size(), to);
}

TEST(MainchainConfig, ReadsAGoodConfig) {
  auto c = parse_config(good_config, "good.yaml", "/tmp/x");
  ASSERT_TRUE(c) << c.err().message;
  EXPECT_EQ(c->name, "a");
  EXPECT_EQ(c->data_dir, std::filesystem::path("/tmp/x/a.data"));
  ASSERT_EQ(c->peers.size(), 1u);
  EXPECT_EQ(c->peers[0].name, "b");
  EXPECT_TRUE(c->mining.enabled);
  EXPECT_EQ(c->consensus.rule, mainchain::retarget_rule::bystack);
  auto bytom = parse_config(
      bad(good_config, "retarget_blocks: 10", "retarget_blocks: 10\n  retarget_rule: bytom"),
      "bytom.yaml", "/tmp");
  ASSERT_TRUE(bytom) << bytom.err().message;
  EXPECT_EQ(bytom->consensus.rule, mainchain::retarget_rule::bytom);
  EXPECT_EQ(c->consensus.genesis_bits, bits_for_expected_hashes(16));
  // 16 expected hashes: work_from_bits gives 2^256 / (target + 1) = 16 up to rounding.
  auto w = pow::work_from_bits(c->consensus.genesis_bits);
  EXPECT_EQ(w, pow::uint256(16));
}

void expect_error(const std::string& text, const std::string& needle) {
  auto c = parse_config(text, "bad.yaml", "/tmp");
  ASSERT_FALSE(c) << "accepted a config that should fail with " << needle;
  EXPECT_NE(c.err().message.find(needle), std::string::npos) << c.err().message;
}

TEST(MainchainConfig, RefusesBadInputWithClearErrors) {
  expect_error(bad(good_config, "retarget_blocks: 10", "retarget_blocks: 1"), "retarget_blocks");
  expect_error(bad(good_config, "retarget_blocks: 10", "retarget_blocks: 10\n  retarget_rule: btc"),
               "retarget_rule");
  expect_error(bad(good_config, "genesis_expected_hashes: 16", "genesis_expected_hashes: 1"),
               "genesis_expected_hashes");
  expect_error(bad(good_config, "genesis_expected_hashes: 16", "genesis_bits: \"12\""),
               "genesis_bits");
  expect_error(bad(good_config, "genesis_expected_hashes: 16", "genesis_bits: \"0x00ff\""),
               "positive target");
  expect_error(
      bad(good_config, "  target_block_ms: 2000\n", "  target_block_ms: 2000\n  tpyo: 1\n"),
      "tpyo");
  expect_error(bad(good_config, "name: b", "name: a"), "this node's name");
  expect_error(bad(good_config, "payout: e1722346", "payout: zz722346"), "payout");
  expect_error(bad(good_config, "port: 7302", "port: 70000"), "port");
  expect_error(bad(good_config, "{name: \"BTM\", kind: byte, decimals: 8, native: true}",
                   "{name: \"BTM\", kind: byte, decimals: 8}"),
               "native");
}

TEST(MainchainConfig, TheCommittedLocalClusterLoads) {
  // ctest runs in the source directory.
  for (int i = 0; i < 3; ++i) {
    auto c = load_config("configs/mainchain-local-3/node" + std::to_string(i) + ".yaml");
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->peers.size(), 2u);
    EXPECT_EQ(c->mining.enabled, i < 2);
    EXPECT_EQ(c->consensus.genesis_bits, bits_for_expected_hashes(48));
  }
}

TEST(MainchainStore, AppendsLoadsAndRefusesAnotherNetwork) {
  crypto::hash256 g;
  g.data.fill(1);
  auto s = block_store::in_memory(g);
  ASSERT_TRUE(s) << s.err().message;
  auto& st = **s;
  auto t0 = st.tip();
  ASSERT_TRUE(t0);
  EXPECT_FALSE(*t0);
  tip_record r{sample_block(2)->hash(), 2, {}};
  r.utxo_hash.data.fill(3);
  ASSERT_TRUE(st.append({sample_block(1), sample_block(2)}, r));
  ASSERT_TRUE(st.append({}, r));
  auto loaded = st.load({});
  ASSERT_TRUE(loaded) << loaded.err().message;
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0]->hash(), sample_block(1)->hash());
  EXPECT_EQ((*loaded)[1]->hash(), sample_block(2)->hash());
  auto t = st.tip();
  ASSERT_TRUE(t && *t);
  EXPECT_EQ((*t)->tip, r.tip);
  EXPECT_EQ((*t)->height, 2u);
  EXPECT_EQ((*t)->utxo_hash, r.utxo_hash);

  auto dir =
      std::filesystem::temp_directory_path() / ("bystack-mc-store-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto a = block_store::open(dir, g, false);
    ASSERT_TRUE(a) << a.err().message;
    ASSERT_TRUE((*a)->append({sample_block(1)}, r));
  }
  {
    auto again = block_store::open(dir, g, false);
    ASSERT_TRUE(again) << again.err().message;
    EXPECT_EQ((*again)->blocks_stored(), 1u);
  }
  crypto::hash256 other;
  other.data.fill(2);
  auto refused = block_store::open(dir, other, false);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.err().message.find("another network"), std::string::npos)
      << refused.err().message;
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace bystack::mainchaind
