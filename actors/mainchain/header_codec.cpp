#include "actors/mainchain/header_codec.hpp"

namespace bystack::mainchain {

void put(ledger::detail::writer& w, const header& h) {
  w.u32(h.version);
  w.u64(h.height);
  w.hash(h.previous);
  w.u64(h.timestamp_ms);
  w.u64(h.bits);
  w.u64(h.nonce);
  w.hash(h.tx_root);
  w.hash(h.seed);
}

header get_header(ledger::detail::reader& r) {
  header h;
  h.version = r.u32("header.version");
  h.height = r.u64("header.height");
  h.previous = r.hash("header.previous");
  h.timestamp_ms = r.u64("header.timestamp_ms");
  h.bits = r.u64("header.bits");
  h.nonce = r.u64("header.nonce");
  h.tx_root = r.hash("header.tx_root");
  h.seed = r.hash("header.seed");
  return h;
}

} // namespace bystack::mainchain
