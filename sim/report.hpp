#pragma once
/// Renders a run: the readable summary, JSON and CSV.

#include "sim/simulation.hpp"

#include <ostream>
#include <string>

namespace bystack::sim {

/// Prints the summary a person reads (the trace hash is printed last by the caller).
void print_summary(std::ostream& os, const scenario& s, const run_result& r);
/// Writes the JSON document (fields documented in README: seed, trace_hash, nodes, ...).
void write_json(std::ostream& os, const scenario& s, const run_result& r);
/// Writes one CSV header line and one row.
void write_csv(std::ostream& os, const scenario& s, const run_result& r, bool header);

} // namespace bystack::sim
