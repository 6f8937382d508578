#include "sim/scenario.hpp"

#include "runtime/config/genesis_yaml.hpp"

#include "runtime/config/yaml_reader.hpp"

#include <cmath>
#include <numeric>
#include <sstream>

namespace bystack::sim {

namespace {

using config::list_reader;
using config::map_reader;

std::int64_t ms_to_us(double ms) {
  return static_cast<std::int64_t>(std::llround(ms * 1000.0));
}

void read_latency(map_reader m, latency_model& l, std::uint32_t nodes) {
  auto model = m.optional_choice("model", "constant", {"constant", "uniform", "normal", "regions"});
  if (model == "constant") {
    l.model = latency_model::kind::constant;
    l.ms = m.optional_double("ms", 50, 0, 1e6);
  } else if (model == "uniform") {
    l.model = latency_model::kind::uniform;
    l.min_ms = m.optional_double("min_ms", 10, 0, 1e6);
    l.max_ms = m.optional_double("max_ms", 100, 0, 1e6);
    if (l.max_ms < l.min_ms) m.fail("max_ms", "must not be below min_ms");
  } else if (model == "normal") {
    l.model = latency_model::kind::normal;
    l.mean_ms = m.optional_double("mean_ms", 50, 0, 1e6);
    l.stddev_ms = m.optional_double("stddev_ms", 10, 0, 1e6);
  } else {
    l.model = latency_model::kind::regions;
    auto names = m.list("regions", true);
    for (std::size_t i = 0; i < names.size(); ++i)
      l.region_names.push_back(names.at<std::string>(i));
    auto rows = m.list("rtt_ms", true);
    if (rows.size() != l.region_names.size())
      m.fail("rtt_ms", "needs one row per region (" + std::to_string(l.region_names.size()) + ")");
    // Rows are lists of numbers; read each row through its own map-less reader.
    for (std::size_t r = 0; r < rows.size(); ++r) {
      auto row = rows.at<std::string>(r); // rows are written as "a b c" or "a, b, c" strings
      std::vector<double> values;
      std::string cur;
      auto flush = [&] {
        if (cur.empty()) return;
        char* end = nullptr;
        double v = std::strtod(cur.c_str(), &end);
        if (*end != '\0' || v < 0) rows.fail(r, "'" + cur + "' is not a non-negative number");
        values.push_back(v);
        cur.clear();
      };
      for (char c : row) {
        if (c == ' ' || c == ',' || c == '\t')
          flush();
        else
          cur.push_back(c);
      }
      flush();
      if (values.size() != l.region_names.size())
        rows.fail(r, "needs " + std::to_string(l.region_names.size()) + " values, has " +
                         std::to_string(values.size()));
      l.rtt_ms.push_back(std::move(values));
    }
    l.jitter_ms = m.optional_double("jitter_ms", 0, 0, 1e6);
    auto assign = m.list("region_of");
    if (assign.size() > 0) {
      if (assign.size() != nodes)
        m.fail("region_of", "needs one region per node (" + std::to_string(nodes) + ")");
      for (std::size_t i = 0; i < assign.size(); ++i) {
        auto r = assign.at<std::uint32_t>(i);
        if (r >= l.region_names.size()) assign.fail(i, "region index out of range");
        l.region_of.push_back(r);
      }
    }
  }
  m.finish();
}

void read_cpu(map_reader m, cpu_model& c) {
  c.per_message_us = m.optional_double("per_message_us", c.per_message_us, 0, 1e6);
  c.decode_ns_per_byte = m.optional_double("decode_ns_per_byte", c.decode_ns_per_byte, 0, 1e6);
  c.encode_ns_per_byte = m.optional_double("encode_ns_per_byte", c.encode_ns_per_byte, 0, 1e6);
  c.verify_us = m.optional_double("verify_us", c.verify_us, 0, 1e6);
  c.sign_us = m.optional_double("sign_us", c.sign_us, 0, 1e6);
  c.aggregate_verify_us = m.optional_double("aggregate_verify_us", c.aggregate_verify_us, 0, 1e7);
  c.aggregate_per_signer_us =
      m.optional_double("aggregate_per_signer_us", c.aggregate_per_signer_us, 0, 1e6);
  m.finish();
}

void read_protocol(map_reader m, bbft::params& p) {
  p.view_timeout_us = ms_to_us(m.optional_double("view_timeout_ms", 4000, 1, 1e7));
  p.max_view_timeout_us = ms_to_us(m.optional_double("max_view_timeout_ms", 64000, 1, 1e8));
  p.group_wait_us = ms_to_us(m.optional_double("group_wait_ms", 2000, 0, 1e7));
  p.block_interval_us = ms_to_us(m.optional_double("block_interval_ms", 0, 0, 1e7));
  p.empty_block_interval_us = ms_to_us(m.optional_double("empty_block_interval_ms", 0, 0, 1e7));
  p.block_catch_up = m.optional<bool>("block_catch_up", false); // actors/common/params.hpp
  if (p.empty_block_interval_us >= p.view_timeout_us)
    m.fail("empty_block_interval_ms", "must be below view_timeout_ms, or idle views time out");
  p.sync_retry_us = ms_to_us(m.optional_double("sync_retry_ms", 1000, 1, 1e7));
  // Early group certificates (docs/relay.md); 0 keeps the paper's one certificate per group.
  p.early_group_cert_share = m.optional_double("early_group_cert", 0, 0, 1);
  p.synthetic_txs_per_block =
      static_cast<std::uint32_t>(m.optional_int("txs_per_block", 0, 0, 100'000));
  p.synthetic_payload_bytes =
      static_cast<std::uint32_t>(m.optional_int("tx_payload_bytes", 100, 0, 64 * 1024));
  p.max_block_txs = static_cast<std::uint32_t>(m.optional_int("max_block_txs", 10'000, 1, 100'000));
  // Relay (docs/relay.md); the defaults keep whole-block relay.
  auto relay = m.optional_choice("relay", "full", {"full", "compact", "pipelined"});
  p.relay = relay == "compact"     ? bbft::relay_mode::compact
            : relay == "pipelined" ? bbft::relay_mode::pipelined
                                   : bbft::relay_mode::full;
  if (auto g = m.optional_map("gossip")) {
    // Client load: by default the synthetic block load (txs_per_block per block interval).
    std::int64_t tps = 0;
    if (p.block_interval_us > 0)
      tps = static_cast<std::int64_t>(double(p.synthetic_txs_per_block) * 1e6 /
                                      double(p.block_interval_us));
    p.gossip_client_tps =
        static_cast<std::uint32_t>(g->optional_int("client_tps", tps, 0, 10'000'000));
    p.gossip_entry_nodes =
        static_cast<std::uint32_t>(g->optional_int("entry_nodes", 16, 1, 1'000'000));
    p.gossip_degree = static_cast<std::uint32_t>(g->optional_int("degree", 8, 1, 1024));
    p.gossip_interval_us = ms_to_us(g->optional_double("interval_ms", 100, 1, 1e6));
    p.gossip_verify_txs = g->optional<bool>("verify_txs", true);
    p.compact_min_age_us = ms_to_us(g->optional_double("min_age_ms", 1000, 0, 1e7));
    p.short_id_bytes = static_cast<std::uint32_t>(g->optional_int("short_id_bytes", 6, 1, 8));
    if (g->has("prefill_ms"))
      p.compact_prefill_age_us = ms_to_us(g->optional_double("prefill_ms", 0, 0, 1e7));
    if (g->has("own_min_age_ms"))
      p.compact_own_min_age_us = ms_to_us(g->optional_double("own_min_age_ms", 0, 0, 1e7));
  }
  if (p.relay == bbft::relay_mode::compact && p.gossip_client_tps == 0 && p.block_interval_us > 0)
    p.gossip_client_tps = static_cast<std::uint32_t>(double(p.synthetic_txs_per_block) * 1e6 /
                                                     double(p.block_interval_us));
  m.finish();
}

void read_ledger(map_reader m, ledger_spec& l) {
  l.enabled = true;
  if (auto g = m.optional_map("genesis")) l.genesis = config::read_genesis(*g);
  l.wallets = static_cast<std::uint32_t>(m.optional_int("wallets", l.wallets, 4, 1'000'000));
  l.rate_tps = m.optional_double("rate_tps", l.rate_tps, 0, 1e7);
  l.tick_ms = m.optional_double("tick_ms", l.tick_ms, 1, 1e6);
  l.invalid_share = m.optional_double("invalid_share", l.invalid_share, 0, 1);
  l.swap_share = m.optional_double("swap_share", l.swap_share, 0, 1);
  l.multisig_share = m.optional_double("multisig_share", l.multisig_share, 0, 1);
  l.atomic_share = m.optional_double("atomic_share", l.atomic_share, 0, 1);
  l.quark_share = m.optional_double("quark_share", l.quark_share, 0, 1);
  l.quantum_share = m.optional_double("quantum_share", l.quantum_share, 0, 1);
  if (l.swap_share + l.multisig_share + l.atomic_share + l.quark_share + l.quantum_share > 1)
    m.fail("swap_share", "the shares of swap, multisig, atomic, quark and quantum add up to more "
                         "than 1");
  l.fee_per_kb = static_cast<std::uint64_t>(
      m.optional_int("fee_per_kb", static_cast<std::int64_t>(l.fee_per_kb), 0, 1'000'000'000));
  l.block_reward = static_cast<std::uint64_t>(m.optional_int("block_reward", 0, 0, INT64_MAX));
  l.initial_balance = static_cast<std::uint64_t>(m.optional_int(
      "initial_balance", static_cast<std::int64_t>(l.initial_balance), 1'000'000, INT64_MAX));
  l.coinbase = m.optional<bool>("coinbase", l.coinbase);
  l.stop_after_s = m.optional_double("stop_after_s", 0, 0, 1e9);
}

void read_faults(list_reader l, std::vector<fault_spec>& out) {
  static const std::vector<std::string> kinds = {"crash",
                                                 "loss",
                                                 "delay",
                                                 "partition",
                                                 "silent_leader",
                                                 "equivocate",
                                                 "drop_votes",
                                                 "withhold_certificate",
                                                 "forge_certificate",
                                                 "double_vote",
                                                 "garbage",
                                                 "invalid_block"};
  for (std::size_t i = 0; i < l.size(); ++i) {
    auto m = l.map_at(i);
    fault_spec f;
    f.kind = m.optional_choice("kind", "", kinds);
    if (f.kind.empty()) m.fail("kind", "missing (required)");
    auto nodes = m.list("nodes");
    for (std::size_t j = 0; j < nodes.size(); ++j)
      f.nodes.push_back(nodes.at<std::uint32_t>(j));
    f.at_ms = m.optional_double("at_ms", 0, 0, 1e9);
    if (m.has("until_ms")) {
      f.until_ms = m.optional_double("until_ms", 0, 0, 1e9);
      if (*f.until_ms < f.at_ms) m.fail("until_ms", "must not be before at_ms");
    }
    f.rate = m.optional_double("rate", 0, 0, 1);
    f.delay_ms = m.optional_double("delay_ms", 0, 0, 1e7);
    auto other = m.list("other_side");
    for (std::size_t j = 0; j < other.size(); ++j)
      f.group_b.push_back(other.at<std::uint32_t>(j));
    m.finish();
    out.push_back(std::move(f));
  }
}

std::vector<std::uint32_t> read_ids(list_reader l) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < l.size(); ++i)
    out.push_back(l.at<std::uint32_t>(i));
  return out;
}

void read_twins(map_reader m, twins_spec& t) {
  t.nodes = read_ids(m.list("nodes", true));
  auto parts = m.list("partitions");
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto p = parts.map_at(i);
    twins_partition tp;
    auto views = p.list("views", true);
    if (views.size() != 2) p.fail("views", "needs [first, last]");
    tp.first_view = views.at<std::uint64_t>(0);
    tp.last_view = views.at<std::uint64_t>(1);
    if (tp.first_view == 0 || tp.last_view < tp.first_view)
      p.fail("views", "needs 1 <= first <= last");
    // Sides are rows of instance numbers ("0 1 2"), as the latency model's rtt_ms rows.
    auto sides = p.list("sides", true);
    for (std::size_t j = 0; j < sides.size(); ++j) {
      std::istringstream row(sides.at<std::string>(j));
      std::vector<std::uint32_t> side;
      std::int64_t x = 0;
      while (row >> x) {
        if (x < 0) sides.fail(j, "instances are numbers from 0");
        side.push_back(static_cast<std::uint32_t>(x));
      }
      if (!row.eof()) sides.fail(j, "expected instance numbers separated by spaces");
      tp.sides.push_back(std::move(side));
    }
    p.finish();
    t.partitions.push_back(std::move(tp));
  }
  if (m.has("heal_ms")) t.heal_ms = m.optional_double("heal_ms", 0, 0, 1e9);
}

void read_adversary(map_reader m, adversary_spec& a) {
  a.nodes = read_ids(m.list("nodes", true));
  a.strategy = m.optional_choice("strategy", "split", {"split"});
  a.first_half = read_ids(m.list("first_half"));
  a.at_ms = m.optional_double("at_ms", 0, 0, 1e9);
  if (m.has("release_ms")) {
    a.release_ms = m.optional_double("release_ms", 0, 0, 1e9);
    if (*a.release_ms < a.at_ms) m.fail("release_ms", "must not be before at_ms");
  }
}

result<scenario> read(const config::yaml_document& doc) {
  try {
    scenario s;
    s.source = doc.name();
    auto root = doc.root();
    s.name = root.optional<std::string>("name", "unnamed");
    s.seed = root.optional<std::uint64_t>("seed", 1);
    s.nodes = static_cast<std::uint32_t>(root.optional_int("nodes", 4, 1, 1'000'000));
    s.supers = static_cast<std::uint32_t>(root.optional_int("supers", 1, 1, 1'000'000));
    auto groups = root.list("groups");
    for (std::size_t i = 0; i < groups.size(); ++i) {
      auto g = groups.at<std::uint32_t>(i);
      if (g == 0) groups.fail(i, "a group needs at least one node");
      s.group_sizes.push_back(g);
    }
    s.rounds = static_cast<std::uint32_t>(root.optional_int("rounds", 10, 1, 10'000'000));
    s.crypto = root.optional_choice("crypto", "modelled", {"modelled", "ed25519"});
    s.certificates = root.optional_choice("certificates", "list", {"list", "aggregate"});
    s.aggregate_bytes =
        static_cast<std::uint32_t>(root.optional_int("aggregate_bytes", 48, 1, 4096));
    s.max_sim_seconds = root.optional_double("max_sim_seconds", 3600, 0.001, 1e9);
    if (auto net = root.optional_map("network")) {
      if (auto lat = net->optional_map("latency")) read_latency(*lat, s.network.latency, s.nodes);
      s.network.bandwidth_mbps = net->optional_double("bandwidth_mbps", 100, 0.001, 1e7);
      if (net->has("super_bandwidth_mbps"))
        s.network.super_bandwidth_mbps =
            net->optional_double("super_bandwidth_mbps", 0, 0.001, 1e7);
      net->finish();
    }
    if (auto cpu = root.optional_map("cpu")) read_cpu(*cpu, s.cpu);
    if (auto proto = root.optional_map("protocol")) read_protocol(*proto, s.protocol);
    if (auto l = root.optional_map("ledger")) read_ledger(*l, s.ledger);
    read_faults(root.list("faults"), s.faults);
    if (auto t = root.optional_map("twins")) read_twins(*t, s.twins);
    if (auto a = root.optional_map("adversary")) read_adversary(*a, s.adversary);
    if (auto chk = root.optional_map("checks")) {
      s.check_safety = chk->optional<bool>("safety", true);
      if (chk->has("liveness_bound_ms"))
        s.liveness_bound_ms = chk->optional_double("liveness_bound_ms", 0, 1, 1e9);
      chk->finish();
    }
    root.finish();
    if (!s.group_sizes.empty()) {
      auto sum = std::accumulate(s.group_sizes.begin(), s.group_sizes.end(), std::uint64_t{0});
      if (sum != s.nodes)
        root.fail("groups", "group sizes add up to " + std::to_string(sum) + ", but nodes is " +
                                std::to_string(s.nodes));
      if (s.group_sizes.size() != s.supers)
        root.fail("groups", "lists " + std::to_string(s.group_sizes.size()) +
                                " groups, but supers is " + std::to_string(s.supers));
    }
    if (s.supers > s.nodes)
      root.fail("supers", "cannot exceed nodes (" + std::to_string(s.nodes) + ")");
    if (s.network.latency.model == latency_model::kind::regions &&
        s.network.latency.region_of.empty() == false &&
        s.network.latency.region_of.size() != s.nodes)
      root.fail("network", "region_of must list one region per node");
    return s;
  } catch (const config::config_error& e) {
    return make_error(e.what());
  }
}

} // namespace

result<scenario> load_scenario(const std::filesystem::path& file) {
  auto doc = config::yaml_document::load(file);
  if (!doc) return doc.err();
  return read(*doc);
}

result<scenario> parse_scenario(const std::string& text, const std::string& name) {
  auto doc = config::yaml_document::parse(text, name);
  if (!doc) return doc.err();
  return read(*doc);
}

result<void> validate(const scenario& s) {
  if (s.supers == 0 || s.supers > s.nodes)
    return make_error(s.source + ": supers must be in 1.." + std::to_string(s.nodes));
  if (!s.group_sizes.empty()) {
    auto sum = std::accumulate(s.group_sizes.begin(), s.group_sizes.end(), std::uint64_t{0});
    if (sum != s.nodes || s.group_sizes.size() != s.supers)
      return make_error(s.source + ": groups do not match nodes and supers");
  }
  if (s.network.latency.model == latency_model::kind::regions &&
      !s.network.latency.region_of.empty() && s.network.latency.region_of.size() != s.nodes)
    return make_error(s.source + ": region_of must list one region per node");
  for (const auto& f : s.faults)
    for (auto n : f.nodes)
      if (n >= s.nodes)
        return make_error(s.source + ": fault '" + f.kind + "' names node " + std::to_string(n) +
                          ", but the network has " + std::to_string(s.nodes));
  if (s.protocol.relay == bbft::relay_mode::compact && s.ledger.enabled)
    return make_error(s.source + ": relay: compact gossips synthetic transactions; it does not "
                                 "run with a ledger section");
  for (const auto& f : s.faults)
    if (f.kind == "invalid_block" && !s.ledger.enabled)
      return make_error(s.source + ": fault 'invalid_block' needs a ledger section (an opaque "
                                   "payload cannot be invalid)");
  return {};
}

scenario reference_scenario(std::uint32_t nodes, std::uint32_t supers, std::uint32_t rounds) {
  scenario s;
  s.name = "sim-bench";
  s.source = "bystack-sim-bench";
  s.seed = 1;
  s.nodes = nodes;
  s.supers = supers;
  s.rounds = rounds;
  s.crypto = "modelled";
  s.certificates = "aggregate";
  s.network.latency.model = latency_model::kind::uniform;
  s.network.latency.min_ms = 20;
  s.network.latency.max_ms = 80;
  s.network.bandwidth_mbps = 100;
  s.network.super_bandwidth_mbps = 1000;
  s.protocol.synthetic_txs_per_block = 100;
  s.protocol.view_timeout_us = 60'000'000;
  s.max_sim_seconds = 1e6;
  return s;
}

} // namespace bystack::sim
