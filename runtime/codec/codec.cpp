#include "runtime/codec/codec.hpp"

#include "codec/messages.capnp.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <kj/io.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <utility>

namespace bystack::codec {

namespace {

using capnp::Data;
using crypto::cert_kind;
using crypto::hash256;
using crypto::quorum_certificate;
using ledger::transaction;

template <class... F> struct overloaded : F... { using F::operator()...; };
// Clang before 17 does not deduce aggregate template arguments by itself (the fuzz build uses it).
template <class... F> overloaded(F...) -> overloaded<F...>;

// ---------------------------------------------------------------------------------------------
// Encoding

Data::Reader data_of(const std::uint8_t* p, std::size_t n) {
  return {p, n};
}
Data::Reader data_of(const bytes& b) {
  return data_of(b.data(), b.size());
}
Data::Reader data_of(const hash256& h) {
  return data_of(h.data.data(), h.data.size());
}
Data::Reader data_of(const crypto::public_key& k) {
  return data_of(k.data(), k.size());
}

void put(wire::Transaction::Builder b, const transaction& tx) {
  b.setSender(data_of(tx.sender));
  b.setNonce(tx.nonce);
  b.setPayload(data_of(tx.payload));
  b.setSignature(data_of(tx.signature));
}

void put(wire::Block::Builder b, const ledger::block& blk) {
  auto h = b.initHeader();
  h.setHeight(blk.header.height);
  h.setView(blk.header.view);
  h.setParentView(blk.header.parent_view);
  h.setParent(data_of(blk.header.parent));
  h.setTxRoot(data_of(blk.header.tx_root));
  h.setTimestampMs(blk.header.timestamp_ms);
  h.setProposer(blk.header.proposer);
  h.setTxCount(blk.header.tx_count);
  auto txs = b.initTxs(static_cast<unsigned>(blk.txs.size()));
  for (unsigned i = 0; i < txs.size(); ++i)
    put(txs[i], blk.txs[i]);
}

void put(wire::QuorumCertificate::Builder b, const quorum_certificate& qc) {
  b.setDigest(data_of(qc.digest));
  b.setKind(qc.kind == cert_kind::aggregate ? wire::CertKind::AGGREGATE
                                            : wire::CertKind::SIGNATURE_LIST);
  b.setBitmapSize(static_cast<std::uint32_t>(qc.signers.size()));
  const auto& words = qc.signers.words();
  auto w = b.initBitmapWords(static_cast<unsigned>(words.size()));
  for (unsigned i = 0; i < w.size(); ++i)
    w.set(i, words[i]);
  auto sigs = b.initSignatures(static_cast<unsigned>(qc.signatures.size()));
  for (unsigned i = 0; i < sigs.size(); ++i)
    sigs.set(i, data_of(qc.signatures[i]));
}

void put(wire::BlockCertificate::Builder b, const proto::block_certificate& c) {
  b.setHeight(c.height);
  b.setView(c.view);
  b.setBlockHash(data_of(c.block_hash));
  auto certs = b.initCerts(static_cast<unsigned>(c.certs.size()));
  for (unsigned i = 0; i < certs.size(); ++i)
    put(certs[i], c.certs[i]);
}

void put(wire::ViewChange::Builder b, const proto::view_change& v) {
  b.setView(v.view);
  b.setSender(v.sender);
  b.setRehomeTo(v.rehome_to);
  b.setHighQcView(v.high_qc_view);
  // Inside a timeout certificate every high_qc is empty; leaving it out saves 64 bytes per vote,
  // and the decoder reads an absent one as empty.
  if (v.high_qc != proto::block_certificate{}) put(b.initHighQc(), v.high_qc);
  b.setSignature(data_of(v.signature));
}

void put(wire::TimeoutCertificate::Builder b, const proto::timeout_certificate& tc) {
  b.setView(tc.view);
  auto votes = b.initVotes(static_cast<unsigned>(tc.votes.size()));
  for (unsigned i = 0; i < votes.size(); ++i)
    put(votes[i], tc.votes[i]);
}

void put(wire::CommittedBlock::Builder b, const proto::committed_block& cb) {
  // A missing block stays absent on the wire, and the decoder rejects it.
  if (cb.block) put(b.initBlock(), *cb.block);
  put(b.initCert(), cb.cert);
}

void put(wire::TxBatch::Builder b, const proto::tx_batch& t) {
  b.setSender(t.sender);
  auto txs = b.initTxs(static_cast<unsigned>(t.txs.size()));
  for (unsigned i = 0; i < txs.size(); ++i)
    put(txs[i], t.txs[i]);
}

void put_header(wire::BlockHeader::Builder h, const ledger::block_header& x) {
  h.setHeight(x.height);
  h.setView(x.view);
  h.setParentView(x.parent_view);
  h.setParent(data_of(x.parent));
  h.setTxRoot(data_of(x.tx_root));
  h.setTimestampMs(x.timestamp_ms);
  h.setProposer(x.proposer);
  h.setTxCount(x.tx_count);
}

template <class B> void put_ids(B list, const std::vector<hash256>& ids) {
  for (unsigned i = 0; i < list.size(); ++i)
    list.set(i, data_of(ids[i]));
}

template <class B> void put_u32s(B list, const std::vector<std::uint32_t>& xs) {
  for (unsigned i = 0; i < list.size(); ++i)
    list.set(i, xs[i]);
}

void put(wire::Message::Builder root, const proto::message& m) {
  std::visit(overloaded{
                 [&](const proto::proposal& p) {
                   auto b = root.initProposal();
                   if (p.block) put(b.initBlock(), *p.block);
                   b.setLeader(p.leader);
                   put(b.initJustify(), p.justify);
                   if (p.tc) put(b.initTc(), *p.tc);
                   b.setSignature(data_of(p.signature));
                 },
                 [&](const proto::vote& v) {
                   auto b = root.initVote();
                   b.setHeight(v.height);
                   b.setView(v.view);
                   b.setBlockHash(data_of(v.block_hash));
                   b.setVoter(v.voter);
                   b.setSignature(data_of(v.signature));
                 },
                 [&](const proto::group_certificate& g) {
                   auto b = root.initGroupCertificate();
                   b.setHeight(g.height);
                   b.setView(g.view);
                   b.setBlockHash(data_of(g.block_hash));
                   b.setSuperNode(g.super_node);
                   put(b.initQc(), g.qc);
                 },
                 [&](const proto::commit_certificate& c) {
                   auto b = root.initCommitCertificate();
                   b.setSuperNode(c.super_node);
                   put(b.initCert(), c.cert);
                 },
                 [&](const proto::view_change& v) { put(root.initViewChange(), v); },
                 [&](const proto::sync_request& r) {
                   auto b = root.initSyncRequest();
                   b.setSender(r.sender);
                   b.setFromHeight(r.from_height);
                   b.setMaxBlocks(r.max_blocks);
                 },
                 [&](const proto::sync_response& r) {
                   auto b = root.initSyncResponse();
                   b.setSender(r.sender);
                   auto blocks = b.initBlocks(static_cast<unsigned>(r.blocks.size()));
                   for (unsigned i = 0; i < blocks.size(); ++i)
                     put(blocks[i], r.blocks[i]);
                 },
                 [&](const proto::tx_batch& t) {
                   auto b = root.initTxBatch();
                   b.setSender(t.sender);
                   auto txs = b.initTxs(static_cast<unsigned>(t.txs.size()));
                   for (unsigned i = 0; i < txs.size(); ++i)
                     put(txs[i], t.txs[i]);
                 },
                 [&](const proto::timeout_certificate& tc) { put(root.initTimeoutCertificate(), tc); },
                 [&](const proto::tx_announce& a) {
                   auto b = root.initTxAnnounce();
                   b.setSender(a.sender);
                   put_ids(b.initIds(static_cast<unsigned>(a.ids.size())), a.ids);
                 },
                 [&](const proto::tx_request& a) {
                   auto b = root.initTxRequest();
                   b.setSender(a.sender);
                   put_ids(b.initIds(static_cast<unsigned>(a.ids.size())), a.ids);
                 },
                 [&](const proto::compact_proposal& p) {
                   auto b = root.initCompactProposal();
                   put_header(b.initHeader(), p.header);
                   b.setLeader(p.leader);
                   put(b.initJustify(), p.justify);
                   if (p.tc) put(b.initTc(), *p.tc);
                   b.setSignature(data_of(p.signature));
                   b.setSalt(p.salt);
                   b.setShortIdBytes(p.short_id_bytes);
                   b.setBatchCount(p.batch_count);
                   b.setShortIds(data_of(p.short_ids));
                   put_u32s(b.initPrefilledIndex(static_cast<unsigned>(p.prefilled_index.size())),
                            p.prefilled_index);
                   auto pre = b.initPrefilled(static_cast<unsigned>(p.prefilled.size()));
                   for (unsigned i = 0; i < pre.size(); ++i)
                     put(pre[i], p.prefilled[i]);
                 },
                 [&](const proto::block_request& r) {
                   auto b = root.initBlockRequest();
                   b.setSender(r.sender);
                   b.setView(r.view);
                   b.setBlockHash(data_of(r.block_hash));
                   put_u32s(b.initIndexes(static_cast<unsigned>(r.indexes.size())), r.indexes);
                 },
                 [&](const proto::block_batches& r) {
                   auto b = root.initBlockBatches();
                   b.setSender(r.sender);
                   b.setBlockHash(data_of(r.block_hash));
                   put_u32s(b.initIndexes(static_cast<unsigned>(r.indexes.size())), r.indexes);
                   auto list = b.initBatches(static_cast<unsigned>(r.batches.size()));
                   for (unsigned i = 0; i < list.size(); ++i)
                     put(list[i], r.batches[i]);
                 },
             },
             m);
}

// Size estimates in words, so that a message is built in one segment (one allocation, no
// segment table entries to spare). Too high costs only zeroed memory; too low costs a second
// segment, never correctness.
std::size_t words_of(std::size_t n) {
  return (n + 7) / 8;
}

std::size_t estimate(const transaction& tx) {
  return 5 + words_of(tx.sender.size()) + words_of(tx.payload.size()) +
         words_of(tx.signature.size());
}

std::size_t estimate(const ledger::block& b) {
  std::size_t n = 32;
  for (const auto& tx : b.txs)
    n += estimate(tx);
  return n;
}

std::size_t estimate(const quorum_certificate& qc) {
  std::size_t n = 16 + qc.signers.words().size();
  for (const auto& s : qc.signatures)
    n += 1 + words_of(s.size());
  return n;
}

std::size_t estimate(const proto::block_certificate& c) {
  std::size_t n = 16;
  for (const auto& qc : c.certs)
    n += estimate(qc);
  return n;
}

std::size_t estimate(const proto::view_change& v) {
  return 16 + estimate(v.high_qc) + words_of(v.signature.size());
}

std::size_t estimate(const proto::committed_block& cb) {
  return 8 + (cb.block ? estimate(*cb.block) : 0) + estimate(cb.cert);
}

std::size_t estimate(const proto::tx_batch& t) {
  std::size_t n = 16;
  for (const auto& tx : t.txs)
    n += estimate(tx);
  return n;
}

std::size_t estimate(const proto::message& m) {
  return std::visit(overloaded{
                        [](const proto::proposal& p) {
                          std::size_t n = 16 + (p.block ? estimate(*p.block) : 0) +
                                          estimate(p.justify) + words_of(p.signature.size());
                          if (p.tc)
                            for (const auto& v : p.tc->votes)
                              n += estimate(v);
                          return n;
                        },
                        [](const proto::vote& v) { return 24 + words_of(v.signature.size()); },
                        [](const proto::group_certificate& g) { return 24 + estimate(g.qc); },
                        [](const proto::commit_certificate& c) { return 16 + estimate(c.cert); },
                        [](const proto::view_change& v) { return 8 + estimate(v); },
                        [](const proto::sync_request&) { return std::size_t{16}; },
                        [](const proto::sync_response& r) {
                          std::size_t n = 16;
                          for (const auto& b : r.blocks)
                            n += estimate(b);
                          return n;
                        },
                        [](const proto::tx_batch& t) { return estimate(t); },
                        [](const proto::timeout_certificate& tc) {
                          std::size_t n = 16;
                          for (const auto& v : tc.votes)
                            n += estimate(v);
                          return n;
                        },
                        [](const proto::tx_announce& a) { return 16 + 5 * a.ids.size(); },
                        [](const proto::tx_request& a) { return 16 + 5 * a.ids.size(); },
                        [](const proto::compact_proposal& p) {
                          std::size_t n = 64 + estimate(p.justify) + words_of(p.signature.size()) +
                                          words_of(p.short_ids.size()) + p.prefilled_index.size();
                          if (p.tc)
                            for (const auto& v : p.tc->votes)
                              n += estimate(v);
                          for (const auto& b : p.prefilled)
                            n += estimate(b);
                          return n;
                        },
                        [](const proto::block_request& r) { return 24 + r.indexes.size(); },
                        [](const proto::block_batches& r) {
                          std::size_t n = 24 + r.indexes.size();
                          for (const auto& b : r.batches)
                            n += estimate(b);
                          return n;
                        },
                    },
                    m);
}

// Appends to a byte vector: capnp::writeMessage() then frames the message straight into the
// result, one copy, where messageToFlatArray() would need a second copy out of its kj::Array.
class vector_output final : public kj::OutputStream {
public:
  explicit vector_output(bytes& out) : out_(out) {}
  void write(const void* buffer, size_t size) override {
    auto p = static_cast<const std::uint8_t*>(buffer);
    out_.insert(out_.end(), p, p + size);
  }

private:
  bytes& out_;
};

// Messages are built in a per-thread first segment that MallocMessageBuilder zeroes again on
// destruction (only the part it used). A fresh segment per message would be calloc'ed, and above
// glibc's mmap threshold (128 KiB, a proposal of ~500 transactions) every encoding would then
// pay page faults for memory the kernel zeroes anew. The segment grows to the largest message
// seen, up to max_scratch_words; larger messages get a segment of their own.
constexpr std::size_t min_scratch_words = 2048;
constexpr std::size_t max_scratch_words = std::size_t{2} << 20; // 16 MiB
constexpr std::size_t max_first_segment_words = std::size_t{1} << 28;

struct scratch_segment {
  std::unique_ptr<capnp::word[]> words; // all zero between uses
  std::size_t size = 0;
};

template <class Fill> bytes build(std::size_t estimate_words, Fill&& fill) {
  auto frame = [&](capnp::MallocMessageBuilder& mb) {
    fill(mb);
    auto segments = mb.getSegmentsForOutput();
    bytes out;
    out.reserve(capnp::computeSerializedSizeInWords(segments) * sizeof(capnp::word));
    vector_output os(out);
    capnp::writeMessage(os, segments);
    return out;
  };
  if (estimate_words <= max_scratch_words) {
    thread_local scratch_segment scratch;
    if (scratch.size < estimate_words || scratch.size == 0) {
      auto size = std::max(min_scratch_words, std::bit_ceil(estimate_words));
      scratch.words = std::make_unique<capnp::word[]>(size); // value-initialised: zeroed
      scratch.size = size;
    }
    capnp::MallocMessageBuilder mb(kj::arrayPtr(scratch.words.get(), scratch.size));
    return frame(mb);
  }
  capnp::MallocMessageBuilder mb(
      static_cast<unsigned>(std::min(estimate_words, max_first_segment_words)));
  return frame(mb);
}

// ---------------------------------------------------------------------------------------------
// Decoding. Every reader returns an error that names the offending field; callers add where the
// field sits, so that the final message reads like "proposal: block at height 7: transaction 3:
// payload of 70000 bytes exceeds the limit of 65536".

struct context {
  const limits& lim;
  // A well-formed list element occupies at least one word, so a list longer than the message is
  // an amplification attempt (zero-sized structs claiming millions of elements) and is refused
  // before anything is allocated for it.
  std::size_t input_words;
};

error within(const std::string& where, const error& e) {
  return make_error(where + ": " + e.message);
}

std::string count_error(std::size_t n, const char* items, std::size_t bound, const context& c) {
  if (n > bound)
    return std::to_string(n) + " " + items + " exceed the limit of " + std::to_string(bound);
  return "a list of " + std::to_string(n) + " " + items + " is longer than the message (" +
         std::to_string(c.input_words) + " words)";
}

bool count_ok(std::size_t n, std::size_t bound, const context& c) {
  return n <= bound && n <= c.input_words;
}

result<hash256> read_hash(Data::Reader d, const char* field) {
  if (d.size() != 32)
    return make_error(std::string{field} + ": expected 32 bytes, got " + std::to_string(d.size()));
  hash256 h;
  std::memcpy(h.data.data(), d.begin(), 32);
  return h;
}

result<bytes> read_signature(Data::Reader d, const char* field, const context& c) {
  if (d.size() > c.lim.max_signature_bytes)
    return make_error(std::string{field} + ": " + std::to_string(d.size()) +
                      " bytes exceed the limit of " + std::to_string(c.lim.max_signature_bytes));
  return bytes(d.begin(), d.end());
}

result<transaction> read_transaction(wire::Transaction::Reader r, const context& c) {
  transaction tx;
  auto sender = r.getSender();
  if (sender.size() != tx.sender.size())
    return make_error("sender key: expected 32 bytes, got " + std::to_string(sender.size()));
  std::memcpy(tx.sender.data(), sender.begin(), tx.sender.size());
  tx.nonce = r.getNonce();
  auto payload = r.getPayload();
  if (payload.size() > ledger::max_tx_payload_bytes)
    return make_error("payload of " + std::to_string(payload.size()) +
                      " bytes exceeds the limit of " +
                      std::to_string(ledger::max_tx_payload_bytes));
  tx.payload.assign(payload.begin(), payload.end());
  auto sig = read_signature(r.getSignature(), "signature", c);
  if (!sig) return sig.err();
  tx.signature = std::move(sig).value();
  return tx;
}

result<std::vector<transaction>> read_transactions(capnp::List<wire::Transaction>::Reader list,
                                                   const context& c) {
  if (!count_ok(list.size(), ledger::max_block_transactions, c))
    return make_error(count_error(list.size(), "transactions", ledger::max_block_transactions, c));
  std::vector<transaction> txs;
  txs.reserve(list.size());
  for (unsigned i = 0; i < list.size(); ++i) {
    auto tx = read_transaction(list[i], c);
    if (!tx) return within("transaction " + std::to_string(i), tx.err());
    txs.push_back(std::move(tx).value());
  }
  return txs;
}

result<ledger::block_header> read_header(wire::Block::Reader r) {
  if (!r.hasHeader()) return make_error("missing header");
  auto h = r.getHeader();
  ledger::block_header x;
  x.height = h.getHeight();
  x.view = h.getView();
  x.parent_view = h.getParentView();
  auto parent = read_hash(h.getParent(), "parent");
  if (!parent) return parent.err();
  x.parent = *parent;
  auto root = read_hash(h.getTxRoot(), "tx_root");
  if (!root) return root.err();
  x.tx_root = *root;
  x.timestamp_ms = h.getTimestampMs();
  x.proposer = h.getProposer();
  x.tx_count = h.getTxCount();
  return x;
}

result<ledger::block> read_block_body(wire::Block::Reader r, const context& c) {
  auto header = read_header(r);
  if (!header) return header.err();
  ledger::block b;
  b.header = *header;
  auto txs = read_transactions(r.getTxs(), c);
  if (!txs) return txs.err();
  b.txs = std::move(txs).value();
  std::size_t payload_bytes = 0;
  for (const auto& tx : b.txs)
    payload_bytes += tx.payload.size();
  if (payload_bytes > ledger::max_block_bytes)
    return make_error("payloads of " + std::to_string(payload_bytes) +
                      " bytes exceed the block limit of " +
                      std::to_string(ledger::max_block_bytes));
  if (b.header.tx_count != b.txs.size())
    return make_error("header says " + std::to_string(b.header.tx_count) +
                      " transactions, the block carries " + std::to_string(b.txs.size()));
  if (b.header.tx_root != ledger::merkle_root(b.txs))
    return make_error("tx_root does not match its transactions");
  return b;
}

result<ledger::block_ptr> read_block(wire::Block::Reader r, const context& c) {
  auto b = read_block_body(r, c);
  if (!b) return within("block at height " + std::to_string(r.getHeader().getHeight()), b.err());
  return ledger::block_ptr{std::make_shared<const ledger::block>(std::move(b).value())};
}

result<quorum_certificate> read_qc(wire::QuorumCertificate::Reader r, const context& c) {
  quorum_certificate qc;
  auto digest = read_hash(r.getDigest(), "digest");
  if (!digest) return digest.err();
  qc.digest = *digest;
  switch (r.getKind()) {
  case wire::CertKind::SIGNATURE_LIST:
    qc.kind = cert_kind::signature_list;
    break;
  case wire::CertKind::AGGREGATE:
    qc.kind = cert_kind::aggregate;
    break;
  default:
    return make_error("unknown certificate kind " +
                      std::to_string(static_cast<unsigned>(r.getKind())));
  }
  std::size_t size = r.getBitmapSize();
  if (size > c.lim.max_validators)
    return make_error("bitmap over " + std::to_string(size) + " validators exceeds the limit of " +
                      std::to_string(c.lim.max_validators));
  auto words = r.getBitmapWords();
  std::size_t expected_words = (size + 63) / 64;
  if (words.size() != expected_words)
    return make_error("bitmap over " + std::to_string(size) + " validators needs " +
                      std::to_string(expected_words) + " words, got " +
                      std::to_string(words.size()));
  std::vector<std::uint64_t> w;
  w.reserve(words.size());
  for (auto x : words)
    w.push_back(x);
  if (!crypto::signer_bitmap::from_words(size, std::move(w), qc.signers))
    return make_error("bitmap names a signer at or beyond its size " + std::to_string(size));
  auto sigs = r.getSignatures();
  if (qc.kind == cert_kind::signature_list) {
    auto signers = qc.signers.count();
    if (sigs.size() != signers)
      return make_error("signature list carries " + std::to_string(sigs.size()) +
                        " signatures for " + std::to_string(signers) + " signers");
  } else if (sigs.size() > 1) {
    return make_error("aggregate carries " + std::to_string(sigs.size()) + " signatures");
  }
  qc.signatures.reserve(sigs.size());
  for (unsigned i = 0; i < sigs.size(); ++i) {
    auto s = read_signature(sigs[i], "signature", c);
    if (!s) return within("signature " + std::to_string(i), s.err());
    qc.signatures.push_back(std::move(s).value());
  }
  return qc;
}

result<proto::block_certificate> read_block_cert(wire::BlockCertificate::Reader r,
                                                 const context& c) {
  proto::block_certificate bc;
  bc.height = r.getHeight();
  bc.view = r.getView();
  auto h = read_hash(r.getBlockHash(), "block_hash");
  if (!h) return h.err();
  bc.block_hash = *h;
  auto certs = r.getCerts();
  if (!count_ok(certs.size(), c.lim.max_validators, c))
    return make_error(count_error(certs.size(), "certificates", c.lim.max_validators, c));
  bc.certs.reserve(certs.size());
  for (unsigned i = 0; i < certs.size(); ++i) {
    auto qc = read_qc(certs[i], c);
    if (!qc) return within("certificate " + std::to_string(i), qc.err());
    bc.certs.push_back(std::move(qc).value());
  }
  return bc;
}

result<proto::block_certificate> read_block_cert_in(wire::BlockCertificate::Reader r,
                                                    const context& c, const char* field) {
  auto bc = read_block_cert(r, c);
  if (!bc) return within(field, bc.err());
  return bc;
}

result<proto::view_change> read_view_change(wire::ViewChange::Reader r, const context& c) {
  proto::view_change v;
  v.view = r.getView();
  v.sender = r.getSender();
  v.rehome_to = r.getRehomeTo();
  v.high_qc_view = r.getHighQcView();
  if (r.hasHighQc()) {
    auto qc = read_block_cert_in(r.getHighQc(), c, "high_qc");
    if (!qc) return qc.err();
    v.high_qc = std::move(qc).value();
  }
  auto sig = read_signature(r.getSignature(), "signature", c);
  if (!sig) return sig.err();
  v.signature = std::move(sig).value();
  return v;
}

result<proto::timeout_certificate> read_tc(wire::TimeoutCertificate::Reader r, const context& c) {
  proto::timeout_certificate tc;
  tc.view = r.getView();
  auto votes = r.getVotes();
  if (!count_ok(votes.size(), c.lim.max_validators, c))
    return make_error(count_error(votes.size(), "view changes", c.lim.max_validators, c));
  tc.votes.reserve(votes.size());
  for (unsigned i = 0; i < votes.size(); ++i) {
    auto v = read_view_change(votes[i], c);
    if (!v) return within("view change " + std::to_string(i), v.err());
    tc.votes.push_back(std::move(v).value());
  }
  return tc;
}

result<proto::committed_block> read_committed(wire::CommittedBlock::Reader r, const context& c) {
  if (!r.hasBlock()) return make_error("no block");
  if (!r.hasCert()) return make_error("no certificate");
  proto::committed_block cb;
  auto b = read_block(r.getBlock(), c);
  if (!b) return b.err();
  cb.block = std::move(b).value();
  auto cert = read_block_cert_in(r.getCert(), c, "certificate");
  if (!cert) return cert.err();
  cb.cert = std::move(cert).value();
  return cb;
}

result<stored_header> read_committed_header(wire::CommittedBlock::Reader r, const context& c) {
  if (!r.hasBlock()) return make_error("no block");
  if (!r.hasCert()) return make_error("no certificate");
  stored_header sh;
  auto h = read_header(r.getBlock());
  if (!h) return within("block", h.err());
  sh.header = *h;
  auto cert = read_block_cert_in(r.getCert(), c, "certificate");
  if (!cert) return cert.err();
  sh.cert_height = cert->height;
  sh.cert_view = cert->view;
  sh.cert_block_hash = cert->block_hash;
  return sh;
}

result<proto::proposal> read_proposal(wire::Proposal::Reader r, const context& c) {
  if (!r.hasBlock()) return make_error("no block");
  if (!r.hasJustify()) return make_error("no justify certificate");
  proto::proposal p;
  auto b = read_block(r.getBlock(), c);
  if (!b) return b.err();
  p.block = std::move(b).value();
  p.leader = r.getLeader();
  auto justify = read_block_cert_in(r.getJustify(), c, "justify");
  if (!justify) return justify.err();
  p.justify = std::move(justify).value();
  if (r.hasTc()) {
    auto tc = read_tc(r.getTc(), c);
    if (!tc) return within("timeout certificate", tc.err());
    p.tc = std::move(tc).value();
  }
  auto sig = read_signature(r.getSignature(), "signature", c);
  if (!sig) return sig.err();
  p.signature = std::move(sig).value();
  return p;
}

result<proto::vote> read_vote(wire::Vote::Reader r, const context& c) {
  proto::vote v;
  v.height = r.getHeight();
  v.view = r.getView();
  auto h = read_hash(r.getBlockHash(), "block_hash");
  if (!h) return h.err();
  v.block_hash = *h;
  v.voter = r.getVoter();
  auto sig = read_signature(r.getSignature(), "signature", c);
  if (!sig) return sig.err();
  v.signature = std::move(sig).value();
  return v;
}

result<proto::group_certificate> read_group_cert(wire::GroupCertificate::Reader r,
                                                 const context& c) {
  if (!r.hasQc()) return make_error("no certificate");
  proto::group_certificate g;
  g.height = r.getHeight();
  g.view = r.getView();
  auto h = read_hash(r.getBlockHash(), "block_hash");
  if (!h) return h.err();
  g.block_hash = *h;
  g.super_node = r.getSuperNode();
  auto qc = read_qc(r.getQc(), c);
  if (!qc) return within("certificate", qc.err());
  g.qc = std::move(qc).value();
  return g;
}

result<proto::commit_certificate> read_commit_cert(wire::CommitCertificate::Reader r,
                                                   const context& c) {
  if (!r.hasCert()) return make_error("no certificate");
  proto::commit_certificate cc;
  cc.super_node = r.getSuperNode();
  auto cert = read_block_cert_in(r.getCert(), c, "certificate");
  if (!cert) return cert.err();
  cc.cert = std::move(cert).value();
  return cc;
}

result<proto::sync_response> read_sync_response(wire::SyncResponse::Reader r, const context& c) {
  proto::sync_response s;
  s.sender = r.getSender();
  auto blocks = r.getBlocks();
  if (!count_ok(blocks.size(), c.input_words, c))
    return make_error(count_error(blocks.size(), "blocks", c.input_words, c));
  s.blocks.reserve(blocks.size());
  for (unsigned i = 0; i < blocks.size(); ++i) {
    auto b = read_committed(blocks[i], c);
    if (!b) return within("committed block " + std::to_string(i), b.err());
    s.blocks.push_back(std::move(b).value());
  }
  return s;
}

result<proto::tx_batch> read_tx_batch(wire::TxBatch::Reader r, const context& c) {
  proto::tx_batch t;
  t.sender = r.getSender();
  auto txs = read_transactions(r.getTxs(), c);
  if (!txs) return txs.err();
  t.txs = std::move(txs).value();
  return t;
}

result<std::vector<hash256>> read_ids(capnp::List<Data>::Reader list, const context& c) {
  if (!count_ok(list.size(), c.input_words, c))
    return make_error(count_error(list.size(), "ids", c.input_words, c));
  std::vector<hash256> ids;
  ids.reserve(list.size());
  for (unsigned i = 0; i < list.size(); ++i) {
    auto h = read_hash(list[i], "id");
    if (!h) return within("id " + std::to_string(i), h.err());
    ids.push_back(*h);
  }
  return ids;
}

result<std::vector<std::uint32_t>> read_u32s(capnp::List<std::uint32_t>::Reader list,
                                             const context& c) {
  // Two indexes fit in one word.
  if (list.size() > ledger::max_block_transactions || list.size() > 2 * c.input_words)
    return make_error(std::to_string(list.size()) + " indexes exceed the limit of " +
                      std::to_string(std::min(ledger::max_block_transactions, 2 * c.input_words)));
  std::vector<std::uint32_t> xs;
  xs.reserve(list.size());
  for (auto x : list)
    xs.push_back(x);
  return xs;
}

result<std::vector<proto::tx_batch>> read_batches(capnp::List<wire::TxBatch>::Reader list,
                                                  const context& c) {
  if (!count_ok(list.size(), ledger::max_block_transactions, c))
    return make_error(count_error(list.size(), "batches", ledger::max_block_transactions, c));
  std::vector<proto::tx_batch> out;
  out.reserve(list.size());
  for (unsigned i = 0; i < list.size(); ++i) {
    auto b = read_tx_batch(list[i], c);
    if (!b) return within("batch " + std::to_string(i), b.err());
    out.push_back(std::move(b).value());
  }
  return out;
}

result<proto::tx_announce> read_announce(capnp::List<Data>::Reader ids, std::uint32_t sender,
                                         const context& c) {
  auto r = read_ids(ids, c);
  if (!r) return r.err();
  return proto::tx_announce{sender, std::move(r).value()};
}

result<proto::compact_proposal> read_compact(wire::CompactProposal::Reader r, const context& c) {
  if (!r.hasHeader()) return make_error("no header");
  if (!r.hasJustify()) return make_error("no justify certificate");
  proto::compact_proposal p;
  auto h = r.getHeader();
  p.header.height = h.getHeight();
  p.header.view = h.getView();
  p.header.parent_view = h.getParentView();
  auto parent = read_hash(h.getParent(), "parent");
  if (!parent) return parent.err();
  p.header.parent = *parent;
  auto root = read_hash(h.getTxRoot(), "tx_root");
  if (!root) return root.err();
  p.header.tx_root = *root;
  p.header.timestamp_ms = h.getTimestampMs();
  p.header.proposer = h.getProposer();
  p.header.tx_count = h.getTxCount();
  if (p.header.tx_count > ledger::max_block_transactions)
    return make_error("header claims " + std::to_string(p.header.tx_count) + " transactions");
  p.leader = r.getLeader();
  auto justify = read_block_cert_in(r.getJustify(), c, "justify");
  if (!justify) return justify.err();
  p.justify = std::move(justify).value();
  if (r.hasTc()) {
    auto tc = read_tc(r.getTc(), c);
    if (!tc) return within("timeout certificate", tc.err());
    p.tc = std::move(tc).value();
  }
  auto sig = read_signature(r.getSignature(), "signature", c);
  if (!sig) return sig.err();
  p.signature = std::move(sig).value();
  p.salt = r.getSalt();
  p.short_id_bytes = r.getShortIdBytes();
  if (p.short_id_bytes < 1 || p.short_id_bytes > 8)
    return make_error("short ids of " + std::to_string(p.short_id_bytes) + " bytes (1 to 8)");
  p.batch_count = r.getBatchCount();
  if (p.batch_count > ledger::max_block_transactions)
    return make_error(std::to_string(p.batch_count) + " batches exceed the limit");
  auto ids = r.getShortIds();
  p.short_ids.assign(ids.begin(), ids.end());
  auto idx = read_u32s(r.getPrefilledIndex(), c);
  if (!idx) return within("prefilled index", idx.err());
  p.prefilled_index = std::move(idx).value();
  auto pre = read_batches(r.getPrefilled(), c);
  if (!pre) return within("prefilled", pre.err());
  p.prefilled = std::move(pre).value();
  if (p.prefilled.size() != p.prefilled_index.size())
    return make_error("prefilled batches and their indexes differ in number");
  if (p.prefilled.size() > p.batch_count) return make_error("more prefilled batches than batches");
  if (p.short_ids.size() != (p.batch_count - p.prefilled.size()) * p.short_id_bytes)
    return make_error("short ids of " + std::to_string(p.short_ids.size()) +
                      " bytes do not match the batch count");
  for (std::size_t i = 0; i < p.prefilled_index.size(); ++i)
    if (p.prefilled_index[i] >= p.batch_count ||
        (i > 0 && p.prefilled_index[i] <= p.prefilled_index[i - 1]))
      return make_error("prefilled indexes must ascend below the batch count");
  return p;
}

result<proto::block_request> read_block_request(wire::BlockRequest::Reader r, const context& c) {
  proto::block_request q;
  q.sender = r.getSender();
  q.view = r.getView();
  auto h = read_hash(r.getBlockHash(), "block_hash");
  if (!h) return h.err();
  q.block_hash = *h;
  auto idx = read_u32s(r.getIndexes(), c);
  if (!idx) return idx.err();
  q.indexes = std::move(idx).value();
  return q;
}

result<proto::block_batches> read_block_batches(wire::BlockBatches::Reader r, const context& c) {
  proto::block_batches q;
  q.sender = r.getSender();
  auto h = read_hash(r.getBlockHash(), "block_hash");
  if (!h) return h.err();
  q.block_hash = *h;
  auto idx = read_u32s(r.getIndexes(), c);
  if (!idx) return idx.err();
  q.indexes = std::move(idx).value();
  auto b = read_batches(r.getBatches(), c);
  if (!b) return b.err();
  q.batches = std::move(b).value();
  if (q.batches.size() != q.indexes.size())
    return make_error("batches and their indexes differ in number");
  return q;
}

// Lifts the result of one alternative's reader into a message, naming the alternative in errors.
template <class T> result<proto::message> as_message(result<T> r, const char* kind) {
  if (!r) return within(kind, r.err());
  return proto::message{std::move(r).value()};
}

result<proto::message> read_message(wire::Message::Reader r, const context& c) {
  // Checking presence first refuses a union member whose body was left out: its fields would read
  // as defaults and could pass for a real message.
  switch (r.which()) {
  case wire::Message::PROPOSAL:
    if (!r.hasProposal()) return make_error("proposal: no body");
    return as_message(read_proposal(r.getProposal(), c), "proposal");
  case wire::Message::VOTE:
    if (!r.hasVote()) return make_error("vote: no body");
    return as_message(read_vote(r.getVote(), c), "vote");
  case wire::Message::GROUP_CERTIFICATE:
    if (!r.hasGroupCertificate()) return make_error("group_certificate: no body");
    return as_message(read_group_cert(r.getGroupCertificate(), c), "group_certificate");
  case wire::Message::COMMIT_CERTIFICATE:
    if (!r.hasCommitCertificate()) return make_error("commit_certificate: no body");
    return as_message(read_commit_cert(r.getCommitCertificate(), c), "commit_certificate");
  case wire::Message::VIEW_CHANGE:
    if (!r.hasViewChange()) return make_error("view_change: no body");
    return as_message(read_view_change(r.getViewChange(), c), "view_change");
  case wire::Message::SYNC_REQUEST: {
    if (!r.hasSyncRequest()) return make_error("sync_request: no body");
    auto s = r.getSyncRequest();
    return proto::message{proto::sync_request{s.getSender(), s.getFromHeight(), s.getMaxBlocks()}};
  }
  case wire::Message::SYNC_RESPONSE:
    if (!r.hasSyncResponse()) return make_error("sync_response: no body");
    return as_message(read_sync_response(r.getSyncResponse(), c), "sync_response");
  case wire::Message::TX_BATCH:
    if (!r.hasTxBatch()) return make_error("tx_batch: no body");
    return as_message(read_tx_batch(r.getTxBatch(), c), "tx_batch");
  case wire::Message::TIMEOUT_CERTIFICATE:
    if (!r.hasTimeoutCertificate()) return make_error("timeout_certificate: no body");
    return as_message(read_tc(r.getTimeoutCertificate(), c), "timeout_certificate");
  case wire::Message::TX_ANNOUNCE: {
    if (!r.hasTxAnnounce()) return make_error("tx_announce: no body");
    auto a = r.getTxAnnounce();
    return as_message(read_announce(a.getIds(), a.getSender(), c), "tx_announce");
  }
  case wire::Message::TX_REQUEST: {
    if (!r.hasTxRequest()) return make_error("tx_request: no body");
    auto a = r.getTxRequest();
    auto ids = read_ids(a.getIds(), c);
    if (!ids) return within("tx_request", ids.err());
    return proto::message{proto::tx_request{a.getSender(), std::move(ids).value()}};
  }
  case wire::Message::COMPACT_PROPOSAL:
    if (!r.hasCompactProposal()) return make_error("compact_proposal: no body");
    return as_message(read_compact(r.getCompactProposal(), c), "compact_proposal");
  case wire::Message::BLOCK_REQUEST:
    if (!r.hasBlockRequest()) return make_error("block_request: no body");
    return as_message(read_block_request(r.getBlockRequest(), c), "block_request");
  case wire::Message::BLOCK_BATCHES:
    if (!r.hasBlockBatches()) return make_error("block_batches: no body");
    return as_message(read_block_batches(r.getBlockBatches(), c), "block_batches");
  }
  return make_error("unknown message kind " + std::to_string(static_cast<unsigned>(r.which())));
}

// Checks the framing, reads the root and runs `read` on it. Cap'n Proto reads lazily and throws
// kj::Exception on a bad pointer when a field is first touched, so `read` must copy out
// everything it needs before returning, and all of it runs inside the try block.
template <class Root, class T, class Read>
result<T> decode_root(byte_view data, const limits& lim, const char* what, Read&& read) {
  auto fail = [&](const std::string& why) { return make_error(std::string{what} + ": " + why); };
  if (data.empty()) return fail("empty input");
  if (data.size() > lim.max_message_bytes)
    return fail(std::to_string(data.size()) + " bytes exceed the limit of " +
                std::to_string(lim.max_message_bytes));
  if (data.size() % sizeof(capnp::word) != 0)
    return fail(std::to_string(data.size()) + " bytes is not a whole number of 8-byte words");
  auto n = data.size() / sizeof(capnp::word);
  try {
    kj::Array<capnp::word> copy;
    kj::ArrayPtr<const capnp::word> words;
    if (reinterpret_cast<std::uintptr_t>(data.data()) % sizeof(capnp::word) == 0) {
      words = kj::arrayPtr(reinterpret_cast<const capnp::word*>(data.data()), n);
    } else {
      // FlatArrayMessageReader reads words in place and needs them aligned.
      copy = kj::heapArray<capnp::word>(n);
      std::memcpy(copy.begin(), data.data(), data.size());
      words = copy;
    }
    capnp::ReaderOptions options;
    options.traversalLimitInWords = lim.traversal_limit_words;
    options.nestingLimit = static_cast<int>(std::min<unsigned>(lim.nesting_limit, INT_MAX));
    capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end())
      return fail(std::to_string((words.end() - reader.getEnd()) * sizeof(capnp::word)) +
                  " bytes follow the end of the message");
    context c{lim, n};
    result<T> r = read(reader.getRoot<Root>(), c);
    if (!r) return fail(r.err().message);
    return r;
  } catch (const kj::Exception& e) {
    return fail(std::string{"malformed Cap'n Proto data: "} + e.getDescription().cStr());
  } catch (const std::bad_alloc&) {
    return fail("out of memory while decoding");
  } catch (const std::exception& e) {
    return fail(std::string{"decoding failed: "} + e.what());
  }
}

} // namespace

bytes encode(const proto::message& m) {
  return build(estimate(m),
               [&](capnp::MessageBuilder& mb) { put(mb.initRoot<wire::Message>(), m); });
}

result<proto::message> decode(byte_view data, const limits& lim) {
  return decode_root<wire::Message, proto::message>(data, lim, "message", read_message);
}

bytes encode_committed(const proto::committed_block& b) {
  return build(estimate(b),
               [&](capnp::MessageBuilder& mb) { put(mb.initRoot<wire::CommittedBlock>(), b); });
}

result<proto::committed_block> decode_committed(byte_view data, const limits& lim) {
  return decode_root<wire::CommittedBlock, proto::committed_block>(data, lim, "committed block",
                                                                   read_committed);
}

result<stored_header> decode_committed_header(byte_view data, const limits& lim) {
  return decode_root<wire::CommittedBlock, stored_header>(data, lim, "committed block",
                                                          read_committed_header);
}

bytes encode_transaction(const ledger::transaction& tx) {
  return build(estimate(tx),
               [&](capnp::MessageBuilder& mb) { put(mb.initRoot<wire::Transaction>(), tx); });
}

result<ledger::transaction> decode_transaction(byte_view data, const limits& lim) {
  return decode_root<wire::Transaction, ledger::transaction>(data, lim, "transaction",
                                                             read_transaction);
}

} // namespace bystack::codec
