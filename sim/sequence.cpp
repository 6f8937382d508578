#include "sim/sequence.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace bystack::sim {

namespace {

constexpr int lane_gap_px = 92;
constexpr int left_px = 150;   ///< room for the phase labels and times
constexpr int top_px = 118;    ///< title, group bands and lane names
constexpr int plot_px = 620;   ///< height of the time axis without compressed gaps
constexpr int gap_px = 34;     ///< height of a compressed idle stretch
constexpr int legend_px = 122; ///< legend below the plot, two columns
constexpr std::int64_t gap_min_us = 50'000;
/// How long after the first view change of a failed view its wave is drawn.
constexpr std::int64_t view_change_wave_us = 200'000;

/// Colours one per phase, readable on white and in grey scale (the Tableau 10 order).
const char* colour(std::uint8_t ph) {
  static const char* c[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                            "#8c564b", "#7f7f7f", "#bcbd22", "#17becf", "#e377c2"};
  return ph < std::size(c) ? c[ph] : "#000000";
}

const char* short_name(std::uint8_t ph) {
  static const char* n[] = {"T0", "T1", "T2", "T3", "T4", "VC", "sync", "tx", "gossip", "fetch"};
  return ph < std::size(n) ? n[ph] : "?";
}

std::string num(double x, int prec = 1) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", prec, x);
  return buf;
}

/// Maps simulated time to a vertical position, squeezing long idle stretches (a view timeout)
/// so that the busy parts of the view stay readable.
class time_axis {
public:
  explicit time_axis(std::vector<std::int64_t> times) {
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    t0_ = times.front();
    auto span = times.back() - t0_;
    auto gap_us = std::max(gap_min_us, span / 4);
    std::int64_t active = 0;
    for (std::size_t i = 1; i < times.size(); ++i) {
      auto d = times[i] - times[i - 1];
      if (d > gap_us)
        gaps_.push_back({times[i - 1], times[i]});
      else
        active += d;
    }
    scale_ = active > 0 ? double(plot_px) / double(active) : 1.0;
    height_ = double(active) * scale_ + double(gaps_.size()) * gap_px;
  }
  double y(std::int64_t t) const {
    double y = top_px;
    std::int64_t from = t0_;
    for (const auto& [a, b] : gaps_) {
      if (t <= a) break;
      if (t < b) return y + double(a - from) * scale_ + gap_px * double(t - a) / double(b - a);
      y += double(a - from) * scale_ + gap_px;
      from = b;
    }
    return y + double(t - from) * scale_;
  }
  std::int64_t t0() const { return t0_; }
  double height() const { return height_; }
  const std::vector<std::pair<std::int64_t, std::int64_t>>& gaps() const { return gaps_; }

private:
  std::int64_t t0_ = 0;
  double scale_ = 1;
  double height_ = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> gaps_;
};

} // namespace

result<void> sequence_recorder::check_size(std::uint32_t nodes) {
  if (nodes > sequence_nodes_max)
    return make_error("a sequence diagram draws one lane per node and is limited to " +
                      std::to_string(sequence_nodes_max) + " nodes; this run has " +
                      std::to_string(nodes) +
                      " (use --trace with --trace-nodes for a larger run, or --nodes)");
  return {};
}

void sequence_recorder::on_start(const scenario& s, const bbft::topology& topo) {
  scenario_ = s.name;
  seed_ = s.seed;
  group_of_.resize(topo.size());
  for (std::uint32_t i = 0; i < topo.size(); ++i)
    group_of_[i] = topo.group_of(i);
  supers_ = topo.supers();
  certified_us_.assign(topo.size(), -1);
}

void sequence_recorder::on_send(std::uint64_t copy_id, std::uint32_t from, std::uint32_t to,
                                bbft::phase ph, std::uint64_t view, std::size_t bytes,
                                std::int64_t sent_us, std::int64_t arrival_us) {
  // Messages of other views are not drawn; untagged ones (view change, sync) are kept until the
  // window of the view is known.
  if ((view != view_ && view != 0) || copies_.size() >= sequence_copies_max) return;
  if (view == view_ && ph == bbft::phase::propose) leader_ = from;
  if (copy_id != 0) by_id_.emplace(copy_id, copies_.size());
  copies_.push_back(copy{from, to, static_cast<std::uint8_t>(ph), view, bytes, sent_us, arrival_us,
                         copy_id == 0, false});
}

void sequence_recorder::on_dispatch(std::uint32_t, const dispatch_info& d, std::int64_t) {
  if (d.what != dispatch_info::kind::deliver) return;
  if (auto it = by_id_.find(d.copy_id); it != by_id_.end()) copies_[it->second].delivered = true;
}

void sequence_recorder::on_certified(std::uint32_t node, std::uint64_t height, std::uint64_t view,
                                     std::int64_t t_us) {
  if (view != view_ || node >= certified_us_.size() || certified_us_[node] >= 0) return;
  certified_us_[node] = t_us;
  height_ = height;
}

result<void> sequence_recorder::render_to(const std::string& path) const {
  std::ostringstream o;
  if (auto ok = render(o); !ok) return ok;
  std::ofstream f(path);
  f << o.str();
  if (!f) return make_error("cannot write " + path);
  return {};
}

result<void> sequence_recorder::render(std::ostream& os) const {
  // The view's window: from its first message to its last arrival or certification.
  std::int64_t t_begin = INT64_MAX, t_end = INT64_MIN;
  for (const auto& c : copies_)
    if (c.view == view_) {
      t_begin = std::min(t_begin, c.sent_us);
      t_end = std::max(t_end, c.arrival_us);
    }
  if (t_begin == INT64_MAX)
    return make_error("view " + std::to_string(view_) + " sent no messages in this run (" +
                      scenario_ + "): pick a view the run reached");
  bool complete = true;
  std::int64_t vc_wave = INT64_MAX;
  for (auto t : certified_us_) {
    if (t >= 0) t_end = std::max(t_end, t);
    complete = complete && t >= 0;
  }
  if (!complete) {
    // The view failed somewhere: show how it ended, with the first wave of view changes.
    std::int64_t wave = INT64_MAX;
    for (const auto& c : copies_)
      if (c.ph == static_cast<std::uint8_t>(bbft::phase::view_change) && c.sent_us > t_end)
        wave = std::min(wave, c.sent_us);
    if (wave != INT64_MAX) t_end = wave + view_change_wave_us;
    vc_wave = wave;
  }
  std::vector<const copy*> shown;
  std::vector<std::int64_t> times{t_begin};
  for (const auto& c : copies_)
    if (c.view == view_ || (c.sent_us >= t_begin && c.sent_us <= t_end)) {
      shown.push_back(&c);
      times.push_back(c.sent_us);
      times.push_back(c.arrival_us);
    }
  for (auto t : certified_us_)
    if (t >= 0) times.push_back(t);
  time_axis axis(times);

  // Lanes: the leader, the other super nodes, then each group's members (as in Figure 5).
  auto n = static_cast<std::uint32_t>(group_of_.size());
  std::vector<std::uint32_t> lanes;
  if (leader_) lanes.push_back(*leader_);
  for (auto s : supers_)
    if (!leader_ || s != *leader_) lanes.push_back(s);
  auto is_super = [&](std::uint32_t i) {
    return std::find(supers_.begin(), supers_.end(), i) != supers_.end();
  };
  for (std::uint32_t g = 0; g < supers_.size(); ++g)
    for (std::uint32_t i = 0; i < n; ++i)
      if (group_of_[i] == g && !is_super(i)) lanes.push_back(i);
  std::vector<double> x(n, 0);
  for (std::size_t k = 0; k < lanes.size(); ++k)
    x[lanes[k]] = left_px + lane_gap_px / 2.0 + double(k) * lane_gap_px;
  // A lane that sent nothing while mail to it was lost belongs to a node that is down.
  std::vector<bool> sent(n, false), lost_to(n, false);
  for (const auto* c : shown) {
    sent[c->from] = true;
    if (!c->delivered) lost_to[c->to] = true;
  }

  double bottom = top_px + axis.height() + 24;
  // Wide enough for the legend's two columns.
  double width = std::max(740.0, left_px + double(lanes.size()) * lane_gap_px + 24);
  double height = bottom + legend_px;
  auto rel_ms = [&](std::int64_t t) { return double(t - axis.t0()) / 1000.0; };

  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width, 0) << "\" height=\""
     << num(height, 0) << "\" viewBox=\"0 0 " << num(width, 0) << " " << num(height, 0)
     << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  os << "<title>BBFT view " << view_ << " of " << scenario_ << " (seed " << seed_ << ")</title>\n";
  os << "<defs>\n";
  for (std::uint8_t p = 0; p < bbft::phase_count; ++p)
    os << "<marker id=\"head-" << short_name(p)
       << "\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
          "orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\""
       << colour(p) << "\"/></marker>\n";
  os << "</defs>\n";
  os << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  os << "<text x=\"12\" y=\"22\" font-size=\"15\" font-weight=\"bold\">BBFT view " << view_;
  if (height_) os << ", height " << height_;
  os << " (" << scenario_ << ", seed " << seed_ << ", N = " << n << ", M = " << supers_.size()
     << ")</text>\n";
  os << "<text x=\"12\" y=\"40\" fill=\"#555\">time runs down, in ms from the view's first "
        "message; arrows run from send to arrival</text>\n";

  // Group bands behind the member lanes.
  for (std::uint32_t g = 0; g < supers_.size(); ++g) {
    double lo = 1e18, hi = -1e18;
    for (std::uint32_t i = 0; i < n; ++i)
      if (group_of_[i] == g && !is_super(i)) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
      }
    if (lo > hi) continue;
    os << "<g class=\"group\" data-group=\"" << g << "\"><rect x=\"" << num(lo - lane_gap_px / 2.0)
       << "\" y=\"52\" width=\"" << num(hi - lo + lane_gap_px) << "\" height=\""
       << num(bottom - 52 - 8) << "\" fill=\"" << (g % 2 ? "#f3f0fa" : "#eef5fb")
       << "\" stroke=\"none\"/><text x=\"" << num((lo + hi) / 2)
       << "\" y=\"68\" text-anchor=\"middle\" fill=\"#444\">group of S" << g << "</text></g>\n";
  }
  // Lanes.
  for (auto i : lanes) {
    bool sup = is_super(i);
    bool down = lost_to[i] && !sent[i];
    std::string role = sup ? "S" + std::to_string(group_of_[i]) : "node " + std::to_string(i);
    if (leader_ && i == *leader_) role = "L = " + role;
    os << "<g class=\"lane\" data-node=\"" << i << "\"><line x1=\"" << num(x[i]) << "\" y1=\""
       << top_px - 8 << "\" x2=\"" << num(x[i]) << "\" y2=\"" << num(bottom - 12) << "\" stroke=\""
       << (down ? "#bbb" : "#333") << "\" stroke-width=\"" << (sup ? 2 : 1) << "\""
       << (down ? " stroke-dasharray=\"4 4\"" : "") << "/><text x=\"" << num(x[i]) << "\" y=\""
       << top_px - 30 << "\" text-anchor=\"middle\" font-weight=\"" << (sup ? "bold" : "normal")
       << "\">" << role << "</text><text x=\"" << num(x[i]) << "\" y=\"" << top_px - 15
       << "\" text-anchor=\"middle\" fill=\"#555\" font-size=\"11\">"
       << (sup ? "node " + std::to_string(i) : std::string("group ") + std::to_string(group_of_[i]))
       << (down ? " (down)" : "") << "</text></g>\n";
  }
  // Compressed idle stretches.
  for (const auto& [a, b] : axis.gaps()) {
    double y0 = axis.y(a) + 4, y1 = axis.y(b) - 4;
    os << "<g class=\"gap\"><rect x=\"" << left_px - 140 << "\" y=\"" << num(y0) << "\" width=\""
       << num(width - left_px + 130) << "\" height=\"" << num(y1 - y0)
       << "\" fill=\"#fafafa\" stroke=\"#ccc\" stroke-dasharray=\"2 3\"/><text x=\""
       << left_px - 136 << "\" y=\"" << num((y0 + y1) / 2 + 4) << "\" fill=\"#777\">"
       << num(double(b - a) / 1000.0) << " ms idle</text></g>\n";
  }
  // Phase marks on the left: where each phase of this view starts, and T5, where the first
  // member holds the commit certificate.
  std::map<std::uint8_t, std::int64_t> phase_start;
  std::int64_t t5 = INT64_MAX;
  for (const auto* c : shown) {
    if (c->view != view_ || c->ph > 4) continue;
    auto [it, fresh] = phase_start.emplace(c->ph, c->sent_us);
    if (!fresh) it->second = std::min(it->second, c->sent_us);
    if (c->ph == 4 && c->delivered) t5 = std::min(t5, c->arrival_us);
  }
  auto mark = [&](const std::string& label, const char* col, std::int64_t t, const char* cls) {
    double y = axis.y(t);
    os << "<g class=\"" << cls << "\" data-phase=\"" << label << "\"><line x1=\"" << left_px - 60
       << "\" y1=\"" << num(y) << "\" x2=\"" << num(width - 12) << "\" y2=\"" << num(y)
       << "\" stroke=\"" << col << "\" stroke-opacity=\"0.35\" stroke-dasharray=\"3 3\"/><text x=\""
       << left_px - 64 << "\" y=\"" << num(y + 4) << "\" text-anchor=\"end\" font-weight=\"bold\" "
       << "fill=\"" << col << "\">" << label << "</text><text x=\"" << left_px - 60 << "\" y=\""
       << num(y - 3) << "\" font-size=\"10\" fill=\"#777\">+" << num(rel_ms(t))
       << " ms</text></g>\n";
  };
  for (const auto& [p, t] : phase_start)
    mark(short_name(p), colour(p), t, "phase");
  if (t5 != INT64_MAX) mark("T5", "#333", t5, "phase");
  if (vc_wave != INT64_MAX) mark("VC", colour(5), vc_wave, "phase");

  // Arrows, one per message copy.
  std::vector<bool> labelled(bbft::phase_count, false);
  for (const auto* c : shown) {
    double x1 = x[c->from], y1 = axis.y(c->sent_us), x2 = x[c->to], y2 = axis.y(c->arrival_us);
    bool lost = !c->delivered;
    os << "<g class=\"msg\" data-phase=\"" << short_name(c->ph) << "\"><title>"
       << bbft::phase_name(static_cast<bbft::phase>(c->ph)) << ": node " << c->from << " to node "
       << c->to << ", " << c->bytes << " bytes, sent +" << num(rel_ms(c->sent_us), 3)
       << " ms, arrives +" << num(rel_ms(c->arrival_us), 3) << " ms"
       << (lost ? (c->dropped ? ", dropped" : ", lost: receiver down") : "")
       << "</title><line x1=\"" << num(x1) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(x2)
       << "\" y2=\"" << num(y2) << "\" stroke=\"" << colour(c->ph) << "\" stroke-width=\"1.4\"";
    if (lost)
      os << " stroke-dasharray=\"5 3\"/><text x=\"" << num(x2) << "\" y=\"" << num(y2 + 5)
         << "\" text-anchor=\"middle\" font-size=\"15\" fill=\"" << colour(c->ph)
         << "\">&#215;</text>";
    else
      os << " marker-end=\"url(#head-" << short_name(c->ph) << ")\"/>";
    if (!labelled[c->ph]) {
      // Label the first arrow of each phase where it leaves its sender.
      labelled[c->ph] = true;
      double lx = x1 + (x2 - x1) * 0.3, ly = y1 + (y2 - y1) * 0.3;
      os << "<text x=\"" << num(lx + (x2 >= x1 ? 4 : -4)) << "\" y=\"" << num(ly - 4)
         << "\" text-anchor=\"" << (x2 >= x1 ? "start" : "end")
         << "\" font-size=\"11\" font-weight=\"bold\" fill=\"" << colour(c->ph) << "\">"
         << short_name(c->ph) << "</text>";
    }
    os << "</g>\n";
  }
  // Certification markers: the moment a node first holds more than 2/3 of the votes.
  for (std::uint32_t i = 0; i < n; ++i) {
    auto t = certified_us_[i];
    if (t < 0) continue;
    double y = axis.y(t);
    os << "<g class=\"certified\" data-node=\"" << i << "\"><title>node " << i
       << " holds more than 2/3 of the votes at +" << num(rel_ms(t), 3)
       << " ms</title><circle cx=\"" << num(x[i]) << "\" cy=\"" << num(y)
       << "\" r=\"6\" fill=\"#111\" stroke=\"white\" stroke-width=\"1.5\"/><text x=\""
       << num(x[i] + 9) << "\" y=\"" << num(y + 4) << "\" font-size=\"10\">&gt; 2/3</text></g>\n";
  }
  // Legend, two columns.
  const char* what[] = {
      "T0 leader proposes to the super nodes",      "T1 super nodes forward to groups",
      "T2 members vote to their super node",        "T3 super nodes exchange group certificates",
      "T4 super nodes send the commit certificate", "VC view change (a view timed out)"};
  constexpr double column_px = 360;
  os << "<g class=\"legend\">\n";
  for (std::uint8_t p = 0; p < 6; ++p) {
    double lx = 12 + (p % 2) * column_px, yy = bottom + 14 + (p / 2) * 20.0;
    os << "<line x1=\"" << num(lx) << "\" y1=\"" << num(yy) << "\" x2=\"" << num(lx + 26)
       << "\" y2=\"" << num(yy) << "\" stroke=\"" << colour(p)
       << "\" stroke-width=\"2\" marker-end=\"url(#head-" << short_name(p) << ")\"/><text x=\""
       << num(lx + 32) << "\" y=\"" << num(yy + 4) << "\">" << what[p] << "</text>\n";
  }
  double yy = bottom + 14 + 3 * 20.0;
  os << "<circle cx=\"25\" cy=\"" << num(yy) << "\" r=\"6\" fill=\"#111\"/><text x=\"44\" y=\""
     << num(yy + 4) << "\">first holds more than 2/3 of the votes</text>\n";
  os << "<text x=\"" << num(12 + column_px) << "\" y=\"" << num(yy + 4)
     << "\" fill=\"#555\">dashed, ending in &#215;: lost (receiver down, or dropped)</text>\n";
  os << "<text x=\"12\" y=\"" << num(yy + 24) << "\" fill=\"#555\">T5: the first member holds "
     << "the commit certificate (the paper's T5)</text>\n";
  os << "</g>\n</svg>\n";
  return {};
}

} // namespace bystack::sim
