/// bystackd: runs a production node, writes key files and generates local clusters.
///
///   bystackd --config FILE.yaml [--log-json]
///   bystackd keygen --out FILE
///   bystackd testnet --dir DIR --nodes N [--supers M | --groups 5,2] [--base-port P]
///                    [--host 127.0.0.1] [--view-timeout-ms T] [--group-wait-ms T]
///                    [--max-block-txs K] [--block-interval-ms T] [--ledger butxo|opaque]
///                    [--wallets N] [--wallet-seed S] [--relay full|compact]
///   bystackd genesis --out FILE [--wallets N] [--wallet-seed S] [--min-fee-per-kb F]

#include "actors/common/topology.hpp"
#include "runtime/federation/sidechain_host.hpp"
#include "runtime/node/api.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/loadgen_wallets.hpp"
#include "runtime/node/log.hpp"
#include "runtime/node/runtime.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <pthread.h>
#include <string>
#include <vector>

namespace {

using namespace bystack;

int usage() {
  std::cerr << "usage: bystackd --config FILE.yaml [--log-json]\n"
               "       bystackd keygen --out FILE\n"
               "       bystackd testnet --dir DIR --nodes N [--supers M | --groups 5,2]\n"
               "                        [--base-port P] [--host ADDR] [--view-timeout-ms T]\n"
               "                        [--group-wait-ms T] [--max-block-txs K]\n"
               "                        [--block-interval-ms T] [--ledger butxo|opaque]\n"
               "                        [--wallets N] [--wallet-seed S] [--relay full|compact]\n"
               "                        [--retained-blocks K]\n"
               "       bystackd genesis --out FILE [--wallets N] [--wallet-seed S]\n"
               "                        [--min-fee-per-kb F]\n";
  return 2;
}

/// Collects `--name value` pairs; returns false on a stray argument.
bool parse_flags(int argc, char** argv, int first, std::map<std::string, std::string>& out) {
  for (int i = first; i < argc; i += 2) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) return false;
    out[k.substr(2)] = argv[i + 1];
  }
  return true;
}

int keygen(const std::map<std::string, std::string>& f) {
  auto it = f.find("out");
  if (it == f.end() || f.size() != 1) return usage();
  auto kp = crypto::key_pair::generate();
  if (auto r = kp.save(it->second); !r) {
    std::cerr << "bystackd keygen: " << r.err().message << "\n";
    return 1;
  }
  std::cout << to_hex(kp.pub()) << "\n";
  return 0;
}

std::uint64_t number(const std::map<std::string, std::string>& f, const std::string& k,
                     std::uint64_t fallback) {
  auto it = f.find(k);
  if (it == f.end()) return fallback;
  return std::stoull(it->second);
}

/// Returns the genesis that funds the load generator's wallets (same seed and count as its
/// --wallet-seed and --wallets).
ledger::genesis_spec wallet_genesis(const std::map<std::string, std::string>& f) {
  auto seed =
      f.count("wallet-seed") ? f.at("wallet-seed") : std::string(node::loadgen_seed_default);
  auto wallets = number(f, "wallets", node::loadgen_wallets_default);
  if (wallets == 0 || wallets > 100'000) throw std::invalid_argument("--wallets: 1 to 100000");
  return node::loadgen_genesis(seed, wallets, number(f, "min-fee-per-kb", 1000));
}

void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

int genesis(const std::map<std::string, std::string>& f) {
  static const std::set<std::string> known = {"out", "wallets", "wallet-seed", "min-fee-per-kb"};
  for (const auto& [k, v] : f)
    if (!known.count(k)) {
      std::cerr << "bystackd genesis: unknown option --" << k << "\n";
      return usage();
    }
  if (!f.count("out")) return usage();
  try {
    write_text(f.at("out"),
               "# bystackd genesis: the load generator's wallets (see docs/node.md)\n" +
                   node::render_genesis(wallet_genesis(f)));
  } catch (const std::exception& e) {
    std::cerr << "bystackd genesis: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int testnet(const std::map<std::string, std::string>& f) {
  static const std::set<std::string> known = {"dir",
                                              "nodes",
                                              "supers",
                                              "groups",
                                              "base-port",
                                              "host",
                                              "view-timeout-ms",
                                              "group-wait-ms",
                                              "max-block-txs",
                                              "block-interval-ms",
                                              "ledger",
                                              "wallets",
                                              "wallet-seed",
                                              "min-fee-per-kb",
                                              "relay",
                                              "retained-blocks"};
  for (const auto& [k, v] : f)
    if (!known.count(k)) {
      std::cerr << "bystackd testnet: unknown option --" << k << "\n";
      return usage();
    }
  if (!f.count("dir") || !f.count("nodes")) return usage();
  try {
    std::filesystem::path dir = f.at("dir");
    auto n = static_cast<std::uint32_t>(number(f, "nodes", 4));
    auto host = f.count("host") ? f.at("host") : std::string("127.0.0.1");
    auto base = number(f, "base-port", 7100);
    if (base + 2 * n > 65535) throw std::invalid_argument("base port too high");
    result<bbft::topology> topo = make_error("no topology");
    if (f.count("groups")) {
      std::vector<std::uint32_t> sizes;
      std::string s = f.at("groups");
      for (std::size_t pos = 0; pos <= s.size();) {
        auto comma = s.find(',', pos);
        if (comma == std::string::npos) comma = s.size();
        sizes.push_back(static_cast<std::uint32_t>(std::stoul(s.substr(pos, comma - pos))));
        pos = comma + 1;
      }
      topo = bbft::topology::with_group_sizes(sizes);
    } else {
      topo = bbft::topology::even(n, static_cast<std::uint32_t>(number(f, "supers", 1)));
    }
    if (!topo) throw std::invalid_argument(topo.err().message);
    if (topo->size() != n) throw std::invalid_argument("group sizes do not add up to --nodes");
    std::filesystem::create_directories(dir);
    node::node_config c;
    for (std::uint32_t i = 0; i < n; ++i) {
      auto kp = crypto::key_pair::generate();
      auto key_file = dir / ("node" + std::to_string(i) + ".key");
      if (auto r = kp.save(key_file); !r) throw std::runtime_error(r.err().message);
      c.nodes.push_back({kp.pub(), {host, static_cast<std::uint16_t>(base + 2 * i)}});
    }
    for (std::uint32_t g = 0; g < topo->super_count(); ++g)
      c.groups.push_back({topo->super_at(g), topo->members(g)});
    c.protocol.view_timeout_us =
        static_cast<std::int64_t>(number(f, "view-timeout-ms", 2000)) * 1000;
    c.protocol.max_view_timeout_us = std::max<std::int64_t>(c.protocol.view_timeout_us, 16'000'000);
    c.protocol.group_wait_us = static_cast<std::int64_t>(number(f, "group-wait-ms", 300)) * 1000;
    c.protocol.block_interval_us =
        static_cast<std::int64_t>(number(f, "block-interval-ms", 500)) * 1000;
    c.protocol.sync_retry_us = 500'000;
    c.protocol.max_block_txs = static_cast<std::uint32_t>(number(f, "max-block-txs", 10'000));
    c.protocol.sync_max_blocks = 16;
    c.retained_blocks = static_cast<std::uint64_t>(number(f, "retained-blocks", 1024));
    auto mode = f.count("ledger") ? f.at("ledger") : std::string("butxo");
    if (mode != "butxo" && mode != "opaque")
      throw std::invalid_argument("--ledger: butxo or opaque");
    auto relay = f.count("relay") ? f.at("relay") : std::string("full");
    if (relay != "full" && relay != "compact")
      throw std::invalid_argument("--relay: full or compact");
    if (relay == "compact") {
      c.protocol.relay = bbft::relay_mode::compact;
      c.protocol.gossip_client_tps = 0;
      c.protocol.gossip_verify_txs = false;
      c.protocol.compact_prefill_age_us = 0;
      c.protocol.dedup_txs = true;
    }
    if (mode == "butxo") {
      // One genesis file for all nodes; the load generator finds the wallets from the same
      // seed and count.
      c.ledger = node::ledger_mode::butxo;
      c.genesis = wallet_genesis(f);
      c.genesis_file = "genesis.yaml";
      write_text(dir / "genesis.yaml",
                 "# bystackd genesis: the load generator's wallets (see docs/node.md)\n" +
                     node::render_genesis(*c.genesis));
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      c.key_file = "node" + std::to_string(i) + ".key";
      c.data_dir = "node" + std::to_string(i) + ".data";
      c.listen = c.nodes[i].addr;
      c.api = {host, static_cast<std::uint16_t>(base + 2 * i + 1)};
      std::ofstream out(dir / ("node" + std::to_string(i) + ".yaml"));
      out << node::render_node_config(c);
      if (!out) throw std::runtime_error("cannot write the config files in " + dir.string());
      std::cout << (dir / ("node" + std::to_string(i) + ".yaml")).string() << " p2p "
                << c.listen.port << " api " << c.api.port << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "bystackd testnet: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int run(const std::filesystem::path& config_file, bool log_json) {
  auto cfg = node::load_node_config(config_file);
  if (!cfg) {
    std::cerr << "bystackd: " << cfg.err().message << "\n";
    return 1;
  }
  auto key = crypto::key_pair::load(cfg->key_file);
  if (!key) {
    std::cerr << "bystackd: " << key.err().message << "\n";
    return 1;
  }
  // A sidechain of a federation: its rules join the ledger (runtime/federation).
  std::unique_ptr<federation::sidechain_host> fed;
  if (!cfg->federation_file.empty()) {
    auto h = federation::sidechain_host::make(cfg->federation_file);
    if (!h) {
      std::cerr << "bystackd: " << cfg->source.string() << ": federation_file: " << h.err().message
                << "\n";
      return 1;
    }
    fed = std::move(*h);
    cfg->ext = fed->rules();
    cfg->ext_inputs.assign(fed->input_kinds.begin(), fed->input_kinds.end());
    cfg->ext_outputs.assign(fed->output_kinds.begin(), fed->output_kinds.end());
    // The file's chain rules join the store marker: a restart with another value is refused.
    cfg->ext_rules = federation::chain_rules_of(fed->setup());
    cfg->ext_rules_source = cfg->federation_file;
    if (auto ok = federation::check_elections(fed->setup(), *cfg); !ok) {
      std::cerr << "bystackd: " << ok.err().message << "\n";
      return 1;
    }
    if (fed->elections())
      cfg->ext_on_commit = [h = fed.get()](const ledger::block_delta& d, std::uint64_t height,
                                           const ledger::utxo_view& state) {
        return h->on_commit(d, height, state);
      };
    if (fed->elections()) {
      cfg->ext_record_at = [h = fed.get()](std::uint64_t height) { return h->record_at(height); };
      cfg->ext_restore = [h = fed.get()](const std::vector<std::pair<std::uint64_t, bytes>>& recs,
                                         const ledger::utxo_set& state, std::uint64_t head) {
        return h->restore(recs, state, head);
      };
    }
  }
  // Block the stop signals in every thread we start; the main thread takes them with sigwait.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto rt = node::node_runtime::start(*cfg, *key);
  if (!rt) {
    std::cerr << "bystackd: " << rt.err().message << "\n";
    return 1;
  }
  node::api_server api(**rt, *cfg);
  if (fed)
    api.add_routes([&fed, &rt](httplib::Server& srv) { fed->add_routes(srv, (*rt)->store()); });
  if (auto r = api.start(); !r) {
    std::cerr << "bystackd: " << r.err().message << "\n";
    return 1;
  }
  auto height = (*rt)->store().head().value();
  if (log_json) {
    // From here on every line on stderr is one JSON object.
    node::json_log::enable((*rt)->index());
    node::json_log::event("up", 0, height,
                          {{"p2p_port", cfg->listen.port},
                           {"api_port", cfg->api.port},
                           {"blocks_decoded", (*rt)->blocks_decoded_at_start()},
                           {"heights_checked", (*rt)->heights_checked_at_start()},
                           {"heights_replayed", (*rt)->heights_replayed_at_start()},
                           {"election_records", (*rt)->election_records_at_start()}});
  } else {
    std::cerr << "bystackd: node " << (*rt)->index() << " up, p2p " << cfg->listen.address << ":"
              << cfg->listen.port << ", api " << cfg->api.address << ":" << cfg->api.port
              << ", chain height " << height << " (" << (*rt)->blocks_decoded_at_start()
              << " top blocks decoded, " << (*rt)->heights_checked_at_start()
              << " heights checked, " << (*rt)->heights_replayed_at_start() << " heights replayed, "
              << (*rt)->election_records_at_start() << " election records read)\n";
  }
  int sig = 0;
  sigwait(&stop, &sig);
  height = (*rt)->store().head().value();
  if (log_json)
    node::json_log::event("stopping", 0, height, {{"signal", sig}});
  else
    std::cerr << "bystackd: signal " << sig << ", stopping\n";
  api.stop();
  rt->reset();
  if (log_json)
    node::json_log::event("stopped", 0, height);
  else
    std::cerr << "bystackd: stopped\n";
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  std::map<std::string, std::string> flags;
  if (cmd == "keygen") {
    if (!parse_flags(argc, argv, 2, flags)) return usage();
    return keygen(flags);
  }
  if (cmd == "testnet") {
    if (!parse_flags(argc, argv, 2, flags)) return usage();
    return testnet(flags);
  }
  if (cmd == "genesis") {
    std::map<std::string, std::string> flags;
    if (!parse_flags(argc, argv, 2, flags)) return usage();
    return genesis(flags);
  }
  if (cmd == "--config" && argc == 3) return run(argv[2], false);
  if (cmd == "--config" && argc == 4 && std::strcmp(argv[3], "--log-json") == 0)
    return run(argv[2], true);
  return usage();
}
