#pragma once
/// The canonical encoding of a mainchain header (header_bytes: the fields in declaration order,
/// integers little-endian as in the ledger's encoding): the one codec of the mainchain node's
/// wire and store (runtime/mainchain/wire.hpp) and of the headers the federation relays to the
/// sidechain (actors/federation/sidechain_rules.hpp).

#include "actors/mainchain/block.hpp"
#include "runtime/ledger/detail/encoding.hpp"

namespace bystack::mainchain {

/// Writes the header's canonical encoding (header_bytes bytes).
void put(ledger::detail::writer& w, const header& h);
/// Reads a header's canonical encoding; a shortfall is recorded in the reader, naming the field.
header get_header(ledger::detail::reader& r);

} // namespace bystack::mainchain
