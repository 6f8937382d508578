#pragma once
/// Encodes consensus messages, blocks and certificates to Cap'n Proto bytes and decodes them
/// back with limits, so that truncated, oversized or random input yields an error, never a crash.

#include "runtime/base/bytes.hpp"
#include "runtime/base/result.hpp"
#include "runtime/protocol/messages.hpp"

namespace bystack::codec {

/// Bounds applied when reading untrusted bytes.
struct limits {
  std::size_t max_message_bytes = 128 * 1024 * 1024;
  std::uint64_t traversal_limit_words = 32 * 1024 * 1024; ///< capnp reader traversal limit
  unsigned nesting_limit = 32;
  std::size_t max_validators = 1'000'000; ///< bitmap size bound
  std::size_t max_signature_bytes = 256;  ///< any one signature (single or aggregate)
};

/// Encodes one message (its type travels in the encoding).
bytes encode(const proto::message& m);
/// Decodes one message; the error says what is wrong (size, framing, a field out of bounds).
result<proto::message> decode(byte_view data, const limits& lim = {});

/// Encodes a committed block (for the store and for catch-up).
bytes encode_committed(const proto::committed_block& b);
result<proto::committed_block> decode_committed(byte_view data, const limits& lim = {});

/// What an encoded committed block says about itself, read without its transactions: its header
/// and what its certificate certifies (a restart walks the stored chain with it).
struct stored_header {
  ledger::block_header header;
  std::uint64_t cert_height = 0;
  std::uint64_t cert_view = 0;
  crypto::hash256 cert_block_hash;
};
/// Decodes the header and certificate of an encode_committed() encoding, skipping (and not
/// checking) the transactions; the same framing and limits as decode_committed.
result<stored_header> decode_committed_header(byte_view data, const limits& lim = {});

/// Encodes a lone transaction (API submissions).
bytes encode_transaction(const ledger::transaction& tx);
result<ledger::transaction> decode_transaction(byte_view data, const limits& lim = {});

} // namespace bystack::codec
