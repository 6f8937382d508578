#include "runtime/codec/codec.hpp"

#include "codec/messages.capnp.h"
#include "fixtures.hpp"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

namespace {

using namespace bystack;
using namespace bystack::codec_test;
namespace wire = bystack::codec::wire;
using crypto::cert_kind;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

template <class T> void expect_round_trip(const T& value) {
  auto enc = codec::encode(proto::message{value});
  ASSERT_FALSE(enc.empty());
  ASSERT_EQ(enc.size() % 8, 0u);
  auto dec = codec::decode(enc);
  ASSERT_TRUE(dec.ok()) << dec.err().message;
  ASSERT_TRUE(std::holds_alternative<T>(*dec)) << proto::type_name(*dec);
  EXPECT_TRUE(std::get<T>(*dec) == value);
  // The encoding is a function of the value: decoding and encoding again gives the same bytes.
  EXPECT_EQ(codec::encode(*dec), enc);
}

// Re-builds an encoded message with Cap'n Proto itself, lets `change` damage it, and returns
// the new bytes: the way to make input that the codec's encoder never produces.
template <class Root, class F> bytes mutate(const bytes& enc, F&& change) {
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(enc.size() / 8);
  std::memcpy(words.begin(), enc.data(), enc.size());
  capnp::FlatArrayMessageReader reader(words);
  capnp::MallocMessageBuilder mb;
  mb.setRoot(reader.getRoot<Root>());
  change(mb.getRoot<Root>());
  auto flat = capnp::messageToFlatArray(mb);
  auto b = flat.asBytes();
  return bytes(b.begin(), b.end());
}

std::string decode_error(const bytes& enc, const codec::limits& lim = {}) {
  auto dec = codec::decode(enc, lim);
  if (dec.ok()) return "";
  return dec.err().message;
}

// --- round trips --------------------------------------------------------------------------

TEST(codec_round_trip, proposal_with_0_1_and_1000_transactions) {
  for (std::size_t n : {0u, 1u, 1000u}) {
    SCOPED_TRACE(n);
    expect_round_trip(make_proposal(n, false));
    expect_round_trip(make_proposal(n, true));
  }
}

TEST(codec_round_trip, proposal_with_empty_justify_and_payloadless_transactions) {
  proto::proposal p;
  std::vector<ledger::transaction> txs{make_tx(1, 0), make_tx(2, 0)};
  txs[0].signature.clear();
  p.block = std::make_shared<const ledger::block>(
      ledger::make_block(1, 1, crypto::hash256{}, 0, 0, 0, std::move(txs)));
  expect_round_trip(p);
}

TEST(codec_round_trip, vote) {
  proto::vote v;
  v.height = 12;
  v.view = 3;
  v.block_hash = hash_of(9);
  v.voter = 77;
  v.signature = make_sig(64, 5);
  expect_round_trip(v);
  v.signature.clear();
  expect_round_trip(v);
}

TEST(codec_round_trip, group_certificate_of_both_kinds) {
  for (auto kind : {cert_kind::signature_list, cert_kind::aggregate}) {
    for (std::size_t set : {1u, 64u, 100u, 1000u}) {
      SCOPED_TRACE(set);
      proto::group_certificate g;
      g.height = 4;
      g.view = 2;
      g.block_hash = hash_of(1);
      g.super_node = 3;
      g.qc = make_qc(kind, set, set / 2 + 1, 4);
      expect_round_trip(g);
    }
  }
  proto::group_certificate empty;
  expect_round_trip(empty);
}

TEST(codec_round_trip, commit_certificate) {
  proto::commit_certificate c;
  c.super_node = 9;
  c.cert = make_block_cert(10, 11, 3);
  expect_round_trip(c);
}

TEST(codec_round_trip, view_change_with_and_without_high_qc) {
  expect_round_trip(make_view_change(4, false));
  expect_round_trip(make_view_change(5, true));
}

TEST(codec_round_trip, sync_request) {
  expect_round_trip(proto::sync_request{3, 1'000'000'000'000ull, 64});
  expect_round_trip(proto::sync_request{});
}

TEST(codec_round_trip, sync_response) {
  proto::sync_response r;
  r.sender = 8;
  expect_round_trip(r);
  for (std::uint64_t h = 1; h <= 3; ++h)
    r.blocks.push_back(make_committed(h, 10 * h));
  expect_round_trip(r);
}

TEST(codec_round_trip, tx_batch) {
  proto::tx_batch t;
  t.sender = 1;
  expect_round_trip(t);
  for (int i = 0; i < 50; ++i)
    t.txs.push_back(make_tx(i, i * 3));
  expect_round_trip(t);
}

TEST(codec_round_trip, committed_block) {
  for (std::size_t n : {0u, 1u, 1000u}) {
    auto cb = make_committed(5, n);
    auto enc = codec::encode_committed(cb);
    auto dec = codec::decode_committed(enc);
    ASSERT_TRUE(dec.ok()) << dec.err().message;
    EXPECT_TRUE(*dec == cb);
    EXPECT_EQ(codec::encode_committed(*dec), enc);
  }
}

TEST(codec_round_trip, transaction) {
  for (std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{100}, ledger::max_tx_payload_bytes}) {
    auto tx = make_tx(3, size);
    auto enc = codec::encode_transaction(tx);
    auto dec = codec::decode_transaction(enc);
    ASSERT_TRUE(dec.ok()) << dec.err().message;
    EXPECT_EQ(*dec, tx);
    EXPECT_EQ(dec->id(), tx.id());
  }
}

// --- framing ------------------------------------------------------------------------------

TEST(codec_framing, rejects_empty_ragged_and_trailing_input) {
  auto enc = codec::encode(proto::message{make_view_change(1, false)});
  EXPECT_TRUE(contains(decode_error({}), "empty input"));
  auto ragged = enc;
  ragged.push_back(0);
  EXPECT_TRUE(contains(decode_error(ragged), "not a whole number of 8-byte words"));
  auto trailing = enc;
  trailing.insert(trailing.end(), 8, 0);
  EXPECT_TRUE(contains(decode_error(trailing), "8 bytes follow the end of the message"));
  EXPECT_FALSE(codec::decode_committed({}).ok());
  EXPECT_FALSE(codec::decode_transaction({}).ok());
}

TEST(codec_framing, every_proper_prefix_of_a_proposal_is_an_error) {
  auto enc = codec::encode(proto::message{make_proposal(3, true)});
  ASSERT_TRUE(codec::decode(enc).ok());
  for (std::size_t n = 0; n < enc.size(); ++n) {
    auto dec = codec::decode(byte_view{enc.data(), n});
    ASSERT_FALSE(dec.ok()) << "prefix of " << n << " of " << enc.size() << " bytes decoded";
  }
}

TEST(codec_framing, oversized_input_is_rejected) {
  auto enc = codec::encode(proto::message{make_proposal(100, false)});
  codec::limits lim;
  lim.max_message_bytes = enc.size();
  EXPECT_TRUE(codec::decode(enc, lim).ok());
  lim.max_message_bytes = enc.size() - 1;
  auto err = decode_error(enc, lim);
  EXPECT_TRUE(contains(err, std::to_string(enc.size()) + " bytes exceed the limit")) << err;
  EXPECT_FALSE(codec::decode_committed(enc, lim).ok());
}

TEST(codec_framing, unaligned_input_decodes_like_aligned_input) {
  auto enc = codec::encode(proto::message{make_proposal(20, true)});
  auto aligned = codec::decode(enc);
  ASSERT_TRUE(aligned.ok());
  for (std::size_t offset = 1; offset < 8; ++offset) {
    // A uint64_t buffer guarantees 8-byte alignment of its start, hence misalignment by offset.
    std::vector<std::uint64_t> storage(enc.size() / 8 + 2);
    auto* base = reinterpret_cast<std::uint8_t*>(storage.data()) + offset;
    std::memcpy(base, enc.data(), enc.size());
    auto dec = codec::decode(byte_view{base, enc.size()});
    ASSERT_TRUE(dec.ok()) << dec.err().message;
    EXPECT_TRUE(*dec == *aligned);
  }
}

TEST(codec_framing, reader_limits_are_applied) {
  auto enc = codec::encode(proto::message{make_proposal(1000, true)});
  codec::limits lim;
  lim.traversal_limit_words = 100;
  EXPECT_TRUE(contains(decode_error(enc, lim), "malformed Cap'n Proto data"));
  lim = {};
  lim.nesting_limit = 3;
  EXPECT_TRUE(contains(decode_error(enc, lim), "malformed Cap'n Proto data"));
}

// --- field checks -------------------------------------------------------------------------

TEST(codec_fields, block_whose_transactions_do_not_match_its_header_is_rejected) {
  auto p = make_proposal(5, false);
  auto wrong = std::make_shared<ledger::block>(*p.block);
  wrong->header.tx_root.data[0] ^= 1;
  p.block = wrong;
  auto err = decode_error(codec::encode(proto::message{p}));
  EXPECT_EQ(err, "message: proposal: block at height 7: tx_root does not match its transactions");

  // The decoder recomputes the root: changing a payload on the wire is caught as well.
  auto good = codec::encode(proto::message{make_proposal(5, false)});
  auto tampered = mutate<wire::Message>(good, [](wire::Message::Builder m) {
    m.getProposal().getBlock().getTxs()[2].getPayload()[0] ^= 1;
  });
  EXPECT_TRUE(contains(decode_error(tampered), "tx_root does not match its transactions"));

  auto cb = make_committed(9, 4);
  auto wrong_cb = std::make_shared<ledger::block>(*cb.block);
  wrong_cb->txs.pop_back();
  wrong_cb->header.tx_count = 3;
  cb.block = wrong_cb;
  auto dec = codec::decode_committed(codec::encode_committed(cb));
  ASSERT_FALSE(dec.ok());
  EXPECT_TRUE(contains(dec.err().message, "block at height 9: tx_root does not match"))
      << dec.err().message;

  auto counted = make_committed(9, 4);
  auto wrong_count = std::make_shared<ledger::block>(*counted.block);
  wrong_count->header.tx_count = 5;
  counted.block = wrong_count;
  dec = codec::decode_committed(codec::encode_committed(counted));
  ASSERT_FALSE(dec.ok());
  EXPECT_TRUE(contains(dec.err().message, "header says 5 transactions, the block carries 4"));
}

TEST(codec_fields, hashes_and_keys_must_be_32_bytes) {
  proto::vote v;
  v.block_hash = hash_of(1);
  auto enc = codec::encode(proto::message{v});
  for (std::size_t size : {0u, 31u, 33u}) {
    auto bad = mutate<wire::Message>(enc, [&](wire::Message::Builder m) {
      m.getVote().initBlockHash(static_cast<unsigned>(size));
    });
    EXPECT_EQ(decode_error(bad),
              "message: vote: block_hash: expected 32 bytes, got " + std::to_string(size));
  }
  auto tx = codec::encode_transaction(make_tx(1, 10));
  auto bad_tx =
      mutate<wire::Transaction>(tx, [](wire::Transaction::Builder t) { t.initSender(31); });
  auto dec = codec::decode_transaction(bad_tx);
  ASSERT_FALSE(dec.ok());
  EXPECT_EQ(dec.err().message, "transaction: sender key: expected 32 bytes, got 31");

  auto qc = codec::encode(proto::message{make_group_cert(cert_kind::aggregate, 10)});
  auto bad_qc = mutate<wire::Message>(
      qc, [](wire::Message::Builder m) { m.getGroupCertificate().getQc().initDigest(8); });
  EXPECT_TRUE(contains(decode_error(bad_qc), "certificate: digest: expected 32 bytes, got 8"));
}

TEST(codec_fields, signature_and_payload_sizes_are_bounded) {
  proto::vote v;
  v.signature = make_sig(256, 1);
  EXPECT_TRUE(codec::decode(codec::encode(proto::message{v})).ok());
  v.signature = make_sig(257, 1);
  EXPECT_EQ(decode_error(codec::encode(proto::message{v})),
            "message: vote: signature: 257 bytes exceed the limit of 256");

  auto tx = make_tx(1, ledger::max_tx_payload_bytes + 1);
  auto dec = codec::decode_transaction(codec::encode_transaction(tx));
  ASSERT_FALSE(dec.ok());
  EXPECT_EQ(dec.err().message, "transaction: payload of 65537 bytes exceeds the limit of 65536");

  proto::tx_batch batch;
  batch.txs.push_back(make_tx(0, 1));
  batch.txs.push_back(make_tx(1, ledger::max_tx_payload_bytes + 1));
  EXPECT_EQ(decode_error(codec::encode(proto::message{batch})),
            "message: tx_batch: transaction 1: payload of 65537 bytes exceeds the limit of 65536");

  auto g = make_group_cert(cert_kind::signature_list, 5);
  g.qc.signatures[2] = make_sig(300, 2);
  EXPECT_TRUE(contains(decode_error(codec::encode(proto::message{g})),
                       "certificate: signature 2: signature: 300 bytes exceed the limit of 256"));
}

TEST(codec_fields, transactions_per_batch_are_bounded) {
  proto::tx_batch batch;
  batch.txs.assign(ledger::max_block_transactions + 1, ledger::transaction{});
  EXPECT_EQ(decode_error(codec::encode(proto::message{batch})),
            "message: tx_batch: 100001 transactions exceed the limit of 100000");
}

TEST(codec_fields, bitmaps_are_checked) {
  auto enc = codec::encode(proto::message{make_group_cert(cert_kind::signature_list, 100)});
  codec::limits lim;
  lim.max_validators = 99;
  EXPECT_TRUE(
      contains(decode_error(enc, lim), "bitmap over 100 validators exceeds the limit of 99"));

  auto short_words = mutate<wire::Message>(enc, [](wire::Message::Builder m) {
    m.getGroupCertificate().getQc().initBitmapWords(1).set(0, 1);
  });
  EXPECT_TRUE(
      contains(decode_error(short_words), "bitmap over 100 validators needs 2 words, got 1"));

  auto beyond = mutate<wire::Message>(enc, [](wire::Message::Builder m) {
    auto words = m.getGroupCertificate().getQc().getBitmapWords();
    words.set(1, words[1] | (std::uint64_t{1} << 40)); // bit 104 of a 100-bit bitmap
  });
  EXPECT_TRUE(contains(decode_error(beyond), "bitmap names a signer at or beyond its size 100"));

  auto huge = mutate<wire::Message>(enc, [](wire::Message::Builder m) {
    m.getGroupCertificate().getQc().setBitmapSize(4'000'000'000u);
  });
  EXPECT_TRUE(contains(decode_error(huge), "exceeds the limit of 1000000"));
}

TEST(codec_fields, signature_counts_match_the_certificate_kind) {
  auto list = make_group_cert(cert_kind::signature_list, 10);
  list.qc.signatures.pop_back();
  auto signers = list.qc.signers.count();
  EXPECT_TRUE(contains(decode_error(codec::encode(proto::message{list})),
                       "signature list carries " + std::to_string(signers - 1) +
                           " signatures for " + std::to_string(signers) + " signers"));

  auto agg = make_group_cert(cert_kind::aggregate, 10);
  agg.qc.signatures.push_back(make_sig(48, 9));
  EXPECT_TRUE(
      contains(decode_error(codec::encode(proto::message{agg})), "aggregate carries 2 signatures"));
}

TEST(codec_fields, unknown_certificate_kind_is_rejected) {
  auto enc = codec::encode(proto::message{make_group_cert(cert_kind::aggregate, 10)});
  auto bad = mutate<wire::Message>(enc, [](wire::Message::Builder m) {
    m.getGroupCertificate().getQc().setKind(static_cast<wire::CertKind>(9));
  });
  EXPECT_TRUE(contains(decode_error(bad), "unknown certificate kind 9"));
}

TEST(codec_fields, unknown_message_kind_is_rejected) {
  auto enc = codec::encode(proto::message{proto::sync_request{1, 2, 3}});
  // Word 0 is the segment table, word 1 the root pointer, word 2 the root's data section whose
  // first two bytes are the union discriminant.
  ASSERT_EQ(enc[16], static_cast<std::uint8_t>(wire::Message::SYNC_REQUEST));
  ASSERT_EQ(enc[17], 0);
  enc[16] = 200;
  EXPECT_EQ(decode_error(enc), "message: unknown message kind 200");
}

TEST(codec_fields, missing_parts_are_rejected) {
  auto sync = codec::encode(proto::message{proto::sync_request{1, 2, 3}});
  auto no_body = mutate<wire::Message>(
      sync, [](wire::Message::Builder m) { capnp::toAny(m).getPointerSection()[0].clear(); });
  EXPECT_EQ(decode_error(no_body), "message: sync_request: no body");

  auto prop = codec::encode(proto::message{make_proposal(2, false)});
  auto no_block = mutate<wire::Message>(prop, [](wire::Message::Builder m) {
    capnp::toAny(m.getProposal()).getPointerSection()[0].clear();
  });
  EXPECT_EQ(decode_error(no_block), "message: proposal: no block");

  proto::proposal p;
  EXPECT_EQ(decode_error(codec::encode(proto::message{p})), "message: proposal: no block");
  EXPECT_FALSE(codec::decode_committed(codec::encode_committed(proto::committed_block{})).ok());
}

TEST(codec_fields, amplified_lists_are_refused_before_allocation) {
  // Zero-sized view changes cost no bytes on the wire and would each decode to a default value;
  // a list claiming 50,000 of them in a message of a few hundred words must be refused.
  auto enc = codec::encode(proto::message{make_proposal(1, true)});
  auto bad = mutate<wire::Message>(enc, [](wire::Message::Builder m) {
    capnp::toAny(m.getProposal().getTc()).getPointerSection()[0].initAsListOfAnyStruct(0, 0, 50000);
  });
  auto err = decode_error(bad);
  EXPECT_TRUE(contains(err, "timeout certificate: a list of 50000 view changes is longer than the "
                            "message"))
      << err;
}

TEST(codec_fields, cyclic_and_dangling_pointers_are_errors) {
  auto word = [](std::uint64_t x) {
    bytes b(8);
    for (int i = 0; i < 8; ++i)
      b[i] = static_cast<std::uint8_t>(x >> (8 * i));
    return b;
  };
  auto join = [](std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts)
      out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  auto struct_ptr = [](std::int32_t offset, std::uint16_t data, std::uint16_t ptrs) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(offset)) << 2) |
           (std::uint64_t{data} << 32) | (std::uint64_t{ptrs} << 48);
  };
  auto segments = [](std::uint32_t words) { return std::uint64_t{words} << 32; };

  // A struct whose only pointer points back at the struct itself.
  auto cycle = join({word(segments(2)), word(struct_ptr(0, 0, 1)), word(struct_ptr(-1, 0, 1))});
  EXPECT_FALSE(codec::decode(cycle).ok());
  EXPECT_FALSE(codec::decode_committed(cycle).ok());
  EXPECT_FALSE(codec::decode_transaction(cycle).ok());

  // A far pointer into a segment that does not exist.
  auto far = join({word(segments(1)), word(2 | (std::uint64_t{7} << 32))});
  auto err = decode_error(far);
  EXPECT_TRUE(contains(err, "malformed Cap'n Proto data")) << err;

  // A root pointer beyond the end of the segment.
  auto beyond = join({word(segments(1)), word(struct_ptr(1000, 1, 1))});
  EXPECT_TRUE(contains(decode_error(beyond), "malformed Cap'n Proto data"));

  // A segment table announcing more segments than the input holds.
  auto table = join({word(0xffff | segments(1)), word(0)});
  EXPECT_TRUE(contains(decode_error(table), "malformed Cap'n Proto data"));
}

// --- robustness ---------------------------------------------------------------------------

// Flips bytes of a valid encoding and decodes it with `decode`, which returns whether the
// damaged input decoded; whatever decodes must encode and decode back to itself.
template <class Decode>
void flip_bytes(const bytes& enc, std::uint64_t seed, int iterations, Decode&& decode) {
  std::mt19937_64 rng(seed);
  std::size_t errors = 0, decoded = 0;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    auto damaged = enc;
    auto flips = 1 + rng() % 8;
    for (std::uint64_t i = 0; i < flips; ++i)
      damaged[rng() % damaged.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    if (decode(damaged))
      ++decoded;
    else
      ++errors;
  }
  // Both outcomes occur: damage to signatures and numbers passes the codec, damage to the
  // structure, sizes and hashed contents does not.
  EXPECT_GT(errors, 0u);
  EXPECT_GT(decoded, 0u);
}

bool decodes_stably(byte_view data) {
  auto dec = codec::decode(data);
  if (!dec.ok()) {
    EXPECT_FALSE(dec.err().message.empty());
    return false;
  }
  auto again = codec::decode(codec::encode(*dec));
  EXPECT_TRUE(again.ok() && *again == *dec);
  return true;
}

TEST(codec_robustness, flipped_bytes_never_crash) {
  std::vector<proto::message> samples{
      make_proposal(20, true),
      proto::vote{3, 4, hash_of(1), 5, make_sig(64, 1)},
      make_group_cert(cert_kind::signature_list, 20),
      make_group_cert(cert_kind::aggregate, 20),
      proto::commit_certificate{2, make_block_cert(3, 4, 3)},
      make_view_change(3, true),
      proto::sync_request{1, 2, 3},
      proto::sync_response{4, {make_committed(1, 3), make_committed(2, 0)}},
      proto::tx_batch{5, {make_tx(1, 10), make_tx(2, 0), make_tx(3, 30)}},
  };
  std::uint64_t seed = 0xb1f5c0de;
  for (const auto& m : samples) {
    SCOPED_TRACE(proto::type_name(m));
    flip_bytes(codec::encode(m), seed++, 3000, decodes_stably);
  }
  {
    SCOPED_TRACE("committed block");
    flip_bytes(codec::encode_committed(make_committed(4, 10)), seed++, 3000, [](byte_view d) {
      auto dec = codec::decode_committed(d);
      if (dec.ok()) {
        EXPECT_TRUE(codec::decode_committed(codec::encode_committed(*dec)).ok());
      }
      return dec.ok();
    });
  }
  {
    SCOPED_TRACE("transaction");
    flip_bytes(codec::encode_transaction(make_tx(4, 40)), seed++, 3000, [](byte_view d) {
      auto dec = codec::decode_transaction(d);
      if (dec.ok()) {
        EXPECT_TRUE(codec::decode_transaction(codec::encode_transaction(*dec)).ok());
      }
      return dec.ok();
    });
  }
}

TEST(codec_robustness, random_buffers_never_crash) {
  std::mt19937_64 rng(20261125);
  std::size_t decoded = 0;
  for (int iteration = 0; iteration < 100'000; ++iteration) {
    std::size_t words = rng() % 64;
    bytes buf(words * 8 + (iteration % 16 == 0 ? rng() % 8 : 0));
    for (auto& b : buf)
      b = static_cast<std::uint8_t>(rng());
    // Most buffers get a plausible segment table (one segment filling the rest), so that the
    // random pointers behind it are actually followed.
    if (buf.size() >= 8 && iteration % 4 != 0) {
      std::uint32_t zero = 0, rest = static_cast<std::uint32_t>(buf.size() / 8 - 1);
      std::memcpy(buf.data(), &zero, 4);
      std::memcpy(buf.data() + 4, &rest, 4);
      // Half of those also get a root pointer to a small struct right behind it.
      if (buf.size() >= 16 && iteration % 2 == 1) {
        std::uint64_t root = (rng() % 4) << 32 | (rng() % 4) << 48;
        std::memcpy(buf.data() + 8, &root, 8);
      }
    }
    auto m = codec::decode(buf);
    auto c = codec::decode_committed(buf);
    auto t = codec::decode_transaction(buf);
    decoded += m.ok() + c.ok() + t.ok();
  }
  RecordProperty("decoded", static_cast<int>(decoded));
}

} // namespace

// --- sizes --------------------------------------------------------------------------------

// Pins the sizes quoted in docs/codec.md; a schema change that moves them must update the doc.
TEST(codec_sizes, match_the_documented_figures) {
  auto size_of = [](const proto::message& m) { return codec::encode(m).size(); };
  EXPECT_EQ(size_of(proto::vote{12, 3, hash_of(7), 42, make_sig(64, 1)}), 168u);

  auto list = make_group_cert(cert_kind::signature_list, 100);
  ASSERT_EQ(list.qc.signatures.size(), 100u);
  EXPECT_EQ(size_of(list), 7384u);
  EXPECT_EQ(size_of(make_group_cert(cert_kind::aggregate, 100)), 240u); // one 48-byte aggregate

  proto::proposal p;
  p.block = make_block_ptr(12, 1000, 100);
  p.leader = 4;
  p.signature = make_sig(64, 9);
  EXPECT_EQ(size_of(p), 232'352u);
  p.block = make_block_ptr(12, 1, 100);
  EXPECT_EQ(size_of(p), 584u);

  EXPECT_EQ(codec::encode_transaction(make_tx(1, 100)).size(), 8u + 8 + 232);
}
