// bystack-dpos-sim: runs a DPoS scenario (docs/dpos.md) and prints each epoch's set, super
// nodes, members changed and commit latency around the boundaries.
#include "sim/dpos_sim.hpp"

#include <cstring>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  using namespace bystack::sim;
  if (argc < 2) {
    std::cerr << "usage: bystack-dpos-sim <scenario.yaml> [--policy stake|delay] [--seed N] "
                 "[--heights]\n";
    return 2;
  }
  auto cfg = load_dpos_config(argv[1]);
  if (!cfg) {
    std::cerr << "error: " << cfg.err().message << "\n";
    return 2;
  }
  bool heights = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--policy" && i + 1 < argc) {
      cfg->policy = argv[++i];
      if (cfg->policy != "stake" && cfg->policy != "delay") {
        std::cerr << "error: --policy is stake or delay\n";
        return 2;
      }
    } else if (a == "--heights") {
      heights = true;
    } else if (a == "--seed" && i + 1 < argc) {
      cfg->seed = std::stoull(argv[++i]);
    } else {
      std::cerr << "error: unknown argument " << a << "\n";
      return 2;
    }
  }
  auto r = run_dpos(*cfg);
  print_dpos(r, std::cout, heights);
  return r.ok() ? 0 : 1;
}
