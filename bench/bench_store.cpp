// Batch writes of 1,000 puts (13-byte keys, 100-byte values) into the memory and the RocksDB
// store, with and without sync, and RocksDB point reads. The RocksDB directory is created under
// $BYSTACK_BENCH_DIR (default: the system temp directory), which decides what an fsync costs.
#include "runtime/store/kv_store.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace {

namespace fs = std::filesystem;
using namespace bystack;
using namespace bystack::store;

constexpr std::size_t batch_size = 1000;
constexpr std::size_t value_size = 100;

/// Returns a 13-byte key: a 5-byte table prefix and an 8-byte big-endian number.
bytes make_key(std::uint64_t n) {
  bytes key = {'b', 'l', 'k', '/', ':'};
  auto num = be64(n);
  key.insert(key.end(), num.begin(), num.end());
  return key;
}

/// Owns a fresh directory for one benchmark run and removes it afterwards.
class bench_dir {
public:
  bench_dir() {
    const char* base = std::getenv("BYSTACK_BENCH_DIR");
    std::string pattern =
        ((base != nullptr ? fs::path(base) : fs::temp_directory_path()) / "bystack-bench-XXXXXX")
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

std::unique_ptr<kv_store> open_or_throw(const fs::path& dir) {
  auto r = open_rocksdb(dir, {"blocks"});
  if (!r) throw std::runtime_error(r.err().message);
  return std::move(r).value();
}

/// Writes batches of fresh keys, so that every put inserts rather than overwrites.
void run_batches(benchmark::State& state, kv_store& st, bool sync) {
  const bytes value(value_size, 0x5a);
  std::uint64_t next = 0;
  write_batch batch;
  for (auto _ : state) {
    state.PauseTiming();
    batch = write_batch{}; // frees the previous batch outside the timed part
    for (std::size_t i = 0; i < batch_size; ++i)
      batch.put("blocks", make_key(next++), value);
    state.ResumeTiming();
    auto r = st.write(batch, {.sync = sync});
    if (!r) {
      state.SkipWithError(r.err().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch_size));
  state.counters["batches/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void bm_memory_batch_write(benchmark::State& state) {
  auto st = make_memory_store({"blocks"});
  run_batches(state, *st, false);
}
BENCHMARK(bm_memory_batch_write)->UseRealTime();

void bm_rocksdb_batch_write(benchmark::State& state) {
  bench_dir dir;
  auto st = open_or_throw(dir.path() / "db");
  run_batches(state, *st, state.range(0) != 0);
}
BENCHMARK(bm_rocksdb_batch_write)->ArgName("sync")->Arg(0)->Arg(1)->UseRealTime();

void bm_rocksdb_get(benchmark::State& state) {
  bench_dir dir;
  auto st = open_or_throw(dir.path() / "db");
  constexpr std::uint64_t keys = 100'000;
  const bytes value(value_size, 0x5a);
  for (std::uint64_t base = 0; base < keys; base += batch_size) {
    write_batch batch;
    for (std::uint64_t i = base; i < base + batch_size; ++i)
      batch.put("blocks", make_key(i), value);
    if (!st->write(batch)) throw std::runtime_error("preload failed");
  }
  // Reads in a fixed scattered order (a multiplicative step), without a random source.
  std::uint64_t n = 0;
  std::size_t found = 0;
  for (auto _ : state) {
    n = (n + 7919) % keys;
    auto r = st->get("blocks", make_key(n));
    if (!r) {
      state.SkipWithError(r.err().message.c_str());
      break;
    }
    found += r.value().has_value();
    benchmark::DoNotOptimize(r);
  }
  if (found != static_cast<std::size_t>(state.iterations())) state.SkipWithError("key not found");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_rocksdb_get)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
