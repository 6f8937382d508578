#pragma once
/// Builds sample consensus values for the codec tests; every value depends only on its arguments.

#include "runtime/ledger/block.hpp"
#include "runtime/protocol/messages.hpp"

#include <memory>

namespace bystack::codec_test {

inline crypto::hash256 hash_of(std::uint8_t tag) {
  crypto::hash256 h;
  for (std::size_t i = 0; i < h.data.size(); ++i)
    h.data[i] = static_cast<std::uint8_t>(tag + i);
  return h;
}

inline bytes make_sig(std::size_t size, std::uint64_t tag) {
  bytes s(size);
  for (std::size_t i = 0; i < size; ++i)
    s[i] = static_cast<std::uint8_t>(tag * 31 + i);
  return s;
}

inline ledger::transaction make_tx(std::uint64_t i, std::size_t payload_size) {
  ledger::transaction tx;
  for (std::size_t k = 0; k < tx.sender.size(); ++k)
    tx.sender[k] = static_cast<std::uint8_t>(i + k);
  tx.nonce = i;
  tx.payload.resize(payload_size);
  for (std::size_t k = 0; k < payload_size; ++k)
    tx.payload[k] = static_cast<std::uint8_t>(i * 7 + k);
  tx.signature = make_sig(64, i);
  return tx;
}

/// Builds a certificate over a set of `set_size` validators signed by `signers` of them.
inline crypto::quorum_certificate make_qc(crypto::cert_kind kind, std::size_t set_size,
                                          std::size_t signers, std::uint8_t tag) {
  crypto::quorum_certificate qc;
  qc.digest = hash_of(tag);
  qc.kind = kind;
  qc.signers = crypto::signer_bitmap(set_size);
  for (std::size_t i = 0; i < signers; ++i)
    qc.signers.set(i * set_size / signers);
  if (kind == crypto::cert_kind::signature_list) {
    for (std::size_t i = 0; i < qc.signers.count(); ++i)
      qc.signatures.push_back(make_sig(64, i));
  } else {
    qc.signatures.push_back(make_sig(48, tag));
  }
  return qc;
}

inline proto::group_certificate make_group_cert(crypto::cert_kind kind, std::size_t signers) {
  proto::group_certificate g;
  g.height = 7;
  g.view = 2;
  g.block_hash = hash_of(3);
  g.super_node = 1;
  g.qc = make_qc(kind, signers, signers, 5);
  return g;
}

inline proto::block_certificate make_block_cert(std::uint64_t height, std::uint64_t view,
                                                std::size_t certs) {
  proto::block_certificate c;
  c.height = height;
  c.view = view;
  c.block_hash = hash_of(static_cast<std::uint8_t>(height));
  for (std::size_t i = 0; i < certs; ++i)
    c.certs.push_back(
        make_qc(i % 2 == 0 ? crypto::cert_kind::signature_list : crypto::cert_kind::aggregate,
                10 + i, 5, static_cast<std::uint8_t>(i)));
  return c;
}

inline proto::view_change make_view_change(std::uint32_t sender, bool with_high_qc) {
  proto::view_change v;
  v.view = 9;
  v.sender = sender;
  v.high_qc_view = 8;
  v.rehome_to = sender % 3;
  if (with_high_qc) v.high_qc = make_block_cert(6, 8, 2);
  v.signature = make_sig(64, sender);
  return v;
}

inline ledger::block_ptr make_block_ptr(std::uint64_t height, std::size_t txs,
                                        std::size_t payload_size = 100) {
  std::vector<ledger::transaction> list;
  list.reserve(txs);
  for (std::size_t i = 0; i < txs; ++i)
    list.push_back(make_tx(height * 100'000 + i, payload_size));
  return std::make_shared<const ledger::block>(ledger::make_block(
      height, height + 1, hash_of(1), height, 1'000 * height, 2, std::move(list)));
}

/// Builds a proposal at height 7 with `txs` transactions, a justify of two certificates and,
/// if asked, a timeout certificate of three view changes.
inline proto::proposal make_proposal(std::size_t txs, bool with_tc) {
  proto::proposal p;
  p.block = make_block_ptr(7, txs);
  p.leader = 2;
  p.justify = make_block_cert(6, 7, 2);
  if (with_tc) {
    proto::timeout_certificate tc;
    tc.view = 7;
    for (std::uint32_t s = 0; s < 3; ++s)
      tc.votes.push_back(make_view_change(s, false));
    p.tc = tc;
  }
  p.signature = make_sig(64, 99);
  return p;
}

inline proto::committed_block make_committed(std::uint64_t height, std::size_t txs) {
  proto::committed_block cb;
  cb.block = make_block_ptr(height, txs);
  cb.cert = make_block_cert(height, height + 1, 3);
  return cb;
}

} // namespace bystack::codec_test
