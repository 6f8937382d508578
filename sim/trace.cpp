#include "sim/trace.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace bystack::sim {

namespace {

/// Bounds the message copies waiting for delivery (copies sent to a crashed node never arrive).
constexpr std::size_t pending_copies_max = 1 << 20;

/// Names the trace category of each phase (also the prefix of slice names).
const char* phase_category(std::uint8_t ph) {
  static const char* names[] = {"T0", "T1", "T2", "T3", "T4", "view-change", "sync", "tx"};
  return ph < std::size(names) ? names[ph] : "other";
}

/// Picks a colour from the trace viewers' reserved palette so each phase reads the same in every
/// trace (chrome://tracing honours cname; Perfetto colours by name, which also follows the phase).
const char* phase_colour(std::uint8_t ph) {
  static const char* colours[] = {
      "rail_load", "rail_animation",      "good",        "yellow", "olive",
      "terrible",  "thread_state_iowait", "generic_work"};
  return ph < std::size(colours) ? colours[ph] : "grey";
}

const char* timer_name(std::uint8_t kind) {
  static const char* names[] = {"timer view_timeout", "timer group_wait", "timer propose",
                                "timer sync_retry", "timer commit_wait"};
  return kind < std::size(names) ? names[kind] : "timer";
}

/// Formats microseconds compactly: integers without a fraction, otherwise three decimals.
std::string us(double t) {
  char buf[40];
  if (t == std::floor(t))
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(t));
  else
    std::snprintf(buf, sizeof buf, "%.3f", t);
  return buf;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && !s.empty();
}

} // namespace

result<std::vector<std::uint32_t>> parse_node_list(const std::string& text) {
  std::vector<std::uint32_t> out;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    auto dash = item.find('-');
    std::uint64_t a = 0, b = 0;
    bool ok = dash == std::string_view::npos
                  ? parse_u64(item, a) && (b = a, true)
                  : parse_u64(item.substr(0, dash), a) && parse_u64(item.substr(dash + 1), b);
    if (!ok || a > b || b > 0xffffffffULL)
      return make_error("'" + std::string(item) + "' in '" + text +
                        "' is not a node or a range A-B (A <= B)");
    for (auto n = a; n <= b; ++n)
      out.push_back(static_cast<std::uint32_t>(n));
  }
  if (out.empty()) return make_error("empty node list");
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

result<std::pair<double, double>> parse_range(const std::string& text) {
  auto number = [](const std::string& s, double& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size() && !s.empty() && out >= 0;
  };
  auto dash = text.find('-');
  double a = 0, b = 0;
  bool ok = dash == std::string::npos
                ? number(text, a) && (b = a, true)
                : number(text.substr(0, dash), a) && number(text.substr(dash + 1), b);
  if (!ok || a > b)
    return make_error("'" + text + "' is not a range A-B of non-negative numbers with A <= B");
  return std::pair{a, b};
}

result<void> apply_trace_bound(const std::string& flag, const std::string& value,
                               trace_options& opts) {
  if (flag == "--trace-nodes") {
    auto nodes = parse_node_list(value);
    if (!nodes) return nodes.err();
    opts.nodes = std::move(*nodes);
    return {};
  }
  auto r = parse_range(value);
  if (!r) return r.err();
  if (flag == "--trace-views") {
    opts.views_bounded = true;
    opts.view_min = static_cast<std::uint64_t>(r->first);
    opts.view_max = static_cast<std::uint64_t>(r->second);
  } else if (flag == "--trace-window-ms") {
    opts.window_min_us = static_cast<std::int64_t>(r->first * 1000.0);
    opts.window_max_us = static_cast<std::int64_t>(r->second * 1000.0);
  } else {
    return make_error("not a trace bound");
  }
  return {};
}

result<std::unique_ptr<trace_writer>> trace_writer::open(const std::string& path,
                                                         trace_options opts) {
  auto* f = std::fopen(path.c_str(), "wb");
  if (!f) return make_error("cannot create trace file " + path + ": " + std::strerror(errno));
  return std::unique_ptr<trace_writer>(new trace_writer(f, std::move(opts)));
}

trace_writer::trace_writer(std::FILE* f, trace_options opts) : f_(f), opts_(std::move(opts)) {
  buffer_.resize(1 << 16);
  std::setvbuf(f_, buffer_.data(), _IOFBF, buffer_.size());
}

trace_writer::~trace_writer() {
  if (f_) (void)close();
}

bool trace_writer::in_views(std::uint64_t view) const {
  return !opts_.views_bounded || (view >= opts_.view_min && view <= opts_.view_max);
}

bool trace_writer::in_window(double t_us) const {
  return t_us >= static_cast<double>(opts_.window_min_us) &&
         t_us <= static_cast<double>(opts_.window_max_us);
}

bool trace_writer::room(std::uint64_t n) {
  if (truncated_) return false;
  if (events_ + reserved_ + n <= opts_.events_max) return true;
  truncated_ = true;
  // Nothing more is written: free what was kept for later events.
  pending_.clear();
  mailbox_.clear();
  return false;
}

void trace_writer::emit(const char* text, int len) {
  if (len <= 0) return;
  if (!first_) std::fputs(",\n", f_);
  first_ = false;
  if (std::fwrite(text, 1, static_cast<std::size_t>(len), f_) != static_cast<std::size_t>(len))
    write_failed_ = true;
  ++events_;
}

void trace_writer::on_start(const scenario& s, const bbft::topology& topo) {
  for (char c : s.name)
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) scenario_ += c;
  seed_ = s.seed;
  auto n = topo.size();
  traced_.assign(n, opts_.nodes.empty());
  for (auto node : opts_.nodes)
    if (node < n) traced_[node] = true;
  pid_.resize(n);
  mailbox_.resize(n);
  slices_.resize(n);
  std::fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n", f_);
  char buf[256];
  std::vector<bool> group_named(topo.super_count(), false);
  for (std::uint32_t node = 0; node < n; ++node) {
    auto g = topo.group_of(node);
    pid_[node] = g + 1; // pid 0 and tid 0 have special meanings in trace viewers
    if (!traced_[node]) continue;
    if (!group_named[g] && room(2)) {
      group_named[g] = true;
      auto sup = topo.super_at(g);
      emit(buf,
           std::snprintf(buf, sizeof buf,
                         "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"tid\":0,\"ts\":0,"
                         "\"args\":{\"name\":\"group %u: S%u = node %u, %zu nodes\"}}",
                         g + 1, g, g, sup, topo.members(g).size()));
      emit(buf, std::snprintf(buf, sizeof buf,
                              "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%u,\"tid\":0,"
                              "\"ts\":0,\"args\":{\"sort_index\":%u}}",
                              g + 1, g));
    }
    if (!room(2)) break;
    bool super = topo.is_super(node);
    std::string name = super
                           ? "S" + std::to_string(g) + " (super, node " + std::to_string(node) + ")"
                           : "node " + std::to_string(node);
    emit(buf, std::snprintf(buf, sizeof buf,
                            "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%u,\"ts\":0,"
                            "\"args\":{\"name\":\"%s\"}}",
                            g + 1, node + 1, name.c_str()));
    emit(buf, std::snprintf(buf, sizeof buf,
                            "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%u,\"tid\":%u,"
                            "\"ts\":0,\"args\":{\"sort_index\":%u}}",
                            g + 1, node + 1, super ? 0 : node + 1));
  }
}

void trace_writer::on_send(std::uint64_t copy_id, std::uint32_t from, std::uint32_t to,
                           bbft::phase ph, std::uint64_t view, std::size_t, std::int64_t sent_us,
                           std::int64_t) {
  if (truncated_ || copy_id == 0 || !traced(from) || !traced(to) || !slices_[from].open) return;
  if (!in_views(view) || pending_.size() >= pending_copies_max) return;
  pending_.emplace(copy_id,
                   pending_copy{from, static_cast<std::uint8_t>(ph), view, sent_us, false});
  slices_[from].copies.push_back(copy_id);
  slices_[from].holds_in_range = true;
}

void trace_writer::on_dispatch(std::uint32_t node, const dispatch_info& d, std::int64_t) {
  if (truncated_ || !traced(node)) return;
  mailbox_[node].push_back(d);
}

void trace_writer::on_handle(std::uint32_t node, std::int64_t start_us,
                             std::int64_t busy_before_us) {
  if (!traced(node)) return;
  auto& sl = slices_[node];
  if (sl.open) close_slice(node, busy_before_us);
  if (truncated_) return;
  sl.open = true;
  open_nodes_.push_back(node);
  sl.start_us = start_us;
  sl.holds_in_range = false;
  sl.reserved = false;
  sl.copies.clear();
  auto& box = mailbox_[node];
  if (box.empty()) {
    sl.mail = dispatch_info{dispatch_info::kind::start, 0, node, 0, 0, 0};
    sl.mail_known = false;
  } else {
    sl.mail = box.front();
    sl.mail_known = true;
    box.pop_front();
  }
  if (sl.mail.what != dispatch_info::kind::deliver) return;
  auto it = pending_.find(sl.mail.copy_id);
  if (it == pending_.end()) return;
  auto copy = it->second;
  pending_.erase(it);
  // The arrow ends just inside the receiving slice so that viewers bind it to that slice.
  double f_ts = static_cast<double>(start_us) + 0.125;
  // Three events: both ends of the arrow and, later, the receiving slice they bind to.
  if (!copy.sender_closed || !in_window(f_ts) || !room(3)) return;
  ++reserved_;
  sl.reserved = true;
  const char* cat = phase_category(copy.ph);
  const char* name = bbft::phase_name(static_cast<bbft::phase>(copy.ph));
  char buf[320];
  emit(buf, std::snprintf(buf, sizeof buf,
                          "{\"ph\":\"s\",\"id\":%llu,\"name\":\"%s\",\"cat\":\"%s\",\"ts\":%s,"
                          "\"pid\":%u,\"tid\":%u}",
                          static_cast<unsigned long long>(sl.mail.copy_id), name, cat,
                          us(copy.sent_ts).c_str(), pid_[copy.from], copy.from + 1));
  emit(buf, std::snprintf(buf, sizeof buf,
                          "{\"ph\":\"f\",\"bp\":\"e\",\"id\":%llu,\"name\":\"%s\",\"cat\":\"%s\","
                          "\"ts\":%s,\"pid\":%u,\"tid\":%u}",
                          static_cast<unsigned long long>(sl.mail.copy_id), name, cat,
                          us(f_ts).c_str(), pid_[node], node + 1));
}

void trace_writer::close_slice(std::uint32_t node, std::int64_t end_us) {
  auto& sl = slices_[node];
  sl.open = false;
  const auto& m = sl.mail;
  double start = static_cast<double>(sl.start_us);
  // A handler that costs no modelled CPU still gets a sliver, so its arrows have a slice to
  // bind to.
  double dur = std::max(0.25, static_cast<double>(end_us - sl.start_us));
  bool keep = in_window(start) && (in_views(m.view) || sl.holds_in_range) &&
              !(opts_.views_bounded && m.what == dispatch_info::kind::start) && sl.mail_known;
  if (sl.reserved) {
    // An arrow already ends in this slice: it was counted when the arrow was written.
    --reserved_;
    keep = true;
  } else if (keep) {
    keep = room(1);
  }
  for (auto id : sl.copies) {
    auto it = pending_.find(id);
    if (it == pending_.end()) continue;
    if (!keep) {
      pending_.erase(it);
      continue;
    }
    // Start the arrow strictly inside the sending slice (a send often happens as it ends).
    auto& c = it->second;
    c.sent_ts = std::clamp(static_cast<double>(c.sent_us), start + dur / 4, start + dur * 3 / 4);
    c.sender_closed = true;
  }
  sl.copies.clear();
  if (!keep) return;
  char buf[320];
  if (m.what == dispatch_info::kind::deliver) {
    emit(buf,
         std::snprintf(buf, sizeof buf,
                       "{\"ph\":\"X\",\"name\":\"%s\",\"cat\":\"%s\",\"cname\":\"%s\","
                       "\"ts\":%s,\"dur\":%s,\"pid\":%u,\"tid\":%u,\"args\":{\"view\":%llu,"
                       "\"from\":%u,\"bytes\":%zu}}",
                       bbft::phase_name(static_cast<bbft::phase>(m.sub)), phase_category(m.sub),
                       phase_colour(m.sub), us(start).c_str(), us(dur).c_str(), pid_[node],
                       node + 1, static_cast<unsigned long long>(m.view), m.from, m.bytes));
  } else {
    bool timer = m.what == dispatch_info::kind::timer;
    emit(buf, std::snprintf(buf, sizeof buf,
                            "{\"ph\":\"X\",\"name\":\"%s\",\"cat\":\"%s\",\"cname\":\"%s\","
                            "\"ts\":%s,\"dur\":%s,\"pid\":%u,\"tid\":%u,\"args\":{\"view\":%llu}}",
                            timer ? timer_name(m.sub) : "start", timer ? "timer" : "start",
                            timer ? "thread_state_sleeping" : "startup", us(start).c_str(),
                            us(dur).c_str(), pid_[node], node + 1,
                            static_cast<unsigned long long>(m.view)));
  }
}

void trace_writer::on_quiet(const std::vector<std::int64_t>& busy_us) {
  // Runs after truncation too: slices that arrows end in are still owed.
  for (auto node : open_nodes_)
    if (slices_[node].open) close_slice(node, busy_us[node]);
  open_nodes_.clear();
}

void trace_writer::on_certified(std::uint32_t node, std::uint64_t height, std::uint64_t view,
                                std::int64_t t_us) {
  if (truncated_ || !traced(node) || !in_views(view) || !in_window(double(t_us)) || !room(1))
    return;
  char buf[256];
  emit(buf, std::snprintf(buf, sizeof buf,
                          "{\"ph\":\"i\",\"s\":\"t\",\"name\":\"certified\",\"cat\":\"certify\","
                          "\"cname\":\"cq_build_passed\",\"ts\":%lld,\"pid\":%u,\"tid\":%u,"
                          "\"args\":{\"height\":%llu,\"view\":%llu}}",
                          static_cast<long long>(t_us), pid_[node], node + 1,
                          static_cast<unsigned long long>(height),
                          static_cast<unsigned long long>(view)));
}

void trace_writer::on_commit(std::uint32_t node, std::uint64_t height, std::uint64_t view,
                             std::int64_t t_us) {
  // The block of view v is final once view v + 1 certifies its child: keep its commit when
  // either view is inside the bounds.
  if (truncated_ || !traced(node) || !in_window(double(t_us))) return;
  if (!in_views(view) && !in_views(view + 1)) return;
  if (!room(1)) return;
  char buf[256];
  emit(buf, std::snprintf(buf, sizeof buf,
                          "{\"ph\":\"i\",\"s\":\"t\",\"name\":\"commit\",\"cat\":\"commit\","
                          "\"cname\":\"black\",\"ts\":%lld,\"pid\":%u,\"tid\":%u,"
                          "\"args\":{\"height\":%llu,\"view\":%llu}}",
                          static_cast<long long>(t_us), pid_[node], node + 1,
                          static_cast<unsigned long long>(height),
                          static_cast<unsigned long long>(view)));
}

void trace_writer::on_end(std::int64_t now_us) {
  end_us_ = now_us;
}

result<void> trace_writer::close() {
  if (!f_) return {};
  std::fprintf(f_,
               "\n],\n\"otherData\":{\"scenario\":\"%s\",\"seed\":%llu,\"events\":%llu,"
               "\"events_max\":%llu,\"truncated\":%s,\"sim_end_us\":%lld}}\n",
               scenario_.c_str(), static_cast<unsigned long long>(seed_),
               static_cast<unsigned long long>(events_),
               static_cast<unsigned long long>(opts_.events_max), truncated_ ? "true" : "false",
               static_cast<long long>(end_us_));
  bool failed = write_failed_ || std::ferror(f_) != 0;
  failed = std::fclose(f_) != 0 || failed;
  f_ = nullptr;
  if (failed) return make_error("writing the trace failed (disk full?)");
  return {};
}

} // namespace bystack::sim
