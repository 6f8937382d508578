// Canonical encoding of BUTXO transactions: round trips, refusal of every malformed input with
// an error that names the field, and what the ids cover.
#include "fixture.hpp"

#include <cstring>

namespace {

using namespace bystack;
using namespace bystack::ledger;
using namespace bystack::ledger::testing;

/// Builds a transaction with every input and output kind, witnesses included.
tx every_kind(const world& w) {
  tx t = w.make_tx();
  t.expires_at = 77;
  auto def = define("item", asset_kind::quark, 2, w.issuer.prog, 1000, 5);
  def.data = {1, 2, 3};
  t.inputs.push_back(spend_of(w.genesis(world::alice_btm)));
  t.inputs.push_back(issue_of(def, 300, 9));
  input cb;
  cb.kind = input_kind::coinbase;
  cb.amount = 50;
  cb.nonce = 3;
  t.inputs.push_back(cb);
  input claim;
  claim.kind = static_cast<input_kind>(16);
  claim.ext = {0xde, 0xad};
  t.inputs.push_back(claim);
  t.inputs[0].witness = {{0, bytes(64, 0x11)}, {2, bytes(64, 0x22)}};
  t.inputs[1].witness = {{0, bytes(64, 0x33)}};
  t.outputs.push_back(pay(w.native.id(), 10, multisig(2, {&w.alice, &w.bob, &w.carol})));
  output retire;
  retire.kind = output_kind::retire;
  retire.asset = w.gold.id();
  retire.amount = 4;
  t.outputs.push_back(retire);
  output pegout;
  pegout.kind = static_cast<output_kind>(16);
  pegout.asset = w.native.id();
  pegout.amount = 1;
  pegout.data = {7, 7, 7};
  t.outputs.push_back(pegout);
  t.outputs.push_back(pay(def.id(), 100, w.bob.prog, token_id(input_id(t.inputs[1]), 0)));
  return t;
}

std::string decode_error(const bytes& b) {
  auto r = decode_tx(byte_view{b.data(), b.size()});
  return r ? std::string() : r.err().message;
}

void put_u32(bytes& b, std::size_t at, std::uint32_t x) {
  for (int i = 0; i < 4; ++i)
    b.at(at + i) = static_cast<std::uint8_t>(x >> (8 * i));
}

// Offsets of the fixed header: layout(1) version(4) chain(32) expires_at(8), then the count.
constexpr std::size_t inputs_count_at = 45;

TEST(butxo_encoding, round_trips_every_input_and_output_kind) {
  world w;
  auto t = every_kind(w);
  auto b = encode(t);
  EXPECT_EQ(b.size(), encoded_size(t));
  auto back = decode_tx(byte_view{b.data(), b.size()});
  ASSERT_TRUE(back) << back.err().message;
  EXPECT_EQ(back.value(), t);
  EXPECT_EQ(back.value().id(), t.id());
  EXPECT_EQ(encode(back.value()), b);
}

TEST(butxo_encoding, round_trips_control_programs_and_definitions) {
  world w;
  auto p = multisig(2, {&w.alice, &w.bob, &w.carol});
  auto pb = encode(p);
  auto p2 = decode_control_program(byte_view{pb.data(), pb.size()});
  ASSERT_TRUE(p2);
  EXPECT_EQ(p2.value(), p);
  EXPECT_EQ(p.address(), p2.value().address());
  pb.push_back(0);
  EXPECT_FALSE(decode_control_program(byte_view{pb.data(), pb.size()}));

  auto d = define("coupon", asset_kind::quantum, 3, p, 9000, 4);
  d.data = {9, 8};
  auto db = encode(d);
  auto d2 = decode_asset_definition(byte_view{db.data(), db.size()});
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2.value(), d);
  EXPECT_EQ(d2.value().id(), d.id());
}

TEST(butxo_encoding, refuses_truncation_at_every_prefix) {
  world w;
  auto b = encode(every_kind(w));
  for (std::size_t n = 0; n < b.size(); ++n) {
    bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    auto err = decode_error(prefix);
    EXPECT_NE(err.find("truncated"), std::string::npos) << "prefix " << n << ": " << err;
  }
  EXPECT_NE(decode_error({}).find("layout"), std::string::npos);
  EXPECT_NE(decode_error(bytes(b.begin(), b.begin() + 3)).find("version"), std::string::npos);
  EXPECT_NE(decode_error(bytes(b.begin(), b.begin() + 20)).find("chain"), std::string::npos);
  EXPECT_NE(decode_error(bytes(b.begin(), b.begin() + 47)).find("inputs"), std::string::npos);
  EXPECT_NE(decode_error(bytes(b.begin(), b.begin() + 60)).find("input 0: input.spent_output"),
            std::string::npos);
}

TEST(butxo_encoding, refuses_trailing_bytes) {
  world w;
  auto b = encode(every_kind(w));
  b.push_back(0);
  EXPECT_NE(decode_error(b).find("trailing"), std::string::npos) << decode_error(b);
}

TEST(butxo_encoding, refuses_unknown_layout_version) {
  world w;
  auto b = encode(every_kind(w));
  b[0] = 2;
  EXPECT_NE(decode_error(b).find("layout version 2"), std::string::npos) << decode_error(b);
}

TEST(butxo_encoding, refuses_over_limit_counts_naming_the_field) {
  world w;
  tx t = w.make_tx();
  auto empty = encode(t); // no inputs, no outputs: 53 bytes
  ASSERT_EQ(empty.size(), 53u);

  auto b = empty;
  put_u32(b, inputs_count_at, max_tx_inputs + 1);
  EXPECT_NE(decode_error(b).find("inputs: 257 entries exceed the limit of 256"), std::string::npos)
      << decode_error(b);
  b = empty;
  put_u32(b, inputs_count_at + 4, max_tx_outputs + 1);
  EXPECT_NE(decode_error(b).find("outputs: 257 entries exceed"), std::string::npos)
      << decode_error(b);

  t.inputs.push_back(spend_of(w.genesis(0)));
  b = encode(t);
  put_u32(b, inputs_count_at + 4 + 1 + 32, max_multisig_keys + 1); // the witness count
  EXPECT_NE(decode_error(b).find("input 0: input.witness: 17 entries exceed"), std::string::npos)
      << decode_error(b);

  tx o = w.make_tx();
  control_program big;
  big.threshold = 1;
  big.keys.assign(max_multisig_keys + 1, w.alice.pub());
  o.outputs.push_back(pay(w.native.id(), 1, big));
  EXPECT_NE(decode_error(encode(o)).find("output 0: output.owner: 17 entries exceed"),
            std::string::npos)
      << decode_error(encode(o));
}

TEST(butxo_encoding, refuses_over_limit_sizes_naming_the_field) {
  world w;
  tx t = w.make_tx();
  t.outputs.push_back(pay(w.native.id(), 1, w.alice.prog));
  t.outputs[0].data.assign(max_data_bytes + 1, 0);
  EXPECT_NE(decode_error(encode(t)).find("output.data: 1025 bytes exceed the limit of 1024"),
            std::string::npos)
      << decode_error(encode(t));

  tx n = w.make_tx();
  n.inputs.push_back(issue_of(
      define(std::string(max_asset_name_bytes + 1, 'x'), asset_kind::byte, 0, w.issuer.prog), 1));
  EXPECT_NE(decode_error(encode(n)).find("definition.name: 65 bytes exceed"), std::string::npos)
      << decode_error(encode(n));

  tx d = w.make_tx();
  auto def = define("x", asset_kind::byte, 0, w.issuer.prog);
  def.data.assign(max_data_bytes + 1, 1);
  d.inputs.push_back(issue_of(def, 1));
  EXPECT_NE(decode_error(encode(d)).find("definition.data"), std::string::npos);

  tx s = w.make_tx();
  s.inputs.push_back(spend_of(w.genesis(0)));
  s.inputs[0].witness.push_back({0, bytes(129, 0)});
  EXPECT_NE(decode_error(encode(s)).find("witness.signature: 129 bytes exceed"), std::string::npos)
      << decode_error(encode(s));

  tx e = w.make_tx();
  input ext;
  ext.kind = static_cast<input_kind>(16);
  ext.ext.assign(max_ext_input_bytes + 1, 0);
  e.inputs.push_back(ext);
  ASSERT_LE(encode(e).size(), max_tx_bytes); // the extension bound, not the transaction's
  EXPECT_NE(decode_error(encode(e)).find("input.ext: 61441 bytes exceed the limit of 61440"),
            std::string::npos)
      << decode_error(encode(e));

  bytes huge(max_tx_bytes + 1, 0);
  EXPECT_NE(decode_error(huge).find("exceed the limit of 65536"), std::string::npos);
}

TEST(butxo_encoding, an_extension_input_may_carry_more_than_a_data_field) {
  // Header runs, pegin claims and release records travel in extension inputs, bounded by
  // max_ext_input_bytes rather than by the 1024 bytes of a data field.
  world w;
  for (std::size_t n : {max_data_bytes + 1, std::size_t{64 * 132 + 4}, max_ext_input_bytes}) {
    tx t = w.make_tx();
    input ext;
    ext.kind = static_cast<input_kind>(20);
    ext.ext.assign(n, 0x5a);
    t.inputs.push_back(ext);
    auto b = encode(t);
    auto back = decode_tx(byte_view{b.data(), b.size()});
    ASSERT_TRUE(back) << n << ": " << back.err().message;
    EXPECT_EQ(back->inputs.back().ext.size(), n);
    EXPECT_EQ(*back, t);
  }
  // A data field keeps its bound.
  tx d = w.make_tx();
  d.outputs.push_back(pay(w.native.id(), 1, w.alice.prog));
  d.outputs.back().data.assign(max_data_bytes + 1, 0);
  EXPECT_NE(decode_error(encode(d)).find("output.data"), std::string::npos);
}

TEST(butxo_encoding, refuses_unknown_asset_kind_in_a_definition) {
  world w;
  tx t = w.make_tx();
  t.inputs.push_back(issue_of(define("x", static_cast<asset_kind>(4), 0, w.issuer.prog), 1));
  EXPECT_NE(decode_error(encode(t)).find("definition.kind: unknown asset kind 4"),
            std::string::npos)
      << decode_error(encode(t));
}

TEST(butxo_encoding, tx_id_excludes_witnesses) {
  world w;
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::alice_btm)));
  t.outputs.push_back(pay(w.native.id(), 1000, w.bob.prog));
  auto id = t.id();
  auto unsigned_bytes = encode(t);
  ASSERT_TRUE(sign_input(t, 0, w.alice.prog, *w.alice.s));
  EXPECT_EQ(t.id(), id);
  EXPECT_NE(encode(t), unsigned_bytes);
  // Signing twice with one key adds nothing; a key outside the program does not sign.
  EXPECT_FALSE(sign_input(t, 0, w.alice.prog, *w.alice.s));
  EXPECT_FALSE(sign_input(t, 0, w.alice.prog, *w.bob.s));
  EXPECT_FALSE(sign_input(t, 5, w.alice.prog, *w.alice.s));
  // Everything else is covered.
  auto u = t;
  u.expires_at = 1;
  EXPECT_NE(u.id(), id);
  u = t;
  u.outputs[0].data = {1};
  EXPECT_NE(u.id(), id);
  u = t;
  u.version = 2;
  EXPECT_NE(u.id(), id);
}

TEST(butxo_encoding, output_ids_differ_by_index_and_content) {
  world w;
  auto txid = crypto::sha3_256(as_bytes(std::string_view{"some tx"}));
  auto o = pay(w.native.id(), 5, w.alice.prog);
  auto o2 = o;
  o2.amount = 6;
  auto o3 = o;
  o3.owner = w.bob.prog;
  EXPECT_NE(output_id(txid, 0, o), output_id(txid, 1, o));
  EXPECT_NE(output_id(txid, 0, o), output_id(txid, 0, o2));
  EXPECT_NE(output_id(txid, 0, o), output_id(txid, 0, o3));
  EXPECT_NE(output_id(txid, 0, o), output_id(crypto::sha3_256(txid.view()), 0, o));
  EXPECT_EQ(output_id(txid, 0, o), output_id(txid, 0, pay(w.native.id(), 5, w.alice.prog)));
}

TEST(butxo_encoding, chain_id_separates_networks) {
  EXPECT_NE(chain_id_of("mainnet"), chain_id_of("testnet"));
  EXPECT_EQ(chain_id_of("mainnet"), chain_id_of("mainnet"));
  world w;
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::alice_btm)));
  t.outputs.push_back(pay(w.native.id(), 1000, w.bob.prog));
  auto other = t;
  other.chain = chain_id_of("testnet");
  EXPECT_NE(t.id(), other.id());
  auto iid = input_id(t.inputs[0]);
  EXPECT_NE(sighash(iid, t.id()), sighash(iid, other.id()));
}

TEST(butxo_encoding, token_ids_differ_by_issue_and_index) {
  world w;
  auto a = input_id(issue_of(w.gold, 1, 0));
  auto b = input_id(issue_of(w.gold, 1, 1));
  EXPECT_NE(a, b);
  EXPECT_NE(token_id(a, 0), token_id(a, 1));
  EXPECT_NE(token_id(a, 0), token_id(b, 0));
}

} // namespace
