#include "sim/report.hpp"

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace bystack::sim {

namespace {

std::string fmt(double x, int prec = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, x);
  return buf;
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return fmt(b, u == 0 ? 0 : 1) + " " + units[u];
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) {
      o += "?";
      continue;
    }
    o.push_back(c);
  }
  return o;
}

double per_round(std::uint64_t total, std::uint64_t views) {
  return views == 0 ? 0 : static_cast<double>(total) / static_cast<double>(views);
}

std::uint64_t sum5(const phase_counts& c) {
  return c[0] + c[1] + c[2] + c[3] + c[4];
}

void json_latency(std::ostream& os, const latency_stats& l) {
  os << "{\"p50\": " << fmt(l.p50_ms, 3) << ", \"p99\": " << fmt(l.p99_ms, 3)
     << ", \"max\": " << fmt(l.max_ms, 3) << ", \"mean\": " << fmt(l.mean_ms, 3)
     << ", \"samples\": " << l.samples << "}";
}

void json_load(std::ostream& os, const node_load& l) {
  os << "{\"msgs_in\": " << l.msgs_in << ", \"msgs_out\": " << l.msgs_out
     << ", \"bytes_in\": " << l.bytes_in << ", \"bytes_out\": " << l.bytes_out << "}";
}

} // namespace

void print_summary(std::ostream& os, const scenario& s, const run_result& r) {
  auto v = r.views_measured;
  auto n = r.nodes;
  auto m = r.supers;
  os << "scenario   " << r.scenario << " (" << s.source << ")\n";
  os << "network    N=" << n << " nodes, M=" << m << " super nodes, " << r.crypto << " signatures, "
     << r.certificates << " certificates\n";
  os << "result     " << (r.completed ? "completed" : "INCOMPLETE")
     << ": every honest node committed " << r.committed_min_height << " of " << r.rounds
     << " blocks in " << fmt(r.sim_seconds, 3) << " simulated s (" << r.views_timed_out
     << " view timeouts)\n";
  for (const auto& line : r.stalled)
    os << "stalled    " << line << "\n";
  os << "\nmessages per round (mean over " << v << " complete rounds)\n";
  os << "  phase              messages        bytes   paper-convention\n";
  const char* names[] = {"T0 propose", "T1 forward", "T2 vote", "T3 group-cert", "T4 commit-cert"};
  for (int p = 0; p < 5; ++p) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-16s %10s %12s %12s\n", names[p],
                  fmt(per_round(r.messages_measured[p], v), 1).c_str(),
                  human_bytes(per_round(r.bytes_measured[p], v)).c_str(),
                  fmt(per_round(r.paper_measured[p], v), 1).c_str());
    os << line;
  }
  {
    char line[200];
    std::snprintf(line, sizeof line, "  %-16s %10s %12s %12s\n", "total",
                  fmt(per_round(sum5(r.messages_measured), v), 1).c_str(),
                  human_bytes(per_round(sum5(r.bytes_measured), v)).c_str(),
                  fmt(per_round(sum5(r.paper_measured), v), 1).c_str());
    os << line;
  }
  os << "  closed forms: on the wire M^2+3N-3M-1 = " << closed_form_wire(n, m)
     << ", paper M^2+3N-2M = " << closed_form_paper(n, m) << "\n";
  os << "  whole run: " << r.messages_total << " messages, " << human_bytes(double(r.bytes_total))
     << " (view-change " << r.messages_all[5] << ", sync " << r.messages_all[6] << ", tx "
     << r.messages_all[7] << ")\n";
  os << "\nlatency from proposal, across nodes and blocks (ms)\n";
  os << "  certified (> 2/3 votes held): p50 " << fmt(r.certify_latency.p50_ms, 2) << "  p99 "
     << fmt(r.certify_latency.p99_ms, 2) << "  max " << fmt(r.certify_latency.max_ms, 2) << "\n";
  os << "  committed (final):            p50 " << fmt(r.commit_latency.p50_ms, 2) << "  p99 "
     << fmt(r.commit_latency.p99_ms, 2) << "  max " << fmt(r.commit_latency.max_ms, 2) << "\n";
  os << "\nper-node load over the run (messages / bytes)\n";
  auto load = [&](const char* what, const node_load& mean, const node_load& mx) {
    char line[240];
    std::snprintf(
        line, sizeof line, "  %-11s in %9llu / %-10s out %9llu / %-10s (max in %llu, out %llu)\n",
        what, static_cast<unsigned long long>(mean.msgs_in),
        human_bytes(double(mean.bytes_in)).c_str(), static_cast<unsigned long long>(mean.msgs_out),
        human_bytes(double(mean.bytes_out)).c_str(), static_cast<unsigned long long>(mx.msgs_in),
        static_cast<unsigned long long>(mx.msgs_out));
    os << line;
  };
  load("super node", r.super_mean, r.super_max);
  if (n > m) load("validator", r.validator_mean, r.validator_max);
  if (!r.rejected.empty()) {
    os << "\nrejected input\n";
    for (const auto& [why, count] : r.rejected)
      os << "  " << count << "  " << why << "\n";
  }
  if (r.ledger.enabled) {
    const auto& l = r.ledger;
    os << "\nledger (BUTXO, validated at every node)\n";
    os << "  offered    " << l.generated << " transactions (";
    bool first = true;
    for (const auto& [kind, count] : l.generated_by_kind) {
      os << (first ? "" : ", ") << count << " " << kind;
      first = false;
    }
    os << ")\n";
    os << "  committed  " << l.committed << " valid transactions, "
       << fmt(l.committed_per_sim_second, 1) << " per simulated second; latency p50 "
       << fmt(l.latency_p50_ms, 1) << " ms, p99 " << fmt(l.latency_p99_ms, 1) << " ms\n";
    os << "  state      " << l.utxos << " unspent outputs, UTXO set hash " << l.state_hash
       << "; signatures checked " << l.signatures_checked << " (cache hits "
       << l.signature_cache_hits << ")";
    if (l.blocks_refused_by_core > 0) os << "; invalid proposals refused " << l.blocks_refused_by_core;
    os << "\n";
  }
  os << "\ncheckers   safety "
     << (r.safety_violations == 0 ? "ok" : "VIOLATED: " + r.first_safety_violation);
  if (r.ledger.enabled) {
    const auto& l = r.ledger;
    os << ", ledger ";
    if (l.ok())
      os << "ok (" << l.state_checks << " UTXO set hashes equal, supply = issued - retired at "
         << l.supply_checks << " heights)";
    else
      os << "VIOLATED: "
         << (l.state_mismatches ? l.first_mismatch : l.first_supply_violation);
  }
  if (s.liveness_bound_ms)
    os << ", liveness " << (r.liveness_ok ? "ok" : "FAILED: " + r.liveness_detail);
  os << "\n";
  os << "speed      " << r.delivered << " messages delivered in " << fmt(r.wall_seconds, 2)
     << " wall s = " << fmt(r.wall_seconds > 0 ? double(r.delivered) / r.wall_seconds : 0, 0)
     << " simulated messages per wall-second\n";
}

namespace {

/// Writes the per-height, per-round and per-node series the plots draw (scripts/plot-run.sh).
void write_json_series(std::ostream& os, const run_result& r) {
  os << "  \"commits\": [";
  for (std::size_t i = 0; i < r.commits.size(); ++i) {
    const auto& c = r.commits[i];
    os << (i ? "," : "") << "\n    {\"height\": " << c.height << ", \"view\": " << c.view
       << ", \"sim_ms\": " << fmt(double(c.first_us) / 1000.0, 3)
       << ", \"last_ms\": " << fmt(double(c.last_us) / 1000.0, 3)
       << ", \"latency_ms\": " << fmt(c.latency_mean_ms, 3)
       << ", \"latency_max_ms\": " << fmt(c.latency_max_ms, 3) << ", \"nodes\": " << c.nodes << "}";
  }
  os << "\n  ],\n  \"messages_per_round\": [";
  for (std::size_t v = 0; v < r.messages_per_view.size(); ++v) {
    const auto& m = r.messages_per_view[v];
    os << (v ? "," : "") << "\n    {\"view\": " << v + 1 << ", \"T0\": " << m[0]
       << ", \"T1\": " << m[1] << ", \"T2\": " << m[2] << ", \"T3\": " << m[3]
       << ", \"T4\": " << m[4] << ", \"view_change\": " << m[5] << ", \"sync\": " << m[6]
       << ", \"tx\": " << m[7] << "}";
  }
  os << "\n  ],\n  \"node_load\": [";
  std::vector<bool> super(r.loads.size(), false);
  for (auto s : r.super_nodes)
    if (s < super.size()) super[s] = true;
  for (std::size_t i = 0; i < r.loads.size(); ++i) {
    const auto& l = r.loads[i];
    os << (i ? "," : "") << "\n    {\"node\": " << i
       << ", \"super\": " << (super[i] ? "true" : "false") << ", \"msgs_in\": " << l.msgs_in
       << ", \"msgs_out\": " << l.msgs_out << ", \"bytes_in\": " << l.bytes_in
       << ", \"bytes_out\": " << l.bytes_out << "}";
  }
  os << "\n  ],\n";
}

} // namespace

void write_json(std::ostream& os, const scenario& s, const run_result& r) {
  auto v = r.views_measured;
  os << "{\n";
  os << "  \"scenario\": \"" << json_escape(r.scenario) << "\",\n";
  os << "  \"seed\": " << r.seed << ",\n";
  os << "  \"trace_hash\": \"" << r.trace_hash << "\",\n";
  os << "  \"nodes\": " << r.nodes << ",\n  \"supers\": " << r.supers << ",\n";
  os << "  \"rounds\": " << r.rounds << ",\n  \"rounds_measured\": " << v << ",\n";
  os << "  \"completed\": " << (r.completed ? "true" : "false") << ",\n";
  if (!r.stalled.empty()) {
    os << "  \"stalled\": [";
    for (std::size_t i = 0; i < r.stalled.size(); ++i)
      os << (i ? ", " : "") << "\"" << json_escape(r.stalled[i]) << "\"";
    os << "],\n";
  }
  os << "  \"crypto\": \"" << r.crypto << "\",\n  \"certificates\": \"" << r.certificates
     << "\",\n";
  os << "  \"messages_on_wire\": " << fmt(per_round(sum5(r.messages_measured), v), 3) << ",\n";
  os << "  \"messages_paper\": " << fmt(per_round(sum5(r.paper_measured), v), 3) << ",\n";
  os << "  \"closed_form_wire\": " << closed_form_wire(r.nodes, r.supers) << ",\n";
  os << "  \"closed_form_paper\": " << closed_form_paper(r.nodes, r.supers) << ",\n";
  os << "  \"messages_by_phase\": {";
  const char* keys[] = {"T0", "T1", "T2", "T3", "T4"};
  for (int p = 0; p < 5; ++p)
    os << (p ? ", " : "") << "\"" << keys[p]
       << "\": " << fmt(per_round(r.messages_measured[p], v), 3);
  os << "},\n";
  os << "  \"bytes_by_phase\": {";
  for (int p = 0; p < 5; ++p)
    os << (p ? ", " : "") << "\"" << keys[p] << "\": " << fmt(per_round(r.bytes_measured[p], v), 1);
  os << "},\n";
  os << "  \"bytes_on_wire\": " << fmt(per_round(sum5(r.bytes_measured), v), 1) << ",\n";
  os << "  \"messages_total\": " << r.messages_total << ",\n";
  os << "  \"bytes_total\": " << r.bytes_total << ",\n";
  os << "  \"side_messages\": {\"view_change\": " << r.messages_all[5]
     << ", \"sync\": " << r.messages_all[6] << ", \"tx\": " << r.messages_all[7] << "},\n";
  os << "  \"commit_latency_ms\": ";
  json_latency(os, r.commit_latency);
  os << ",\n  \"certify_latency_ms\": ";
  json_latency(os, r.certify_latency);
  os << ",\n  \"load\": {\"super_mean\": ";
  json_load(os, r.super_mean);
  os << ", \"super_max\": ";
  json_load(os, r.super_max);
  os << ", \"validator_mean\": ";
  json_load(os, r.validator_mean);
  os << ", \"validator_max\": ";
  json_load(os, r.validator_max);
  os << "},\n";
  os << "  \"views_timed_out\": " << r.views_timed_out << ",\n";
  os << "  \"safety_violations\": " << r.safety_violations << ",\n";
  os << "  \"liveness_ok\": " << (r.liveness_ok ? "true" : "false") << ",\n";
  os << "  \"delivered\": " << r.delivered << ",\n";
  os << "  \"sim_seconds\": " << fmt(r.sim_seconds, 6) << ",\n";
  os << "  \"wall_seconds\": " << fmt(r.wall_seconds, 3) << ",\n";
  os << "  \"messages_per_wall_second\": "
     << fmt(r.wall_seconds > 0 ? double(r.delivered) / r.wall_seconds : 0, 0) << ",\n";
  if (r.ledger.enabled) {
    const auto& l = r.ledger;
    os << "  \"ledger\": {\"offered\": " << l.generated << ", \"invalid_offered\": "
       << l.invalid_generated << ", \"committed\": " << l.committed
       << ", \"committed_per_sim_second\": " << fmt(l.committed_per_sim_second, 3)
       << ", \"latency_p50_ms\": " << fmt(l.latency_p50_ms, 3)
       << ", \"latency_p99_ms\": " << fmt(l.latency_p99_ms, 3) << ", \"utxos\": " << l.utxos
       << ", \"state_hash\": \"" << l.state_hash << "\", \"state_checks\": " << l.state_checks
       << ", \"state_mismatches\": " << l.state_mismatches
       << ", \"supply_checks\": " << l.supply_checks
       << ", \"supply_violations\": " << l.supply_violations
       << ", \"signatures_checked\": " << l.signatures_checked
       << ", \"signature_cache_hits\": " << l.signature_cache_hits
       << ", \"invalid_proposals_refused\": " << l.blocks_refused_by_core << ", \"by_kind\": {";
    bool first = true;
    for (const auto& [kind, count] : l.generated_by_kind) {
      os << (first ? "" : ", ") << "\"" << json_escape(kind) << "\": " << count;
      first = false;
    }
    os << "}},\n";
  }
  write_json_series(os, r);
  os << "  \"source\": \"" << json_escape(s.source) << "\"\n";
  os << "}\n";
}

void write_csv(std::ostream& os, const scenario& s, const run_result& r, bool header) {
  auto v = r.views_measured;
  if (header)
    os << "scenario,seed,nodes,supers,rounds,crypto,certificates,messages_on_wire,messages_paper,"
          "closed_form_wire,closed_form_paper,bytes_on_wire,busiest_msgs_in,busiest_msgs_out,"
          "busiest_bytes_in,busiest_bytes_out,certify_p50_ms,certify_p99_ms,commit_p50_ms,"
          "commit_p99_ms,commit_max_ms,sim_seconds,wall_seconds,trace_hash\n";
  auto busiest = [&](auto field) { return std::max(field(r.super_max), field(r.validator_max)); };
  os << s.name << "," << r.seed << "," << r.nodes << "," << r.supers << "," << r.rounds << ","
     << r.crypto << "," << r.certificates << "," << fmt(per_round(sum5(r.messages_measured), v), 3)
     << "," << fmt(per_round(sum5(r.paper_measured), v), 3) << ","
     << closed_form_wire(r.nodes, r.supers) << "," << closed_form_paper(r.nodes, r.supers) << ","
     << fmt(per_round(sum5(r.bytes_measured), v), 1) << ","
     << busiest([](const node_load& l) { return l.msgs_in; }) << ","
     << busiest([](const node_load& l) { return l.msgs_out; }) << ","
     << busiest([](const node_load& l) { return l.bytes_in; }) << ","
     << busiest([](const node_load& l) { return l.bytes_out; }) << ","
     << fmt(r.certify_latency.p50_ms, 3) << "," << fmt(r.certify_latency.p99_ms, 3) << ","
     << fmt(r.commit_latency.p50_ms, 3) << "," << fmt(r.commit_latency.p99_ms, 3) << ","
     << fmt(r.commit_latency.max_ms, 3) << "," << fmt(r.sim_seconds, 6) << ","
     << fmt(r.wall_seconds, 3) << "," << r.trace_hash << "\n";
}

} // namespace bystack::sim
