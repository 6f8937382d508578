#include "runtime/config/genesis_yaml.hpp"

namespace bystack::config {

namespace {

crypto::public_key parse_key(const std::string& hex, const std::function<void(std::string)>& fail) {
  bytes b;
  if (!from_hex(hex, b) || b.size() != 32) fail("expected 64 hex characters (an Ed25519 public key)");
  crypto::public_key k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

} // namespace

std::optional<ledger::control_program> read_program(map_reader& m, const std::string& key) {
  if (m.has(key)) {
    auto hex = m.required<std::string>(key);
    return ledger::control_program::single(
        parse_key(hex, [&](const std::string& why) { m.fail(key, why); }));
  }
  auto ms = m.optional_map(key + "_multisig");
  if (!ms) return std::nullopt;
  ledger::control_program p;
  auto keys = ms->list("keys", true);
  if (keys.size() == 0 || keys.size() > ledger::max_multisig_keys)
    ms->fail("keys", "expected 1 to " + std::to_string(ledger::max_multisig_keys) + " keys");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto hex = keys.at<std::string>(i);
    p.keys.push_back(parse_key(hex, [&](const std::string& why) { keys.fail(i, why); }));
  }
  p.threshold = static_cast<std::uint8_t>(
      ms->required_int("threshold", 1, static_cast<std::int64_t>(p.keys.size())));
  return p;
}

ledger::genesis_spec read_genesis(map_reader m) {
  ledger::genesis_spec g;
  g.network = m.optional<std::string>("network", g.network);
  if (g.network.empty()) m.fail("network", "must not be empty");
  g.min_fee_per_kb =
      static_cast<std::uint64_t>(m.optional_int("min_fee_per_kb", 0, 0, std::int64_t{1} << 50));
  g.block_reward =
      static_cast<std::uint64_t>(m.optional_int("block_reward", 0, 0, std::int64_t{1} << 60));
  auto assets = m.list("assets", true);
  bool have_native = false;
  std::map<std::string, ledger::asset_id> by_name;
  for (std::size_t i = 0; i < assets.size(); ++i) {
    auto a = assets.map_at(i);
    ledger::asset_definition d;
    d.name = a.required<std::string>("name");
    if (d.name.empty() || d.name.size() > ledger::max_asset_name_bytes)
      a.fail("name", "expected 1 to 64 bytes");
    auto kind = a.optional_choice("kind", "byte", {"byte", "atomic", "quark", "quantum"});
    ledger::parse_kind(kind, d.kind);
    d.decimals = static_cast<std::uint8_t>(a.optional_int("decimals", 0, 0, ledger::max_decimals));
    d.max_supply =
        static_cast<std::uint64_t>(a.optional_int("max_supply", 0, 0, INT64_MAX));
    if (auto p = read_program(a, "issuer")) d.issuer = *p;
    auto data = a.optional<std::string>("data", "");
    if (data.size() > ledger::max_data_bytes) a.fail("data", "longer than 1024 bytes");
    d.data.assign(data.begin(), data.end());
    d.nonce = static_cast<std::uint64_t>(a.optional_int("nonce", 0, 0, INT64_MAX));
    if (a.optional<bool>("native", false)) {
      if (have_native) a.fail("native", "a second native asset");
      if (d.kind != ledger::asset_kind::byte) a.fail("native", "the native asset must be of kind byte");
      have_native = true;
      g.native_index = g.assets.size();
    }
    if (!by_name.emplace(d.name, d.id()).second) a.fail("name", "asset '" + d.name + "' defined twice");
    g.assets.push_back(std::move(d));
  }
  if (!have_native) m.fail("assets", "no asset is marked native: true");
  auto outs = m.list("outputs");
  for (std::size_t i = 0; i < outs.size(); ++i) {
    auto o = outs.map_at(i);
    ledger::output out;
    auto name = o.required<std::string>("asset");
    auto it = by_name.find(name);
    if (it == by_name.end()) o.fail("asset", "no genesis asset is named '" + name + "'");
    out.asset = it->second;
    out.amount = static_cast<std::uint64_t>(o.required_int("amount", 1, INT64_MAX));
    auto p = read_program(o, "owner");
    if (!p) o.fail("owner", "missing (owner: <hex public key> or owner_multisig: {...})");
    out.owner = *p;
    g.outputs.push_back(std::move(out));
  }
  return g;
}

result<ledger::genesis_spec> load_genesis(const std::filesystem::path& file) {
  auto doc = yaml_document::load(file);
  if (!doc) return doc.err();
  try {
    auto root = doc->root();
    auto g = read_genesis(root);
    root.finish();
    if (auto s = ledger::genesis_state(g); !s) return make_error(file.string() + ": " + s.err().message);
    return g;
  } catch (const config_error& e) {
    return make_error(e.what());
  }
}

} // namespace bystack::config
