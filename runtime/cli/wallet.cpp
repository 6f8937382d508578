#include "runtime/cli/wallet.hpp"

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/rules.hpp"
#include "runtime/ledger/wallet.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

namespace bystack::cli {

namespace {

// Placeholder signature for size estimates: every Ed25519 signature has this size.
constexpr std::size_t signature_bytes = 64;

std::string field_hex(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    throw std::runtime_error(where + ": '" + key + "' must be a hex string");
  return it->get<std::string>();
}

crypto::hash256 field_hash(const json& j, const char* key, const std::string& where) {
  crypto::hash256 h;
  if (!crypto::parse_hash(field_hex(j, key, where), h))
    throw std::runtime_error(where + ": '" + key + "' must be 64 hex characters");
  return h;
}

std::uint64_t field_u64(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned())
    throw std::runtime_error(where + ": '" + key + "' must be a non-negative integer");
  return it->get<std::uint64_t>();
}

ledger::control_program program_from_json(const json& j, const std::string& where) {
  ledger::control_program p;
  p.threshold = static_cast<std::uint8_t>(field_u64(j, "threshold", where));
  auto keys = j.find("keys");
  if (keys == j.end() || !keys->is_array())
    throw std::runtime_error(where + ": 'keys' must be a list of public keys");
  for (const auto& k : *keys) {
    crypto::hash256 h;
    if (!k.is_string() || !crypto::parse_hash(k.get<std::string>(), h))
      throw std::runtime_error(where + ": a key is not 64 hex characters");
    crypto::public_key pk;
    std::copy(h.data.begin(), h.data.end(), pk.begin());
    p.keys.push_back(pk);
  }
  return p;
}

// Returns the node's refusal as one line: "rule: message".
std::string refusal(const node_reply& r) {
  if (r.body.is_object() && r.body.contains("error")) {
    const auto& e = r.body["error"];
    if (e.is_object())
      return e.value("rule", std::string("error")) + ": " + e.value("message", std::string());
    if (e.is_string()) return e.get<std::string>();
  }
  return "HTTP " + std::to_string(r.status) + ": " + r.body.dump();
}

} // namespace

// --- arguments --------------------------------------------------------------------------------

arguments::arguments(std::span<const std::string_view> args,
                     std::initializer_list<std::string_view> with_value,
                     std::initializer_list<std::string_view> flags, std::size_t max_positional) {
  auto known = [](std::initializer_list<std::string_view> l, std::string_view n) {
    return std::find(l.begin(), l.end(), n) != l.end();
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto a = args[i];
    if (!a.starts_with("--")) {
      if (positional_.size() >= max_positional)
        throw usage_error("unexpected argument '" + std::string(a) + "'");
      positional_.emplace_back(a);
      continue;
    }
    auto eq = a.find('=');
    auto name = a.substr(0, eq);
    if (known(flags, name)) {
      if (eq != std::string_view::npos) throw usage_error(std::string(name) + " takes no value");
      flags_.emplace_back(name);
      continue;
    }
    if (!known(with_value, name)) throw usage_error("unknown option '" + std::string(a) + "'");
    std::string value;
    if (eq != std::string_view::npos) {
      value = a.substr(eq + 1);
    } else {
      if (i + 1 >= args.size()) throw usage_error(std::string(name) + " needs a value");
      value = args[++i];
    }
    values_[std::string(name)].push_back(std::move(value));
  }
}

bool arguments::has(std::string_view name) const {
  return values_.find(name) != values_.end() ||
         std::find(flags_.begin(), flags_.end(), name) != flags_.end();
}

const std::string* arguments::get(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second.back();
}

const std::string& arguments::need(std::string_view name, std::string_view what) const {
  if (const auto* v = get(name)) return *v;
  throw usage_error(std::string(name) + " is required (" + std::string(what) + ")");
}

std::vector<std::string> arguments::all(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::uint64_t arguments::number(std::string_view name, std::uint64_t fallback) const {
  const auto* v = get(name);
  return v ? parse_number(*v, name) : fallback;
}

// --- values from the command line -------------------------------------------------------------

std::uint64_t parse_number(std::string_view text, std::string_view arg) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw usage_error(std::string(arg) + ": expected a whole number, got '" + std::string(text) +
                      "'");
  return v;
}

crypto::hash256 parse_hash_arg(std::string_view hex, std::string_view arg) {
  crypto::hash256 h;
  if (!crypto::parse_hash(hex, h))
    throw usage_error(std::string(arg) + ": expected 64 hex characters, got '" + std::string(hex) +
                      "' (" + std::to_string(hex.size()) + " characters)");
  return h;
}

crypto::public_key parse_pubkey(std::string_view hex, std::string_view arg) {
  auto h = parse_hash_arg(hex, arg);
  crypto::public_key pk;
  std::copy(h.data.begin(), h.data.end(), pk.begin());
  return pk;
}

ledger::control_program parse_owner(std::string_view hex, std::string_view arg) {
  if (hex.size() == 64) return ledger::control_program::single(parse_pubkey(hex, arg));
  bytes raw;
  if (!from_hex(hex, raw))
    throw usage_error(std::string(arg) +
                      ": expected a public key (64 hex) or a program's hex (bystack-cli address "
                      "--multisig), got '" +
                      std::string(hex) + "'");
  auto p = ledger::decode_control_program(byte_view{raw.data(), raw.size()});
  if (!p) throw usage_error(std::string(arg) + ": not a control program: " + p.err().message);
  if (p->keys.empty() || p->threshold == 0 || p->threshold > p->keys.size())
    throw usage_error(std::string(arg) + ": the program needs 1 to " +
                      std::to_string(p->keys.size()) + " signatures");
  return std::move(p).value();
}

crypto::key_pair load_key(const std::string& file) {
  auto k = crypto::key_pair::load(file);
  if (!k) throw std::runtime_error(k.err().message);
  return std::move(k).value();
}

std::string program_hex(const ledger::control_program& p) {
  auto b = ledger::encode(p);
  return to_hex(byte_view{b.data(), b.size()});
}

std::string describe(const ledger::control_program& p) {
  std::string s = std::to_string(p.threshold) + "-of-" + std::to_string(p.keys.size()) + " ";
  for (std::size_t i = 0; i < p.keys.size(); ++i)
    s += (i ? "," : "") + to_hex(byte_view{p.keys[i].data(), p.keys[i].size()});
  return s;
}

json program_json(const ledger::control_program& p) {
  json keys = json::array();
  for (const auto& k : p.keys)
    keys.push_back(to_hex(byte_view{k.data(), k.size()}));
  return {{"threshold", p.threshold}, {"keys", std::move(keys)}};
}

// --- the transaction file ---------------------------------------------------------------------

json tx_file_json(const tx_file& f) {
  auto raw = ledger::encode(f.tx);
  json inputs = json::array();
  for (std::size_t i = 0; i < f.inputs.size(); ++i) {
    const auto& in = f.inputs[i];
    inputs.push_back(
        {{"kind", ledger::input_kind_name(static_cast<std::uint8_t>(f.tx.inputs[i].kind))},
         {"program", program_hex(in.program)},
         {"asset", in.asset.hex()},
         {"amount", in.amount},
         {"lot", in.lot.hex()}});
  }
  json j{{"id", f.tx.id().hex()}, {"tx", to_hex(byte_view{raw.data(), raw.size()})}};
  if (f.native) j["native_asset"] = f.native->hex();
  if (f.min_fee_per_kb) j["min_fee_per_kb"] = *f.min_fee_per_kb;
  j["inputs"] = std::move(inputs);
  return j;
}

tx_file read_tx_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read the file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw std::runtime_error(path + ": not a transaction file (expected a JSON object)");
  tx_file f;
  bytes raw;
  if (!from_hex(field_hex(j, "tx", path), raw))
    throw std::runtime_error(path + ": 'tx' is not hex");
  auto t = ledger::decode_tx(byte_view{raw.data(), raw.size()});
  if (!t) throw std::runtime_error(path + ": 'tx': " + t.err().message);
  f.tx = std::move(t).value();
  if (j.contains("id") && field_hash(j, "id", path) != f.tx.id())
    throw std::runtime_error(path + ": 'id' is not the id of 'tx' (" + f.tx.id().hex() + ")");
  if (j.contains("native_asset")) f.native = field_hash(j, "native_asset", path);
  if (j.contains("min_fee_per_kb")) f.min_fee_per_kb = field_u64(j, "min_fee_per_kb", path);
  auto ins = j.find("inputs");
  if (ins == j.end() || !ins->is_array() || ins->size() != f.tx.inputs.size())
    throw std::runtime_error(path + ": 'inputs' must list one entry per input of 'tx' (" +
                             std::to_string(f.tx.inputs.size()) + ")");
  for (std::size_t i = 0; i < ins->size(); ++i) {
    const auto& e = (*ins)[i];
    auto where = path + ": inputs[" + std::to_string(i) + "]";
    input_info info;
    bytes prog;
    if (!from_hex(field_hex(e, "program", where), prog))
      throw std::runtime_error(where + ": 'program' is not hex");
    auto p = ledger::decode_control_program(byte_view{prog.data(), prog.size()});
    if (!p) throw std::runtime_error(where + ": 'program': " + p.err().message);
    info.program = std::move(p).value();
    info.asset = field_hash(e, "asset", where);
    info.amount = field_u64(e, "amount", where);
    info.lot = field_hash(e, "lot", where);
    const auto& txin = f.tx.inputs[i];
    // An issue input carries its own definition: the file must not claim another signer.
    if (txin.kind == ledger::input_kind::issue &&
        (info.program != txin.definition.issuer || info.asset != txin.definition.id()))
      throw std::runtime_error(where + ": does not match the issue input's definition");
    f.inputs.push_back(std::move(info));
  }
  return f;
}

void write_tx_file(const std::string& path, const tx_file& f) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw std::runtime_error(path + ": cannot write the file");
  out << tx_file_json(f).dump(2) << '\n';
  if (!out.flush()) throw std::runtime_error(path + ": cannot write the file");
}

// --- balances, sizes, signatures --------------------------------------------------------------

std::map<holding, flow> flows(const tx_file& f) {
  std::map<holding, flow> m;
  auto add = [](std::uint64_t& s, std::uint64_t v) {
    if (__builtin_add_overflow(s, v, &s)) throw std::runtime_error("amounts overflow 2^64 - 1");
  };
  for (std::size_t i = 0; i < f.tx.inputs.size(); ++i) {
    const auto& in = f.tx.inputs[i];
    if (in.kind == ledger::input_kind::issue) {
      const auto& d = in.definition;
      auto iid = ledger::input_id(in);
      switch (d.kind) {
      case ledger::asset_kind::byte:
      case ledger::asset_kind::quantum:
        add(m[holding{d.id(), {}}].in, in.amount);
        break;
      case ledger::asset_kind::atomic:
        add(m[holding{d.id(), ledger::token_id(iid, 0)}].in, in.amount);
        break;
      case ledger::asset_kind::quark:
        for (std::uint64_t k = 0; k < in.amount / d.unit(); ++k)
          add(m[holding{d.id(), ledger::token_id(iid, k)}].in, d.unit());
        break;
      }
    } else if (in.kind == ledger::input_kind::spend) {
      const auto& info = f.inputs.at(i);
      add(m[holding{info.asset, info.lot}].in, info.amount);
    }
  }
  for (const auto& o : f.tx.outputs)
    add(m[holding{o.asset, o.lot}].out, o.amount);
  return m;
}

std::size_t signed_size(const tx_file& f) {
  auto t = f.tx;
  for (std::size_t i = 0; i < t.inputs.size(); ++i) {
    auto& w = t.inputs[i].witness;
    w.clear();
    for (std::size_t k = 0; k < f.inputs.at(i).program.threshold; ++k)
      w.push_back(ledger::key_signature{static_cast<std::uint8_t>(k), bytes(signature_bytes)});
  }
  return ledger::encoded_size(t);
}

std::uint64_t minimum_fee(std::uint64_t fee_per_kb, std::size_t size) {
  ledger::chain_params p;
  p.min_fee_per_kb = fee_per_kb;
  return ledger::min_fee(p, size);
}

signature_state signatures_of(const tx_file& f, std::size_t i) {
  const auto& in = f.tx.inputs.at(i);
  const auto& prog = f.inputs.at(i).program;
  signature_state s;
  s.threshold = prog.threshold;
  auto digest = ledger::sighash(ledger::input_id(in), f.tx.id());
  std::set<std::uint8_t> seen;
  for (const auto& w : in.witness) {
    bool good = w.key_index < prog.keys.size() && seen.insert(w.key_index).second &&
                crypto::verify_ed25519(prog.keys[w.key_index], digest.view(),
                                       byte_view{w.signature.data(), w.signature.size()});
    (good ? s.valid : s.invalid).push_back(w.key_index);
  }
  for (std::size_t k = 0; k < prog.keys.size(); ++k)
    if (!seen.contains(static_cast<std::uint8_t>(k)))
      s.unsigned_keys.push_back(static_cast<std::uint8_t>(k));
  return s;
}

std::vector<std::size_t> sign_all(tx_file& f, const crypto::key_pair& key) {
  auto signer = crypto::ed25519_scheme().make_signer(key.seed());
  std::vector<std::size_t> signed_inputs;
  for (std::size_t i = 0; i < f.tx.inputs.size(); ++i)
    if (ledger::sign_input(f.tx, i, f.inputs.at(i).program, *signer)) signed_inputs.push_back(i);
  return signed_inputs;
}

// --- the node ---------------------------------------------------------------------------------

std::vector<utxo> parse_utxos(const json& body) {
  auto list = body.find("utxos");
  if (list == body.end() || !list->is_array())
    throw std::runtime_error("GET /utxo: the answer has no 'utxos' list");
  std::vector<utxo> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& e = (*list)[i];
    auto where = "utxos[" + std::to_string(i) + "]";
    utxo u;
    u.id = field_hash(e, "id", where);
    u.asset = field_hash(e, "asset", where);
    u.amount = field_u64(e, "amount", where);
    u.lot = field_hash(e, "lot", where);
    u.height = e.contains("height") ? field_u64(e, "height", where) : 0;
    if (e.contains("kind")) {
      if (!e["kind"].is_string()) throw std::runtime_error(where + ": 'kind' is not a string");
      u.kind = e["kind"].get<std::string>();
    }
    if (!e.contains("owner")) throw std::runtime_error(where + ": no 'owner'");
    u.owner = program_from_json(e["owner"], where + ".owner");
    out.push_back(std::move(u));
  }
  return out;
}

node_client connect(const arguments& a) {
  auto c = node_client::make(node_address(a.get("--node")));
  if (!c) throw usage_error(c.err().message);
  return std::move(c).value();
}

json fetch(const node_client& node, const std::string& path) {
  auto r = node.get(path);
  if (!r) throw std::runtime_error(r.err().message);
  if (r->status != 200) throw std::runtime_error("GET " + path + ": " + refusal(*r));
  return std::move(r->body);
}

chain_info fetch_chain(const node_client& node, const std::string* fee_per_kb) {
  auto s = fetch(node, "/status");
  if (s.value("ledger", std::string()) != "butxo")
    throw std::runtime_error("the node at " + node.host() + ":" + std::to_string(node.port()) +
                             " does not run the BUTXO ledger (its config needs 'ledger: butxo')");
  chain_info c;
  c.chain = field_hash(s, "chain", "GET /status");
  c.native = field_hash(s, "native_asset", "GET /status");
  if (fee_per_kb)
    c.min_fee_per_kb = parse_number(*fee_per_kb, "--fee-per-kb");
  else if (s.contains("min_fee_per_kb"))
    c.min_fee_per_kb = field_u64(s, "min_fee_per_kb", "GET /status");
  else
    throw std::runtime_error("the node does not report min_fee_per_kb; pass --fee-per-kb N");
  return c;
}

std::vector<utxo> fetch_utxos(const node_client& node, const crypto::hash256& address) {
  auto body = fetch(node, "/utxo?owner=" + address.hex());
  if (body.value("truncated", false))
    std::cerr << "note: the node lists only part of this owner's outputs; coin selection uses "
                 "those\n";
  return parse_utxos(body);
}

// --- building ---------------------------------------------------------------------------------

crypto::hash256 pick_lot(const std::vector<utxo>& utxos, const ledger::asset_id& asset,
                         std::uint64_t amount) {
  std::map<crypto::hash256, std::uint64_t> by_lot;
  for (const auto& u : utxos)
    if (u.asset == asset) by_lot[u.lot] += u.amount;
  if (by_lot.empty()) throw std::runtime_error("the owner holds no asset " + asset.hex());
  // Fungible kinds: no lot to choose; a shortfall is reported by fund() with the sums.
  if (by_lot.size() == 1 && by_lot.begin()->first == crypto::hash256{}) return {};
  const crypto::hash256* best = nullptr;
  std::uint64_t best_total = 0;
  for (const auto& [lot, total] : by_lot)
    if (total >= amount && (!best || total < best_total)) {
      best = &lot;
      best_total = total;
    }
  if (!best)
    throw std::runtime_error("no single lot of asset " + asset.hex() + " holds " +
                             std::to_string(amount) + " (lots never merge; see bystack-cli utxos)");
  return *best;
}

std::uint64_t fund(tx_file& f, const funding& how) {
  const holding native{how.chain.native, {}};
  f.native = how.chain.native;
  f.min_fee_per_kb = how.chain.min_fee_per_kb;
  const tx_file base = f;
  std::uint64_t fee = how.fixed_fee.value_or(0);
  // Each round may add an input, which raises the fee; the fee only grows, so this settles.
  for (int round = 0; round < 64; ++round) {
    f = base;
    std::set<crypto::hash256> used;
    for (const auto& in : f.tx.inputs)
      if (in.kind == ledger::input_kind::spend) used.insert(in.spent_output);
    std::map<holding, std::uint64_t> need;
    auto fl = flows(f);
    for (const auto& [h, x] : fl)
      if (h != native && x.out > x.in && (!how.only || h == *how.only)) need[h] = x.out - x.in;
    // The native asset pays the fee as well as its own outputs.
    auto nf = fl[native];
    auto want = nf.out + (how.pay_fee ? fee : 0);
    if ((!how.only || *how.only == native || how.pay_fee) && want > nf.in)
      need[native] = want - nf.in;
    for (const auto& [h, shortfall] : need) {
      std::vector<const utxo*> cand;
      for (const auto& u : how.utxos)
        // Locked extension outputs (votes, registrations) are not spendable coins.
        if (u.kind == "control" && u.asset == h.asset && u.lot == h.lot && !used.contains(u.id))
          cand.push_back(&u);
      std::sort(cand.begin(), cand.end(), [](const utxo* a, const utxo* b) {
        return a->amount != b->amount ? a->amount < b->amount : a->id < b->id;
      });
      std::vector<const utxo*> pick;
      auto single = std::find_if(cand.begin(), cand.end(),
                                 [&](const utxo* u) { return u->amount >= shortfall; });
      std::uint64_t sum = 0;
      if (single != cand.end()) {
        pick.push_back(*single);
        sum = (*single)->amount;
      } else {
        for (const auto* u : cand) {
          if (sum >= shortfall) break;
          pick.push_back(u);
          sum += u->amount;
        }
      }
      if (sum < shortfall)
        throw std::runtime_error(
            "the owner " + how.owner.address().hex() + " holds " + std::to_string(sum) +
            " unspent of asset " + h.asset.hex() +
            (h.lot == crypto::hash256{} ? std::string() : " lot " + h.lot.hex()) + ", " +
            std::to_string(shortfall) + " needed" +
            (h == native && how.pay_fee ? " (fee included)" : ""));
      for (const auto* u : pick) {
        f.tx.inputs.push_back(ledger::spend_of(u->id));
        f.inputs.push_back(input_info{u->owner, u->asset, u->amount, u->lot});
        used.insert(u->id);
      }
      if (sum > shortfall)
        f.tx.outputs.push_back(ledger::pay(h.asset, sum - shortfall, how.owner, h.lot));
    }
    if (f.tx.inputs.size() > ledger::max_tx_inputs || f.tx.outputs.size() > ledger::max_tx_outputs)
      throw std::runtime_error("the transaction would need more than " +
                               std::to_string(ledger::max_tx_inputs) +
                               " inputs or outputs; merge small outputs first");
    if (!how.pay_fee || how.fixed_fee) return fee;
    auto least = minimum_fee(how.chain.min_fee_per_kb, signed_size(f));
    if (least <= fee) return fee;
    fee = least;
  }
  throw std::runtime_error("the fee did not settle");
}

void report_built(const tx_file& f, std::uint64_t fee, const std::string& out, bool as_json,
                  std::string_view next, const json& extra) {
  std::size_t complete = 0;
  for (std::size_t i = 0; i < f.tx.inputs.size(); ++i)
    complete += signatures_of(f, i).complete() ? 1 : 0;
  if (as_json) {
    json j{{"id", f.tx.id().hex()},          {"inputs", f.tx.inputs.size()},
           {"outputs", f.tx.outputs.size()}, {"fee", fee},
           {"signed_inputs", complete},      {"out", out}};
    j.update(extra);
    print_json(j);
    return;
  }
  std::cout << "id       " << f.tx.id().hex() << '\n'
            << "inputs   " << f.tx.inputs.size() << " (" << complete << " fully signed)\n"
            << "outputs  " << f.tx.outputs.size() << '\n'
            << "fee      " << fee << '\n'
            << "wrote    " << out << '\n';
  if (!next.empty()) std::cout << "next     " << next << '\n';
}

std::vector<std::size_t> maybe_sign(tx_file& f, const crypto::key_pair& key, bool sign) {
  return sign ? sign_all(f, key) : std::vector<std::size_t>{};
}

int submit_and_report(const node_client& node, const tx_file& f, bool as_json,
                      std::string_view command, const json& extra) {
  auto raw = ledger::encode(f.tx);
  auto r = node.post("/tx", json{{"tx", to_hex(byte_view{raw.data(), raw.size()})}});
  if (!r) throw std::runtime_error(r.err().message);
  const auto& e = r->body.contains("error") ? r->body["error"] : json::object();
  std::string rule = e.is_object() ? e.value("rule", std::string("error")) : "error";
  std::string message = e.is_object() ? e.value("message", std::string()) : e.dump();
  // A retry after a 503 refused as a duplicate: an earlier attempt reached the node's pool.
  bool earlier = r->status != 200 && r->attempts > 1 && rule == "duplicate";
  if (as_json) {
    auto j = r->body;
    if (earlier)
      j = json{{"id", f.tx.id().hex()}, {"status", "accepted"}, {"attempts", r->attempts}};
    if (j.is_object()) j.update(extra);
    print_json(j);
  }
  if (earlier) {
    if (!as_json)
      std::cout << "id      " << f.tx.id().hex() << '\n'
                << "status  accepted (by an earlier attempt, which the busy node answered 503)\n";
    return 0;
  }
  if (r->status == 200) {
    if (!as_json)
      std::cout << "id      " << r->body.value("id", f.tx.id().hex()) << '\n'
                << "status  " << r->body.value("status", std::string("?")) << '\n';
    // The node cannot tell an input it has not seen yet from one already spent.
    if (!as_json && r->body.value("status", std::string()) == "orphan")
      std::cerr << "note: the node holds it until an input it does not know appears; if that "
                   "input is already spent, it never will\n";
    return 0;
  }
  // The node's message starts with the rule; print it once.
  if (message.starts_with(rule + ": ")) message.erase(0, rule.size() + 2);
  if (!as_json)
    std::cerr << "bystack-cli " << command << ": refused (" << rule << "): " << message << '\n';
  return 1;
}

void print_json(const json& j) {
  std::cout << j.dump(2) << '\n';
}

} // namespace bystack::cli
