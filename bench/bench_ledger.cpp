// Costs of BUTXO validation: Ed25519 verification alone next to a full check of a 1-input
// 2-output transfer (cold and warm signature cache), a block's check on one and two threads,
// and writing a block's UTXO changes into RocksDB. The RocksDB directory is created under
// $BYSTACK_BENCH_DIR (default: the system temp directory), which decides what an fsync costs.
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/rules.hpp"
#include "runtime/ledger/wallet.hpp"
#include "runtime/store/kv_store.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace bystack;
using namespace bystack::ledger;

std::unique_ptr<crypto::signer> signer_of(std::uint8_t tag) {
  crypto::secret_seed seed{};
  seed.fill(tag);
  return crypto::ed25519_scheme().make_signer(seed);
}

/// Holds a state where Alice owns `n` outputs of 1,000 native units, and her signed transfers
/// of each (600 to Bob, 400 back).
struct ledger_fixture {
  std::unique_ptr<crypto::signer> alice = signer_of(1);
  std::unique_ptr<crypto::signer> bob = signer_of(2);
  genesis_spec spec;
  utxo_set state;
  chain_params params;
  std::vector<tx> transfers;

  explicit ledger_fixture(std::size_t n) {
    auto alice_prog = control_program::single(alice->pub());
    asset_definition native;
    native.name = "BTM";
    native.issuer = alice_prog;
    spec.network = "bench";
    spec.assets = {native};
    for (std::size_t i = 0; i < n; ++i)
      spec.outputs.push_back(pay(native.id(), 1000, alice_prog));
    auto s = genesis_state(spec);
    if (!s) throw std::runtime_error(s.err().message);
    state = std::move(s).value();
    params = params_of(spec);
    auto txid = genesis_txid(spec);
    for (std::uint32_t i = 0; i < n; ++i) {
      tx t;
      t.chain = params.chain;
      t.inputs.push_back(spend_of(output_id(txid, i, spec.outputs[i])));
      t.outputs = {pay(native.id(), 600, control_program::single(bob->pub())),
                   pay(native.id(), 400, alice_prog)};
      sign_input(t, 0, alice_prog, *alice);
      transfers.push_back(std::move(t));
    }
  }
};

/// Runs jobs on `threads` std::threads, each taking a contiguous share.
parallel_for threaded(std::size_t threads) {
  return [threads](std::size_t n, const std::function<void(std::size_t)>& job) {
    std::vector<std::thread> pool;
    for (std::size_t w = 0; w < threads; ++w)
      pool.emplace_back([&, w] {
        for (std::size_t k = n * w / threads; k < n * (w + 1) / threads; ++k)
          job(k);
      });
    for (auto& th : pool)
      th.join();
  };
}

// --- one transaction -------------------------------------------------------------------------

void bm_ed25519_verify(benchmark::State& state) {
  ledger_fixture f(1);
  const auto& t = f.transfers[0];
  auto digest = sighash(input_id(t.inputs[0]), t.id());
  const auto& sig = t.inputs[0].witness[0].signature;
  crypto::crypto_meter meter;
  for (auto _ : state)
    benchmark::DoNotOptimize(crypto::ed25519_scheme().verify(f.alice->pub(), digest, sig, meter));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_ed25519_verify);

/// Checks the transfer with a fresh checker every time: every signature is verified.
void bm_check_tx_cold(benchmark::State& state) {
  ledger_fixture f(1);
  tx_summary s;
  for (auto _ : state) {
    signature_checker checker(crypto::ed25519_scheme());
    auto err = check_tx(f.transfers[0], f.state, f.params, {1, false}, checker, s);
    if (!err.ok()) state.SkipWithError(err.message().c_str());
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_check_tx_cold);

/// Checks the transfer with its signature cached: the ledger's own work alone.
void bm_check_tx_warm(benchmark::State& state) {
  ledger_fixture f(1);
  signature_checker checker(crypto::ed25519_scheme());
  tx_summary s;
  check_tx(f.transfers[0], f.state, f.params, {1, false}, checker, s);
  for (auto _ : state) {
    auto err = check_tx(f.transfers[0], f.state, f.params, {1, false}, checker, s);
    if (!err.ok()) state.SkipWithError(err.message().c_str());
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_check_tx_warm);

// --- blocks ----------------------------------------------------------------------------------

/// Checks a block of range(0) transfers with range(1) threads and a cold signature cache.
void bm_check_block(benchmark::State& state) {
  ledger_fixture f(static_cast<std::size_t>(state.range(0)));
  auto threads = static_cast<std::size_t>(state.range(1));
  parallel_for run = threads > 1 ? threaded(threads) : parallel_for{};
  for (auto _ : state) {
    signature_checker checker(crypto::ed25519_scheme());
    auto r = check_block(f.transfers, 1, f.state, f.params, checker, run);
    if (!r.err.ok()) state.SkipWithError(r.err.message().c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(bm_check_block)
    ->ArgNames({"txs", "threads"})
    ->Args({1000, 1})
    ->Args({1000, 2})
    ->Args({5000, 1})
    ->Args({5000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// --- UTXO changes into RocksDB ---------------------------------------------------------------

/// Owns a fresh directory for one benchmark run and removes it afterwards.
class bench_dir {
public:
  bench_dir() {
    const char* base = std::getenv("BYSTACK_BENCH_DIR");
    std::string pattern = ((base != nullptr ? fs::path(base) : fs::temp_directory_path()) /
                           "bystack-bench-ledger-XXXXXX")
                              .string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed: " + pattern);
    path_ = pattern;
  }
  bench_dir(const bench_dir&) = delete;
  bench_dir& operator=(const bench_dir&) = delete;
  ~bench_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

/// Returns the batch that applies (or, with undo, reverts) a delta: created entries are put and
/// spent ones deleted.
store::write_batch batch_of(const block_delta& d, bool undo) {
  store::write_batch b;
  const auto& add = undo ? d.spent : d.created;
  const auto& drop = undo ? d.created : d.spent;
  for (const auto& [id, e] : add)
    b.put("utxo", bytes(id.data.begin(), id.data.end()), encode(e));
  for (const auto& [id, e] : drop)
    b.del("utxo", bytes(id.data.begin(), id.data.end()));
  return b;
}

/// Writes a 1,000-transfer block's UTXO changes, alternately applying and undoing it so that
/// every put lands on a key that is absent and every delete on one that is present.
void bm_utxo_apply_rocksdb(benchmark::State& state) {
  ledger_fixture f(1000);
  signature_checker checker(crypto::ed25519_scheme());
  auto r = check_block(f.transfers, 1, f.state, f.params, checker);
  if (!r.err.ok()) throw std::runtime_error(r.err.message());
  auto apply = batch_of(r.delta, false), undo = batch_of(r.delta, true);
  bench_dir dir;
  auto opened = store::open_rocksdb(dir.path() / "db", {"utxo"});
  if (!opened) throw std::runtime_error(opened.err().message);
  auto st = std::move(opened).value();
  // Start from the state before the block: its spent outputs are present.
  if (!st->write(undo)) throw std::runtime_error("preload failed");
  bool sync = state.range(0) != 0;
  bool forward = true;
  for (auto _ : state) {
    auto w = st->write(forward ? apply : undo, {.sync = sync});
    if (!w) {
      state.SkipWithError(w.err().message.c_str());
      break;
    }
    forward = !forward;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * apply.size()));
  state.counters["changes/batch"] = static_cast<double>(apply.size());
}
BENCHMARK(bm_utxo_apply_rocksdb)->ArgName("sync")->Arg(0)->Arg(1)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
