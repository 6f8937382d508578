#pragma once
/// Writes a run as Chrome Trace Event JSON (loads in ui.perfetto.dev and chrome://tracing): one
/// track per node, grouped by the node's super node; a slice for each piece of mail a node handles,
/// as long as its modelled CPU time; a flow arrow for each message copy from send to delivery;
/// instants for certify and commit.

#include "runtime/base/result.hpp"
#include "sim/observer.hpp"

#include <cstdint>
#include <cstdio>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace bystack::sim {

/// Keeps a trace of a 10,000-node run under about 100 MB (about 130 bytes per event).
inline constexpr std::uint64_t trace_events_max = 600'000;

/// Bounds what goes into a trace; a message arrow is kept only if both ends pass.
struct trace_options {
  std::vector<std::uint32_t> nodes; ///< empty: every node
  std::uint64_t view_min = 0;
  std::uint64_t view_max = std::numeric_limits<std::uint64_t>::max();
  bool views_bounded = false; ///< mail outside a view (sync, tx, view 0) is left out when set
  std::int64_t window_min_us = 0;
  std::int64_t window_max_us = std::numeric_limits<std::int64_t>::max();
  std::uint64_t events_max = trace_events_max;
};

/// Parses "3,5,9-12" into node ids (ascending, no duplicates).
result<std::vector<std::uint32_t>> parse_node_list(const std::string& text);
/// Parses "A-B" (or "A") into an inclusive range of non-negative numbers.
result<std::pair<double, double>> parse_range(const std::string& text);

/// Applies one bound flag (--trace-nodes, --trace-views, --trace-window-ms) to opts. Errors: a
/// malformed value.
result<void> apply_trace_bound(const std::string& flag, const std::string& value,
                               trace_options& opts);

/// Streams trace events to a file while the simulation runs.
class trace_writer final : public run_observer {
public:
  /// Opens `path` for writing. Errors: the file cannot be created.
  static result<std::unique_ptr<trace_writer>> open(const std::string& path, trace_options opts);
  ~trace_writer() override;

  void on_start(const scenario& s, const bbft::topology& topo) override;
  void on_send(std::uint64_t copy_id, std::uint32_t from, std::uint32_t to, bbft::phase ph,
               std::uint64_t view, std::size_t bytes, std::int64_t sent_us,
               std::int64_t arrival_us) override;
  void on_dispatch(std::uint32_t node, const dispatch_info& d, std::int64_t t_us) override;
  void on_handle(std::uint32_t node, std::int64_t start_us, std::int64_t busy_before_us) override;
  void on_quiet(const std::vector<std::int64_t>& busy_us) override;
  void on_certified(std::uint32_t node, std::uint64_t height, std::uint64_t view,
                    std::int64_t t_us) override;
  void on_commit(std::uint32_t node, std::uint64_t height, std::uint64_t view,
                 std::int64_t t_us) override;
  void on_end(std::int64_t now_us) override;

  /// Returns the number of events written (metadata included).
  std::uint64_t events() const { return events_; }
  /// Returns true when the event bound cut the trace short.
  bool truncated() const { return truncated_; }
  /// Closes the file. Errors: a write failed.
  result<void> close();

private:
  struct pending_copy {
    std::uint32_t from;
    std::uint8_t ph;
    std::uint64_t view;
    std::int64_t sent_us;
    bool sender_closed = false; ///< set once the sending slice is written
    double sent_ts = 0;         ///< sent_us moved strictly inside the sending slice
  };
  struct open_slice {
    bool open = false;
    bool mail_known = false;
    bool holds_in_range = false; ///< sent a copy inside the view bounds
    bool reserved = false;       ///< an arrow ends here: the slice must be written
    dispatch_info mail;
    std::int64_t start_us = 0;
    std::vector<std::uint64_t> copies; ///< pending copies this slice sent
  };

  trace_writer(std::FILE* f, trace_options opts);
  bool traced(std::uint32_t node) const { return node < traced_.size() && traced_[node]; }
  bool in_views(std::uint64_t view) const;
  bool in_window(double t_us) const;
  /// Reserves room for n events; false (and the trace marked truncated) once the bound is hit.
  bool room(std::uint64_t n);
  void close_slice(std::uint32_t node, std::int64_t end_us);
  void emit(const char* text, int len);

  std::FILE* f_;
  std::vector<char> buffer_;
  trace_options opts_;
  std::vector<bool> traced_;
  std::vector<std::uint32_t> pid_; ///< node -> track group (its super node's group, from 1)
  std::vector<std::deque<dispatch_info>> mailbox_;
  std::vector<open_slice> slices_;
  std::vector<std::uint32_t> open_nodes_;
  std::unordered_map<std::uint64_t, pending_copy> pending_;
  std::uint64_t events_ = 0;
  std::uint64_t reserved_ = 0; ///< slices owed to arrows already written
  bool truncated_ = false;
  bool first_ = true;
  bool write_failed_ = false;
  std::string scenario_;
  std::uint64_t seed_ = 0;
  std::int64_t end_us_ = 0;
};

} // namespace bystack::sim
