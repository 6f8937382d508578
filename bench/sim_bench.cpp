/// bystack-sim-bench: measures the simulator itself (not the protocol): simulated messages per
/// wall-second, wall time, and resident memory per simulated node. Prints CSV.
///
///   bystack-sim-bench [--nodes N] [--supers M] [--rounds R] [--txs T] [--certificates
///   list|aggregate] [--threads 1|2] [--windows 1|0]
///
/// Defaults: the reference run, N = 10,000, M = 100, 100 rounds, modelled crypto.

#include "sim/simulation.hpp"

#include <sys/resource.h>

#include <charconv>
#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
  using namespace bystack::sim;
  auto s = reference_scenario(10'000, 100, 100);
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
    else if (f == "--certificates")
      s.certificates = argv[i + 1];
    else {
      std::cerr << "unknown flag " << f << "\n";
      return 2;
    }
  }
  auto r = run(s, [](double sim_s, std::uint64_t h, std::uint64_t d) {
    std::cerr << "progress: " << sim_s << " sim s, height " << h << ", " << d << " delivered\n";
  });
  if (!r) {
    std::cerr << r.err().message << "\n";
    return 1;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto rss_kib = static_cast<double>(ru.ru_maxrss);
  std::cout << "nodes,supers,rounds,certificates,completed,delivered,wall_seconds,"
               "messages_per_wall_second,sim_seconds,max_rss_mib,rss_bytes_per_node,trace_hash,"
               "threads,lookahead_us,windows,events,node_messages,events_per_node_message\n";
  std::cout << s.nodes << "," << s.supers << "," << s.rounds << "," << s.certificates << ","
            << (r->completed ? "yes" : "no") << "," << r->delivered << "," << r->wall_seconds << ","
            << static_cast<long long>(double(r->delivered) / r->wall_seconds) << ","
            << r->sim_seconds << "," << rss_kib / 1024.0 << ","
            << static_cast<long long>(rss_kib * 1024.0 / s.nodes) << "," << r->trace_hash << ","
            << r->threads << "," << r->lookahead_us << "," << r->windows << "," << r->events << ","
            << r->node_messages << ","
            << (r->node_messages ? double(r->events) / double(r->node_messages) : 0.0) << "\n";
  return r->completed ? 0 : 1;
}
