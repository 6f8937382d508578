#include "runtime/ledger/tx.hpp"
#include "runtime/ledger/detail/encoding.hpp"

#include <array>
#include <string_view>

namespace bystack::ledger {

namespace {

using detail::reader;
using detail::writer;

// Domain prefixes (each ending in NUL so that none is a prefix of another) keep the hashes of
// different objects apart.
constexpr std::string_view txid_domain{"bystack/butxo/tx\0", 17};
constexpr std::string_view input_domain{"bystack/butxo/input\0", 20};
constexpr std::string_view output_domain{"bystack/butxo/output\0", 21};
constexpr std::string_view sighash_domain{"bystack/butxo/sighash\0", 22};
constexpr std::string_view asset_domain{"bystack/butxo/asset\0", 20};
constexpr std::string_view program_domain{"bystack/butxo/program\0", 22};
constexpr std::string_view token_domain{"bystack/butxo/token\0", 20};
constexpr std::string_view chain_domain{"bystack/butxo/chain\0", 20};

constexpr std::uint8_t layout_version = 1;

} // namespace

namespace detail {

void put(writer& w, const control_program& p) {
  w.u8(p.threshold);
  w.u32(static_cast<std::uint32_t>(p.keys.size()));
  for (const auto& k : p.keys)
    w.raw(byte_view{k.data(), k.size()});
}

control_program get_program(reader& r, const char* field) {
  control_program p;
  p.threshold = r.u8(field);
  auto n = r.count(field, max_multisig_keys);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    auto h = r.hash(field);
    crypto::public_key k;
    std::copy(h.data.begin(), h.data.end(), k.begin());
    p.keys.push_back(k);
  }
  return p;
}

void put(writer& w, const asset_definition& d) {
  w.blob(as_bytes(d.name));
  w.u8(static_cast<std::uint8_t>(d.kind));
  w.u8(d.decimals);
  w.u64(d.max_supply);
  put(w, d.issuer);
  w.blob(d.data);
  w.u64(d.nonce);
}

asset_definition get_definition(reader& r) {
  asset_definition d;
  auto name = r.blob("definition.name", max_asset_name_bytes);
  d.name.assign(name.begin(), name.end());
  auto k = r.u8("definition.kind");
  if (r.ok() && k > 3) r.fail("definition.kind: unknown asset kind " + std::to_string(k));
  d.kind = static_cast<asset_kind>(k);
  d.decimals = r.u8("definition.decimals");
  d.max_supply = r.u64("definition.max_supply");
  d.issuer = get_program(r, "definition.issuer");
  d.data = r.blob("definition.data", max_data_bytes);
  d.nonce = r.u64("definition.nonce");
  return d;
}

void put(writer& w, const output& o) {
  w.u8(static_cast<std::uint8_t>(o.kind));
  w.hash(o.asset);
  w.u64(o.amount);
  w.hash(o.lot);
  put(w, o.owner);
  w.blob(o.data);
}

output get_output(reader& r) {
  output o;
  o.kind = static_cast<output_kind>(r.u8("output.kind"));
  o.asset = r.hash("output.asset");
  o.amount = r.u64("output.amount");
  o.lot = r.hash("output.lot");
  o.owner = get_program(r, "output.owner");
  o.data = r.blob("output.data", max_data_bytes);
  return o;
}

} // namespace detail

namespace {

using detail::get_definition;
using detail::get_output;
using detail::get_program;
using detail::put;

// The body of an input without its witness: what input_id() and the transaction id cover.
void put_body(writer& w, const input& in) {
  w.u8(static_cast<std::uint8_t>(in.kind));
  switch (in.kind) {
  case input_kind::spend:
    w.hash(in.spent_output);
    break;
  case input_kind::issue:
    put(w, in.definition);
    w.u64(in.amount);
    w.u64(in.nonce);
    break;
  case input_kind::coinbase:
    w.u64(in.amount);
    w.u64(in.nonce);
    break;
  default:
    w.blob(in.ext);
    break;
  }
}

void put_tx(writer& w, const tx& t, bool witnesses) {
  w.u8(layout_version);
  w.u32(t.version);
  w.hash(t.chain);
  w.u64(t.expires_at);
  w.u32(static_cast<std::uint32_t>(t.inputs.size()));
  for (const auto& in : t.inputs) {
    put_body(w, in);
    if (witnesses) {
      w.u32(static_cast<std::uint32_t>(in.witness.size()));
      for (const auto& s : in.witness) {
        w.u8(s.key_index);
        w.blob(s.signature);
      }
    }
  }
  w.u32(static_cast<std::uint32_t>(t.outputs.size()));
  for (const auto& o : t.outputs)
    put(w, o);
}

hash256 hash_of(std::string_view domain, const bytes& body) {
  crypto::sha3_256_hasher h;
  h.update(as_bytes(domain));
  h.update(byte_view{body.data(), body.size()});
  return h.finish();
}

} // namespace

const char* kind_name(asset_kind k) {
  switch (k) {
  case asset_kind::byte:
    return "byte";
  case asset_kind::atomic:
    return "atomic";
  case asset_kind::quark:
    return "quark";
  case asset_kind::quantum:
    return "quantum";
  }
  return "unknown";
}

bool parse_kind(std::string_view s, asset_kind& out) {
  for (auto k : {asset_kind::byte, asset_kind::atomic, asset_kind::quark, asset_kind::quantum})
    if (s == kind_name(k)) {
      out = k;
      return true;
    }
  return false;
}

const char* input_kind_name(std::uint8_t k) {
  switch (k) {
  case 0:
    return "spend";
  case 1:
    return "issue";
  case 2:
    return "coinbase";
  case 16:
    return "claim";
  case 17:
    return "veto";
  default:
    return "unknown";
  }
}

const char* output_kind_name(std::uint8_t k) {
  switch (k) {
  case 0:
    return "control";
  case 1:
    return "retire";
  case 16:
    return "pegout";
  case 17:
    return "vote";
  case 18:
    return "register";
  default:
    return "unknown";
  }
}

hash256 control_program::address() const {
  bytes b;
  writer w(b);
  put(w, *this);
  return hash_of(program_domain, b);
}

asset_id asset_definition::id() const {
  bytes b;
  writer w(b);
  put(w, *this);
  return hash_of(asset_domain, b);
}

std::uint64_t asset_definition::unit() const {
  std::uint64_t u = 1;
  for (std::uint8_t i = 0; i < decimals && i < max_decimals; ++i)
    u *= 10;
  return u;
}

hash256 input_id(const input& in) {
  bytes b;
  writer w(b);
  put_body(w, in);
  return hash_of(input_domain, b);
}

hash256 output_id(const hash256& txid, std::uint32_t index, const output& out) {
  bytes b;
  writer w(b);
  w.hash(txid);
  w.u32(index);
  put(w, out);
  return hash_of(output_domain, b);
}

hash256 sighash(const hash256& iid, const hash256& txid) {
  crypto::sha3_256_hasher h;
  h.update(as_bytes(sighash_domain));
  h.update(iid);
  h.update(txid);
  return h.finish();
}

hash256 token_id(const hash256& issue_input_id, std::uint64_t index) {
  crypto::sha3_256_hasher h;
  h.update(as_bytes(token_domain));
  h.update(issue_input_id);
  h.update_u64(index);
  return h.finish();
}

hash256 tx::id() const {
  bytes b;
  b.reserve(256);
  writer w(b);
  put_tx(w, *this, false);
  return hash_of(txid_domain, b);
}

bytes encode(const tx& t) {
  bytes b;
  b.reserve(256);
  writer w(b);
  put_tx(w, t, true);
  return b;
}

std::size_t encoded_size(const tx& t) {
  // Encoding is cheap next to validation; one path keeps the size exact.
  return encode(t).size();
}

result<tx> decode_tx(byte_view data) {
  if (data.size() > max_tx_bytes)
    return make_error("transaction: " + std::to_string(data.size()) +
                      " bytes exceed the limit of " + std::to_string(max_tx_bytes));
  reader r(data);
  tx t;
  auto lv = r.u8("layout");
  if (r.ok() && lv != layout_version)
    return make_error("transaction: unknown layout version " + std::to_string(lv));
  t.version = r.u32("version");
  t.chain = r.hash("chain");
  t.expires_at = r.u64("expires_at");
  auto nin = r.count("inputs", max_tx_inputs);
  for (std::size_t i = 0; i < nin && r.ok(); ++i) {
    input in;
    auto k = r.u8("input.kind");
    in.kind = static_cast<input_kind>(k);
    switch (in.kind) {
    case input_kind::spend:
      in.spent_output = r.hash("input.spent_output");
      break;
    case input_kind::issue:
      in.definition = get_definition(r);
      in.amount = r.u64("input.amount");
      in.nonce = r.u64("input.nonce");
      break;
    case input_kind::coinbase:
      in.amount = r.u64("input.amount");
      in.nonce = r.u64("input.nonce");
      break;
    default:
      in.ext = r.blob("input.ext", max_ext_input_bytes);
      break;
    }
    auto nsig = r.count("input.witness", max_multisig_keys);
    for (std::size_t s = 0; s < nsig && r.ok(); ++s) {
      key_signature ks;
      ks.key_index = r.u8("witness.key_index");
      ks.signature = r.blob("witness.signature", 128);
      in.witness.push_back(std::move(ks));
    }
    if (!r.ok()) return make_error("transaction: input " + std::to_string(i) + ": " + r.err());
    t.inputs.push_back(std::move(in));
  }
  auto nout = r.count("outputs", max_tx_outputs);
  for (std::size_t i = 0; i < nout && r.ok(); ++i) {
    t.outputs.push_back(get_output(r));
    if (!r.ok()) return make_error("transaction: output " + std::to_string(i) + ": " + r.err());
  }
  if (!r.ok()) return make_error("transaction: " + r.err());
  if (!r.at_end())
    return make_error("transaction: " + std::to_string(data.size() - r.pos()) +
                      " trailing bytes after the last output");
  return t;
}

bytes encode(const control_program& p) {
  bytes b;
  writer w(b);
  put(w, p);
  return b;
}

result<control_program> decode_control_program(byte_view data) {
  reader r(data);
  auto p = get_program(r, "program");
  if (!r.ok()) return make_error(r.err());
  if (!r.at_end()) return make_error("program: trailing bytes");
  return p;
}

hash256 chain_id_of(std::string_view network_name) {
  crypto::sha3_256_hasher h;
  h.update(as_bytes(chain_domain));
  h.update(as_bytes(network_name));
  return h.finish();
}

} // namespace bystack::ledger
