#include "runtime/node/config.hpp"

#include "runtime/config/genesis_yaml.hpp"
#include "runtime/config/yaml_reader.hpp"
#include "runtime/ledger/block.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

namespace bystack::node {

namespace {

std::int64_t ms_to_us(std::int64_t ms) {
  return ms * 1000;
}

/// Reads the genesis's `dpos:` section over a universe of `universe` candidate nodes.
dpos_config read_dpos(config::map_reader m, std::size_t universe) {
  dpos_config d;
  auto n = static_cast<std::int64_t>(universe);
  auto& e = d.election;
  e.epoch_blocks = static_cast<std::uint64_t>(m.required_int("epoch_blocks", 2, 100'000'000));
  e.consensus_size = static_cast<std::uint32_t>(m.required_int("consensus_size", 1, n));
  e.min_size = static_cast<std::uint32_t>(
      m.optional_int("min_size", std::min<std::int64_t>(4, e.consensus_size), 1, e.consensus_size));
  e.min_votes = static_cast<std::uint64_t>(
      m.optional_int("min_votes", 1, 1, std::numeric_limits<std::int64_t>::max()));
  d.supers = static_cast<std::uint32_t>(m.optional_int("supers", 1, 1, e.consensus_size));
  d.stake_and_delay = m.optional_choice("policy", "stake_only",
                                        {"stake_only", "stake_and_delay"}) == "stake_and_delay";
  d.max_group = static_cast<std::uint32_t>(m.optional_int("max_group", 0, 0, n));
  auto big = std::numeric_limits<std::int64_t>::max();
  d.rules.vote_lock_blocks =
      static_cast<std::uint64_t>(m.optional_int("vote_lock_blocks", 100, 0, 100'000'000));
  d.rules.min_vote = static_cast<std::uint64_t>(m.optional_int("min_vote", 1, 1, big));
  d.rules.candidate_deposit =
      static_cast<std::uint64_t>(m.optional_int("candidate_deposit", 1, 1, big));
  auto regions = m.list("regions");
  for (std::size_t i = 0; i < regions.size(); ++i) {
    auto r = regions.map_at(i);
    auto name = r.required<std::string>("name");
    if (name.empty() || name.size() > ledger::dpos::max_region_bytes)
      r.fail("name", "1 to " + std::to_string(ledger::dpos::max_region_bytes) + " bytes");
    if (std::find(d.regions.begin(), d.regions.end(), name) != d.regions.end())
      r.fail("name", "region '" + name + "' is declared twice");
    d.regions.push_back(name);
    auto delays = r.list("delay_ms", true);
    std::vector<double> row;
    for (std::size_t j = 0; j < delays.size(); ++j) {
      auto v = delays.at<double>(j);
      if (!(v >= 0 && v <= 60'000)) delays.fail(j, "a delay in 0..60000 ms");
      row.push_back(v);
    }
    d.delay_ms.push_back(std::move(row));
  }
  for (std::size_t i = 0; i < d.delay_ms.size(); ++i)
    if (d.delay_ms[i].size() != d.regions.size())
      regions.map_at(i).fail("delay_ms", "needs one delay per region (" +
                                             std::to_string(d.regions.size()) + ")");
  if (d.stake_and_delay && d.regions.empty())
    m.fail("policy", "stake_and_delay needs 'regions' (the declared delays between regions)");
  auto gs = m.list("genesis_set");
  std::set<std::uint32_t> seen;
  for (std::size_t i = 0; i < gs.size(); ++i) {
    auto v = gs.at<std::int64_t>(i);
    if (v < 0 || v >= n) gs.fail(i, "node index out of range 0.." + std::to_string(n - 1));
    if (!seen.insert(static_cast<std::uint32_t>(v)).second)
      gs.fail(i, "node " + std::to_string(v) + " is listed twice");
    d.genesis_set.push_back(static_cast<std::uint32_t>(v));
  }
  if (gs.size() > e.consensus_size)
    m.fail("genesis_set",
           "more members than consensus_size (" + std::to_string(e.consensus_size) + ")");
  if (d.genesis_set.empty())
    for (std::uint32_t i = 0; i < e.consensus_size; ++i)
      d.genesis_set.push_back(i);
  if (auto rw = m.optional_map("rewards")) {
    ledger::rewards::reward_params rp;
    rp.producer_share_pct =
        static_cast<std::uint32_t>(rw->optional_int("producer_share_pct", 100, 0, 100));
    rp.min_voter_payout =
        static_cast<std::uint64_t>(rw->optional_int("min_voter_payout", 1, 1, big));
    d.rewards = rp;
  }
  return d;
}

node_config read(config::map_reader root, const std::string& name,
                 const std::filesystem::path& base) {
  node_config c;
  c.source = name;
  {
    auto n = root.map("node");
    auto key = n.required<std::string>("key_file");
    if (key.empty()) n.fail("key_file", "must not be empty");
    c.key_file = config::resolve_path(base, key);
    c.listen = config::read_endpoint(n.map("listen"));
    auto dir = n.required<std::string>("data_dir");
    if (dir.empty()) n.fail("data_dir", "must not be empty");
    c.data_dir = config::resolve_path(base, dir);
    c.api = config::read_endpoint(n.map("api"));
    c.api_threads = static_cast<std::uint32_t>(n.optional_int("api_threads", 4, 1, 64));
    c.sync_writes = n.optional<bool>("sync_writes", true);
    c.retained_blocks =
        static_cast<std::uint64_t>(n.optional_int("retained_blocks", 1024, 0, 1'000'000'000));
    c.check_whole_chain_at_start =
        n.optional_choice("check_chain_at_start", "all", {"all", "window"}) == "all";
  }
  auto cs = root.map("consensus");
  {
    auto nodes = cs.list("nodes", true);
    if (nodes.size() < 1) cs.fail("nodes", "needs at least one node");
    std::set<std::pair<std::string, std::uint16_t>> seen_addr;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      auto m = nodes.map_at(i);
      peer_config p;
      auto hex = m.required<std::string>("key");
      bytes raw;
      if (!from_hex(hex, raw) || raw.size() != p.key.size())
        m.fail("key", "expected 64 hex characters (an Ed25519 public key)");
      std::copy(raw.begin(), raw.end(), p.key.begin());
      p.addr.address = m.required<std::string>("address");
      p.addr.port = static_cast<std::uint16_t>(m.required_int("port", 1, 65535));
      if (!seen_addr.emplace(p.addr.address, p.addr.port).second)
        m.fail("port", "address and port already used by another node");
      c.nodes.push_back(std::move(p));
    }
  }
  if (auto p = root.optional_map("protocol")) {
    auto& q = c.protocol;
    q.view_timeout_us = ms_to_us(p->optional_int("view_timeout_ms", 4000, 10, 3'600'000));
    q.max_view_timeout_us = ms_to_us(p->optional_int("max_view_timeout_ms", 64'000, 10, 3'600'000));
    if (q.max_view_timeout_us < q.view_timeout_us)
      p->fail("max_view_timeout_ms", "must not be smaller than view_timeout_ms");
    q.group_wait_us = ms_to_us(p->optional_int("group_wait_ms", 2000, 1, 3'600'000));
    q.block_interval_us = ms_to_us(p->optional_int("block_interval_ms", 0, 0, 3'600'000));
    q.empty_block_interval_us =
        ms_to_us(p->optional_int("empty_block_interval_ms", 0, 0, 3'600'000));
    if (q.empty_block_interval_us >= q.view_timeout_us)
      p->fail("empty_block_interval_ms", "must be below view_timeout_ms, or idle views time out");
    q.sync_retry_us = ms_to_us(p->optional_int("sync_retry_ms", 1000, 1, 3'600'000));
    q.max_block_txs = static_cast<std::uint32_t>(
        p->optional_int("max_block_txs", 10'000, 1, ledger::max_block_transactions));
    q.max_pool_txs =
        static_cast<std::uint64_t>(p->optional_int("max_pool_txs", 200'000, 1, 100'000'000));
    q.sync_max_blocks = static_cast<std::uint32_t>(p->optional_int("sync_max_blocks", 16, 1, 4096));
    // Shortening the round (docs/relay.md), off by default as in the simulator: a leader aims at
    // two intervals after its grandparent, and a super node sends its group certificate once
    // early_group_cert of its group has voted (then the complete one).
    q.block_catch_up = p->optional<bool>("block_catch_up", false);
    q.early_group_cert_share = p->optional_double("early_group_cert", 0, 0, 1);
    // Proposal relay (docs/relay.md): whole blocks, or transaction gossip plus compact proposals.
    auto relay = p->optional_choice("relay", "full", {"full", "compact"});
    q.relay = relay == "compact" ? bbft::relay_mode::compact : bbft::relay_mode::full;
    // Real nodes gossip their clients' transactions; nothing is generated, and the signatures
    // were checked by the API of the node that took them.
    q.gossip_client_tps = 0;
    q.gossip_verify_txs = false;
    q.compact_prefill_age_us = 0;
    // Clients may submit one transaction to several nodes: blocks take it once.
    q.dedup_txs = true;
    if (auto g = p->optional_map("gossip")) {
      if (q.relay != bbft::relay_mode::compact)
        p->fail("gossip", "only 'relay: compact' gossips transactions");
      q.gossip_degree = static_cast<std::uint32_t>(g->optional_int("degree", 8, 1, 1024));
      q.gossip_interval_us = ms_to_us(g->optional_int("interval_ms", 100, 1, 60'000));
      q.compact_min_age_us = ms_to_us(g->optional_int("min_age_ms", 1000, 0, 600'000));
      q.compact_prefill_age_us = ms_to_us(g->optional_int("prefill_ms", 0, 0, 600'000));
      // A leader's own batches (its clients') wait this long instead of min_age_ms.
      if (g->has("own_min_age_ms"))
        q.compact_own_min_age_us = ms_to_us(g->optional_int("own_min_age_ms", 0, 0, 600'000));
      q.short_id_bytes = static_cast<std::uint32_t>(g->optional_int("short_id_bytes", 6, 1, 8));
    }
  } else {
    c.protocol.sync_max_blocks = 16;
  }
  if (auto l = root.optional_map("limits")) {
    auto& x = c.limits;
    auto mib = std::int64_t{1024 * 1024};
    x.max_message_bytes = static_cast<std::uint64_t>(
        l->optional_int("max_message_bytes", 32 * mib, 1024, 1024 * mib));
    x.peer_window_bytes = static_cast<std::uint64_t>(
        l->optional_int("peer_window_bytes", 64 * mib, 1024, 16 * 1024 * mib));
    if (x.peer_window_bytes < x.max_message_bytes)
      l->fail("peer_window_bytes", "must be at least max_message_bytes");
    x.inbound_queue_bytes = static_cast<std::uint64_t>(
        l->optional_int("inbound_queue_bytes", 128 * mib, 1024, 16 * 1024 * mib));
    x.max_request_bytes = static_cast<std::uint64_t>(
        l->optional_int("max_request_bytes", 16 * mib, 1024, 1024 * mib));
    x.max_txs_per_request =
        static_cast<std::uint64_t>(l->optional_int("max_txs_per_request", 20'000, 1, 1'000'000));
    x.reconnect_ms = static_cast<std::uint64_t>(l->optional_int("reconnect_ms", 500, 10, 600'000));
  }
  if (root.has("genesis") && root.has("genesis_file"))
    root.fail("genesis_file", "give either 'genesis' or 'genesis_file', not both");
  if (root.has("genesis")) {
    auto gm = root.map("genesis");
    c.genesis = config::read_genesis(gm);
    if (auto d = gm.optional_map("dpos")) c.dpos = read_dpos(*d, c.nodes.size());
  } else if (root.has("genesis_file")) {
    auto file = root.required<std::string>("genesis_file");
    if (file.empty()) root.fail("genesis_file", "must not be empty");
    c.genesis_file = config::resolve_path(base, file);
    // As config::load_genesis, plus the node-only `dpos:` section.
    auto doc = config::yaml_document::load(c.genesis_file);
    if (!doc) root.fail("genesis_file", doc.err().message);
    try {
      auto groot = doc->root();
      c.genesis = config::read_genesis(groot);
      if (auto d = groot.optional_map("dpos")) c.dpos = read_dpos(*d, c.nodes.size());
      groot.finish();
    } catch (const config::config_error& e) {
      root.fail("genesis_file", e.what());
    }
  }
  if (c.genesis) {
    if (auto s = ledger::genesis_state(*c.genesis); !s)
      root.fail(root.has("genesis") ? "genesis" : "genesis_file", s.err().message);
  }
  auto mode = root.optional_choice("ledger", c.genesis ? "butxo" : "opaque", {"butxo", "opaque"});
  c.ledger = mode == "butxo" ? ledger_mode::butxo : ledger_mode::opaque;
  if (c.ledger == ledger_mode::butxo && !c.genesis)
    root.fail("ledger", "'butxo' needs a genesis ('genesis:' mapping or 'genesis_file:')");
  if (c.dpos && c.ledger != ledger_mode::butxo)
    root.fail("ledger", "a 'dpos' genesis needs 'ledger: butxo'");
  if (c.dpos) {
    if (cs.has("groups"))
      cs.fail("groups", "with a 'dpos' genesis the groups come from the super-node policy; "
                        "remove 'groups'");
  } else {
    auto n = static_cast<std::uint32_t>(c.nodes.size());
    auto groups = cs.list("groups", true);
    if (groups.size() < 1) cs.fail("groups", "needs at least one group");
    std::vector<int> owner(n, -1);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      auto m = groups.map_at(g);
      group_config gc;
      gc.super_node = static_cast<std::uint32_t>(m.required_int("super", 0, n - 1));
      auto members = m.list("members", true);
      for (std::size_t j = 0; j < members.size(); ++j) {
        auto v = members.at<std::int64_t>(j);
        if (v < 0 || v >= n) members.fail(j, "node index out of range 0.." + std::to_string(n - 1));
        auto idx = static_cast<std::uint32_t>(v);
        if (owner[idx] >= 0)
          members.fail(j, "node " + std::to_string(idx) + " is already in group " +
                              std::to_string(owner[idx]));
        owner[idx] = static_cast<int>(g);
        gc.members.push_back(idx);
      }
      if (owner[gc.super_node] != static_cast<int>(g))
        m.fail("super", "the super node must be a member of its own group");
      c.groups.push_back(std::move(gc));
    }
    for (std::uint32_t i = 0; i < n; ++i)
      if (owner[i] < 0) cs.fail("groups", "node " + std::to_string(i) + " belongs to no group");
  }
  if (root.has("federation_file")) {
    auto file = root.required<std::string>("federation_file");
    if (file.empty()) root.fail("federation_file", "must not be empty");
    if (c.ledger != ledger_mode::butxo) root.fail("federation_file", "needs 'ledger: butxo'");
    c.federation_file = config::resolve_path(base, file);
  }
  if (auto t = root.optional_map("testing")) {
    const char* allow = std::getenv(test_faults_env);
    if (allow == nullptr || std::string(allow) != "1")
      t->fail("propose_invalid_every", std::string("test faults are refused unless ") +
                                           test_faults_env + "=1 is set in the environment");
    c.testing.propose_invalid_every =
        static_cast<std::uint64_t>(t->optional_int("propose_invalid_every", 0, 0, 1'000'000));
    if (c.testing.propose_invalid_every > 0 && c.ledger != ledger_mode::butxo)
      t->fail("propose_invalid_every", "needs 'ledger: butxo'");
    c.testing.link_faults = t->optional<bool>("link_faults", false);
  }
  root.finish();
  return c;
}

template <class F> result<node_config> guarded(F&& f) {
  try {
    return f();
  } catch (const config::config_error& e) {
    return make_error(e.what());
  }
}

} // namespace

result<node_config> load_node_config(const std::filesystem::path& file) {
  auto doc = config::yaml_document::load(file);
  if (!doc) return doc.err();
  auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  return guarded([&] { return read(doc->root(), file.string(), base); });
}

result<node_config> parse_node_config(const std::string& text, const std::string& name,
                                      const std::filesystem::path& base_dir) {
  auto doc = config::yaml_document::parse(text, name);
  if (!doc) return doc.err();
  return guarded([&] { return read(doc->root(), name, base_dir); });
}

std::string render_genesis(const ledger::genesis_spec& g, int indent) {
  std::ostringstream o;
  std::string pad(static_cast<std::size_t>(indent), ' ');
  auto q = [](const std::string& s) { return "\"" + s + "\""; };
  auto program = [&](const char* key, const ledger::control_program& p) {
    if (p.keys.empty()) return;
    o << ", " << key;
    if (p.threshold == 1 && p.keys.size() == 1) {
      o << ": " << to_hex(p.keys[0]);
      return;
    }
    o << "_multisig: {threshold: " << static_cast<int>(p.threshold) << ", keys: [";
    for (std::size_t i = 0; i < p.keys.size(); ++i)
      o << (i ? ", " : "") << to_hex(p.keys[i]);
    o << "]}";
  };
  o << pad << "network: " << q(g.network) << "\n"
    << pad << "min_fee_per_kb: " << g.min_fee_per_kb << "\n"
    << pad << "block_reward: " << g.block_reward << "\n"
    << pad << "assets:\n";
  std::map<ledger::asset_id, std::string> names;
  for (std::size_t i = 0; i < g.assets.size(); ++i) {
    const auto& a = g.assets[i];
    names[a.id()] = a.name;
    o << pad << "  - {name: " << q(a.name) << ", kind: " << ledger::kind_name(a.kind)
      << ", decimals: " << static_cast<int>(a.decimals);
    if (a.max_supply) o << ", max_supply: " << a.max_supply;
    if (a.nonce) o << ", nonce: " << a.nonce;
    if (i == g.native_index) o << ", native: true";
    program("issuer", a.issuer);
    o << "}\n";
  }
  o << pad << "outputs:\n";
  for (const auto& out : g.outputs) {
    o << pad << "  - {asset: " << q(names[out.asset]) << ", amount: " << out.amount;
    program("owner", out.owner);
    o << "}\n";
  }
  return o.str();
}

std::string render_node_config(const node_config& c) {
  std::ostringstream o;
  auto q = [](const std::string& s) { return "\"" + s + "\""; };
  o << "# bystackd config (see docs/node.md)\n"
    << "node:\n"
    << "  key_file: " << q(c.key_file.string()) << "\n"
    << "  listen: {address: " << q(c.listen.address) << ", port: " << c.listen.port << "}\n"
    << "  data_dir: " << q(c.data_dir.string()) << "\n"
    << "  api: {address: " << q(c.api.address) << ", port: " << c.api.port << "}\n"
    << "  sync_writes: " << (c.sync_writes ? "true" : "false") << "\n"
    << "  retained_blocks: " << c.retained_blocks << "\n"
    << "  check_chain_at_start: " << (c.check_whole_chain_at_start ? "all" : "window") << "\n"
    << "consensus:\n  nodes:\n";
  for (const auto& n : c.nodes)
    o << "    - {key: " << to_hex(n.key) << ", address: " << q(n.addr.address)
      << ", port: " << n.addr.port << "}\n";
  if (!c.groups.empty()) o << "  groups:\n"; // none with a dpos genesis
  for (const auto& g : c.groups) {
    o << "    - {super: " << g.super_node << ", members: [";
    for (std::size_t i = 0; i < g.members.size(); ++i)
      o << (i ? ", " : "") << g.members[i];
    o << "]}\n";
  }
  const auto& p = c.protocol;
  o << "protocol:\n"
    << "  view_timeout_ms: " << p.view_timeout_us / 1000 << "\n"
    << "  max_view_timeout_ms: " << p.max_view_timeout_us / 1000 << "\n"
    << "  group_wait_ms: " << p.group_wait_us / 1000 << "\n"
    << "  block_interval_ms: " << p.block_interval_us / 1000 << "\n"
    << "  empty_block_interval_ms: " << p.empty_block_interval_us / 1000 << "\n"
    << "  sync_retry_ms: " << p.sync_retry_us / 1000 << "\n"
    << "  max_block_txs: " << p.max_block_txs << "\n"
    << "  max_pool_txs: " << p.max_pool_txs << "\n"
    << "  sync_max_blocks: " << p.sync_max_blocks << "\n";
  if (p.block_catch_up) o << "  block_catch_up: true\n";
  if (p.early_group_cert_share > 0) {
    char share[32];
    auto end = std::to_chars(share, share + sizeof share, p.early_group_cert_share).ptr;
    o << "  early_group_cert: " << std::string_view(share, end - share) << "\n";
  }
  if (p.relay == bbft::relay_mode::compact) {
    o << "  relay: compact\n"
      << "  gossip:\n"
      << "    degree: " << p.gossip_degree << "\n"
      << "    interval_ms: " << p.gossip_interval_us / 1000 << "\n"
      << "    min_age_ms: " << p.compact_min_age_us / 1000 << "\n"
      << "    prefill_ms: " << std::max<std::int64_t>(0, p.compact_prefill_age_us) / 1000 << "\n"
      << "    short_id_bytes: " << p.short_id_bytes << "\n";
    if (p.compact_own_min_age_us >= 0)
      o << "    own_min_age_ms: " << p.compact_own_min_age_us / 1000 << "\n";
  }
  const auto& l = c.limits;
  o << "limits:\n"
    << "  max_message_bytes: " << l.max_message_bytes << "\n"
    << "  peer_window_bytes: " << l.peer_window_bytes << "\n"
    << "  inbound_queue_bytes: " << l.inbound_queue_bytes << "\n"
    << "  max_request_bytes: " << l.max_request_bytes << "\n"
    << "  max_txs_per_request: " << l.max_txs_per_request << "\n"
    << "  reconnect_ms: " << l.reconnect_ms << "\n";
  if (c.ledger == ledger_mode::butxo) {
    o << "ledger: butxo\n";
    if (!c.genesis_file.empty())
      o << "genesis_file: " << q(c.genesis_file.string()) << "\n";
    else if (c.genesis)
      o << "genesis:\n" << render_genesis(*c.genesis, 2);
    if (!c.federation_file.empty())
      o << "federation_file: " << q(c.federation_file.string()) << "\n";
  }
  if (c.testing.propose_invalid_every > 0 || c.testing.link_faults) {
    o << "testing:\n";
    if (c.testing.propose_invalid_every > 0)
      o << "  propose_invalid_every: " << c.testing.propose_invalid_every << "\n";
    if (c.testing.link_faults) o << "  link_faults: true\n";
  }
  return o.str();
}

} // namespace bystack::node
