/// bystack-loadgen: submits signed transactions to a running cluster at a target rate and reports
/// the committed transactions per second and the submit-to-commit latency (p50, p99).
///
///   bystack-loadgen --submit 127.0.0.1:7101[,127.0.0.1:7105] --observe 127.0.0.1:7103
///                   --rate 10000 --seconds 20 [--batch 1000] [--payload 100] [--drain 30]
///
/// Transactions are signed before the run starts, so that the generator's own signing does not
/// compete with the nodes for the CPU during the measurement. Commit times are seen by polling the
/// observer node (every 50 ms), so latencies include up to one poll interval.

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/block.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
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

} // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> f;
  for (int i = 1; i + 1 < argc; i += 2)
    f[std::string(argv[i]).substr(2)] = argv[i + 1];
  if (argc % 2 == 0 || !f.count("submit")) {
    std::cerr << "usage: bystack-loadgen --submit HOST:PORT[,...] [--observe HOST:PORT]\n"
                 "                       [--rate TX_PER_S] [--seconds S] [--batch N]\n"
                 "                       [--payload BYTES] [--drain S]\n";
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
    auto total = static_cast<std::size_t>(rate * seconds);
    auto batches = (total + batch - 1) / batch;

    // Sign everything first.
    std::fprintf(stderr, "loadgen: signing %zu transactions...\n", total);
    const auto& scheme = crypto::ed25519_scheme();
    std::mt19937_64 rng(std::random_device{}());
    crypto::secret_seed seed;
    for (auto& b : seed)
      b = static_cast<std::uint8_t>(rng());
    auto client = scheme.make_signer(seed);
    auto base_nonce = rng() >> 16;
    std::vector<std::string> bodies(batches);
    std::vector<std::vector<crypto::hash256>> ids(batches);
    for (std::size_t b = 0; b < batches; ++b) {
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
    std::vector<double> latencies_ms;
    std::atomic<std::uint64_t> accepted{0}, refused{0}, http_errors{0};
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
        for (std::size_t b = s; b < batches; b += submit.size()) {
          auto due =
              start + std::chrono::duration_cast<clock_type::duration>(
                          std::chrono::duration<double>(static_cast<double>(b * batch) / rate));
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
          accepted += j["accepted"].get<std::uint64_t>();
          refused += ids[b].size() - j["accepted"].get<std::uint64_t>();
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
    double window_s = std::chrono::duration<double>(last_commit - start).count();
    double tps = window_s > 0 ? static_cast<double>(committed) / window_s : 0;
    auto p50 = percentile(latencies_ms, 0.50);
    auto p99 = percentile(latencies_ms, 0.99);
    json report = {{"offered_tx_per_s", rate},
                   {"submitted", total},
                   {"accepted", accepted.load()},
                   {"refused", refused.load()},
                   {"http_errors", http_errors.load()},
                   {"committed", committed},
                   {"committed_tx_per_s", std::round(tps)},
                   {"latency_p50_ms", std::round(p50)},
                   {"latency_p99_ms", std::round(p99)},
                   {"window_s", window_s}};
    std::cout << report.dump() << "\n";
    std::fprintf(stderr,
                 "loadgen: committed %llu of %llu accepted: %.0f tx/s, latency p50 %.0f ms, "
                 "p99 %.0f ms\n",
                 static_cast<unsigned long long>(committed),
                 static_cast<unsigned long long>(accepted.load()), tps, p50, p99);
    return committed == accepted.load() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << "\n";
    return 2;
  }
}
