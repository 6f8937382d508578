#pragma once
/// The command-line flags that override a scenario file's keys, shared by bystack-sim and the
/// programs that run a bystack-sim scenario with more around it (bystack-stack-sim).

#include "sim/scenario.hpp"
#include "sim/seed_flags.hpp" // parse_number

#include <functional>
#include <string>

namespace bystack::sim {

/// The scenario flags' usage lines.
inline constexpr const char* scenario_flags_usage =
    "[--nodes N] [--supers M] [--rounds R] [--seed S]\n"
    "                   [--crypto modelled|ed25519] [--certificates list|aggregate]";

/// Applies `flag` if it is one of the scenario flags (--nodes and --supers drop the file's
/// explicit groups), taking its value from `value`; returns false for another flag, and an
/// error for a value that is not a number.
inline result<bool> apply_scenario_flag(const std::string& flag,
                                        const std::function<const char*()>& value, scenario& s) {
  auto number = [&](auto& out) -> result<bool> {
    const char* v = value();
    if (!parse_number(v, out))
      return make_error(flag + ": '" + std::string(v) + "' is not a valid number");
    return true;
  };
  if (flag == "--nodes") {
    s.group_sizes.clear();
    s.network.latency.region_of.clear();
    return number(s.nodes);
  }
  if (flag == "--supers") {
    s.group_sizes.clear();
    return number(s.supers);
  }
  if (flag == "--rounds") return number(s.rounds);
  if (flag == "--seed") return number(s.seed);
  if (flag == "--crypto") {
    s.crypto = value();
    return true;
  }
  if (flag == "--certificates") {
    s.certificates = value();
    return true;
  }
  return false;
}

/// Checks the values the scenario flags may have set; an error names the flag.
inline result<void> check_scenario_flags(const scenario& s) {
  if (s.crypto != "modelled" && s.crypto != "ed25519")
    return make_error("--crypto must be modelled or ed25519");
  if (s.certificates != "list" && s.certificates != "aggregate")
    return make_error("--certificates must be list or aggregate");
  return {};
}

} // namespace bystack::sim
