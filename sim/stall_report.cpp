#include "sim/stall_report.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace bystack::sim {

namespace {

/// "a, b, c (+k more)" of a set of ids.
std::string some(const std::set<std::uint32_t>& ids, std::size_t shown = 4) {
  std::ostringstream os;
  std::size_t k = 0;
  for (auto id : ids) {
    if (k == shown) break;
    os << (k++ ? ", " : "") << id;
  }
  if (ids.size() > shown) os << " (+" << ids.size() - shown << " more)";
  return os.str();
}

std::string range(std::uint64_t lo, std::uint64_t hi) {
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
}

struct group {
  std::size_t nodes = 0;
  std::set<std::uint32_t> ids, supers, peers;
  std::uint64_t view_lo = UINT64_MAX, view_hi = 0, bview_lo = UINT64_MAX, bview_hi = 0;
  std::size_t voted = 0, asked = 0, syncing = 0;
  std::uint32_t above_lo = UINT32_MAX, above_hi = 0;
  std::size_t missing = 0, missing_lo = SIZE_MAX, missing_hi = 0;
};

} // namespace

std::vector<std::string>
stall_report(const std::vector<std::pair<std::uint32_t, bbft::wait_state>>& below,
             std::uint64_t target, std::size_t max_lines) {
  using key =
      std::tuple<int, std::uint64_t, std::uint64_t, bool>; // stage, height, committed, super
  std::map<key, group> groups;
  for (const auto& [id, w] : below) {
    auto& g = groups[key{static_cast<int>(w.what), w.height, w.committed_height, w.super}];
    ++g.nodes;
    g.ids.insert(id);
    g.supers.insert(w.super_node);
    g.view_lo = std::min(g.view_lo, w.view);
    g.view_hi = std::max(g.view_hi, w.view);
    if (w.block_view) {
      g.bview_lo = std::min(g.bview_lo, w.block_view);
      g.bview_hi = std::max(g.bview_hi, w.block_view);
    }
    g.voted += w.voted;
    g.asked += w.asked;
    g.syncing += w.sync_outstanding;
    g.above_lo = std::min(g.above_lo, w.certified_above);
    g.above_hi = std::max(g.above_hi, w.certified_above);
    if (w.what == bbft::wait_state::stage::batches ||
        w.what == bbft::wait_state::stage::rebuild_failed ||
        w.what == bbft::wait_state::stage::block || w.what == bbft::wait_state::stage::dropped)
      g.peers.insert(w.peer);
    if (w.what == bbft::wait_state::stage::batches) {
      g.missing += w.missing;
      g.missing_lo = std::min(g.missing_lo, w.missing);
      g.missing_hi = std::max(g.missing_hi, w.missing);
    }
  }
  std::vector<std::pair<key, const group*>> order;
  for (const auto& [k, g] : groups)
    order.emplace_back(k, &g);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second->nodes > b.second->nodes; });
  std::vector<std::string> out;
  {
    std::ostringstream os;
    os << below.size() << " honest node" << (below.size() == 1 ? "" : "s") << " below height "
       << target << ", in " << groups.size() << " kind" << (groups.size() == 1 ? "" : "s")
       << " of wait:";
    out.push_back(os.str());
  }
  std::size_t shown = 0, rest = 0;
  for (const auto& [k, gp] : order) {
    const auto& g = *gp;
    if (shown + 1 >= max_lines && order.size() > max_lines) {
      rest += g.nodes;
      continue;
    }
    ++shown;
    auto stage = static_cast<bbft::wait_state::stage>(std::get<0>(k));
    auto height = std::get<1>(k);
    std::ostringstream os;
    os << "  " << g.nodes << (std::get<3>(k) ? " super node" : " member")
       << (g.nodes == 1 ? "" : "s") << " at committed height " << std::get<2>(k) << ", view "
       << range(g.view_lo, g.view_hi) << ": ";
    auto bview = g.bview_lo <= g.bview_hi ? " (view " + range(g.bview_lo, g.bview_hi) + ")" : "";
    switch (stage) {
    case bbft::wait_state::stage::proposal:
      os << "proposal of block " << height << " never received";
      break;
    case bbft::wait_state::stage::batches:
      os << "block " << height << bview << " held in compact form, " << g.missing
         << " batches missing (" << range(g.missing_lo, g.missing_hi) << " each), "
         << (g.asked == g.nodes ? "fetch outstanding"
             : g.asked == 0     ? "not asked"
                                : std::to_string(g.asked) + " asked")
         << " to " << some(g.peers);
      break;
    case bbft::wait_state::stage::rebuild_failed:
      os << "block " << height << bview << " could not be rebuilt (answers from " << some(g.peers)
         << " did not match)";
      break;
    case bbft::wait_state::stage::dropped:
      os << "block " << height << bview << " rebuilt after its view and dropped as stale; "
         << g.syncing << " catching up (last peer " << some(g.peers) << ")";
      break;
    case bbft::wait_state::stage::certificate:
      os << "block " << height << bview << " held, no certificate (" << g.voted << " voted)";
      break;
    case bbft::wait_state::stage::block:
      os << "block " << height << " certified but not held; " << g.syncing
         << " with catch-up outstanding (last peer " << some(g.peers) << ")";
      break;
    case bbft::wait_state::stage::commit:
      os << "blocks certified up to " << height << ", not committed";
      break;
    }
    if (g.above_hi > 0 && stage != bbft::wait_state::stage::commit)
      os << "; below it " << range(g.above_lo, g.above_hi)
         << " certified block(s) wait for a certified child in the next view";
    os << "; nodes " << some(g.ids) << "; via super nodes " << some(g.supers);
    out.push_back(os.str());
  }
  if (rest > 0) out.push_back("  " + std::to_string(rest) + " more nodes in other kinds of wait");
  return out;
}

} // namespace bystack::sim
