#include "tests/fuzz/entries.hpp"

#include "runtime/codec/codec.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/wallet.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/envelope.hpp"
#include "runtime/node/tx_request.hpp"
#include "sim/scenario.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace bystack::fuzz {

namespace {

verdict broken(std::string why) {
  return {false, std::move(why)};
}

std::string_view as_text(byte_view in) {
  return {reinterpret_cast<const char*>(in.data()), in.size()};
}

// A refusal must say what is wrong, or an operator reading the log learns nothing.
verdict refused(const error& e) {
  if (e.message.empty()) return broken("refused with an empty error message");
  return {};
}

// Whatever the decoder accepts, the encoder must write in a form that decodes to the same value
// and encodes to the same bytes again; otherwise a relayed or stored message would change.
template <class T, class Encode, class Decode>
verdict round_trip(const T& value, Encode&& encode, Decode&& decode) {
  auto once = encode(value);
  auto again = decode(byte_view{once});
  if (!again) return broken("re-encoded value does not decode: " + again.err().message);
  if (!(*again == value)) return broken("re-encoded value decodes to a different value");
  if (encode(*again) != once) return broken("encoding is not stable across a round trip");
  return {true, {}};
}

verdict check_message(byte_view in, const codec::limits& lim) {
  auto m = codec::decode(in, lim);
  if (!m) return refused(m.err());
  return round_trip(
      *m, [](const proto::message& v) { return codec::encode(v); },
      [&](byte_view b) { return codec::decode(b, lim); });
}

// Envelope inputs: byte 0 selects the mode, bytes 1-4 are the sender (little endian). In mode
// "sign" (bit 0 set) the rest is the payload and the entry signs it with the sender's key, so
// that the fuzzer reaches the decoder through a valid signature; otherwise byte 5 is the
// signature's length, that many bytes the signature, and the rest the payload.
constexpr std::size_t envelope_header_bytes = 5;
constexpr std::uint64_t node_max_message_bytes = 32 * 1024 * 1024; // node_config's default

struct envelope_world {
  std::vector<std::unique_ptr<crypto::signer>> signers;
  crypto::validator_set set;
  std::unique_ptr<node::envelope_checker> checker;

  envelope_world() {
    std::vector<crypto::public_key> keys;
    for (std::uint32_t i = 0; i < envelope_set_size; ++i) {
      signers.push_back(crypto::ed25519_scheme().make_signer(envelope_seed(i)));
      keys.push_back(signers.back()->pub());
    }
    set = crypto::validator_set(std::move(keys));
    checker = std::make_unique<node::envelope_checker>(set, crypto::ed25519_scheme(),
                                                       node_max_message_bytes);
  }
};

// Key derivation costs far more than one fuzz iteration; the set is built once per process.
const envelope_world& world() {
  static const envelope_world w;
  return w;
}

std::uint32_t read_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

} // namespace

std::array<std::uint8_t, 32> envelope_seed(std::uint32_t index) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(0x5a);
  seed[0] = static_cast<std::uint8_t>(index);
  return seed;
}

bytes envelope_input(bool sign_it, std::uint32_t sender, byte_view signature, byte_view payload) {
  bytes out;
  out.push_back(sign_it ? 1 : 0);
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<std::uint8_t>(sender >> (8 * i)));
  if (!sign_it) {
    auto n = std::min<std::size_t>(signature.size(), 255);
    out.push_back(static_cast<std::uint8_t>(n));
    out.insert(out.end(), signature.begin(), signature.begin() + static_cast<std::ptrdiff_t>(n));
  }
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

verdict codec_message(byte_view in) {
  return check_message(in, codec::limits{});
}

verdict codec_committed(byte_view in) {
  // The restart's header-only read (it skips the transactions) must accept whatever the full
  // decode accepts, and read the same header and certified hash.
  auto hd = codec::decode_committed_header(in);
  auto b = codec::decode_committed(in);
  if (!b) return refused(b.err());
  if (!b->block) return broken("committed block decoded without a block");
  if (!hd) return broken("the header-only decode refused a committed block: " + hd.err().message);
  if (!(hd->header == b->block->header) || hd->cert_block_hash != b->cert.block_hash)
    return broken("the header-only decode read another header or certificate");
  return round_trip(
      *b, [](const proto::committed_block& v) { return codec::encode_committed(v); },
      [](byte_view x) { return codec::decode_committed(x); });
}

verdict codec_transaction(byte_view in) {
  auto tx = codec::decode_transaction(in);
  if (!tx) return refused(tx.err());
  return round_trip(
      *tx, [](const ledger::transaction& v) { return codec::encode_transaction(v); },
      [](byte_view x) { return codec::decode_transaction(x); });
}

verdict envelope(byte_view in) {
  if (in.size() < envelope_header_bytes) return {};
  const auto& w = world();
  bool sign_it = (in[0] & 1) != 0;
  auto sender = read_u32(in.data() + 1);
  auto rest = in.subspan(envelope_header_bytes);
  bytes signature;
  if (sign_it) {
    sender %= envelope_set_size;
    signature = w.signers[sender]->sign(node::envelope_digest(w.checker->network(), sender, rest));
  } else {
    if (rest.empty()) return {};
    auto n = std::min<std::size_t>(rest[0], rest.size() - 1);
    signature.assign(rest.begin() + 1, rest.begin() + 1 + static_cast<std::ptrdiff_t>(n));
    rest = rest.subspan(1 + n);
  }
  auto why = w.checker->check(sender, rest, signature);
  if (sign_it && !rest.empty() && why != node::drop_reason::none)
    return broken("a payload signed by its sender was dropped as " +
                  std::string{node::drop_reason_name(why)});
  if (why != node::drop_reason::none) return {};
  codec::limits lim;
  lim.max_message_bytes = node_max_message_bytes;
  return check_message(rest, lim);
}

verdict tx_request(byte_view in) {
  constexpr std::uint64_t max_txs = 64;
  auto r = node::parse_tx_request(as_text(in), max_txs);
  if (!r) return refused(r.err());
  if (r->too_many) {
    if (r->items <= max_txs) return broken("too_many set for a request within the bound");
    if (!r->txs.empty() || r->invalid != 0) return broken("items checked beyond the bound");
    return {};
  }
  if (r->items > max_txs) return broken("a request beyond the bound was checked");
  if (r->txs.size() + r->invalid != r->items)
    return broken("valid and invalid transactions do not add up to the items");
  if (r->errors.size() != std::min<std::uint64_t>(r->invalid, node::tx_errors_reported_max))
    return broken("the error list does not match the invalid count");
  for (const auto& e : r->errors)
    if (e.index >= r->items || e.message.empty()) return broken("an item error is out of range");
  // What the node accepts it also shows and relays as JSON: that text must read back the same.
  for (const auto& tx : r->txs) {
    auto back = node::transaction_from_json_text(node::transaction_to_json_text(tx));
    if (!back) return broken("accepted transaction does not parse back: " + back.err().message);
    if (!(*back == tx)) return broken("accepted transaction parses back differently");
  }
  return {!r->txs.empty(), {}};
}

namespace {

/// A state with a native asset and one output of a known key, so that fuzzed spends can reach
/// the witness, conservation and fee rules rather than stopping at missing-input.
struct ledger_world {
  ledger::genesis_spec g;
  ledger::utxo_set state;
  ledger::chain_params params;
  std::unique_ptr<ledger::signature_checker> checker;
  ledger_world() {
    g.network = "fuzz";
    g.min_fee_per_kb = 10;
    g.assets.push_back({"BTM", ledger::asset_kind::byte, 8, 0, {}, {}, 0});
    crypto::secret_seed seed{};
    seed[0] = 1;
    auto k = crypto::key_pair::from_seed(seed);
    g.outputs.push_back(
        ledger::pay(g.assets[0].id(), 1'000'000, ledger::control_program::single(k.pub())));
    state = std::move(ledger::genesis_state(g).value());
    params = ledger::params_of(g);
    checker = std::make_unique<ledger::signature_checker>(crypto::ed25519_scheme(), 1024);
  }
};

const ledger_world& lworld() {
  static const ledger_world w;
  return w;
}

} // namespace

verdict ledger_tx(byte_view in) {
  auto t = ledger::decode_tx(in);
  if (!t) return refused(t.err());
  auto again = ledger::encode(*t);
  if (!std::equal(again.begin(), again.end(), in.begin(), in.end()))
    return broken("an accepted transaction does not encode back to its bytes");
  const auto& w = lworld();
  ledger::tx_summary s;
  auto err = ledger::check_tx(*t, w.state, w.params, ledger::tx_context{1, true}, *w.checker, s);
  if (!err.ok() && err.message().empty()) return broken("a refusal without a message");
  if (err.ok() && s.id != t->id()) return broken("summary id differs from the transaction id");
  return {err.ok(), {}};
}

verdict ledger_tx_request(byte_view in) {
  constexpr std::uint64_t max_txs = 64;
  auto r = node::parse_ledger_tx_request(as_text(in), max_txs);
  if (!r) return refused(r.err());
  if (r->too_many) return r->items.empty() ? verdict{} : broken("items decoded beyond the bound");
  bool any = false;
  for (const auto& item : r->items) {
    if (item.tx && item.id != item.tx->id()) return broken("an item's id is not its tx id");
    if (!item.tx && item.error.empty()) return broken("a malformed item without a reason");
    any = any || item.tx.has_value();
  }
  return {any, {}};
}

verdict node_config(byte_view in) {
  // A base directory that does not exist: the parser must only resolve paths, never open them.
  auto c = node::parse_node_config(std::string{as_text(in)}, "fuzz.yaml", "/nonexistent/fuzz");
  if (!c) return refused(c.err());
  if (c->nodes.empty() || c->groups.empty())
    return broken("config accepted without a consensus set");
  return {true, {}};
}

verdict scenario(byte_view in) {
  auto s = sim::parse_scenario(std::string{as_text(in)}, "fuzz.yaml");
  if (!s) return refused(s.err());
  return {true, {}};
}

std::span<const target> targets() {
  // One row per name in BYSTACK_FUZZ_TARGETS; a new target (a ledger-transaction decoder, say)
  // adds its row here, its fuzz_<name>.cpp and its corpus folder.
  static const target all[] = {
      {"codec_message", codec_message},
      {"codec_committed", codec_committed},
      {"codec_transaction", codec_transaction},
      {"envelope", envelope},
      {"tx_request", tx_request},
      {"node_config", node_config},
      {"scenario", scenario},
      {"ledger_tx", ledger_tx},
      {"ledger_tx_request", ledger_tx_request},
  };
  return all;
}

const target* find_target(std::string_view name) {
  for (const auto& t : targets())
    if (t.name == name) return &t;
  return nullptr;
}

int run_libfuzzer(entry e, const std::uint8_t* data, std::size_t size) {
  auto v = e(byte_view{data, size});
  if (!v.violation.empty()) {
    std::fprintf(stderr, "fuzz: invariant broken: %s\n", v.violation.c_str());
    std::abort();
  }
  return 0;
}

} // namespace bystack::fuzz
