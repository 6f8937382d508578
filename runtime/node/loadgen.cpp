/// bystack-loadgen: submits signed transactions to a running cluster at a target rate and reports
/// the committed transactions per second and the submit-to-commit latency (p50, p99).
///
///   bystack-loadgen --submit 127.0.0.1:7101[,127.0.0.1:7105] --observe 127.0.0.1:7103
///                   --rate 10000 --seconds 20 [--batch 1000] [--payload 100] [--drain 30]
///                   [--wallets 64] [--wallet-seed bystack-loadgen] [--missing FILE]
///                   [--broadcast 1]
///
/// Batch b goes to submit node b % nodes; with `--broadcast 1` every batch goes to every submit
/// node (as a wallet broadcasting its transactions to several peers), and a transaction counts as
/// accepted once, at the first node that took it; `copies_accepted` counts the other nodes that
/// took it too, `refused` those that refused it (a duplicate, or after its commit).
///
/// The mode follows the cluster (GET /status "ledger"). Against `ledger: opaque` nodes it sends
/// signed opaque payloads. Against `ledger: butxo` nodes it sends real BUTXO transfers from the
/// wallets the cluster's genesis funds (`bystackd testnet` / `bystackd genesis` with the same
/// --wallets and --wallet-seed): it derives the wallet keys from the seed, finds each wallet's
/// output with GET /utxo, and builds for every wallet a chain of 1-input 2-output Byte transfers
/// (1 base unit to a sink key, the change back to itself, the minimum fee), each spending
/// the previous one's change, so that transfers never conflict. A wallet always goes to the same
/// submit node, so its chain arrives in order.
///
/// Transactions are signed before the run starts, so that the generator's own signing does not
/// compete with the nodes for the CPU during the measurement. Only committed transactions count:
/// commit times are seen by polling the observer node's blocks (every 50 ms), so latencies
/// include up to one poll interval.
///
/// After the drain, every accepted transaction that was not seen committed is looked up with
/// GET /tx/{id} at the node it was submitted to, and the report counts them by that node's answer
/// (`uncommitted_status`: pending, unknown, dropped, committed-after-drain, no-answer); `--missing
/// FILE` writes their ids with that answer. A transaction seen in two blocks counts in
/// `committed_twice`. The exit status is 0 only if every accepted transaction was committed or
/// reported dropped (with a reason) by the node that accepted it, and none was committed twice.

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/block.hpp"
#include "runtime/ledger/rules.hpp"
#include "runtime/ledger/wallet.hpp"
#include "runtime/node/loadgen_wallets.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

using namespace bystack;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

struct host_port {
  std::string host;
  int port = 0;
};

std::vector<host_port> parse_hosts(const std::string& s) {
  std::vector<host_port> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    auto comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    auto item = s.substr(pos, comma - pos);
    auto colon = item.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("expected HOST:PORT, got " + item);
    out.push_back({item.substr(0, colon), std::stoi(item.substr(colon + 1))});
    pos = comma + 1;
  }
  if (out.empty()) throw std::invalid_argument("no HOST:PORT given");
  return out;
}

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

crypto::hash256 hash_field(const json& j, const char* key) {
  crypto::hash256 h;
  if (!j.contains(key) || !j[key].is_string() || !crypto::parse_hash(j[key].get<std::string>(), h))
    throw std::runtime_error(std::string("reply without a valid '") + key + "'");
  return h;
}

/// Holds the pre-signed request bodies and the ids they carry, one entry per batch.
struct prepared {
  std::vector<std::string> bodies;
  std::vector<std::vector<crypto::hash256>> ids;
};

/// Builds the BUTXO workload: batch b goes to submit node b % nodes and holds only transfers of
/// the wallets that node serves (wallet w -> node w % nodes), in chain order.
prepared prepare_butxo(const std::vector<host_port>& submit, std::size_t total, std::size_t batch,
                       std::size_t wallets, const std::string& seed) {
  httplib::Client cli(submit.front().host, submit.front().port);
  cli.set_read_timeout(10, 0);
  auto st = cli.Get("/status");
  if (!st || st->status != 200) throw std::runtime_error("submit node does not answer /status");
  auto status = json::parse(st->body);
  ledger::chain_params params;
  params.chain = hash_field(status, "chain");
  params.native = hash_field(status, "native_asset");
  params.min_fee_per_kb = status["min_fee_per_kb"].get<std::uint64_t>();

  const auto& scheme = crypto::ed25519_scheme();
  struct wallet {
    std::unique_ptr<crypto::signer> key;
    ledger::control_program program;
    crypto::hash256 coin; ///< the output the next transfer spends
    std::uint64_t amount = 0;
  };
  std::vector<wallet> ws(wallets);
  for (std::size_t w = 0; w < wallets; ++w) {
    ws[w].key = scheme.make_signer(node::loadgen_wallet_seed(seed, w));
    ws[w].program = ledger::control_program::single(ws[w].key->pub());
    auto r = cli.Get(("/utxo?owner=" + to_hex(ws[w].key->pub())).c_str());
    if (!r || r->status != 200)
      throw std::runtime_error("GET /utxo for wallet " + std::to_string(w) + " failed");
    auto reply = json::parse(r->body);
    for (const auto& u : reply["utxos"]) {
      auto amount = u["amount"].get<std::uint64_t>();
      if (hash_field(u, "asset") != params.native || amount <= ws[w].amount) continue;
      ws[w].coin = hash_field(u, "id");
      ws[w].amount = amount;
    }
    if (ws[w].amount == 0)
      throw std::runtime_error("wallet " + std::to_string(w) +
                               " holds no native coins: the "
                               "cluster's genesis must fund --wallets " +
                               std::to_string(wallets) + " from --wallet-seed '" + seed +
                               "' (bystackd testnet / genesis)");
  }

  // The 1-unit payments go to a sink key (the wallet one past the last, never funded), so that
  // a wallet only ever holds its change and GET /utxo finds it at once on the next run.
  auto sink = ledger::control_program::single(
      scheme.make_signer(node::loadgen_wallet_seed(seed, wallets))->pub());
  std::size_t nodes = submit.size();
  std::vector<std::vector<std::pair<crypto::hash256, std::string>>> per_node(nodes);
  auto per_wallet = (total + wallets - 1) / wallets;
  std::size_t made = 0;
  for (std::size_t round = 0; round < per_wallet && made < total; ++round) {
    for (std::size_t w = 0; w < wallets && made < total; ++w, ++made) {
      auto& from = ws[w];
      const auto& to = sink;
      ledger::tx t;
      t.chain = params.chain;
      t.inputs.push_back(ledger::spend_of(from.coin));
      t.inputs[0].witness.push_back({0, bytes(64, 0)}); // sized like the real signature
      t.outputs.push_back(ledger::pay(params.native, 1, to));
      t.outputs.push_back(ledger::pay(params.native, 0, from.program));
      // The fee depends on the size, which may depend on the change amount: settle it.
      std::uint64_t fee = 0;
      for (int i = 0; i < 4; ++i) {
        auto need = ledger::min_fee(params, ledger::encoded_size(t));
        if (need <= fee) break;
        fee = need;
        if (from.amount <= fee + 1)
          throw std::runtime_error("wallet " + std::to_string(w) + " ran dry");
        t.outputs[1].amount = from.amount - 1 - fee;
      }
      t.inputs[0].witness.clear();
      ledger::sign_input(t, 0, from.program, *from.key);
      auto id = t.id();
      from.coin = ledger::output_id(id, 1, t.outputs[1]);
      from.amount = t.outputs[1].amount;
      per_node[w % nodes].emplace_back(id, to_hex(ledger::encode(t)));
    }
  }
  prepared out;
  std::size_t rounds = 0;
  for (const auto& v : per_node)
    rounds = std::max(rounds, (v.size() + batch - 1) / batch);
  out.bodies.resize(rounds * nodes);
  out.ids.resize(rounds * nodes);
  for (std::size_t s = 0; s < nodes; ++s) {
    for (std::size_t j = 0; j < rounds; ++j) {
      json txs = json::array();
      auto& ids = out.ids[j * nodes + s];
      for (std::size_t i = j * batch; i < std::min(per_node[s].size(), (j + 1) * batch); ++i) {
        ids.push_back(per_node[s][i].first);
        txs.push_back(std::move(per_node[s][i].second));
      }
      out.bodies[j * nodes + s] = json{{"txs", std::move(txs)}}.dump();
    }
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> f;
  for (int i = 1; i + 1 < argc; i += 2)
    f[std::string(argv[i]).substr(2)] = argv[i + 1];
  if (argc % 2 == 0 || !f.count("submit")) {
    std::cerr << "usage: bystack-loadgen --submit HOST:PORT[,...] [--observe HOST:PORT]\n"
                 "                       [--rate TX_PER_S] [--seconds S] [--batch N]\n"
                 "                       [--payload BYTES] [--drain S]\n"
                 "                       [--wallets N] [--wallet-seed S] [--missing FILE]\n"
                 "                       [--broadcast 1]\n";
    return 2;
  }
  try {
    auto submit = parse_hosts(f["submit"]);
    auto observe = parse_hosts(f.count("observe") ? f["observe"] : f["submit"]).front();
    double rate = f.count("rate") ? std::stod(f["rate"]) : 1000;
    double seconds = f.count("seconds") ? std::stod(f["seconds"]) : 10;
    std::size_t batch = f.count("batch") ? std::stoul(f["batch"]) : 500;
    std::size_t payload = f.count("payload") ? std::stoul(f["payload"]) : 100;
    double drain = f.count("drain") ? std::stod(f["drain"]) : 30;
    bool broadcast = f.count("broadcast") && f["broadcast"] != "0";
    auto total = static_cast<std::size_t>(rate * seconds);
    auto batches = (total + batch - 1) / batch;
    std::size_t wallets =
        f.count("wallets") ? std::stoul(f["wallets"]) : node::loadgen_wallets_default;
    std::string wallet_seed =
        f.count("wallet-seed") ? f["wallet-seed"] : std::string(node::loadgen_seed_default);
    if (wallets == 0) throw std::invalid_argument("--wallets must be at least 1");
    bool butxo = false;
    {
      httplib::Client probe(submit.front().host, submit.front().port);
      probe.set_read_timeout(10, 0);
      auto r = probe.Get("/status");
      if (!r || r->status != 200) throw std::runtime_error("submit node does not answer /status");
      auto j = json::parse(r->body);
      butxo = j.contains("ledger") && j["ledger"] == "butxo";
    }

    // Sign everything first.
    std::fprintf(stderr, "loadgen: signing %zu %s transactions...\n", total,
                 butxo ? "BUTXO transfer" : "opaque");
    const auto& scheme = crypto::ed25519_scheme();
    std::mt19937_64 rng(std::random_device{}());
    crypto::secret_seed seed;
    for (auto& b : seed)
      b = static_cast<std::uint8_t>(rng());
    auto client = scheme.make_signer(seed);
    auto base_nonce = rng() >> 16;
    std::vector<std::string> bodies(batches);
    std::vector<std::vector<crypto::hash256>> ids(batches);
    if (butxo) {
      auto p = prepare_butxo(submit, total, batch, wallets, wallet_seed);
      bodies = std::move(p.bodies);
      ids = std::move(p.ids);
      batches = bodies.size();
    }
    for (std::size_t b = 0; !butxo && b < batches; ++b) {
      json txs = json::array();
      for (std::size_t i = b * batch; i < std::min(total, (b + 1) * batch); ++i) {
        ledger::transaction tx;
        tx.sender = client->pub();
        tx.nonce = base_nonce + i;
        tx.payload.resize(payload);
        for (auto& x : tx.payload)
          x = static_cast<std::uint8_t>(rng());
        auto id = tx.id();
        tx.signature = client->sign(id);
        ids[b].push_back(id);
        txs.push_back({{"sender", to_hex(tx.sender)},
                       {"nonce", tx.nonce},
                       {"payload", to_hex(tx.payload)},
                       {"signature", to_hex(tx.signature)}});
      }
      bodies[b] = json{{"txs", std::move(txs)}}.dump();
    }

    std::mutex mu;
    std::unordered_map<crypto::hash256, clock_type::time_point> submitted;
    std::unordered_map<crypto::hash256, std::size_t> accepted_at; ///< id -> submit node index
    std::unordered_set<crypto::hash256> seen_committed;
    std::uint64_t committed_twice = 0;
    std::map<std::string, std::uint64_t> refused_by; ///< BUTXO: refusals by rule
    std::vector<double> latencies_ms;
    std::atomic<std::uint64_t> accepted{0}, refused{0}, http_errors{0};
    std::atomic<std::uint64_t> copies{0}; ///< broadcast: taken again by another node
    std::atomic<bool> stop{false};
    clock_type::time_point first_commit{}, last_commit{};
    std::uint64_t committed = 0, committed_foreign = 0;

    httplib::Client obs(observe.host, observe.port);
    obs.set_read_timeout(10, 0);
    auto height_of = [&]() -> std::int64_t {
      auto r = obs.Get("/status");
      if (!r || r->status != 200) return -1;
      return json::parse(r->body)["committed_height"].get<std::int64_t>();
    };
    auto start_height = height_of();
    if (start_height < 0) throw std::runtime_error("observer node does not answer /status");

    std::thread poller([&] {
      auto next = static_cast<std::uint64_t>(start_height) + 1;
      while (true) {
        auto h = height_of();
        bool stopping = stop.load();
        for (; h >= 0 && next <= static_cast<std::uint64_t>(h); ++next) {
          auto r = obs.Get(("/block/" + std::to_string(next)).c_str());
          if (!r || r->status != 200) break;
          auto now = clock_type::now();
          auto j = json::parse(r->body);
          std::lock_guard lock(mu);
          for (const auto& id_hex : j["tx_ids"]) {
            crypto::hash256 id;
            if (!crypto::parse_hash(id_hex.get<std::string>(), id)) continue;
            if (!seen_committed.insert(id).second) {
              ++committed_twice;
              continue;
            }
            auto it = submitted.find(id);
            if (it == submitted.end()) {
              ++committed_foreign;
              continue;
            }
            latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(now - it->second).count());
            submitted.erase(it);
            if (committed++ == 0) first_commit = now;
            last_commit = now;
          }
        }
        if (stopping) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });

    // Paced submission: batch b leaves at start + b * batch / rate, spread over the submit nodes
    // with one sender thread per node.
    auto start = clock_type::now();
    std::vector<std::thread> senders;
    for (std::size_t s = 0; s < submit.size(); ++s) {
      senders.emplace_back([&, s] {
        httplib::Client cli(submit[s].host, submit[s].port);
        cli.set_read_timeout(30, 0);
        cli.set_write_timeout(30, 0);
        auto step = broadcast ? 1 : submit.size();
        for (std::size_t b = broadcast ? 0 : s; b < batches; b += step) {
          auto due =
              start + std::chrono::duration_cast<clock_type::duration>(
                          std::chrono::duration<double>(static_cast<double>(b * batch) / rate));
          if (ids[b].empty()) continue;
          std::this_thread::sleep_until(due);
          {
            std::lock_guard lock(mu);
            auto now = clock_type::now();
            for (const auto& id : ids[b])
              submitted.emplace(id, now);
          }
          auto r = cli.Post("/tx", bodies[b], "application/json");
          if (!r || r->status != 200) {
            ++http_errors;
            refused += ids[b].size();
            continue;
          }
          auto j = json::parse(r->body);
          if (butxo) {
            std::uint64_t ok = 0, again = 0;
            std::lock_guard lock(mu);
            std::size_t k = 0;
            for (const auto& v : j["results"]) {
              auto st = v["status"].get<std::string>();
              if (st == "accepted" || st == "orphan") {
                // Broadcast: a transaction counts once, at the first node that took it.
                if (k < ids[b].size() && !accepted_at.emplace(ids[b][k], s).second) {
                  ++again;
                  ++k;
                  continue;
                }
                ++ok;
              } else
                ++refused_by[v.value("rule", std::string("?"))];
              ++k;
            }
            accepted += ok;
            copies += again;
            refused += ids[b].size() - ok - again;
            continue;
          }
          auto took = j["accepted"].get<std::uint64_t>();
          refused += ids[b].size() - took;
          if (!broadcast) accepted += took;
          if (took == ids[b].size()) {
            std::lock_guard lock(mu);
            for (const auto& id : ids[b])
              if (!accepted_at.emplace(id, s).second)
                ++copies;
              else if (broadcast)
                ++accepted;
          }
        }
      });
    }
    for (auto& t : senders)
      t.join();
    auto submit_end = clock_type::now();
    double submit_s = std::chrono::duration<double>(submit_end - start).count();
    std::fprintf(stderr, "loadgen: submitted %zu in %.2f s (%.0f tx/s offered), draining...\n",
                 total, submit_s, static_cast<double>(total) / submit_s);
    auto deadline = submit_end + std::chrono::duration_cast<clock_type::duration>(
                                     std::chrono::duration<double>(drain));
    while (clock_type::now() < deadline) {
      {
        std::lock_guard lock(mu);
        if (committed >= accepted.load()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    stop = true;
    poller.join();

    std::lock_guard lock(mu);
    // Ask the node each uncommitted transaction went to what became of it.
    std::map<std::string, std::uint64_t> uncommitted_status;
    std::vector<std::string> missing_lines;
    {
      std::vector<std::unique_ptr<httplib::Client>> ask;
      for (const auto& hp : submit) {
        ask.push_back(std::make_unique<httplib::Client>(hp.host, hp.port));
        ask.back()->set_read_timeout(10, 0);
      }
      for (const auto& [id, node] : accepted_at) {
        if (seen_committed.count(id)) continue;
        std::string st = "no-answer";
        auto r = ask[node]->Get(("/tx/" + id.hex()).c_str());
        if (r && r->status == 200) {
          auto j = json::parse(r->body, nullptr, false);
          if (j.is_object() && j.contains("status") && j["status"].is_string())
            st = j["status"].get<std::string>();
          if (st == "committed") st = "committed-after-drain";
        }
        ++uncommitted_status[st];
        missing_lines.push_back(id.hex() + " " + std::to_string(node) + " " + st);
      }
    }
    if (f.count("missing")) {
      std::ofstream out(f["missing"]);
      for (const auto& l : missing_lines)
        out << l << "\n";
    }
    double window_s = std::chrono::duration<double>(last_commit - start).count();
    double tps = window_s > 0 ? static_cast<double>(committed) / window_s : 0;
    auto p50 = percentile(latencies_ms, 0.50);
    auto p99 = percentile(latencies_ms, 0.99);
    json report = {{"mode", butxo ? "butxo" : "opaque"},
                   {"offered_tx_per_s", rate},
                   {"submitted", total},
                   {"accepted", accepted.load()},
                   {"refused", refused.load()},
                   {"http_errors", http_errors.load()},
                   {"committed", committed},
                   {"committed_tx_per_s", std::round(tps)},
                   {"latency_p50_ms", std::round(p50)},
                   {"latency_p99_ms", std::round(p99)},
                   {"window_s", window_s},
                   {"committed_twice", committed_twice},
                   {"broadcast", broadcast},
                   {"copies_accepted", copies.load()}};
    if (!refused_by.empty()) report["refused_by_rule"] = refused_by;
    if (!uncommitted_status.empty()) report["uncommitted_status"] = uncommitted_status;
    std::cout << report.dump() << "\n";
    std::fprintf(stderr,
                 "loadgen: committed %llu of %llu accepted: %.0f tx/s, latency p50 %.0f ms, "
                 "p99 %.0f ms\n",
                 static_cast<unsigned long long>(committed),
                 static_cast<unsigned long long>(accepted.load()), tps, p50, p99);
    // Every accepted transaction must be committed (seen, or found committed after the drain)
    // or reported dropped with a reason by the node that accepted it, and none committed twice.
    std::uint64_t unresolved = 0;
    for (const auto& [st, n] : uncommitted_status)
      if (st != "dropped" && st != "committed-after-drain") unresolved += n;
    return unresolved == 0 && committed_twice == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << "\n";
    return 2;
  }
}
