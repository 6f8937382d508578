#pragma once
/// The mainchain nodes' peer protocol: length-prefixed frames over TCP, one message per frame.
///
///   frame   = u32 length (big-endian, of type + body) | u8 type | body
///   hello   = u16 name length | name | u64 genesis-hash prefix     (first frame on a connection)
///   headers = u32 n | n x header (132 bytes, header_bytes)           (announcement or answer)
///   get_headers / get_blocks = u32 n | n x 32-byte hash              (locator / wanted bodies)
///   blocks  = u32 n | n x (header | u32 tx count | tx count x (u32 length | ledger::encode(tx)))
///   tx      = u32 length | ledger::encode(tx)
///
/// Integers are big-endian, but for a header's fields: a header is in its canonical encoding
/// (little-endian, actors/mainchain/header_codec.hpp), the one the federation relays. Decoding
/// checks every length against the bytes present and the configured bounds and returns an error
/// naming what is wrong; it never asserts.

#include "actors/mainchain/block.hpp"
#include "runtime/base/bytes.hpp"
#include "runtime/base/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace bystack::mainchaind {

using mainchain::block_ptr;
using mainchain::header;
using mainchain::tx_ptr;

enum class msg_type : std::uint8_t {
  hello = 1,
  headers = 2,
  get_headers = 3,
  get_blocks = 4,
  blocks = 5,
  tx = 6,
};

/// Returns a metrics label for a message type ("headers", ...), "unknown" otherwise.
const char* msg_type_name(msg_type t);

/// Holds one decoded message; only the fields of its type are set.
struct message {
  msg_type type = msg_type::hello;
  std::string name;                    ///< hello: the sender's node name
  std::uint64_t network = 0;           ///< hello: prefix of the sender's genesis block hash
  std::vector<header> headers;         ///< headers
  std::vector<crypto::hash256> hashes; ///< get_headers (locator), get_blocks
  std::vector<block_ptr> blocks;       ///< blocks
  tx_ptr tx;                           ///< tx
};

/// Bounds what a peer may send in one message.
struct wire_limits {
  std::size_t max_message_bytes = 32u << 20;
  std::size_t max_items = 2000; ///< headers, hashes or blocks per message
  std::size_t max_block_txs = 100'000;
};

bytes encode_header(const header& h);
result<header> decode_header(byte_view b);
bytes encode_block(const mainchain::block& b);
result<block_ptr> decode_block(byte_view b, const wire_limits& lim = {});

/// Encodes a message body with its type byte (the frame length is added by the transport).
bytes encode_message(const message& m);
/// Decodes a message (type byte and body, without the frame length).
result<message> decode_message(byte_view b, const wire_limits& lim);

} // namespace bystack::mainchaind
