#include "runtime/mainchain/config.hpp"

#include "runtime/config/genesis_yaml.hpp"
#include "runtime/config/yaml_reader.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace bystack::mainchaind {

namespace {

std::uint64_t read_bits_hex(config::map_reader& m, const std::string& key) {
  auto s = m.required<std::string>(key);
  std::uint64_t v = 0;
  if (s.size() < 3 || s.size() > 18 || s.rfind("0x", 0) != 0)
    m.fail(key, "expected compact bits as a hex string like \"0x20000000007fffff\"");
  for (std::size_t i = 2; i < s.size(); ++i) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) m.fail(key, "expected hex digits after 0x, got '" + s + "'");
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  auto t = pow::compact_to_target(v);
  if (t.negative || t.overflow || t.magnitude.is_zero())
    m.fail(key, "bits " + s + " do not encode a positive target below 2^256");
  return v;
}

node_config read(config::map_reader root, const std::string& name,
                 const std::filesystem::path& base) {
  node_config c;
  c.source = name;
  {
    auto n = root.map("node");
    c.name = n.required<std::string>("name");
    if (c.name.empty() || c.name.size() > 64) n.fail("name", "1 to 64 characters");
    c.listen = config::read_endpoint(n.map("listen"));
    c.api = config::read_endpoint(n.map("api"));
    auto dir = n.required<std::string>("data_dir");
    if (dir.empty()) n.fail("data_dir", "must not be empty");
    c.data_dir = config::resolve_path(base, dir);
    c.sync_writes = n.optional<bool>("sync_writes", false);
    c.api_threads = static_cast<std::uint32_t>(n.optional_int("api_threads", 4, 1, 64));
  }
  {
    auto peers = root.list("peers");
    std::set<std::string> names{c.name};
    for (std::size_t i = 0; i < peers.size(); ++i) {
      auto m = peers.map_at(i);
      peer_config p;
      p.name = m.required<std::string>("name");
      if (!names.insert(p.name).second)
        m.fail("name", "'" + p.name + "' is this node's name or another peer's");
      p.addr.address = m.required<std::string>("address");
      if (p.addr.address.empty()) m.fail("address", "must not be empty");
      p.addr.port = static_cast<std::uint16_t>(m.required_int("port", 1, 65535));
      c.peers.push_back(std::move(p));
    }
  }
  {
    auto m = root.map("consensus");
    auto& k = c.consensus;
    k.target_block_ms = m.optional_int("target_block_ms", 150'000, 1, std::int64_t{1} << 40);
    k.retarget_blocks =
        static_cast<std::uint64_t>(m.optional_int("retarget_blocks", 2016, 2, 1'000'000'000));
    k.max_adjust_factor =
        static_cast<std::uint64_t>(m.optional_int("max_adjust_factor", 4, 1, 1'000'000));
    k.max_future_drift_ms =
        m.optional_int("max_future_drift_ms", k.max_future_drift_ms, 0, std::int64_t{1} << 40);
    k.median_time_blocks =
        static_cast<std::size_t>(m.optional_int("median_time_blocks", 11, 1, 1000));
    if (m.has("pow_limit_bits")) k.pow_limit_bits = read_bits_hex(m, "pow_limit_bits");
    k.rule = m.optional_choice("retarget_rule", "bystack", {"bystack", "bytom"}) == "bytom"
                 ? mainchain::retarget_rule::bytom
                 : mainchain::retarget_rule::bystack;
    if (m.has("genesis_bits") && m.has("genesis_expected_hashes"))
      m.fail("genesis_bits", "give either 'genesis_bits' or 'genesis_expected_hashes', not both");
    if (m.has("genesis_bits")) {
      k.genesis_bits = read_bits_hex(m, "genesis_bits");
    } else {
      auto hashes = m.required_int("genesis_expected_hashes", 2, std::int64_t{1} << 62);
      k.genesis_bits = bits_for_expected_hashes(static_cast<std::uint64_t>(hashes));
    }
    if (pow::compact_to_target(k.genesis_bits).magnitude >
        pow::compact_to_target(k.pow_limit_bits).magnitude)
      m.fail("genesis_bits", "the genesis target is easier than pow_limit_bits");
    c.genesis_time_ms =
        static_cast<std::uint64_t>(m.required_int("genesis_time_ms", 0, std::int64_t{1} << 50));
  }
  {
    if (root.has("genesis") && root.has("genesis_file"))
      root.fail("genesis_file", "give either 'genesis' or 'genesis_file', not both");
    if (root.has("genesis")) {
      c.genesis = config::read_genesis(root.map("genesis"));
    } else {
      auto file = root.required<std::string>("genesis_file");
      if (file.empty()) root.fail("genesis_file", "must not be empty");
      auto g = config::load_genesis(config::resolve_path(base, file));
      if (!g) root.fail("genesis_file", g.err().message);
      c.genesis = std::move(g).value();
    }
    auto s = ledger::genesis_state(c.genesis);
    if (!s) root.fail(root.has("genesis") ? "genesis" : "genesis_file", s.err().message);
  }
  if (auto m = root.optional_map("mining")) {
    c.mining.enabled = m->optional<bool>("enabled", true);
    auto payout = config::read_program(*m, "payout");
    if (!payout) m->fail("payout", "needed: the hex public key (or payout_multisig) paid");
    c.mining.payout = *payout;
    c.mining.batch_hashes =
        static_cast<std::uint64_t>(m->optional_int("batch_hashes", 1, 1, 1'000'000));
  }
  if (auto m = root.optional_map("limits")) {
    c.max_message_bytes = static_cast<std::uint64_t>(
        m->optional_int("max_message_bytes", 32 << 20, 1 << 16, std::int64_t{1} << 32));
    c.max_request_bytes = static_cast<std::uint64_t>(
        m->optional_int("max_request_bytes", 16 << 20, 1 << 10, std::int64_t{1} << 32));
    c.reconnect_ms =
        static_cast<std::uint64_t>(m->optional_int("reconnect_ms", 500, 10, 3'600'000));
    c.max_pool_txs =
        static_cast<std::uint64_t>(m->optional_int("max_pool_txs", 200'000, 1, 100'000'000));
  }
  root.finish();
  return c;
}

} // namespace

std::uint64_t bits_for_expected_hashes(std::uint64_t hashes) {
  return pow::target_to_compact(mainchain::scale_target(pow::uint256::max(), 1, hashes));
}

result<node_config> parse_config(const std::string& text, const std::string& name,
                                 const std::filesystem::path& base_dir) {
  auto doc = config::yaml_document::parse(text, name);
  if (!doc) return doc.err();
  try {
    return read(doc->root(), name, base_dir);
  } catch (const config::config_error& e) {
    return make_error(e.what());
  }
}

result<node_config> load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return make_error(file.string() + ": cannot open the config file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  return parse_config(ss.str(), file.string(), base);
}

} // namespace bystack::mainchaind
