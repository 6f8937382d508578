#pragma once
/// What nodes send each other over CAF's middleman. Both sides must register
/// std::vector<std::uint8_t> as "bytes" (cfg.add_message_type), or the receiver gets nothing.
///
///   (envelope_atom, uint32 sender, bytes payload, bytes signature)  node -> node
///   (ack_atom, uint64 bytes_received)                               receiver -> sender
///
/// payload is one Cap'n Proto message (runtime/codec); signature is the sender's Ed25519
/// signature over envelope_digest() (runtime/node/envelope.hpp).

#include <caf/atom.hpp>

namespace bystack::node {

using envelope_atom = caf::atom_constant<caf::atom("envelope")>;
using ack_atom = caf::atom_constant<caf::atom("ack")>;

} // namespace bystack::node
