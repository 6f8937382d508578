#pragma once
/// The fault search of the whole-system run (bystack-stack-sim --search): each seed draws a
/// combination of faults on both chains within the fault model and runs the scenario with
/// them; a run reports a supply violation, a fault whose expected outcome did not happen, a
/// ledger or safety violation, or pegs that did not complete (classified from the schedule as
/// outside the model when they are).
///
/// The fault model: at most f = (N - 1) / 3 faulty sidechain nodes (crashes with or without a
/// restart, Byzantine behaviours, lossy links, as bystack-fault-search draws them); at most
/// n - m members offline and fewer than m Byzantine members; collector 0 lying, claiming twice
/// or crashing (and restarting), with collector 1 honest; a mainchain reorganisation removing a
/// pegin shallower than the confirmation depth. `beyond` also draws what the model excludes, a
/// reorganisation at or beyond the depth after the claim, which the checker must flag.

#include "sim/federation/stack_sim.hpp"
#include "sim/scenario.hpp"

#include <cstdint>
#include <string>

namespace bystack::sim::federation {

struct stack_case {
  std::uint64_t seed = 0;
  scenario s;          ///< the base scenario with the seed and the sidechain's faults
  stack_params p;      ///< the federation section with its faults
  std::string faults;  ///< the drawn faults in words
  std::string outside; ///< why the schedule is outside the model in which pegs complete ("")
};

/// Draws the case of `seed` over the base scenario and federation section.
stack_case draw_stack_case(const scenario& base, const stack_params& base_p, std::uint64_t seed,
                           bool beyond);

struct stack_case_result {
  std::string error; ///< the run could not start (a bad scenario)
  stack_report r;
  std::uint64_t safety_violations = 0;
  bool ledger_ok = true;
  std::string ledger_detail;
  bool complete = false; ///< every due pegin claimed, traded, pegged out, released, recorded
};

/// Runs a drawn case (the seed's sidechain, mainchain and federation in one run).
stack_case_result run_stack_case(const stack_case& c, const crypto::signature_scheme& scheme);

/// Whether every pegin that is due (not removed by a reorganisation) completed.
bool stack_complete(const stack_report& f);

} // namespace bystack::sim::federation
