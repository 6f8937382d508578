/// bystack-sim: runs a BBFT scenario in deterministic simulation and prints its seed first, a
/// readable summary, and its trace hash last.

#include "sim/report.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"

#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

namespace {

const char* usage =
    "usage: bystack-sim SCENARIO.yaml [--nodes N] [--supers M] [--rounds R] [--seed S]\n"
    "                   [--crypto modelled|ed25519] [--certificates list|aggregate]\n"
    "                   [--json FILE] [--csv FILE] [--quiet]\n"
    "Flags override the scenario file. --nodes or --supers drop the file's explicit groups.\n";

template <class T> bool parse_number(const char* text, T& out) {
  auto end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, out);
  return ec == std::errc{} && p == end;
}

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
      if (!parse_number(v, out)) {
        std::cerr << "bystack-sim: " << flag << ": '" << v << "' is not a valid number\n";
        std::exit(2);
      }
    };
    if (flag == "--nodes") {
      number(s.nodes);
      s.group_sizes.clear();
      s.network.latency.region_of.clear();
    } else if (flag == "--supers") {
      number(s.supers);
      s.group_sizes.clear();
    } else if (flag == "--rounds")
      number(s.rounds);
    else if (flag == "--seed")
      number(s.seed);
    else if (flag == "--crypto")
      s.crypto = value();
    else if (flag == "--certificates")
      s.certificates = value();
    else if (flag == "--json")
      json_file = value();
    else if (flag == "--csv")
      csv_file = value();
    else if (flag == "--quiet")
      quiet = true;
    else {
      std::cerr << "bystack-sim: unknown flag '" << flag << "'\n" << usage;
      return 2;
    }
  }
  if (s.crypto != "modelled" && s.crypto != "ed25519") {
    std::cerr << "bystack-sim: --crypto must be modelled or ed25519\n";
    return 2;
  }
  if (s.certificates != "list" && s.certificates != "aggregate") {
    std::cerr << "bystack-sim: --certificates must be list or aggregate\n";
    return 2;
  }
  std::cout << "seed " << s.seed << std::endl;
  auto result = sim::run(s, [&](double sim_s, std::uint64_t height, std::uint64_t delivered) {
    if (!quiet)
      std::cerr << "progress: " << sim_s << " simulated s, every node at height >= " << height
                << " of " << s.rounds << ", " << delivered << " messages delivered" << std::endl;
  });
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
  std::cout << "trace_hash " << r.trace_hash << std::endl;
  return r.safety_violations == 0 ? 0 : 1;
}
