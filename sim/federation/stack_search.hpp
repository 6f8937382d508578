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
/// pegin shallower than the confirmation depth. With fewer than m honest members online
/// (offline and Byzantine members together leave fewer than m) releases may wait: such a case
/// passes when every due peg reached a committed burn, each burn is released once or still
/// pending, and nothing else moved (stack_waiting). `beyond` also draws what the model excludes, a
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
  /// Why releases may wait within the model ("": they must complete): fewer than m honest
  /// members online.
  std::string waits;
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
  bool waiting = false;  ///< not complete, but as stack_waiting allows (with c.waits only)
};

/// Runs a drawn case (the seed's sidechain, mainchain and federation in one run).
stack_case_result run_stack_case(const stack_case& c, const crypto::signature_scheme& scheme);

/// Whether every pegin that is due (not removed by a reorganisation) completed.
bool stack_complete(const stack_report& f);

/// Why releases may wait within the model: fewer than m honest members online (offline and
/// Byzantine members together leave fewer than m; the Byzantine members may or may not sign).
/// Empty: releases must complete.
std::string releases_may_wait(const stack_params& p);

/// What the model asks when releases may wait (fewer than m honest members online): every due
/// pegin claimed, traded and burned (no user stuck), every burn released at most once or still
/// pending, every release recorded, no theft mined. Empty: it holds; else what failed.
std::string stack_waiting(const stack_report& f);

} // namespace bystack::sim::federation
