#include "sim/federation/stack_search.hpp"

#include "sim/fault_search.hpp"
#include "sim/rng.hpp"
#include "sim/simulation.hpp"

#include <algorithm>
#include <numeric>

namespace bystack::sim::federation {

namespace {

std::string seconds(double s) {
  return std::to_string(static_cast<long long>(s)) + " s";
}

/// Up to f faulty sidechain nodes, each with one fault, within the first half of the run.
void draw_sidechain_faults(rng64& r, scenario& s, std::string& words) {
  auto n = s.nodes;
  std::uint32_t f = (n - 1) / 3;
  auto faulty = static_cast<std::uint32_t>(r.below(f + 1));
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  for (std::uint32_t i = n; i > 1; --i)
    std::swap(order[i - 1], order[r.below(i)]);
  std::vector<bool> is_super(n, false); // the first node of each group (even split)
  for (std::uint32_t g = 0, next = 0; g < s.supers && next < n; ++g) {
    is_super[next] = true;
    next += n / s.supers + (g < n % s.supers ? 1 : 0);
  }
  static const char* any_kinds[] = {"crash", "crash_restart", "double_vote", "garbage", "lossy"};
  static const char* super_kinds[] = {"silent_leader",        "equivocate",        "drop_votes",
                                      "withhold_certificate", "forge_certificate", "invalid_block"};
  auto horizon_ms = static_cast<std::uint64_t>(std::max(1.0, s.max_sim_seconds * 500));
  for (std::uint32_t i = 0; i < faulty; ++i) {
    auto node = order[i];
    fault_spec fs;
    fs.nodes = {node};
    fs.at_ms = static_cast<double>(r.below(horizon_ms));
    std::string kind =
        is_super[node] && r.below(2) ? super_kinds[r.below(6)] : any_kinds[r.below(5)];
    if (kind == "crash_restart") {
      fs.kind = "crash";
      fs.until_ms = fs.at_ms + 1000 + static_cast<double>(r.below(60'000));
    } else if (kind == "lossy") {
      fs.kind = "loss";
      fs.rate = 0.1 + 0.8 * r.uniform01();
    } else {
      fs.kind = kind;
    }
    words += "sidechain node " + std::to_string(node) + (is_super[node] ? " (super) " : " ") +
             kind + " at " + seconds(fs.at_ms / 1000) + "; ";
    s.faults.push_back(std::move(fs));
  }
}

} // namespace

stack_case draw_stack_case(const scenario& base, const stack_params& base_p, std::uint64_t seed,
                           bool beyond) {
  stack_case c;
  c.seed = seed;
  c.s = base;
  c.s.seed = seed;
  c.s.name = base.name + "-search-" + std::to_string(seed);
  c.p = base_p;
  rng64 r(seed * 0x9e3779b97f4a7c15ULL + 0x5354);
  auto& p = c.p;
  auto& w = c.faults;
  draw_sidechain_faults(r, c.s, w);
  p.offline_members = static_cast<std::size_t>(r.below(p.members - p.threshold + 1));
  auto byz_max = std::min<std::size_t>(p.threshold - 1, p.members - p.offline_members);
  p.byzantine_members = static_cast<std::size_t>(r.below(byz_max + 1));
  if (p.offline_members > 0) w += std::to_string(p.offline_members) + " members offline; ";
  if (p.byzantine_members > 0) w += std::to_string(p.byzantine_members) + " Byzantine members; ";
  c.waits = releases_may_wait(p);
  if (p.collectors >= 2) { // collector 1 stays honest
    p.lying_collector = r.below(2) == 1;
    p.double_claim = r.below(2) == 1;
    if (p.lying_collector) w += "collector 0 lies; ";
    if (p.double_claim) w += "collector 0 claims twice; ";
  }
  if (p.collectors >= 1 && r.below(2) == 1) {
    p.crash_collector_at_s = static_cast<double>(r.below(200));
    p.restart_after_s = 30 + static_cast<double>(r.below(210));
    w += "collector 0 crashes at " + seconds(p.crash_collector_at_s) + ", back " +
         seconds(p.restart_after_s) + " later; ";
  }
  if (p.confirmations > 1 && r.below(2) == 1) {
    p.reorg_depth = 1 + r.below(p.confirmations - 1);
    if (!beyond)
      w += "a reorganisation removes user 0's pegin " + std::to_string(p.reorg_depth) +
           " blocks deep; ";
  }
  if (beyond) { // replaces the shallow one
    p.reorg_depth = p.confirmations + r.below(2);
    w += "beyond the model: a reorganisation removes user 0's claimed pegin " +
         std::to_string(p.reorg_depth) + " blocks deep; ";
    c.outside = "reorganisation " + std::to_string(p.reorg_depth) + " blocks deep, at or beyond " +
                std::to_string(p.confirmations) + " confirmations";
  }
  if (w.empty()) w = "no faults; ";
  w.resize(w.size() - 2);
  if (auto why = outside_model(c.s); !why.empty())
    c.outside += (c.outside.empty() ? "" : "; ") + why;
  return c;
}

bool stack_complete(const stack_report& f) {
  auto due = f.pegins - f.pegins_removed;
  return due > 0 && f.pegin_s.size() == due && f.pegouts == due && f.releases == f.pegouts &&
         f.records == f.pegouts;
}

std::string releases_may_wait(const stack_params& p) {
  auto bad = p.offline_members + p.byzantine_members;
  auto honest = p.members > bad ? p.members - bad : 0;
  if (honest >= p.threshold) return {};
  return "fewer than m honest members online (" + std::to_string(honest) + " of " +
         std::to_string(p.members) + ", m = " + std::to_string(p.threshold) +
         "): releases may wait";
}

std::string stack_waiting(const stack_report& f) {
  auto due = f.pegins - f.pegins_removed;
  auto n = [](std::uint64_t x) { return std::to_string(x); };
  if (due == 0) return "no pegin due";
  if (f.pegin_s.size() != due) return n(f.pegin_s.size()) + " of " + n(due) + " pegins claimed";
  if (!f.stuck.empty())
    return n(f.stuck.size()) + " users stuck short of a pending or completed pegout";
  if (f.pegouts != due) return n(f.pegouts) + " of " + n(due) + " pegouts sent";
  if (f.releases + f.pending_pegouts != f.pegouts)
    return n(f.releases) + " released + " + n(f.pending_pegouts) + " pending of " + n(f.pegouts) +
           " pegouts";
  if (f.released_twice != 0) return n(f.released_twice) + " pegouts released twice";
  if (f.records != f.releases) return n(f.records) + " records of " + n(f.releases) + " releases";
  if (f.thefts_mined != 0) return n(f.thefts_mined) + " thefts mined";
  return {};
}

stack_case_result run_stack_case(const stack_case& c, const crypto::signature_scheme& scheme) {
  stack_case_result out;
  auto stack = federation_stack::make(c.p, c.s.seed, scheme);
  if (!stack) {
    out.error = stack.err().message;
    return out;
  }
  auto r = sim::run(c.s, {}, nullptr, stack->get());
  if (!r) {
    out.error = r.err().message;
    return out;
  }
  out.r = (*stack)->report();
  out.safety_violations = r->safety_violations;
  out.ledger_ok = r->ledger.ok();
  out.ledger_detail =
      r->ledger.state_mismatches ? r->ledger.first_mismatch : r->ledger.first_supply_violation;
  out.complete = stack_complete(out.r);
  out.waiting = !out.complete && !c.waits.empty() && stack_waiting(out.r).empty();
  return out;
}

} // namespace bystack::sim::federation
