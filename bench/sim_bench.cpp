/// bystack-sim-bench: measures the simulator itself (not the protocol): simulated messages per
/// wall-second, wall time, and resident memory per simulated node. Prints CSV.
///
///   bystack-sim-bench [--nodes N] [--supers M] [--rounds R] [--txs T] [--certificates
///   list|aggregate] [--threads 1|2] [--windows 1|0] [--dispatch caf|direct] [--flush serial|split]
///   [--heap-sample MS]
///
/// Defaults: the reference run, N = 10,000, M = 100, 100 rounds, modelled crypto.
///
/// --dispatch direct (a measurement, not a way to run): each window's node handlers are called
/// directly instead of through one CAF message per node; the outcome and trace hash are the
/// same, so the wall time difference is what CAF's dispatch costs.
///
/// --flush split (with --threads 2; scenario::sim_split_flush): each window's effects are applied
/// in two streams, one per thread, instead of on the driving thread alone. Same outcome and trace
/// hash; the last column, split_flushes, counts the windows applied so.
///
/// pop_seconds, window_seconds and flush_seconds split the wall time: popping the queue into each
/// window and applying each window on the driving thread alone, against running the nodes (the
/// part the threads share); see run_result::wall_pop_seconds. wait_seconds (two threads): the part
/// of window_seconds the driving thread waited for the second thread after its own nodes;
/// worker_wake_seconds and worker_run_seconds: from the go to the second thread running, and
/// its own nodes (see run_result::wall_worker_wake_seconds).
///
/// --heap-sample MS (diagnostic, stderr only): a thread samples the resident set and, when the
/// binary runs on jemalloc, the allocator's bytes in use, active and resident every MS ms, and
/// prints at the end the sample with the largest resident set and the one with the most bytes in
/// use; it tells heap in use from what the allocator keeps. Sampling misses short peaks.

#include "sim/simulation.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

// jemalloc's control interface, when the binary links jemalloc (weak: absent otherwise).
extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp,
                       std::size_t newlen) __attribute__((weak));

namespace {

struct heap_sample {
  double t = 0;              ///< seconds since the run began
  std::size_t rss = 0;       ///< resident set (/proc/self/statm)
  std::size_t allocated = 0; ///< jemalloc: bytes the program holds
  std::size_t active = 0;    ///< jemalloc: bytes in active pages
  std::size_t resident = 0;  ///< jemalloc: bytes in pages it holds resident (incl. metadata)
  std::size_t metadata = 0;  ///< jemalloc: its own bookkeeping
};

heap_sample sample_heap(double t) {
  heap_sample h;
  h.t = t;
  if (auto* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long size = 0, res = 0;
    if (std::fscanf(f, "%lu %lu", &size, &res) == 2)
      h.rss = res * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    std::fclose(f);
  }
  if (mallctl) {
    std::uint64_t epoch = 1;
    std::size_t len = sizeof epoch;
    mallctl("epoch", &epoch, &len, &epoch, len);
    auto get = [](const char* name, std::size_t& out) {
      std::size_t n = sizeof out;
      if (mallctl(name, &out, &n, nullptr, 0) != 0) out = 0;
    };
    get("stats.allocated", h.allocated);
    get("stats.active", h.active);
    get("stats.resident", h.resident);
    get("stats.metadata", h.metadata);
  }
  return h;
}

void print_sample(const char* what, const heap_sample& h) {
  auto mib = [](std::size_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); };
  std::fprintf(stderr,
               "heap %s: t %.2f s, rss %.1f MiB, allocated %.1f MiB, active %.1f MiB, resident "
               "%.1f MiB, metadata %.1f MiB\n",
               what, h.t, mib(h.rss), mib(h.allocated), mib(h.active), mib(h.resident),
               mib(h.metadata));
}

} // namespace

int main(int argc, char** argv) {
  using namespace bystack::sim;
  auto s = reference_scenario(10'000, 100, 100);
  s.sim_phase_times = true; // the pop, window, flush and wait columns
  int heap_ms = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string f = argv[i];
    auto num = [&](auto& out) {
      auto v = argv[i + 1];
      std::from_chars(v, v + std::strlen(v), out);
    };
    if (f == "--nodes")
      num(s.nodes);
    else if (f == "--supers")
      num(s.supers);
    else if (f == "--rounds")
      num(s.rounds);
    else if (f == "--txs")
      num(s.protocol.synthetic_txs_per_block);
    else if (f == "--threads")
      num(s.sim_threads);
    else if (f == "--windows")
      s.sim_windows = std::string(argv[i + 1]) != "0";
    else if (f == "--dispatch") {
      std::string v = argv[i + 1];
      if (v != "caf" && v != "direct") {
        std::cerr << "--dispatch takes caf or direct, not " << v << "\n";
        return 2;
      }
      s.sim_direct_dispatch = v == "direct";
    } else if (f == "--flush") {
      std::string v = argv[i + 1];
      if (v != "serial" && v != "split") {
        std::cerr << "--flush takes serial or split, not " << v << "\n";
        return 2;
      }
      s.sim_split_flush = v == "split";
    } else if (f == "--certificates")
      s.certificates = argv[i + 1];
    else if (f == "--heap-sample")
      num(heap_ms);
    else {
      std::cerr << "unknown flag " << f << "\n";
      return 2;
    }
  }
  std::atomic<bool> sampling{heap_ms > 0};
  heap_sample top_rss, top_allocated, last;
  std::thread sampler;
  if (heap_ms > 0)
    sampler = std::thread([&] {
      auto t0 = std::chrono::steady_clock::now();
      while (sampling.load()) {
        auto h = sample_heap(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        if (h.rss > top_rss.rss) top_rss = h;
        if (h.allocated > top_allocated.allocated) top_allocated = h;
        last = h;
        std::this_thread::sleep_for(std::chrono::milliseconds(heap_ms));
      }
    });
  auto r = run(s, [](double sim_s, std::uint64_t h, std::uint64_t d) {
    std::cerr << "progress: " << sim_s << " sim s, height " << h << ", " << d << " delivered\n";
  });
  if (heap_ms > 0) {
    sampling = false;
    sampler.join();
    print_sample("at the largest rss", top_rss);
    print_sample("at the most allocated", top_allocated);
    print_sample("last", last);
    if (r)
      std::fprintf(stderr, "heap trims %llu\n", static_cast<unsigned long long>(r->heap_trims));
  }
  if (!r) {
    std::cerr << r.err().message << "\n";
    return 1;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto rss_kib = static_cast<double>(ru.ru_maxrss);
  std::cout << "nodes,supers,rounds,certificates,completed,delivered,wall_seconds,"
               "messages_per_wall_second,sim_seconds,max_rss_mib,rss_bytes_per_node,trace_hash,"
               "threads,lookahead_us,windows,events,node_messages,events_per_node_message,dispatch,"
               "pop_seconds,window_seconds,flush_seconds,wait_seconds,worker_wake_seconds,"
               "worker_run_seconds,split_flushes\n";
  std::cout << s.nodes << "," << s.supers << "," << s.rounds << "," << s.certificates << ","
            << (r->completed ? "yes" : "no") << "," << r->delivered << "," << r->wall_seconds << ","
            << static_cast<long long>(double(r->delivered) / r->wall_seconds) << ","
            << r->sim_seconds << "," << rss_kib / 1024.0 << ","
            << static_cast<long long>(rss_kib * 1024.0 / s.nodes) << "," << r->trace_hash << ","
            << r->threads << "," << r->lookahead_us << "," << r->windows << "," << r->events << ","
            << r->node_messages << ","
            << (r->node_messages ? double(r->events) / double(r->node_messages) : 0.0) << ","
            << (s.sim_direct_dispatch ? "direct" : "caf") << "," << r->wall_pop_seconds << ","
            << r->wall_window_seconds << "," << r->wall_flush_seconds << "," << r->wall_wait_seconds
            << "," << r->wall_worker_wake_seconds << "," << r->wall_worker_run_seconds << ","
            << r->split_flushes << "\n";
  return r->completed ? 0 : 1;
}
