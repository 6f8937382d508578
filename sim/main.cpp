/// bystack-sim: runs a BBFT scenario in deterministic simulation and prints its seed first, a
/// readable summary, and its trace hash last.

#include "sim/report.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_flags.hpp"
#include "sim/sequence.hpp"
#include "sim/simulation.hpp"
#include "sim/timeline.hpp"
#include "sim/trace.hpp"

#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace {

const char* usage =
    "usage: bystack-sim SCENARIO.yaml [--nodes N] [--supers M] [--rounds R] [--seed S]\n"
    "                   [--crypto modelled|ed25519] [--certificates list|aggregate]\n"
    "                   [--json FILE] [--csv FILE] [--quiet]\n"
    "                   [--trace FILE.json [--trace-nodes LIST] [--trace-views A-B]\n"
    "                    [--trace-window-ms A-B] [--trace-events-max N]]\n"
    "                   [--sequence FILE.svg --view V] [--timeline FILE]\n"
    "                   [--threads 1|2] [--instants]\n"
    "Flags override the scenario file. --nodes or --supers drop the file's explicit groups.\n"
    "--threads runs the nodes of each lookahead window on that many threads; --instants runs one\n"
    "virtual instant per window. Neither changes the outcome (docs/simulator.md).\n";

} // namespace

int main(int argc, char** argv) {
  using namespace bystack;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::cerr << usage;
    return argc < 2 ? 2 : 0;
  }
  auto loaded = sim::load_scenario(argv[1]);
  if (!loaded) {
    std::cerr << "bystack-sim: " << loaded.err().message << "\n";
    return 2;
  }
  auto s = std::move(*loaded);
  std::optional<std::string> json_file, csv_file;
  bool quiet = false;
  std::optional<std::string> trace_file, sequence_file, timeline_file;
  std::optional<std::uint64_t> sequence_view;
  sim::trace_options trace_opts;
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "bystack-sim: " << flag << " needs a value\n" << usage;
        std::exit(2);
      }
      return argv[++i];
    };
    auto number = [&](auto& out) {
      const char* v = value();
      if (!sim::parse_number(v, out)) {
        std::cerr << "bystack-sim: " << flag << ": '" << v << "' is not a valid number\n";
        std::exit(2);
      }
    };
    auto applied = sim::apply_scenario_flag(flag, value, s);
    if (!applied) {
      std::cerr << "bystack-sim: " << applied.err().message << "\n";
      return 2;
    }
    if (*applied) continue;
    if (flag == "--json")
      json_file = value();
    else if (flag == "--csv")
      csv_file = value();
    else if (flag == "--quiet")
      quiet = true;
    else if (flag == "--threads")
      number(s.sim_threads);
    else if (flag == "--instants")
      s.sim_windows = false;
    else if (flag == "--trace")
      trace_file = value();
    else if (flag == "--timeline")
      timeline_file = value();
    else if (flag == "--sequence")
      sequence_file = value();
    else if (flag == "--view")
      number(sequence_view.emplace());
    else if (flag == "--trace-events-max")
      number(trace_opts.events_max);
    else if (flag == "--trace-nodes" || flag == "--trace-views" || flag == "--trace-window-ms") {
      if (auto ok = sim::apply_trace_bound(flag, value(), trace_opts); !ok) {
        std::cerr << "bystack-sim: " << flag << ": " << ok.err().message << "\n";
        return 2;
      }
    } else {
      std::cerr << "bystack-sim: unknown flag '" << flag << "'\n" << usage;
      return 2;
    }
  }
  if (auto ok = sim::check_scenario_flags(s); !ok) {
    std::cerr << "bystack-sim: " << ok.err().message << "\n";
    return 2;
  }
  sim::observer_list observers;
  std::unique_ptr<sim::trace_writer> trace;
  std::optional<sim::sequence_recorder> sequence;
  if (trace_file) {
    auto w = sim::trace_writer::open(*trace_file, trace_opts);
    if (!w) {
      std::cerr << "bystack-sim: " << w.err().message << "\n";
      return 2;
    }
    trace = std::move(*w);
    observers.add(trace.get());
  }
  std::optional<sim::timeline_recorder> timeline;
  if (timeline_file) observers.add(&timeline.emplace());
  if (sequence_file) {
    if (!sequence_view) {
      std::cerr << "bystack-sim: --sequence needs --view V (the view to draw)\n";
      return 2;
    }
    if (auto ok = sim::sequence_recorder::check_size(s.nodes); !ok) {
      std::cerr << "bystack-sim: --sequence: " << ok.err().message << "\n";
      return 2;
    }
    observers.add(&sequence.emplace(*sequence_view));
  }
  std::cout << "seed " << s.seed << std::endl;
  auto result = sim::run(
      s,
      [&](double sim_s, std::uint64_t height, std::uint64_t delivered) {
        if (!quiet)
          std::cerr << "progress: " << sim_s << " simulated s, every node at height >= " << height
                    << " of " << s.rounds << ", " << delivered << " messages delivered"
                    << std::endl;
      },
      observers.empty() ? nullptr : &observers);
  if (!result) {
    std::cerr << "bystack-sim: " << result.err().message << "\n";
    return 2;
  }
  const auto& r = *result;
  if (!quiet) sim::print_summary(std::cout, s, r);
  if (json_file) {
    std::ofstream f(*json_file);
    sim::write_json(f, s, r);
    if (!f) {
      std::cerr << "bystack-sim: cannot write " << *json_file << "\n";
      return 2;
    }
  }
  if (csv_file) {
    std::ofstream f(*csv_file);
    sim::write_csv(f, s, r, true);
    if (!f) {
      std::cerr << "bystack-sim: cannot write " << *csv_file << "\n";
      return 2;
    }
  }
  if (trace) {
    auto events = trace->events();
    bool truncated = trace->truncated();
    if (auto ok = trace->close(); !ok) {
      std::cerr << "bystack-sim: " << *trace_file << ": " << ok.err().message << "\n";
      return 2;
    }
    std::cerr << "trace: " << events << " events written to " << *trace_file << "\n";
    if (truncated)
      std::cerr << "trace: note: truncated at " << trace_opts.events_max
                << " events (--trace-events-max); bound it with --trace-nodes, --trace-views or "
                   "--trace-window-ms\n";
  }
  if (timeline) {
    std::ofstream f(*timeline_file);
    timeline->write(f);
    if (!f) {
      std::cerr << "bystack-sim: cannot write " << *timeline_file << "\n";
      return 2;
    }
  }
  if (sequence) {
    if (auto ok = sequence->render_to(*sequence_file); !ok) {
      std::cerr << "bystack-sim: --sequence: " << ok.err().message << "\n";
      return 2;
    }
    std::cerr << "sequence: view " << *sequence_view << " drawn to " << *sequence_file << "\n";
  }
  std::cout << "trace_hash " << r.trace_hash << std::endl;
  return r.safety_violations == 0 && r.ledger.ok() ? 0 : 1;
}
