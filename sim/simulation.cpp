#include "sim/simulation.hpp"
#include "sim/stall_report.hpp"

#include "actors/node/node_actor.hpp"
#include "runtime/codec/codec.hpp"
#include "runtime/crypto/modelled.hpp"
#include "sim/body_pool.hpp"
#include "sim/crypto_cache.hpp"
#include "sim/event_queue.hpp"
#include "sim/faults.hpp"
#include "sim/heap_trim.hpp"
#include "sim/huge_pages.hpp"
#include "sim/ptr_table.hpp"
#include "sim/rng.hpp"
#include "sim/shared_chain.hpp"
#include "sim/twins.hpp"
#include "sim/window_chunks.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <queue>
#include <random>
#include <semaphore>
#include <thread>
#include <unordered_map>
#include <utility>

namespace bystack::sim {

std::uint64_t closed_form_wire(std::uint64_t n, std::uint64_t m) {
  return m * m + 3 * n - 3 * m - 1;
}
std::uint64_t closed_form_paper(std::uint64_t n, std::uint64_t m) {
  return m * m + 3 * n - 2 * m;
}

namespace {

using bbft::phase;

constexpr std::size_t timer_kinds = bbft::timer_kind_count;
constexpr std::size_t tracked_heights = 16; ///< per-node certify/commit times kept for tests
constexpr std::uint32_t tracked_nodes_max = 1024;
/// Committed blocks each core keeps with their certificates: its last 8 heights, as far as the
/// core ever looks back for a header (and far enough that catch-up in the fault scenarios is
/// served from the server's own chain, as before). Older ones come from the run's shared_chain.
constexpr std::uint64_t retained_blocks = 8;
constexpr std::uint64_t retained_certificates = 8;

std::uint64_t mix64(std::uint64_t x) {
  return splitmix64(x);
}

/// std::llround for the model's costs and latencies, inline: the same value for every input (a
/// non-negative double below 2^52 has an exact fractional part, and llround rounds halves up
/// there; anything else goes to std::llround). libm's llround is a call per charge and copy.
std::int64_t round_us(double x) {
  if (!(x >= 0.0 && x < 4503599627370496.0)) return std::llround(x);
  auto r = static_cast<std::int64_t>(x);
  return x - static_cast<double>(r) >= 0.5 ? r + 1 : r;
}

struct event {
  std::int64_t t;
  std::uint64_t seq;
  std::uint32_t dst;
  std::uint32_t src;
  std::uint8_t type; ///< 0 deliver, 1 timer, 2 ledger workload tick
  std::uint8_t kind; ///< timer kind, or phase of a delivery
  std::uint64_t view;
  std::uint64_t gen;
  shared_bytes bytes;
};

/// Orders the event queue: a small key per pending event, the event itself stays in its slot, so
/// that the queue moves 24 bytes instead of a whole event with its reference count.
struct event_key {
  std::int64_t t;
  std::uint64_t seq;
  std::uint32_t slot;
  std::uint32_t dst; ///< in the padding: names a tombstone's node (see sim_env::set_timer)
};

std::uint64_t view_of(const proto::message& m) {
  return std::visit(
      [](const auto& x) -> std::uint64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, proto::proposal>)
          return x.block ? x.block->header.view : 0;
        else if constexpr (std::is_same_v<T, proto::compact_proposal>)
          return x.header.view;
        else if constexpr (std::is_same_v<T, proto::block_request>)
          return x.view;
        else if constexpr (std::is_same_v<T, proto::vote>)
          return x.view;
        else if constexpr (std::is_same_v<T, proto::group_certificate>)
          return x.view;
        else if constexpr (std::is_same_v<T, proto::commit_certificate>)
          return x.cert.view;
        else
          return 0;
      },
      m);
}

/// The run's latency samples in microseconds, 2 bytes each: they are kept for the whole run, one
/// per honest node and height (8-byte doubles, then 4-byte microseconds, were a store that grew
/// with the rounds). A sample below 2^32 us goes to the bucket of its high 16 bits, which keeps
/// the low 16 (a bucket spans 65.536 ms; latencies fill a few dozen); anything negative or over
/// 71 minutes is kept exactly on the side. Summaries equal those of the doubles (us / 1000.0): the
/// same values, sorted and summed in the same order.
class latency_samples {
public:
  void add(std::int64_t us) {
    if (us >= 0 && us <= static_cast<std::int64_t>(UINT32_MAX)) {
      auto b = static_cast<std::size_t>(us >> 16);
      if (b >= buckets_.size()) buckets_.resize(b + 1);
      buckets_[b].push_back(static_cast<std::uint16_t>(us & 0xffff));
      ++small_;
    } else {
      large_.push_back(us); // negative or over 71 minutes: not expected, kept exactly
    }
  }
  latency_stats summarize() {
    for (auto& b : buckets_)
      std::sort(b.begin(), b.end());
    std::sort(large_.begin(), large_.end());
    // Sorted order: the negative large ones, the buckets in order, the positive large ones.
    auto neg = static_cast<std::size_t>(
        std::lower_bound(large_.begin(), large_.end(), std::int64_t{0}) - large_.begin());
    auto n = small_ + large_.size();
    // firsts[k]: the rank among the small samples of bucket k's first one.
    std::vector<std::size_t> firsts(buckets_.size() + 1, 0);
    for (std::size_t k = 0; k < buckets_.size(); ++k)
      firsts[k + 1] = firsts[k] + buckets_[k].size();
    auto small_at = [&](std::size_t i) -> std::int64_t {
      auto k = static_cast<std::size_t>(std::upper_bound(firsts.begin(), firsts.end(), i) -
                                        firsts.begin()) -
               1;
      return static_cast<std::int64_t>(k << 16 | buckets_[k][i - firsts[k]]);
    };
    auto at = [&](std::size_t i) -> double {
      std::int64_t us = i < neg            ? large_[i]
                        : i < neg + small_ ? small_at(i - neg)
                                           : large_[i - small_];
      return static_cast<double>(us) / 1000.0;
    };
    latency_stats s;
    s.samples = n;
    if (n == 0) return s;
    auto q = [&](double f) {
      auto i = static_cast<std::size_t>(std::ceil(f * static_cast<double>(n)));
      return at(std::min(n - 1, i == 0 ? 0 : i - 1));
    };
    s.p50_ms = q(0.50);
    s.p99_ms = q(0.99);
    s.max_ms = at(n - 1);
    // Summed in sorted order, as the doubles were.
    double sum = 0;
    for (std::size_t i = 0; i < neg; ++i)
      sum += static_cast<double>(large_[i]) / 1000.0;
    for (std::size_t k = 0; k < buckets_.size(); ++k)
      for (auto lo : buckets_[k])
        sum += static_cast<double>(static_cast<std::int64_t>(k << 16 | lo)) / 1000.0;
    for (std::size_t i = neg; i < large_.size(); ++i)
      sum += static_cast<double>(large_[i]) / 1000.0;
    s.mean_ms = sum / static_cast<double>(n);
    return s;
  }

private:
  std::vector<std::vector<std::uint16_t>> buckets_; ///< by the high 16 bits of the microseconds
  std::size_t small_ = 0;                           ///< samples in the buckets
  std::vector<std::int64_t> large_;
};

/// One event of a node in the current window: what a node_event carries, and when it is due.
/// 32 bytes, trivially copied: a delivery names its send record (which holds the payload and
/// its decoded message until the window's flush), or the window's payload store (twins); a
/// submission names the window's transaction store.
struct win_event {
  std::int64_t t = 0;
  std::uint64_t view = 0;
  std::uint64_t gen = 0; ///< a timer's generation; the index of a delivery's or submission's data
  std::uint32_t src = 0; ///< sender of a delivery
  bbft::node_event::kind what = bbft::node_event::kind::start;
  std::uint8_t kind = 0;  ///< timer kind
  bool in_record = false; ///< a delivery whose gen names its send record
};
static_assert(sizeof(win_event) == 32);

/// What a node's handlers asked of the shared world during a window, applied after the window in
/// the canonical order (instant, node, order of the calls): sends, timers, observations.
struct deferred {
  enum class what : std::uint8_t { send, timer, local_timer, certified, commit, reject, counted };
  what w = what::send;
  bbft::phase ph{};
  std::uint8_t kind = 0;
  bool fresh = false;       ///< bytes encoded during the window (the memo learns them at the flush)
  std::int64_t event_t = 0; ///< the instant of the event whose handler made the call
  std::int64_t t = 0;       ///< the node's clock at the call (a timer: when it is due)
  std::uint64_t view = 0;
  std::uint64_t gen = 0;
  std::vector<std::uint32_t> to;
  bbft::msg_ptr msg;
  shared_bytes bytes;
  // A certified, commit or reject call keeps its effect in the node's `notes`, at index `gen`:
  // they are rare, and inline they made every record 2.5 times as large (96 bytes now).
};
static_assert(sizeof(deferred) <= 96);

/// The effect of a certified, commit or reject call (a reject with its detail).
using deferred_note = std::variant<bbft::certified_effect, bbft::commit_effect,
                                   std::pair<bbft::reject_effect, std::string>>;

/// The lists of a node's part of a window. Only the nodes with events in the current window
/// hold them; after the flush they go back to a pool (sim_env::spare_), so the room they took
/// is that of the busiest window's nodes, not of every node's busiest window.
struct window_lists {
  std::vector<win_event> in;    ///< events due inside the window, in (time, sequence) order
  std::vector<win_event> local; ///< own timers falling due inside the window, by time
  std::vector<deferred> out;
  /// Messages encoded this window, each with the index in `out` of the send that holds its bytes
  /// (not a second reference to them: one atomic count less per encoding, and none to drop
  /// after the flush).
  std::vector<std::pair<const proto::message*, std::uint32_t>> fresh;
  std::vector<deferred_note> notes; ///< effects of out's certified, commit and reject calls
};

/// A node's part of the current window.
struct node_window : window_lists {
  std::size_t in_at = 0;    ///< the next one to hand out
  std::size_t local_at = 0; ///< likewise of local
  std::int64_t now = 0;     ///< the instant of the event being handled
  /// Deliveries handed to the node over the run, and their bytes (its load's msgs_in and
  /// bytes_in): counted by next(), on the node's thread, where its window is in cache anyway,
  /// instead of at the flush, which missed the cache on the node's load record per delivery.
  std::uint64_t msgs_in = 0, bytes_in = 0;
};

/// A delivery's trace record, hashed at the flush with its instant (which the window's list of
/// instants holds: records are kept in pop order, grouped by instant). 12 bytes: the busiest
/// window's list is the room this takes for the whole run (131,072 records in flat voting at
/// N = M = 1,000, 4 MiB at 32 bytes each). A size of 2^24 - 1 bytes or more is kept aside.
struct delivery_record {
  static constexpr std::uint32_t large = (1u << 24) - 1; ///< size kept in the side list
  std::uint32_t src, dst;
  std::uint32_t size_kind; ///< size << 8 | phase
};
static_assert(sizeof(delivery_record) == 12);

class sim_env final : public bbft::node_env, public bbft::event_source {
public:
  sim_env(const scenario& s, const bbft::topology& topo, run_result& out, fault_plan& faults)
      : s_(s), topo_(topo), out_(out), faults_(faults), draw_seed_(s.seed ^ 0x5eedULL),
        sends_(s.nodes, 0), rewrites_(s.nodes, 0), win_(s.nodes), busy_(s.nodes, 0),
        uplink_(s.nodes, 0), timer_gen_(s.nodes * timer_kinds, 0),
        timer_slot_(s.nodes * timer_kinds, no_slot), committed_(s.nodes, 0), loads_(s.nodes) {
    auto n = s.nodes;
    in_hint_.resize(n, 0);
    if (n <= tracked_nodes_max) {
      auto h = std::min<std::size_t>(tracked_heights, s.rounds);
      out_.certified_us.assign(h, std::vector<std::int64_t>(n, -1));
      out_.committed_us.assign(h, std::vector<std::int64_t>(n, -1));
    }
    const auto& l = s.network.latency;
    if (l.model == latency_model::kind::regions) {
      region_.resize(n);
      for (std::uint32_t i = 0; i < n; ++i)
        region_[i] = l.region_of.empty() ? i % static_cast<std::uint32_t>(l.region_names.size())
                                         : l.region_of[i];
    }
  }

  // -- node_env -----------------------------------------------------------------------------------

  std::int64_t now_us(std::uint32_t node) override {
    auto t = std::max(win_[node].now, busy_[node]);
    if (obs_) obs_->on_handle(node, t, busy_[node]); // called once as each handler begins
    return t;
  }

  result<bbft::msg_ptr> decode(const shared_bytes& b) override {
    if (!b) return make_error("no bytes");
    auto& h = hints_[hint_slot(b.get())];
    if (h.key == b.get() && h.gen == hint_gen_) return h.entry->second;
    if (in_window_) {
      // Read-only while nodes run (possibly on two threads): every delivery of the window was
      // decoded before it opened, so this finds it unless two generations ended since.
      if (const auto* e = decoded_.find(b.get())) return e->second;
      if (const auto* e = decoded_old_.find(b.get())) return e->second;
      auto m = codec::decode(*b);
      if (!m) return m.err();
      return std::make_shared<const proto::message>(std::move(*m));
    }
    if (const auto* e = decoded_.find(b.get())) {
      h = decode_hint{b.get(), hint_gen_, e};
      return e->second;
    }
    auto m = codec::decode(*b);
    if (!m) return m.err();
    bodies_.intern(*m); // one body per batch for all nodes (sim/body_pool.hpp)
    auto ptr = std::make_shared<const proto::message>(std::move(*m));
    remember(b, ptr);
    return ptr;
  }

  void charge(std::uint32_t node, std::size_t decoded, const crypto::crypto_meter& m) override {
    const auto& c = s_.cpu;
    double us = c.per_message_us + c.decode_ns_per_byte * static_cast<double>(decoded) / 1000.0 +
                c.verify_us * static_cast<double>(m.verifies) +
                c.sign_us * static_cast<double>(m.signs) +
                c.aggregate_verify_us * static_cast<double>(m.aggregate_verifies) +
                c.aggregate_per_signer_us * static_cast<double>(m.aggregate_signers);
    busy_[node] = std::max(win_[node].now, busy_[node]) + round_us(us);
  }

  void send(std::uint32_t from, const bbft::send_effect& e) override {
    bbft::send_effect copy = e;
    send_owned(from, std::move(copy));
  }
  void send_owned(std::uint32_t from, bbft::send_effect&& e) override {
    if (debug_)
      std::fprintf(stderr, "%10.3f ms node %u sends %s view %llu to %zu\n",
                   double(busy_[from]) / 1000, from, bbft::phase_name(e.ph),
                   (unsigned long long)view_of(*e.msg), e.to.size());
    if (!faults_.byzantine_now(node_of(from), busy_[from]))
      return defer_send(from, std::move(e.to), std::move(e.msg), nullptr, e.ph);
    // A Byzantine node's behaviour switch rewrites what its honest core asked for. Its draws are
    // keyed by (seed, node, the node's rewrite count): order-free like the network's.
    keyed_rng r(draw_key(draw_seed_, 0x62797a, from, rewrites_[from]++));
    for (auto& o : faults_.rewrite(node_of(from), e, busy_[from], r))
      defer_send(from, std::move(o.to), std::move(o.msg), std::move(o.raw), e.ph);
  }

  /// Encodes (charging the sender) and keeps the send for the flush; the uplink, the network's
  /// draws and the receivers' events are worked out there, in the canonical order.
  void defer_send(std::uint32_t from, std::vector<std::uint32_t> to, bbft::msg_ptr msg,
                  shared_bytes raw, phase ph) {
    auto& w = win_[from];
    deferred d;
    d.w = deferred::what::send;
    d.event_t = w.now;
    d.bytes = msg ? encoded(from, msg, d.fresh) : std::move(raw);
    d.t = busy_[from];
    d.ph = ph;
    d.to = std::move(to);
    d.msg = std::move(msg);
    w.out.push_back(std::move(d));
  }

  /// A send's share of the message counts: per view (the measured rounds) and over the run.
  void count_send(std::uint64_t view, phase ph_enum, std::size_t receivers, std::size_t size) {
    auto ph = static_cast<std::size_t>(ph_enum);
    // The paper counts the leader's proposal to itself (T0) and each super node's certificate to
    // itself (T3); the wire carries neither.
    std::uint64_t paper_self = (ph_enum == phase::propose || ph_enum == phase::group_cert) ? 1 : 0;
    if (view > 0) {
      if (per_view_msgs_.size() < view) {
        per_view_msgs_.resize(view);
        per_view_bytes_.resize(view);
        per_view_paper_.resize(view);
      }
      per_view_msgs_[view - 1][ph] += receivers;
      per_view_bytes_[view - 1][ph] += receivers * size;
      per_view_paper_[view - 1][ph] += receivers + paper_self;
    }
    out_.messages_all[ph] += receivers;
    out_.bytes_all[ph] += receivers * size;
  }
  /// When a block was first proposed (commit and certify latencies count from there).
  void note_proposal(const proto::message& m, std::int64_t t) {
    if (const auto* p = std::get_if<proto::proposal>(&m))
      proposed_at_.emplace(p->block->hash(), t);
    else if (const auto* c = std::get_if<proto::compact_proposal>(&m))
      proposed_at_.emplace(c->header.hash(), t);
  }
  /// The time the sender's uplink takes to put `size` bytes on the wire.
  std::int64_t serialization_us(std::uint32_t from, std::size_t size) const {
    double bw = s_.network.bandwidth_mbps;
    if (s_.network.super_bandwidth_mbps && topo_.is_super(node_of(from)))
      bw = *s_.network.super_bandwidth_mbps;
    return round_us(static_cast<double>(size) * 8.0 / bw);
  }

  /// Works out a send's copies: the uplink, the network's draws, the copies' record and keys
  /// (sequence numbers from `seq`: seq_, or a split flush's own count), counts and loads.
  void transmit(std::uint32_t from, const std::vector<std::uint32_t>& to, const bbft::msg_ptr& msg,
                const shared_bytes& bytes, phase ph_enum, std::int64_t t, std::uint64_t& seq) {
    auto size = bytes->size();
    auto view = msg ? view_of(*msg) : 0;
    auto ph = static_cast<std::size_t>(ph_enum);
    count_send(view, ph_enum, to.size(), size);
    // relay: pipelined (docs/relay.md): a proposal streams in chunks; a super node forwards each
    // chunk as it arrives (cut-through), to its receivers in turn, chunk by chunk.
    const bool pipelined = s_.protocol.relay == bbft::relay_mode::pipelined && msg &&
                           (ph_enum == phase::propose || ph_enum == phase::forward) &&
                           std::holds_alternative<proto::proposal>(*msg);
    auto ser_us = serialization_us(from, size);
    std::size_t receivers = 0, k = 0;
    std::int64_t chunk_us = 0, chunks = 1, pipe_start = 0, pipe_full_in = 0;
    std::uint32_t rec = no_slot; // the copies' shared record, made with the first copy queued
    const auto sender = node_of(from);
    const auto key_head = draw_key_head(draw_seed_, from);
    const bool link_faults = faults_.link_faults();
    std::uint64_t copies = 0;
    if (pipelined) {
      for (auto dst : to)
        receivers += dst < s_.nodes && dst != node_of(from) ? 1 : 0;
      chunks = std::max<std::int64_t>(
          1, static_cast<std::int64_t>((size + chunk_bytes - 1) / chunk_bytes));
      chunk_us = std::max<std::int64_t>(1, ser_us / chunks);
      pipe_start = std::max(uplink_[from], t);
      pipe_full_in = t;
      if (ph_enum == phase::forward)
        if (auto it = stream_in_.find({from, view}); it != stream_in_.end()) {
          // Forwarding starts once the first chunk is in, not after the whole proposal.
          pipe_start = std::max(uplink_[from], it->second.first);
          pipe_full_in = it->second.second;
        }
    }
    for (auto dst : to) {
      if (dst >= s_.nodes || dst == sender) continue;
      std::int64_t first_done = 0;
      if (pipelined) {
        auto kk = static_cast<std::int64_t>(k++);
        auto kr = static_cast<std::int64_t>(receivers);
        first_done = pipe_start + (kk + 1) * chunk_us;
        auto done = std::max(pipe_start + ((chunks - 1) * kr + kk + 1) * chunk_us,
                             pipe_full_in + (kk + 1) * chunk_us);
        uplink_[from] = std::max(uplink_[from], done);
      } else {
        uplink_[from] = std::max(uplink_[from], t) + ser_us;
      }
      // The network's draws for this copy are a pure function of (seed, sender, receiver, the
      // sender's send count): they do not depend on what other nodes sent first.
      keyed_rng draw(draw_key_tail(key_head, dst, sends_[from]++));
      auto lat = latency_us(sender, dst, draw);
      auto arrival = uplink_[from] + lat;
      if (pipelined) {
        // Nothing arrives before the sender's core decided to send it.
        arrival = std::max(arrival, t);
        if (ph_enum == phase::propose) stream_in_[{dst, view}] = {first_done + lat, arrival};
      }
      ++copies;
      fault_plan::verdict verdict;
      if (link_faults) verdict = faults_.on_send(sender, dst, uplink_[from], draw);
      if (verdict.drop) {
        if (obs_) obs_->on_send(0, from, dst, ph_enum, view, size, t, arrival);
        continue;
      }
      arrival += verdict.extra_delay_us;
      if (twins_ && twins_->active()) {
        // Twins: the message reaches the instances of dst on the sender's side of the partition.
        hops_.clear();
        twins_->route(from, dst, msg.get(), uplink_[from], hops_);
        for (const auto& h : hops_)
          push(event{arrival + h.extra_delay_us, 0, h.instance, node_of(from), 0,
                     static_cast<std::uint8_t>(ph), view, 0, bytes});
        continue;
      }
      if (rec == no_slot) {
        rec = new_record(bytes, from, static_cast<std::uint8_t>(ph), view);
        // What decode() would return for these bytes when a copy is popped, known now if the
        // memo's current generation holds them: the record holds the bytes, so no sweep can
        // forget the entry, and no entry is replaced, so until the generation ends decode()
        // returns this very message (add_delivery decodes again after a flip). Taken here,
        // where the message was just in use, instead of at the first pop, where its reference
        // count missed the cache.
        if (const auto* m = current_decoded(bytes.get())) {
          records_[rec].msg = *m;
          records_[rec].decoded_gen = memo_gen_;
        }
      }
      push_copy(arrival, dst, rec, seq);
      if (obs_) obs_->on_send(seq, from, dst, ph_enum, view, size, t, arrival);
    }
    loads_[from].msgs_out += copies;
    loads_[from].bytes_out += copies * size;
  }

  void set_timer(std::uint32_t node, const bbft::timer_effect& t) override {
    auto k = static_cast<std::size_t>(t.kind);
    auto gen = ++timer_gen_[node * timer_kinds + k];
    auto due = busy_[node] + std::max<std::int64_t>(0, t.delay_us);
    auto& w = win_[node];
    deferred d;
    d.event_t = w.now;
    if (due < window_end_) {
      // Due inside the window: no other node can reach this one before it ends, so the node
      // handles it in this window, after its events due earlier or at the same time.
      win_event x;
      x.t = due;
      x.what = bbft::node_event::kind::timer;
      x.kind = static_cast<std::uint8_t>(k);
      x.view = t.view;
      x.gen = gen;
      auto at =
          std::upper_bound(w.local.begin() + static_cast<std::ptrdiff_t>(w.local_at), w.local.end(),
                           due, [](std::int64_t v, const win_event& y) { return v < y.t; });
      w.local.insert(at, std::move(x));
      d.w = deferred::what::local_timer;
    } else {
      d.w = deferred::what::timer;
      d.t = due;
      d.kind = static_cast<std::uint8_t>(k);
      d.view = t.view;
      d.gen = gen;
    }
    w.out.push_back(std::move(d));
  }

  /// Queues a timer due after the window it was set in (at the flush).
  void queue_timer(std::uint32_t node, const deferred& d) {
    auto idx = node * timer_kinds + d.kind;
    event e{d.t, 0, node, node, 1, d.kind, d.view, d.gen, nullptr};
    // The node's previous timer of this kind is stale from now on. If it is still pending, its
    // slot takes the new timer and its key stays in the heap as a tombstone (pop() tells it by
    // its sequence number): a stale timer keeps its place in time, as before, but costs a key
    // instead of a whole event (views far shorter than the view timeout pile them up). It is
    // pending while timer_slot_ names its slot: pop() clears that as it hands the timer out, so
    // this needs no read of the old slot (a cache miss per timer set, 22% of the flush's own
    // time in perf; the slot is overwritten without being read).
    if (auto old = timer_slot_[idx]; old != no_slot) {
      e.seq = seq_++;
      push_key(event_key{e.t, e.seq, old, node});
      slots_[old] = std::move(e);
      // Compacted at once, or after a split flush's streams (apply_split).
      if (++tombstones_ >= next_compaction_ && !key_sink_) compact_tombstones();
      return;
    }
    timer_slot_[idx] = push(std::move(e));
  }

  void on_certified(std::uint32_t node, const bbft::certified_effect& e) override {
    defer(node, deferred::what::certified, e);
  }
  void on_commit(std::uint32_t node, const bbft::commit_effect& e) override {
    defer(node, deferred::what::commit, e);
  }
  void on_commit_owned(std::uint32_t node, bbft::commit_effect&& e) override {
    defer(node, deferred::what::commit, std::move(e));
  }
  void on_reject(std::uint32_t node, const bbft::reject_effect& e, const std::string& dt) override {
    defer(node, deferred::what::reject, std::pair<bbft::reject_effect, std::string>(e, dt));
  }
  /// Keeps a certified, commit or reject call for the flush: its effect in the node's notes,
  /// a record naming it (at index gen) with the instant of the event and the node's clock.
  void defer(std::uint32_t node, deferred::what kind, deferred_note note) {
    auto& w = win_[node];
    deferred d;
    d.w = kind;
    d.event_t = w.now;
    d.t = busy_[node]; // the call's time (a reject does not use it)
    d.gen = w.notes.size();
    w.notes.push_back(std::move(note));
    w.out.push_back(std::move(d));
  }

  void apply_certified(std::uint32_t node, const bbft::certified_effect& e, std::int64_t t) {
    if (node >= s_.nodes) return; // a twin: Byzantine, not measured
    if (obs_) obs_->on_certified(node, e.height, e.view, t);
    if (e.height >= 1 && e.height <= out_.certified_us.size() &&
        out_.certified_us[e.height - 1][node] < 0)
      out_.certified_us[e.height - 1][node] = t;
    if (e.height >= 1 && e.height <= s_.rounds && faults_.honest(node))
      if (auto it = proposed_at_.find(e.block_hash); it != proposed_at_.end())
        certify_us_.add(t - it->second);
  }

  void apply_commit(std::uint32_t node, const bbft::commit_effect& e, std::int64_t t) {
    if (debug_)
      std::fprintf(stderr, "%10.3f ms node %u commits height %llu view %llu\n", double(t) / 1000,
                   node, (unsigned long long)e.block->header.height,
                   (unsigned long long)e.block->header.view);
    const auto& h = e.block->header;
    auto hash = e.cert->block_hash;
    if (node >= s_.nodes) return; // a twin: Byzantine, not judged
    if (archive_) archive_->add(e.block, e.cert);
    trace(0xC0, node, h.height, hash.prefix64());
    if (obs_) obs_->on_commit(node, h.height, h.view, t);
    committed_[node] = h.height;
    if (h.height <= out_.committed_us.size() && h.height >= 1)
      out_.committed_us[h.height - 1][node] = t;
    if (!faults_.honest(node)) return;
    faults_.on_commit(node, t);
    // Safety: no two honest nodes commit different blocks at one height.
    if (chain_.size() < h.height + 1) {
      chain_.resize(h.height + 1);
      chain_views_.resize(h.height + 1, 0);
    }
    bool canonical = chain_[h.height].is_zero();
    if (ledger_) ledger_->on_commit(node, *e.block, true, canonical, t);
    if (chain_[h.height].is_zero()) {
      chain_[h.height] = hash;
      chain_views_[h.height] = h.view;
      // Safety: nothing is committed without more than 2/3 valid signatures. Checked once per
      // height: a later commit of the same block needs no second proof, and a commit of another
      // block is a violation anyway.
      if (h.height >= 1 && !faults_.certificate_ok(*e.cert) && out_.safety_violations++ == 0)
        out_.first_safety_violation = "node " + std::to_string(node) + " committed height " +
                                      std::to_string(h.height) + " without a valid quorum";
    } else if (chain_[h.height] != hash) {
      if (out_.safety_violations++ == 0)
        out_.first_safety_violation = "node " + std::to_string(node) + " committed " +
                                      hash.hex().substr(0, 16) + " at height " +
                                      std::to_string(h.height) + ", another honest node " +
                                      chain_[h.height].hex().substr(0, 16);
    }
    if (h.height >= 1 && h.height <= s_.rounds)
      if (auto it = proposed_at_.find(hash); it != proposed_at_.end()) {
        commit_us_.add(t - it->second);
        note_block(h, t, static_cast<double>(t - it->second) / 1000.0);
      }
    if (h.height == s_.rounds) ++done_nodes_;
  }

  void apply_reject(std::uint32_t node, const bbft::reject_effect& e, const std::string& d) {
    if (debug_)
      std::fprintf(stderr, "node %u rejects from %u: %s %s\n", node, e.from, e.reason, d.c_str());
    ++out_.rejected[e.reason];
  }

  // -- windows ------------------------------------------------------------------------------------
  //
  // A window [t, end) holds every event due before `end`. With end - t at most the lookahead (the
  // minimum link latency), nothing a node sends inside the window arrives inside it, so each
  // node's events of the window are known when it opens, except the node's own timers, which it
  // handles itself (set_timer). Each node gets its events as one CAF message and handles them in
  // time order; whatever its handlers ask of the shared world (sends, timers, commits) waits in
  // its `out` list until every node is done, and the flush applies it in the canonical order
  // (instant, node, order of the calls). So the outcome does not depend on the order in which the
  // nodes ran, or on how many threads ran them, and a window of one instant is the reference.

  /// The lookahead: no message sent at t arrives before t + lookahead_us() (at least 1: one
  /// instant per window).
  std::int64_t lookahead_us() const {
    const auto& l = s_.network.latency;
    double ms = 0;
    switch (l.model) {
    case latency_model::kind::constant:
      ms = l.ms;
      break;
    case latency_model::kind::uniform:
      ms = l.min_ms;
      break;
    case latency_model::kind::normal:
      ms = 0;
      break;
    case latency_model::kind::regions: {
      // Over the regions that hold nodes (a region with one node counts as well: conservative).
      std::vector<bool> used(l.rtt_ms.size(), false);
      for (auto r : region_)
        used[r] = true;
      ms = 1e300;
      for (std::size_t a = 0; a < used.size(); ++a)
        for (std::size_t b = 0; b < used.size(); ++b)
          if (used[a] && used[b]) ms = std::min(ms, l.rtt_ms[a][b] / 2.0 - l.jitter_ms);
      if (ms > 1e299) ms = 0;
      break;
    }
    }
    // latency_us() rounds the same way, and llround is monotone.
    return std::max<std::int64_t>(1, std::llround(std::max(0.0, ms) * 1000.0));
  }

  void open_window(std::int64_t end) {
    window_end_ = end;
    instants_.clear();
    deliveries_.clear();
    large_sizes_.clear();
  }
  /// Counts one popped event key at its instant (the run's `events`).
  void popped(std::int64_t t) {
    if (instants_.empty() || instants_.back().t != t)
      instants_.push_back({t, 0, deliveries_.size()});
    ++instants_.back().pops;
  }
  void add_event(std::uint32_t node, win_event x) {
    auto& w = win_[node];
    if (w.in.empty() && w.local.empty()) {
      touched_.push_back(node);
      if (!spare_.empty() && w.in.capacity() == 0) {
        static_cast<window_lists&>(w) = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    if (w.in.size() == w.in.capacity() && w.in.size() < in_hint_[node])
      w.in.reserve(in_hint_[node]); // once, instead of growing by doubling
    w.in.push_back(std::move(x));
  }
  void add_start(std::uint32_t node, std::int64_t t) {
    win_event x;
    x.t = t;
    x.what = bbft::node_event::kind::start;
    add_event(node, std::move(x));
  }
  void add_submit(std::uint32_t node, std::int64_t t, bbft::tx_list txs) {
    win_event x;
    x.t = t;
    x.what = bbft::node_event::kind::submit;
    x.gen = win_txs_.size();
    win_txs_.push_back(std::move(txs));
    add_event(node, std::move(x));
  }
  void add_timer(const event& e) {
    win_event x;
    x.t = e.t;
    x.what = bbft::node_event::kind::timer;
    x.kind = e.kind;
    x.view = e.view;
    x.gen = e.gen;
    add_event(e.dst, std::move(x));
  }
  /// A delivery joins its node's events; its payload is decoded now (the memo is read-only while
  /// nodes run) and its trace record waits for the flush. A copy of a send record is decoded once
  /// per memo generation, and its node handed the record's decoded message (next()): what its
  /// handler's decode would have returned, without the look-up per copy.
  void add_delivery(event& e) {
    win_event x;
    x.t = e.t;
    x.what = bbft::node_event::kind::deliver;
    x.src = e.src;
    if (e.gen == 0) {
      record_delivery(e, e.bytes->size());
      (void)decode(e.bytes);
      x.gen = win_bytes_.size();
      win_bytes_.push_back(std::move(e.bytes));
    } else {
      auto& r = records_[e.gen - 1];
      record_delivery(e, r.size);
      if (r.decoded_gen != memo_gen_) {
        // The record holds the bytes until the flush (release_records), so within this
        // generation the memo keeps the entry and decoding again would change nothing.
        auto m = decode(r.bytes);
        r.msg = m ? *m : nullptr; // undecodable: the handler decodes the bytes and rejects them
        r.decoded_gen = memo_gen_;
      }
      x.gen = e.gen - 1;
      x.in_record = true;
    }
    add_event(e.dst, x);
  }
  /// The trace record of a delivery (its instant is the window's current one).
  void record_delivery(const event& e, std::size_t size) {
    if (size >= delivery_record::large) large_sizes_.emplace(deliveries_.size(), size);
    deliveries_.push_back(
        {e.src, e.dst,
         static_cast<std::uint32_t>(std::min<std::size_t>(size, delivery_record::large)) << 8 |
             e.kind});
  }
  /// The payload size of a popped delivery.
  std::uint64_t payload_size(const event& e) const {
    return e.gen == 0 ? e.bytes->size() : records_[e.gen - 1].size;
  }
  /// The nodes with events in this window, in id order.
  const std::vector<std::uint32_t>& touched() {
    std::sort(touched_.begin(), touched_.end());
    return touched_;
  }
  void set_in_window(bool on) { in_window_ = on; }
  /// Asks the processor for what node n's next handler will read first: its core, its CAF
  /// actor, its window lists. Node state is spread over tens of cache lines that have left the
  /// cache since the node last ran, and the handler would otherwise wait for them one by one.
  /// A hint only: no effect on the run.
  void prefetch_node(std::uint32_t n) const {
    if (n >= cores_.size()) return;
    cores_[n]->prefetch_held(); // its object was asked for a node earlier (prefetch_early)
    const auto& nw = win_[n];
    __builtin_prefetch(&nw);
    __builtin_prefetch(reinterpret_cast<const char*>(&nw) + 64);
    __builtin_prefetch(nw.in.data());
    __builtin_prefetch(&busy_[n]);
    // The actor of the thread running the nodes (the next node is of the same chunk).
    if (const auto& mem = actor_mem_[sim_thread_index & 1]; n < mem.size())
      for (std::size_t off = 0; off < actor_bytes_; off += 64)
        __builtin_prefetch(mem[n] + off);
    // And its behaviour: CAF reads the behaviour stack's last element, then the behaviour's
    // object (its vtable pointer, and the table of its cases, some lines into the object, which
    // it scans for the message's type): dependent misses, one after the other.
    if (const auto& b = behavior_mem_[sim_thread_index & 1]; n < b.size()) {
      __builtin_prefetch(b[n][0]);
      if (const auto* impl = static_cast<const char*>(b[n][1]))
        for (std::size_t off = 0; off < behavior_bytes; off += 64)
          __builtin_prefetch(impl + off);
    }
  }
  /// Two nodes ahead: the core object, whose fields prefetch_node() reads to find the rest.
  void prefetch_early(std::uint32_t n) const {
    if (n >= cores_.size()) return;
    cores_[n]->prefetch();
  }
  void set_cores(std::vector<const bbft::node_core*> c) {
    cores_ = std::move(c);
    run_next_.assign(cores_.size(), no_slot);
  }
  /// Each node actor's storage (its CAF control block first) in the system of thread k, in node
  /// order, and its size.
  void set_actor_memory(unsigned k, std::vector<const char*> m, std::size_t bytes) {
    actor_mem_[k & 1] = std::move(m);
    actor_bytes_ = bytes;
  }
  /// Each node actor's current behaviour in the system of thread k, in node order: the address
  /// of the behaviour stack's last element and of the behaviour's object (null where the actor
  /// has none yet). Hints only: a stale address is prefetched for nothing.
  void set_behavior_memory(unsigned k, std::vector<std::array<const void*, 2>> b) {
    behavior_mem_[k & 1] = std::move(b);
  }
  /// Each node's successor in its chunk of the window's nodes (`ends`: where each chunk ends, see
  /// run_window in run()): the node the same thread runs next.
  void plan_prefetch(const std::vector<std::uint32_t>& nodes,
                     const std::vector<std::uint32_t>& ends) {
    if (cores_.empty()) return;
    std::size_t begin = 0;
    for (std::size_t end : ends) {
      auto next = no_slot;
      for (auto i = end; i-- > begin;) {
        auto n = nodes[i];
        if (n >= run_next_.size()) continue;
        run_next_[n] = next;
        next = n;
      }
      begin = end;
    }
  }

  // event_source: hands out a node's events of the window in time order, its own timers after
  // its other events due at the same time; a timer superseded before it is reached is skipped.
  bool next(std::uint32_t node, bbft::node_event& e) override {
    auto& w = win_[node];
    // A node's first event: the next node on this thread will run soon.
    if (w.in_at == 0 && w.local_at == 0 && node < run_next_.size())
      if (auto n = run_next_[node]; n != no_slot) {
        prefetch_node(n);
        if (auto m = run_next_[n]; m != no_slot) prefetch_early(m);
      }
    for (;;) {
      bool in = w.in_at < w.in.size();
      bool local = w.local_at < w.local.size();
      if (!in && !local) return false;
      win_event* x;
      if (in && (!local || w.in[w.in_at].t <= w.local[w.local_at].t)) {
        x = &w.in[w.in_at++];
      } else {
        x = &w.local[w.local_at++];
        deferred d; // counted as an event at its instant, as if it had been queued
        d.w = deferred::what::counted;
        d.event_t = x->t;
        w.out.push_back(std::move(d));
      }
      w.now = x->t;
      if (x->what == bbft::node_event::kind::timer &&
          timer_gen_[node * timer_kinds + x->kind] != x->gen)
        continue;
      e.what = x->what;
      e.timer = x->kind;
      e.from = x->src;
      e.next = 0;
      e.view = x->view;
      e.decoded = nullptr;
      e.size = 0;
      if (x->what == bbft::node_event::kind::deliver) {
        if (x->in_record) {
          // Read-only while nodes run: records change only before a window and at its flush.
          const auto& r = records_[x->gen];
          ++w.msgs_in;
          w.bytes_in += r.size;
          if (r.msg) {
            e.decoded = &r.msg;
            e.size = r.size;
            e.bytes = nullptr;
          } else {
            e.bytes = r.bytes;
          }
        } else {
          e.bytes = std::move(win_bytes_[x->gen]);
          ++w.msgs_in;
          w.bytes_in += e.bytes ? e.bytes->size() : 0;
        }
      } else {
        e.bytes = nullptr;
      }
      if (x->what == bbft::node_event::kind::submit)
        e.txs = std::move(win_txs_[x->gen]);
      else
        e.txs.clear();
      return true;
    }
  }

  /// Applies the window in the canonical order, instant by instant, and stops after the instant
  /// in which `honest` nodes are done (what nodes did after it is dropped, as if never run).
  /// Returns false once the run is over. With scenario::sim_split_flush and two threads most
  /// windows are applied in two streams at once (see apply_split); the outcome is the same.
  bool flush(std::uint64_t honest) {
    release_records();
    win_bytes_.clear();
    win_txs_.clear();
    runs_.clear();
    // The nodes' lists were written on the threads that ran them and have left this core's
    // cache: ask for each one a few nodes ahead (a hint only, no effect on the run).
    for (std::size_t ti = 0; ti < touched_.size(); ++ti) {
      if (ti + 8 < touched_.size()) prefetch_out_header(touched_[ti + 8]);
      if (ti + 4 < touched_.size()) prefetch_out_entries(touched_[ti + 4], 0);
      auto n = touched_[ti];
      const auto& out = win_[n].out;
      for (std::size_t i = 0; i < out.size();) {
        auto j = i;
        while (j < out.size() && out[j].event_t == out[i].event_t)
          ++j;
        runs_.push_back({out[i].event_t, n, i, j});
        i = j;
      }
    }
    std::sort(runs_.begin(), runs_.end(),
              [](const run& a, const run& b) { return a.t != b.t ? a.t < b.t : a.node < b.node; });
    bool going = true;
    if (splittable(honest)) {
      apply_split();
      ++out_.split_flushes;
      if (!internal_error_.empty()) going = false;
    } else {
      going = apply_serial(honest);
    }
    for (std::size_t ti = 0; ti < touched_.size(); ++ti) {
      if (ti + 4 < touched_.size()) prefetch_window(touched_[ti + 4]);
      clean_window(touched_[ti]);
    }
    touched_.clear();
    return going;
  }

  /// The serial flush: every run in the canonical order on this thread.
  bool apply_serial(std::uint64_t honest) {
    bool going = true;
    auto i = walk_window(
        [&](std::size_t j) {
          prefetch_run(j);
          auto& out = win_[runs_[j].node].out;
          for (auto k = runs_[j].begin; k < runs_[j].end; ++k)
            apply(runs_[j].node, out[k]);
        },
        [&] { return !(going = done_nodes_ < honest); });
    if (i < instants_.size())
      for (auto k = instants_[i].first; k < deliveries_.size(); ++k)
        undelivered(k);
    return going;
  }

  /// Walks the window in the canonical order: each instant's deliveries (counted and traced),
  /// then its runs (on_run(j), in runs_' order); stops after an instant at which stop() holds.
  /// Returns the index of the first instant not walked.
  template <class OnRun, class Stop> std::size_t walk_window(OnRun on_run, Stop stop) {
    std::size_t i = 0, j = 0;
    while (i < instants_.size() || j < runs_.size()) {
      auto t = INT64_MAX;
      if (i < instants_.size()) t = instants_[i].t;
      if (j < runs_.size()) t = std::min(t, runs_[j].t);
      if (i < instants_.size() && instants_[i].t == t) {
        out_.events += instants_[i].pops;
        auto end = i + 1 < instants_.size() ? instants_[i + 1].first : deliveries_.size();
        for (auto k = instants_[i].first; k < end; ++k)
          delivered(instants_[i].t, k);
        ++i;
      }
      for (; j < runs_.size() && runs_[j].t == t; ++j)
        on_run(j);
      now_ = t;
      if (stop()) break;
    }
    return i;
  }

  // The split flush (scenario::sim_split_flush, two threads; off by default: slower on the
  // 2-vCPU machine it was measured on, see docs/simulator.md). What a window's calls do to the
  // shared world falls into two parts that touch different state: the sends (the memo learning
  // fresh payloads, the sender's uplink and draws, the copies' records and keys, the message
  // counts and loads) and the rest (timers, commits and the other notes, proposal times, the
  // trace of deliveries). Each part is applied in the canonical order on its own thread, at
  // once; the one thing they share is the sequence numbers, which run through both in the
  // canonical order: a first pass counts what each run takes, so each stream knows where every
  // run starts. Keys of timers wait in a list and join the queue after both streams (the queue
  // orders keys by time and sequence number, so the order of pushes changes nothing). Used when
  // nothing else in the window depends on the order of the two parts: no observer, no twins, no
  // link faults, no pipelined relay, and no node reaching the last round (the run may end
  // inside the window, where the serial flush stops).

  /// Whether this window can be applied in two streams; counts each run's sequence numbers
  /// (run_base_: then the first one it takes) and each send's copies (its deferred's gen), on
  /// both threads.
  bool splittable(std::uint64_t honest) {
    if (!s_.sim_split_flush || !parallel_ || obs_ || twins_ || faults_.link_faults() ||
        done_nodes_ >= honest || s_.protocol.relay == bbft::relay_mode::pipelined)
      return false;
    run_base_.resize(runs_.size());
    std::atomic<std::size_t> next{0};
    std::atomic<bool> last_round{false};
    constexpr std::size_t block = 256;
    parallel_([&](unsigned) {
      for (;;) {
        auto b = next.fetch_add(block, std::memory_order_relaxed);
        if (b >= runs_.size()) return;
        auto e = std::min(b + block, runs_.size());
        for (auto j = b; j < e; ++j) {
          const auto& r = runs_[j];
          auto& w = win_[r.node];
          std::uint64_t seqs = 0;
          for (auto k = r.begin; k < r.end; ++k) {
            auto& d = w.out[k];
            switch (d.w) {
            case deferred::what::send: {
              std::uint64_t copies = 0;
              for (auto dst : d.to)
                copies += dst < s_.nodes && dst != r.node ? 1 : 0;
              d.gen = copies; // unused by a send otherwise
              seqs += copies;
              break;
            }
            case deferred::what::timer:
            case deferred::what::local_timer:
              ++seqs;
              break;
            case deferred::what::commit:
              if (std::get<bbft::commit_effect>(w.notes[d.gen]).block->header.height == s_.rounds)
                last_round.store(true, std::memory_order_relaxed);
              break;
            default:
              break;
            }
          }
          run_base_[j] = seqs;
        }
      }
    });
    if (last_round.load()) return false;
    auto seq = seq_;
    for (auto& rb : run_base_)
      seq += std::exchange(rb, seq);
    run_base_.push_back(seq); // where the window's numbers end
    return true;
  }

  void apply_split() {
    key_sink_ = &timer_keys_;
    bool miscounted = false, rest_miscounted = false; // read once both threads are done
    parallel_([&](unsigned me) {
      if (me == 0) {
        rest_miscounted = !apply_rest();
      } else {
        for (std::size_t j = 0; j < runs_.size(); ++j) {
          prefetch_run(j);
          const auto& r = runs_[j];
          auto& out = win_[r.node].out;
          auto seq = run_base_[j];
          for (auto k = r.begin; k < r.end; ++k) {
            auto& d = out[k];
            if (d.w == deferred::what::send) {
              if (d.fresh) remember(d.bytes, d.msg);
              transmit(r.node, d.to, d.msg, d.bytes, d.ph, d.t, seq);
              // As apply() does: let go of what the send held while it is in this cache. The
              // other stream reads a send's kind, phase and copies only, and its message only
              // for a proposal, which keeps it.
              d.bytes.reset();
              std::vector<std::uint32_t>().swap(d.to);
              if (d.ph != phase::propose) d.msg.reset();
            } else if (d.w == deferred::what::timer || d.w == deferred::what::local_timer) {
              ++seq;
            }
          }
          if (seq != run_base_[j + 1]) miscounted = true;
        }
      }
    });
    key_sink_ = nullptr;
    // Each stream checks that it took the numbers the first pass counted, run by run (a stream
    // that numbered its keys differently would change the order of events of one instant): a
    // defect of the simulator, which ends the run with an error (flush, run()).
    if ((miscounted || rest_miscounted) && internal_error_.empty())
      internal_error_ = "split flush: a stream took other sequence numbers than counted";
    for (const auto& k : timer_keys_)
      queue_.push(k);
    timer_keys_.clear();
    if (tombstones_ >= next_compaction_) compact_tombstones();
  }

  /// The split flush's stream of everything but the sends; false if it took other sequence
  /// numbers than counted.
  bool apply_rest() {
    bool counted = true;
    walk_window(
        [&](std::size_t j) {
          if (j + 4 < runs_.size()) prefetch_out_entries(runs_[j + 4].node, runs_[j + 4].begin);
          auto& out = win_[runs_[j].node].out;
          for (auto k = runs_[j].begin; k < runs_[j].end; ++k) {
            auto& d = out[k];
            if (d.w == deferred::what::send) {
              // Phase first: the other stream lets go of the message of any other send.
              if (d.ph == phase::propose && d.msg) note_proposal(*d.msg, d.t);
              seq_ += d.gen; // its copies' sequence numbers, taken by the other stream
            } else {
              apply(runs_[j].node, d);
            }
          }
          if (seq_ != run_base_[j + 1]) counted = false;
        },
        [] { return false; });
    return counted;
  }

  /// Empties node n's window lists into the pool.
  void clean_window(std::uint32_t n) {
    auto& w = win_[n];
    // The room its next window's events will probably take (a super node's votes at M = N):
    // taken at once then, and not kept meanwhile (see trim below).
    in_hint_[n] = static_cast<std::uint32_t>(std::min<std::size_t>(w.in.size(), UINT32_MAX));
    w.in.clear();
    w.in_at = 0;
    w.local.clear();
    w.local_at = 0;
    w.out.clear();
    w.fresh.clear();
    w.notes.clear();
    // The emptied lists keep their room for the next node with events, in the pool, unless
    // they grew beyond a validator's usual window (a super node's): pooled, such room would
    // spread to every list of the pool over the run.
    auto trim = [](auto& v, std::size_t keep) {
      if (v.capacity() > keep) std::decay_t<decltype(v)>().swap(v);
    };
    trim(w.in, spare_in);
    trim(w.local, spare_local);
    trim(w.out, spare_out);
    trim(w.fresh, spare_fresh);
    trim(w.notes, spare_notes);
    spare_.push_back(std::exchange(static_cast<window_lists&>(w), window_lists{}));
  }

  /// Runs f(0) on this thread and f(1) on the run's second thread, and returns when both are
  /// done (unset: one thread).
  void set_parallel(std::function<void(const std::function<void(unsigned)>&)> p) {
    parallel_ = std::move(p);
  }

  /// Prefetch hints for the flush: node n's whole window record (for its cleanup), the part of
  /// it where its `out` list is, the first entries of that list from index `at`, and what the
  /// run j + 1 will touch first.
  void prefetch_window(std::uint32_t n) const {
    const auto* p = reinterpret_cast<const char*>(&win_[n]);
    for (std::size_t off = 0; off < sizeof(node_window); off += 64)
      __builtin_prefetch(p + off);
  }
  void prefetch_out_header(std::uint32_t n) const {
    const auto* p = reinterpret_cast<const char*>(&win_[n].out);
    __builtin_prefetch(p);
    __builtin_prefetch(p + sizeof(win_[n].out) - 1);
  }
  void prefetch_out_entries(std::uint32_t n, std::size_t at) const {
    const auto& out = win_[n].out;
    if (at >= out.size()) return;
    const auto* p = reinterpret_cast<const char*>(out.data() + at);
    __builtin_prefetch(p);
    __builtin_prefetch(p + sizeof(deferred) - 1);
  }
  void prefetch_run(std::size_t j) const {
    if (j + 8 < runs_.size()) prefetch_out_header(runs_[j + 8].node);
    if (j + 4 < runs_.size()) prefetch_out_entries(runs_[j + 4].node, runs_[j + 4].begin);
    if (j + 1 < runs_.size()) {
      const auto& r = runs_[j + 1];
      const auto& d = win_[r.node].out[r.begin];
      if (d.w == deferred::what::send) {
        __builtin_prefetch(d.to.data());
        __builtin_prefetch(d.msg.get());
        __builtin_prefetch(d.bytes.get());
      }
    }
  }

  void apply(std::uint32_t node, deferred& d) {
    switch (d.w) {
    case deferred::what::send:
      if (d.fresh) remember(d.bytes, d.msg);
      if (d.msg && d.ph == phase::propose) note_proposal(*d.msg, d.t);
      transmit(node, d.to, d.msg, d.bytes, d.ph, d.t, seq_);
      // Let go of what the send held while it is in cache (the references' counts, the list),
      // not at the cleanup below, which would miss on each of them again.
      d.msg.reset();
      d.bytes.reset();
      std::vector<std::uint32_t>().swap(d.to);
      break;
    case deferred::what::timer:
      queue_timer(node, d);
      break;
    case deferred::what::local_timer:
      ++seq_; // the sequence number it would have taken in the queue
      break;
    case deferred::what::certified:
      apply_certified(node, std::get<bbft::certified_effect>(win_[node].notes[d.gen]), d.t);
      break;
    case deferred::what::commit:
      apply_commit(node, std::get<bbft::commit_effect>(win_[node].notes[d.gen]), d.t);
      break;
    case deferred::what::reject: {
      const auto& [e, detail] =
          std::get<std::pair<bbft::reject_effect, std::string>>(win_[node].notes[d.gen]);
      apply_reject(node, e, detail);
      break;
    }
    case deferred::what::counted:
      ++out_.events;
      break;
    }
  }

  // -- driver -------------------------------------------------------------------------------------

  std::uint32_t push(event e) {
    e.seq = seq_++;
    std::uint32_t slot;
    if (free_slots_.empty()) {
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.push_back(std::move(e));
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
      slots_[slot] = std::move(e);
    }
    const auto& in = slots_[slot];
    push_key(event_key{in.t, in.seq, slot, in.dst});
    return slot;
  }

  /// One record per send effect holds what its copies share (payload, sender, phase, view); the
  /// queue holds a 24-byte key per copy naming the record (delivery_flag) and the receiver.
  std::uint32_t new_record(const shared_bytes& bytes, std::uint32_t src, std::uint8_t kind,
                           std::uint64_t view) {
    std::uint32_t r;
    if (free_records_.empty()) {
      r = static_cast<std::uint32_t>(records_.size());
      records_.emplace_back();
    } else {
      r = free_records_.back();
      free_records_.pop_back();
    }
    auto& x = records_[r];
    x.bytes = bytes;
    x.msg = nullptr;
    x.size = static_cast<std::uint32_t>(std::min<std::size_t>(bytes->size(), UINT32_MAX));
    x.src = src;
    x.kind = kind;
    x.view = view;
    x.pending = 0;
    x.decoded_gen = 0;
    return r;
  }
  /// The records whose last copy was popped for this window: their payload and decoded message
  /// were handed to the nodes; free now, before the flush makes new records.
  void release_records() {
    for (auto r : released_) {
      records_[r].bytes = nullptr;
      records_[r].msg = nullptr;
      free_records_.push_back(r);
    }
    released_.clear();
  }
  /// Queues a key, or keeps it for the end of a split flush (apply_split).
  void push_key(const event_key& k) {
    if (key_sink_)
      key_sink_->push_back(k);
    else
      queue_.push(k);
  }
  /// Queues one copy of record `rec` for `dst`, due at t (the sequence number push() would give).
  void push_copy(std::int64_t t, std::uint32_t dst, std::uint32_t rec, std::uint64_t& seq) {
    ++records_[rec].pending;
    queue_.push(event_key{t, seq++, rec | delivery_flag, dst});
  }

  bool empty() const { return queue_.empty() && stale_.empty(); }
  std::int64_t next_time() {
    if (stale_.empty()) return queue_.top().t;
    auto s = stale_.front();
    return s > 0 && queue_.has_before(s) ? queue_.top().t : s;
  }
  /// Whether an event is due before `end` (the queue does not move past `end` to answer). It
  /// also tells pop() where the next event is: the instant of a compacted tombstone when no key
  /// is due at or before it.
  bool next_before(std::int64_t end) {
    if (!stale_.empty() && stale_.front() < end) {
      next_stale_ = !queue_.has_before(stale_.front() + 1);
      return true;
    }
    next_stale_ = false;
    return queue_.has_before(end);
  }
  /// The next event (after next_before() said there is one).
  event pop() {
    if (next_stale_) {
      // A compacted tombstone (see compact_tombstones): only its instant is left, and the loop
      // drops it as it dropped the tombstone, whose place among the keys of its instant did not
      // matter (a tombstone only counts as a popped event of its instant).
      std::int64_t t = stale_.front();
      std::pop_heap(stale_.begin(), stale_.end(), std::greater<>{});
      stale_.pop_back();
      return event{t, 0, 0, 0, 1, 0, 0, UINT64_MAX, nullptr};
    }
    auto [kt, kseq, slot, kdst] = queue_.pop();
    // What popping a key some places later will read: its send record, and its node's window
    // record when the loop hands it the event (a hint only; a key pushed below the current
    // bucket may come first, which changes nothing but what was asked for).
    if (const auto* a = queue_.sorted_ahead(popping_ahead)) {
      if (a->slot & delivery_flag) __builtin_prefetch(&records_[a->slot & ~delivery_flag]);
      if (a->dst < win_.size()) __builtin_prefetch(&win_[a->dst]);
    }
    if (slot & delivery_flag) {
      auto& r = records_[slot & ~delivery_flag];
      // A delivery's gen names its record (+ 1): the record holds its payload until the flush.
      event e{kt,     kseq,   kdst,   r.src,
              0,      r.kind, r.view, (slot & ~delivery_flag) + std::uint64_t{1},
              nullptr};
      if (--r.pending == 0) released_.push_back(slot & ~delivery_flag);
      return e;
    }
    if (slots_[slot].seq != kseq) {
      // A tombstone (see set_timer): a stale timer whose slot a newer timer took. No generation
      // matches UINT64_MAX, so the loop drops it as it dropped the stale timer.
      --tombstones_;
      return event{kt, kseq, kdst, kdst, 1, 0, 0, UINT64_MAX, nullptr};
    }
    event e = std::move(slots_[slot]);
    slots_[slot].seq = UINT64_MAX; // free: no pending key or timer matches it any more
    if (e.type == 1)
      if (auto& ts = timer_slot_[e.dst * timer_kinds + e.kind]; ts == slot) ts = no_slot;
    slots_[slot].bytes = nullptr;
    free_slots_.push_back(slot);
    return e;
  }
  /// Takes the tombstones out of the far queue (timers beyond the calendar's ring: the view
  /// timers of views long superseded, a minute ahead in the bench) and keeps only their instants,
  /// 8 bytes each instead of a 24-byte key in a bucket that grew by doubling. Runs when the
  /// tombstones pending since the last pass reach the number of pending events in slots (the
  /// live timers), so each pass over the far queue removes at least as many keys as it keeps:
  /// constant work per tombstone. The loop still visits every stale timer's instant (it counts
  /// it as an event and may open a window there), so runs are unchanged.
  void compact_tombstones() {
    queue_.remove_far_if(
        [this](const event_key& k) {
          return (k.slot & delivery_flag) == 0 && slots_[k.slot].seq != k.seq;
        },
        [this](const event_key& k) {
          stale_.push_back(k.t);
          std::push_heap(stale_.begin(), stale_.end(), std::greater<>{});
          --tombstones_;
          ++out_.stale_timers_compacted;
        });
    next_compaction_ =
        tombstones_ + std::max<std::size_t>(1024, slots_.size() - free_slots_.size());
  }
  /// Tombstones still in the queue, instants of compacted ones (for tests and the bench).
  std::size_t tombstones() const { return tombstones_; }
  std::size_t stale_instants() const { return stale_.size(); }

  void set_now(std::int64_t t) { now_ = t; }
  std::int64_t now() const { return now_; }
  bool stale_timer(const event& e) const {
    return timer_gen_[e.dst * timer_kinds + e.kind] != e.gen;
  }
  void trace(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
    hash_ = mix64(hash_ ^ a) + b;
    hash_ = mix64(hash_ ^ c) + d;
  }
  void delivered(std::int64_t t, std::size_t k) {
    const auto& e = deliveries_[k];
    std::uint64_t size = e.size_kind >> 8;
    if (size == delivery_record::large) size = large_sizes_.at(k);
    trace(static_cast<std::uint64_t>(t), e.src, e.dst, size << 8 | (e.size_kind & 0xff));
    ++out_.delivered;
  }
  /// A delivery handed out in the window but dropped with the instants after the run's end
  /// (see flush): it leaves its receiver's count.
  void undelivered(std::size_t k) {
    const auto& e = deliveries_[k];
    std::uint64_t size = e.size_kind >> 8;
    if (size == delivery_record::large) size = large_sizes_.at(k);
    --win_[e.dst].msgs_in;
    win_[e.dst].bytes_in -= size;
  }
  std::uint64_t trace_hash() const { return hash_; }
  /// A defect of the simulator found during the run (empty: none).
  const std::string& internal_error() const { return internal_error_; }
  void set_observer(run_observer* o) { obs_ = o; }
  void set_ledger(ledger_harness* l) { ledger_ = l; }
  void set_archive(shared_chain* a) { archive_ = a; }
  /// Hosts the twin instances of a twins or adversary scenario (instances N and up).
  void set_twins(twin_router* r) {
    twins_ = r;
    auto n = r->instances();
    busy_.resize(n, 0);
    win_.resize(n);
    in_hint_.resize(n, 0);
    sends_.resize(n, 0);
    rewrites_.resize(n, 0);
    uplink_.resize(n, 0);
    timer_gen_.resize(n * timer_kinds, 0);
    timer_slot_.resize(n * timer_kinds, no_slot);
    committed_.resize(n, 0);
    loads_.resize(n);
  }
  std::uint32_t node_of(std::uint32_t instance) const {
    return twins_ ? twins_->logical(instance) : instance;
  }
  const std::vector<std::int64_t>& busy() const { return busy_; }
  std::uint32_t done_nodes() const { return done_nodes_; }
  std::uint64_t min_committed(const fault_plan& f) const {
    std::uint64_t m = UINT64_MAX;
    for (std::uint32_t i = 0; i < s_.nodes; ++i)
      if (f.honest(i) && !f.crashed_for_good(i)) m = std::min(m, committed_[i]);
    return m == UINT64_MAX ? 0 : m;
  }
  std::uint64_t max_committed() const {
    return *std::max_element(committed_.begin(), committed_.end());
  }

  void finish() {
    out_.commit_latency = commit_us_.summarize();
    for (auto& b : blocks_)
      if (b.nodes > 0) {
        b.latency_mean_ms /= static_cast<double>(b.nodes);
        out_.commits.push_back(b);
      }
    out_.certify_latency = certify_us_.summarize();
    for (std::uint32_t i = 0; i < s_.nodes; ++i) {
      loads_[i].msgs_in = win_[i].msgs_in;
      loads_[i].bytes_in = win_[i].bytes_in;
    }
    out_.loads.assign(loads_.begin(), loads_.begin() + s_.nodes);
    out_.super_nodes = topo_.supers();
    // Views of the first `rounds` blocks are complete: take them as the measured rounds.
    std::uint64_t last_view = 0;
    if (chain_.size() > s_.rounds && !chain_[s_.rounds].is_zero())
      last_view = chain_views_[s_.rounds];
    last_view = std::min<std::uint64_t>(last_view, per_view_msgs_.size());
    out_.views_measured = last_view;
    for (std::uint64_t v = 0; v < last_view; ++v) {
      out_.messages_per_view.push_back(per_view_msgs_[v]);
      out_.bytes_per_view.push_back(per_view_bytes_[v]);
      out_.paper_messages_per_view.push_back(per_view_paper_[v]);
      for (std::size_t p = 0; p < bbft::phase_count; ++p) {
        out_.messages_measured[p] += per_view_msgs_[v][p];
        out_.bytes_measured[p] += per_view_bytes_[v][p];
        out_.paper_measured[p] += per_view_paper_[v][p];
      }
    }
    for (std::size_t p = 0; p < bbft::phase_count; ++p) {
      out_.messages_total += out_.messages_all[p];
      out_.bytes_total += out_.bytes_all[p];
    }
    std::uint64_t supers = 0, validators = 0;
    for (std::uint32_t i = 0; i < s_.nodes; ++i) {
      auto& mean = topo_.is_super(i) ? out_.super_mean : out_.validator_mean;
      auto& mx = topo_.is_super(i) ? out_.super_max : out_.validator_max;
      (topo_.is_super(i) ? supers : validators)++;
      const auto& l = loads_[i];
      mean.msgs_in += l.msgs_in;
      mean.msgs_out += l.msgs_out;
      mean.bytes_in += l.bytes_in;
      mean.bytes_out += l.bytes_out;
      mx.msgs_in = std::max(mx.msgs_in, l.msgs_in);
      mx.msgs_out = std::max(mx.msgs_out, l.msgs_out);
      mx.bytes_in = std::max(mx.bytes_in, l.bytes_in);
      mx.bytes_out = std::max(mx.bytes_out, l.bytes_out);
    }
    auto divide = [](node_load& l, std::uint64_t n) {
      if (n == 0) return;
      l.msgs_in /= n;
      l.msgs_out /= n;
      l.bytes_in /= n;
      l.bytes_out /= n;
    };
    divide(out_.super_mean, supers);
    divide(out_.validator_mean, validators);
  }

private:
  void note_block(const ledger::block_header& h, std::int64_t t, double latency_ms) {
    if (blocks_.size() < h.height) blocks_.resize(h.height);
    auto& b = blocks_[h.height - 1];
    if (b.nodes++ == 0) {
      b.height = h.height;
      b.view = h.view;
      b.first_us = t;
      b.txs = h.tx_count;
    }
    b.last_us = std::max(b.last_us, t);
    b.latency_mean_ms += latency_ms;
    b.latency_max_ms = std::max(b.latency_max_ms, latency_ms);
  }

  /// The message the memo's current generation holds for bytes b (what decode(b) returns, with no
  /// side effect), or null.
  const bbft::msg_ptr* current_decoded(const bytes* b) const {
    if (const auto& h = hints_[hint_slot(b)]; h.key == b && h.gen == hint_gen_)
      return &h.entry->second;
    const auto* e = decoded_.find(b);
    return e ? &e->second : nullptr;
  }

  void remember(const shared_bytes& b, const bbft::msg_ptr& m) {
    // Two generations: bounded memory, and a buffer in flight is rarely evicted. A generation
    // ends after memo_max entries (counted, not measured: sweeping must not move the flips,
    // or a message would be encoded, and its sender charged, at other times).
    if (++since_flip_ > memo_max) {
      decoded_old_.clear();
      decoded_old_.swap(decoded_);
      ++memo_gen_;
      ++hint_gen_; // every hint names an entry of the generation that just ended
      encoded_old_.clear();
      encoded_old_.swap(encoded_);
      since_flip_ = 1;
    }
    auto rebuilds = decoded_.rebuilds();
    auto [at, fresh] = decoded_.emplace(b.get(), std::make_pair(b, m));
    (void)fresh;
    if (decoded_.rebuilds() != rebuilds) ++hint_gen_; // the entries moved
    hints_[hint_slot(b.get())] = decode_hint{b.get(), hint_gen_, at};
    encoded_.emplace(m.get(), std::make_pair(m, b));
    since_sweep_bytes_ += b->size();
    if (++since_sweep_ >= sweep_step || since_sweep_bytes_ >= sweep_bytes) {
      since_sweep_ = 0;
      since_sweep_bytes_ = 0;
      sweep(decoded_, encoded_, [this](const bytes* k) {
        if (auto& h = hints_[hint_slot(k)]; h.key == k) h = decode_hint{};
      });
      sweep(decoded_old_, encoded_old_, [](const bytes*) {});
      sweep_pairs();
    }
  }

  /// Forgets the payloads held by both generations: a receiver outside a window looks in the
  /// current generation only, so bytes remembered in the previous one are decoded again and
  /// remembered again (the same bytes, another message). Each entry then holds the other's bytes,
  /// so sweep() keeps both until the old generation ends: every vote in flight at a generation's
  /// end stayed twice, with its bytes, for a whole generation. Both are forgotten here once the
  /// four map entries are the only owners of the bytes and of each message, under the same rule
  /// as sweep(): no event carries the bytes and no core holds either message.
  void sweep_pairs() {
    // The entry of enc that pairs m with b (then it holds a reference to each), or null.
    auto paired = [](const auto& enc, const bbft::msg_ptr& m, const shared_bytes& b) {
      const auto* e = enc.find(m.get());
      return e && e->first == m && e->second == b ? e : nullptr;
    };
    decoded_old_.erase_if(
        [&](const bytes* key, const std::pair<shared_bytes, bbft::msg_ptr>& old) {
          const auto& [b, m] = old;
          const auto* old_enc = paired(encoded_old_, m, b);
          long own = old_enc ? 2 : 1;
          if (b.use_count() <= own || m.use_count() != own) return false;
          const auto* cur = decoded_.find(key);
          if (!cur || cur->first != b || cur->second == m) return false;
          const auto* cur_enc = paired(encoded_, cur->second, b);
          long other = cur_enc ? 2 : 1;
          if (b.use_count() != own + other || cur->second.use_count() != other) return false;
          if (cur_enc) encoded_.erase(cur_enc);
          if (auto& h = hints_[hint_slot(key)]; h.key == key) h = decode_hint{};
          decoded_.erase(cur);
          if (old_enc) encoded_old_.erase(old_enc);
          return true;
        },
        [&](const auto& e) {
          prefetch_counts(e);
          encoded_old_.prefetch(e.second.get());
        });
  }

  /// Asks for the cache lines of both reference counts of a memo entry: a control block made by
  /// std::make_shared sits just before its object (a hint only; any address is safe).
  static void prefetch_counts(const auto& entry) {
    __builtin_prefetch(reinterpret_cast<const char*>(entry.first.get()) - 8);
    __builtin_prefetch(reinterpret_cast<const char*>(entry.second.get()) - 8);
  }

  /// Forgets the entries no lookup can reach any more: bytes no event carries and a message no
  /// core holds (the two maps of the generation are their only owners). Such an entry can never
  /// be decoded or re-sent again, so forgetting it changes no outcome, only memory: a message
  /// sent to nobody (a super node's commit certificate with an empty group) or a delivered
  /// vote would otherwise stay until its generation ends, 2 * memo_max messages in all.
  template <class Decoded, class Encoded, class Erased>
  static void sweep(Decoded& dec, Encoded& enc, Erased&& erased) {
    dec.erase_if(
        [&](const bytes* key, const std::pair<shared_bytes, bbft::msg_ptr>& entry) {
          const auto& [b, m] = entry;
          const auto* e = enc.find(m.get());
          long refs = e && e->first == m && e->second == b ? 2 : 1;
          if (b.use_count() != refs || m.use_count() != refs) return false;
          if (refs == 2) enc.erase(e);
          erased(key);
          return true;
        },
        [&](const auto& e) {
          prefetch_counts(e);
          enc.prefetch(e.second.get());
        });
  }

  /// The bytes of m: from the memo (read-only while nodes run), from what this node encoded in
  /// this window, or encoded now (`fresh`; the memo learns them at the flush).
  shared_bytes encoded(std::uint32_t from, const bbft::msg_ptr& m, bool& fresh) {
    // Both memos hold a reference to every message they know: a message with no owner but the
    // send (a vote, a fresh certificate) is in neither, and needs no look-up.
    if (m.use_count() > 1) {
      if (const auto* e = encoded_.find(m.get())) return e->second;
      if (const auto* e = encoded_old_.find(m.get())) return e->second;
    }
    auto& w = win_[from];
    for (const auto& [p, at] : w.fresh)
      if (p == m.get()) return w.out[at].bytes;
    auto b = make_shared_bytes(codec::encode(*m));
    // Encoding costs the sender CPU time; forwarding received bytes does not.
    auto us = s_.cpu.encode_ns_per_byte * static_cast<double>(b->size()) / 1000.0;
    busy_[from] = std::max(w.now, busy_[from]) + round_us(us);
    // defer_send, the one caller, keeps the bytes in the send it appends to `out` next.
    w.fresh.emplace_back(m.get(), static_cast<std::uint32_t>(w.out.size()));
    fresh = true;
    return b;
  }

  std::int64_t latency_us(std::uint32_t from, std::uint32_t to, keyed_rng& rng) {
    const auto& l = s_.network.latency;
    double ms = 0;
    switch (l.model) {
    case latency_model::kind::constant:
      ms = l.ms;
      break;
    case latency_model::kind::uniform:
      ms = rng.uniform(l.min_ms, l.max_ms);
      break;
    case latency_model::kind::normal:
      ms = std::max(0.0, rng.normal(l.mean_ms, l.stddev_ms));
      break;
    case latency_model::kind::regions:
      ms = l.rtt_ms[region_[from]][region_[to]] / 2.0;
      if (l.jitter_ms > 0) ms = std::max(0.0, ms + rng.uniform(-l.jitter_ms, l.jitter_ms));
      break;
    }
    return round_us(ms * 1000.0);
  }

  static constexpr std::size_t memo_max = 1 << 15;
  static constexpr std::size_t sweep_step = 1 << 12;   ///< messages remembered between sweeps
  static constexpr std::size_t sweep_bytes = 8u << 20; ///< or this many encoded bytes
  std::size_t since_flip_ = 0;
  std::size_t since_sweep_ = 0;
  std::size_t since_sweep_bytes_ = 0;
  static constexpr std::size_t chunk_bytes = 64 * 1024; ///< relay: pipelined
  /// relay: pipelined: (super node, view) -> when the proposal's first chunk and its last chunk
  /// reached it.
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::pair<std::int64_t, std::int64_t>>
      stream_in_;

  bool debug_ = std::getenv("BYSTACK_SIM_DEBUG") != nullptr;
  run_observer* obs_ = nullptr;
  ledger_harness* ledger_ = nullptr;
  shared_chain* archive_ = nullptr;
  twin_router* twins_ = nullptr;
  std::vector<twin_router::hop> hops_;
  const scenario& s_;
  const bbft::topology& topo_;
  run_result& out_;
  fault_plan& faults_;
  std::uint64_t draw_seed_;             ///< the network's draws are keyed by it (keyed_rng)
  std::vector<std::uint64_t> sends_;    ///< per sender: message copies sent so far
  std::vector<std::uint64_t> rewrites_; ///< per Byzantine sender: send effects rewritten
  std::int64_t now_ = 0;
  std::vector<node_window> win_; ///< per node (instance)
  /// The node that runs after each one on its thread in this window (no_slot: none), and the
  /// cores, for prefetching the next one's state while one runs.
  std::vector<std::uint32_t> run_next_;
  std::vector<const bbft::node_core*> cores_;
  std::vector<const char*> actor_mem_[2]; ///< per thread: each node actor's storage
  std::size_t actor_bytes_ = 0;           ///< its size
  std::vector<std::array<const void*, 2>> behavior_mem_[2]; ///< per thread: see set_behavior_memory
  /// How much of a behaviour's object to prefetch: its first lines, where node_actor's first
  /// case (the window message, which every simulated delivery matches) and its table entry sit.
  static constexpr std::size_t behavior_bytes = 384;
  std::vector<window_lists> spare_; ///< emptied lists of past windows, for the next ones
  /// Room a pooled list keeps (entries); larger lists are freed after their window.
  static constexpr std::size_t spare_in = 4, spare_local = 2, spare_out = 8, spare_fresh = 2,
                               spare_notes = 2;
  std::vector<std::uint32_t> touched_;
  std::vector<std::uint32_t> in_hint_; ///< each node's events in its last window with events
  std::int64_t window_end_ = 1;
  bool in_window_ = false;
  struct instant {
    std::int64_t t;
    std::uint64_t pops;
    std::size_t first; ///< its first record in deliveries_
  };
  std::vector<instant> instants_; ///< the window's instants with popped events, in time order
  std::vector<delivery_record> deliveries_;
  std::unordered_map<std::size_t, std::uint64_t> large_sizes_; ///< by index in deliveries_
  struct run {
    std::int64_t t;
    std::uint32_t node;
    std::size_t begin, end; ///< a node's calls made while handling events of instant t
  };
  std::vector<run> runs_;
  /// Split flush: per run, the first sequence number it takes (and last, where they end).
  std::vector<std::uint64_t> run_base_;
  std::string internal_error_; ///< a defect found on the way (the run ends with it)
  std::function<void(const std::function<void(unsigned)>&)> parallel_;
  std::vector<event_key>* key_sink_ = nullptr; ///< where push_key() puts keys (null: the queue)
  std::vector<event_key> timer_keys_;          ///< a split flush's keys of timers
  std::uint64_t seq_ = 0;
  std::uint64_t hash_ = 0x6a09e667f3bcc908ULL;
  bucket_event_queue<event_key> queue_;            ///< by (t, seq)
  static constexpr std::size_t popping_ahead = 12; ///< see pop()
  std::vector<event> slots_;                       ///< the pending events, addressed by their keys
  std::vector<std::uint32_t> free_slots_;
  std::size_t tombstones_ = 0;         ///< stale timers' keys in queue_
  std::size_t next_compaction_ = 1024; ///< compact_tombstones() when tombstones_ reaches this
  std::vector<std::int64_t> stale_;    ///< instants of compacted tombstones, a min-heap
  bool next_stale_ = false;            ///< next_before() found a stale instant next
  /// What the copies of one send share (see new_record); its copies' keys name it.
  struct alignas(64) send_record {
    std::uint64_t view = 0;
    /// The memo generation in which a copy's payload was decoded (0: none yet). Within it the
    /// memo still holds the entry (the record holds the bytes, so no sweep drops it), and
    /// decoding again would change nothing: the other copies skip it.
    std::uint64_t decoded_gen = 0;
    std::uint32_t src = 0;
    std::uint32_t pending = 0; ///< copies still queued
    std::uint32_t size = 0;    ///< of the payload
    std::uint8_t kind = 0;     ///< phase
    shared_bytes bytes;
    bbft::msg_ptr msg; ///< the payload decoded in generation decoded_gen (null: undecodable)
  };
  static_assert(sizeof(send_record) == 64);
  static constexpr std::uint32_t delivery_flag = 0x80000000u; ///< a key's slot names a record
  std::vector<send_record> records_;
  std::vector<std::uint32_t> free_records_;
  std::vector<std::uint32_t> released_; ///< records whose last copy is in this window
  std::vector<shared_bytes> win_bytes_; ///< this window's payloads not in a record (twins)
  std::vector<bbft::tx_list> win_txs_;  ///< this window's submissions
  std::vector<std::int64_t> busy_;      ///< node's CPU is busy until
  std::vector<std::int64_t> uplink_;    ///< node's uplink is busy until
  std::vector<std::uint64_t> timer_gen_;
  static constexpr std::uint32_t no_slot = UINT32_MAX;
  /// The slot of each node's last timer of each kind while it is pending (no_slot: none).
  std::vector<std::uint32_t> timer_slot_;
  std::vector<std::uint64_t> committed_;
  std::vector<node_load> loads_;
  std::vector<std::uint32_t> region_;
  // The memo, in two generations (see remember()): bytes -> (bytes, message) and message ->
  // (message, bytes). Flat tables (sim/ptr_table.hpp): no allocation per entry, and sweeps read
  // them in address order.
  ptr_table<bytes, std::pair<shared_bytes, bbft::msg_ptr>> decoded_;
  ptr_table<bytes, std::pair<shared_bytes, bbft::msg_ptr>> decoded_old_;
  /// A direct-mapped index into decoded_: every receiver of one buffer finds its decoded message
  /// with one array access instead of a hash-map lookup. A hint is valid while its stamp is
  /// hint_gen_ (same generation, decoded_ not rebuilt since); a sweep that erases its entry
  /// clears it. So a hint that matches names an entry decoded_ holds, and decode() returns
  /// exactly what the lookup would have.
  struct decode_hint {
    const bytes* key = nullptr;
    std::uint64_t gen = 0;
    const std::pair<shared_bytes, bbft::msg_ptr>* entry = nullptr;
  };
  static constexpr unsigned hint_bits = 15;
  static std::size_t hint_slot(const bytes* p) {
    return static_cast<std::size_t>(
        (reinterpret_cast<std::uintptr_t>(p) >> 4) * 0x9e3779b97f4a7c15ULL >> (64 - hint_bits));
  }
  std::vector<decode_hint> hints_ = std::vector<decode_hint>(std::size_t{1} << hint_bits);
  std::uint64_t memo_gen_ = 1; ///< the memo's generation (records name the one they decoded in)
  /// Hints name entries of this stamp: moved on by a generation's end and by a rebuild of
  /// decoded_ (which moves its entries).
  std::uint64_t hint_gen_ = 1;
  ptr_table<proto::message, std::pair<bbft::msg_ptr, shared_bytes>> encoded_;
  ptr_table<proto::message, std::pair<bbft::msg_ptr, shared_bytes>> encoded_old_;
  std::unordered_map<crypto::hash256, std::int64_t> proposed_at_;
  body_pool bodies_;
  std::vector<std::array<std::uint64_t, bbft::phase_count>> per_view_msgs_, per_view_bytes_,
      per_view_paper_;
  std::vector<crypto::hash256> chain_;
  std::vector<std::uint64_t> chain_views_;
  latency_samples commit_us_, certify_us_; ///< proposal -> commit, proposal -> certified
  std::vector<block_commit> blocks_; ///< index height - 1; latency_mean_ms sums until finish()
  std::uint32_t done_nodes_ = 0;
};

crypto::secret_seed node_seed(std::uint64_t seed, std::uint32_t i) {
  crypto::sha3_256_hasher h;
  h.update_u64(0x62797374616b6b6bULL).update_u64(seed).update_u64(i);
  return h.finish().data;
}

result<bbft::topology> make_topology(const scenario& s) {
  if (!s.group_sizes.empty()) return bbft::topology::with_group_sizes(s.group_sizes);
  return bbft::topology::even(s.nodes, s.supers);
}

} // namespace

result<run_result> run(const scenario& s, const progress_fn& progress, run_observer* obs,
                       stack_plugin* plugin) {
  if (auto ok = validate(s); !ok) return ok.err();
  huge_pages_for_run(s.nodes); // before the nodes' state is allocated
  auto topo_r = make_topology(s);
  if (!topo_r) return topo_r.err();
  auto topo = std::make_shared<const bbft::topology>(std::move(*topo_r));
  if (s.crypto == "ed25519" && s.certificates == "aggregate")
    return make_error(s.source + ": aggregate certificates exist only as a model: set crypto: "
                                 "modelled, or certificates: list");

  const crypto::signature_scheme& votes =
      s.crypto == "ed25519" ? crypto::ed25519_scheme() : crypto::modelled_scheme();
  auto make_inner = [&]() -> std::unique_ptr<crypto::certificate_scheme> {
    return s.certificates == "aggregate" ? crypto::make_modelled_aggregate_scheme(s.aggregate_bytes)
                                         : crypto::make_signature_list_scheme(votes);
  };
  caching_certificate_scheme certs(make_inner());
  // With two threads each thread checks certificates through a memo of its own, whichever node
  // it runs (sim/crypto_cache.hpp: which memo answers changes nothing; neither needs a lock).
  std::unique_ptr<caching_certificate_scheme> certs2;
  std::unique_ptr<per_thread_certificate_scheme> split_certs;

  std::vector<std::unique_ptr<crypto::signer>> signers;
  std::vector<crypto::public_key> keys;
  signers.reserve(s.nodes);
  keys.reserve(s.nodes);
  for (std::uint32_t i = 0; i < s.nodes; ++i) {
    signers.push_back(votes.make_signer(node_seed(s.seed, i)));
    keys.push_back(signers.back()->pub());
  }
  auto set = std::make_shared<const crypto::validator_set>(std::move(keys));
  std::unique_ptr<ledger_harness> lh;
  if (s.ledger.enabled) {
    lh = ledger_harness::make(s.ledger, s.seed, votes, s.nodes, set->keys(), plugin);
    if (!lh) return make_error(s.source + ": ledger: the genesis does not build a valid state");
  } else if (plugin) {
    return make_error(s.source + ": a federation needs the ledger: section");
  }

  run_result out;
  out.scenario = s.name;
  out.seed = s.seed;
  out.nodes = s.nodes;
  out.supers = topo->super_count();
  out.rounds = s.rounds;
  out.crypto = s.crypto;
  out.certificates = s.certificates;

  auto plan = fault_plan::make(s, *topo, *set, certs);
  if (!plan) return plan.err();
  auto twins = twin_router::make(s);
  if (!twins) return twins.err();
  if (twins->active() && obs)
    return make_error(s.source + ": --trace and --sequence do not draw twins or an adversary");
  sim_env env(s, *topo, out, *plan);
  env.set_observer(obs);
  env.set_ledger(lh.get());
  shared_chain archive;
  env.set_archive(&archive);
  if (twins->active()) env.set_twins(&*twins);
  if (obs) obs->on_start(s, *topo);

  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  caf::actor_system sys{cfg};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());

  // With two threads, a window's nodes are cut into chunks that the threads take in turn as they
  // get free (see run_window). A chunk holds whole groups (a super node and its validators) where
  // there are at least 16, so a group's certificates, read by its members only, are counted
  // from one core in a window (from two cores, each count moved the cache line between them).
  const bool by_group = topo->super_count() >= 16;
  auto build_core = [&](std::uint32_t i) {
    bbft::core_config cc;
    cc.me = i;
    cc.topo = topo;
    cc.validators = set;
    cc.certs =
        split_certs ? static_cast<const crypto::certificate_scheme*>(split_certs.get()) : &certs;
    cc.signer = i < signers.size() && signers[i] ? std::move(signers[i])
                                                 : votes.make_signer(node_seed(s.seed, i));
    cc.p = s.protocol;
    cc.app = lh ? lh->app(i) : nullptr;
    // Each core keeps a short window of its chain; older heights come from the one shared copy.
    cc.retained_blocks = retained_blocks;
    cc.retained_certificates = retained_certificates;
    cc.archive = &archive;
    return std::make_shared<bbft::node_core>(std::move(cc));
  };
  // Nodes run in one CAF system per worker thread (sim_threads, see docs/simulator.md). Threads
  // share nothing a node's handler writes (each has its own certificate memo), so more than one is
  // allowed only without observers, a ledger, twins or Byzantine rewrites (whose state is shared),
  // and windows must span more than one instant to give them work.
  std::int64_t lookahead = env.lookahead_us();
  const bool instant_only = !s.sim_windows || obs || lh || plugin || twins->active() ||
                            s.protocol.relay == bbft::relay_mode::pipelined;
  if (instant_only) lookahead = 1;
  const std::uint32_t threads =
      (s.sim_threads >= 2 && !obs && !lh && !plugin && !twins->active() && !plan->rewrites()) ? 2
                                                                                              : 1;
  out.threads = threads;
  out.lookahead_us = lookahead;
  if (threads == 2) {
    certs2 = std::make_unique<caching_certificate_scheme>(make_inner());
    split_certs = std::make_unique<per_thread_certificate_scheme>(
        std::array<const caching_certificate_scheme*, 2>{&certs, certs2.get()});
  }
  std::unique_ptr<caf::actor_system_config> cfg2;
  std::unique_ptr<caf::actor_system> sys2;
  caf::scheduler::test_coordinator* sched2 = nullptr;
  if (threads == 2) {
    cfg2 = std::make_unique<caf::actor_system_config>();
    cfg2->set("scheduler.policy", caf::atom("testing"));
    sys2 = std::make_unique<caf::actor_system>(*cfg2);
    sched2 = &dynamic_cast<caf::scheduler::test_coordinator&>(sys2->scheduler());
  }
  // With two threads every node has an actor in each thread's CAF system, both running the one
  // core of the node: in a window the node gets its message from the actor of the thread that
  // took its chunk (an actor belongs to one system, and each system's scheduler to one thread).
  // The actors hold no state of their own beyond the core and the environment.
  std::vector<caf::actor> actors, actors2;
  actors.reserve(s.nodes);
  if (threads == 2) actors2.reserve(s.nodes);
  std::vector<std::shared_ptr<bbft::node_core>> cores;
  cores.reserve(s.nodes);
  for (std::uint32_t i = 0; i < s.nodes; ++i) {
    cores.push_back(build_core(i));
    actors.push_back(sys.spawn(bbft::node_actor, cores.back(), static_cast<bbft::node_env*>(&env)));
    if (threads == 2)
      actors2.push_back(
          sys2->spawn(bbft::node_actor, cores.back(), static_cast<bbft::node_env*>(&env)));
  }
  signers.clear();
  {
    std::vector<const bbft::node_core*> raw;
    for (const auto& c : cores)
      raw.push_back(c.get());
    env.set_cores(std::move(raw));
  }
  for (unsigned k = 0; k < 2; ++k) {
    std::vector<const char*> mem;
    for (const auto& a : k == 0 ? actors : actors2)
      mem.push_back(reinterpret_cast<const char*>(caf::actor_cast<caf::actor_control_block*>(a)));
    env.set_actor_memory(k, std::move(mem),
                         sizeof(caf::actor_storage<caf::stateful_actor<bbft::node_actor_state>>));
  }
  plan->attach(cores);
  // A twin runs an honest core with its node's key under its own instance number; it draws its
  // synthetic transactions differently, so that its blocks differ from its node's.
  std::vector<std::unique_ptr<twin_env>> twin_envs;
  for (std::uint32_t i = s.nodes; i < twins->instances(); ++i) {
    bbft::core_config cc;
    cc.me = twins->logical(i);
    cc.topo = topo;
    cc.validators = set;
    cc.certs = &certs;
    cc.signer = votes.make_signer(node_seed(s.seed, cc.me));
    cc.p = twin_params(s.protocol);
    twin_envs.push_back(std::make_unique<twin_env>(env, i));
    actors.push_back(sys.spawn(bbft::node_actor, std::make_shared<bbft::node_core>(std::move(cc)),
                               static_cast<bbft::node_env*>(twin_envs.back().get())));
  }
  // --dispatch direct (a measurement of CAF's share, scenario::sim_direct_dispatch): the same
  // handler on the same core, called where CAF would have run it; the actors get no mail.
  std::vector<bbft::node_actor_state> direct;
  if (s.sim_direct_dispatch)
    for (std::uint32_t i = 0; i < s.nodes; ++i)
      direct.push_back(bbft::node_actor_state{cores[i], &env});
  // Hands node n its window as one message (a node without events gets none), through its
  // actor in the system of thread `me`.
  auto send_window = [&](std::uint32_t n, unsigned me) {
    bbft::node_event_pull pull{static_cast<bbft::event_source*>(&env), n};
    if (n < direct.size()) return bbft::handle_pull(direct[n], pull);
    caf::anon_send(me == 0 ? actors[n] : actors2[n], bbft::window_atom::value, pull);
  };
  // With two threads a window's nodes (in id order) are cut into chunks (sim/window_chunks.hpp),
  // and each thread takes another chunk as soon as it is done with its last, the first thread
  // from the front, the second from the back (chunk_claims): hands the chunk's nodes their window
  // through its own system's actors, and runs them. Which thread runs which node changes nothing
  // in the outcome (each node's effects wait for the flush); a split fixed in advance left one
  // thread waiting for the other where one virtual CPU ran slower than the other, and chunks
  // taken in turn moved most nodes between the cores from one window to the next.
  const std::vector<std::uint32_t>* window_nodes = nullptr;
  std::vector<std::uint32_t> chunk_end; // the chunks' ends in the window's nodes, in order
  chunk_claims claims;
  constexpr std::size_t chunk_min = 32;
  auto cut_chunks = [&](const std::vector<std::uint32_t>& nodes) {
    if (threads == 2) return cut_window_chunks(nodes, *topo, by_group, chunk_min, chunk_end);
    chunk_end.assign(1, static_cast<std::uint32_t>(nodes.size())); // one thread: one chunk
  };
  auto run_chunks = [&](unsigned me) {
    auto& sc = me == 0 ? sched : *sched2;
    const auto& nodes = *window_nodes;
    for (std::uint32_t c = 0; claims.claim(me, c);) {
      for (std::size_t k = c == 0 ? 0 : chunk_end[c - 1]; k < chunk_end[c]; ++k)
        send_window(nodes[k], me);
      sc.run();
    }
  };
  std::binary_semaphore go{0}, done{0};
  // Waits for a hand-off, spinning a while before it blocks: a window's share takes about a
  // millisecond, and waking a blocked thread costs a system call on each side and tens of
  // microseconds before it runs, 3,480 times per run of bystack-sim-bench. The spin is bounded,
  // so a thread that waits longer (the worker while the caller flushes) still sleeps. Note that
  // libstdc++ 12's try_acquire spins by itself and ends with four sched_yield calls, so the bound
  // is some milliseconds, mostly system calls (3.1 s of system time in a two-thread run of the
  // bench on a virtual machine). Polling a plain flag instead was measured: 2,048 pauses (42 us)
  // made the window phase slower (3.35 -> 3.84 s, means of 5 pairs: threads blocked before their
  // peer was done); 262,144 pauses (5 ms) were as fast as this (7.69 and 7.77 s against 7.75 and
  // 7.77 s) with 0.25 s of system time, but hold the core where sched_yield gives it to another
  // process (a sweep's other job): kept as it is.
  auto await = [](std::binary_semaphore& sem) {
    for (int k = 0; k < 2048; ++k) {
      if (sem.try_acquire()) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    sem.acquire();
  };
  bool stop = false;
  const std::function<void(unsigned)>* job = nullptr;
  std::thread worker;
  const std::uint64_t* worker_freed = nullptr; // its allocator count, for the heap trimmer
  // With sim_phase_times: when the caller let the second thread go, when that thread woke and
  // when it was done (each written before the semaphore release the other side waits for).
  std::chrono::steady_clock::time_point go_at{}, worker_woke{}, worker_done{};
  if (threads == 2) {
    worker = std::thread([&] {
      worker_freed = heap_trimmer::thread_freed_counter();
      done.release();       // the counter is set
      sim_thread_index = 1; // its nodes check certificates through the second memo
      for (;;) {
        await(go);
        if (stop) return;
        if (job) {
          (*job)(1); // a part of the flush (sim_env::set_parallel)
          done.release();
          continue;
        }
        if (s.sim_phase_times) worker_woke = std::chrono::steady_clock::now();
        run_chunks(1);
        if (s.sim_phase_times) worker_done = std::chrono::steady_clock::now();
        done.release();
      }
    });
    done.acquire(); // worker_freed is written before it is read below
    // The flush hands the second thread its parts through `job` (written before the release
    // the worker acquires).
    env.set_parallel([&](const std::function<void(unsigned)>& f) {
      job = &f;
      go.release();
      f(0);
      await(done);
      job = nullptr;
    });
  }
  auto start_node = [&](std::uint32_t i, std::int64_t t) {
    if (obs) obs->on_dispatch(i, dispatch_info{dispatch_info::kind::start, 0, i, 0, 0, 0}, t);
    env.add_start(i, t);
  };
  // Hands each node with events its window as one message, runs them all, applies what they
  // did; false once the run is over.
  std::uint64_t honest = plan->expected_to_finish();
  using wall_clock = std::chrono::steady_clock;
  auto wall_mark = wall_clock::now();
  // Adds the wall time since the last mark to `to` (see run_result::wall_pop_seconds).
  auto lap = [&](double& to) {
    if (!s.sim_phase_times) return;
    auto now = wall_clock::now();
    to += std::chrono::duration<double>(now - wall_mark).count();
    wall_mark = now;
  };
  auto run_window = [&] {
    lap(out.wall_pop_seconds);
    env.set_in_window(true);
    ++out.windows;
    const auto& nodes = env.touched();
    out.node_messages += nodes.size();
    cut_chunks(nodes);
    env.plan_prefetch(nodes, chunk_end);
    window_nodes = &nodes;
    claims.reset(static_cast<std::uint32_t>(chunk_end.size())); // published by the release below
    if (threads == 2) {
      if (s.sim_phase_times) go_at = wall_clock::now();
      go.release();
      run_chunks(0);
      wall_clock::time_point own_done{};
      if (s.sim_phase_times) own_done = wall_clock::now();
      await(done);
      if (s.sim_phase_times) {
        auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
        out.wall_wait_seconds += secs(wall_clock::now() - own_done);
        out.wall_worker_wake_seconds += secs(worker_woke - go_at);
        out.wall_worker_run_seconds += secs(worker_done - worker_woke);
      }
    } else {
      run_chunks(0); // the window's one chunk
    }
    env.set_in_window(false);
    lap(out.wall_window_seconds);
    bool going = env.flush(honest);
    lap(out.wall_flush_seconds);
    return going;
  };
  if (plugin)
    plugin->start(
        sys, [&] { sched.run(); }, lh->genesis());
  auto wall_start = std::chrono::steady_clock::now();
  auto last_progress = wall_start;
  wall_mark = wall_start;
  env.open_window(1);
  for (std::uint32_t i = 0; i < actors.size(); ++i)
    if (plan->alive(env.node_of(i), 0)) start_node(i, 0);
  bool going = run_window();
  // Each actor was scheduled when spawned and has run by the end of the first window, so each
  // has its behaviour now (node_actor never replaces it: the addresses stay good).
  for (unsigned k = 0; k < threads; ++k) {
    std::vector<std::array<const void*, 2>> b;
    b.reserve(actors.size());
    for (const auto& a : k == 0 ? actors : actors2) {
      auto* sa = dynamic_cast<caf::scheduled_actor*>(caf::actor_cast<caf::abstract_actor*>(a));
      if (sa == nullptr || !sa->has_behavior()) {
        b.push_back({nullptr, nullptr});
        continue;
      }
      const auto& top = sa->bhvr_stack().back();
      b.push_back({&top, top.as_behavior_impl().get()});
    }
    env.set_behavior_memory(k, std::move(b));
  }
  if (obs) obs->on_quiet(env.busy());

  auto limit_us = static_cast<std::int64_t>(s.max_sim_seconds * 1e6);
  rng64 tick_rng(s.seed ^ 0x7469636bULL);
  auto tick_us = static_cast<std::int64_t>(std::llround(s.ledger.tick_ms * 1000.0));
  if (lh) env.push(event{tick_us, 0, 0, 0, 2, 0, 0, 0, nullptr});
  plan->set_signer_factory(
      [&](std::uint32_t i) { return votes.make_signer(node_seed(s.seed, i)); });
  std::uint64_t loop = 0;
  // The allocator's freed pages go back to the system as the run goes (sim/heap_trim.hpp).
  auto trimmer = heap_trimmer::from_env();
  trimmer.counts_thread(worker_freed); // null with one thread
  while (going && !env.empty() && env.done_nodes() < honest) {
    auto t = env.next_time();
    if (t > limit_us) break;
    env.set_now(t);
    // The window: at most the lookahead, ending where a node goes down or comes back, and not
    // past the time limit.
    auto end = std::min({t + lookahead, plan->next_change_after(t), limit_us + 1});
    env.open_window(end);
    plan->advance(t, [&](std::uint32_t node, bool) {
      // A restarted node loses what it held in memory and comes back with its committed chain
      // (what its store kept), then catches up from its peers.
      auto& old = *cores[node];
      std::vector<proto::committed_block> chain;
      for (std::uint64_t h = 1; h <= old.committed_height(); ++h)
        chain.push_back(old.committed_block_at(h));
      if (lh) {
        std::vector<ledger::block_ptr> blocks;
        for (const auto& cb : chain)
          blocks.push_back(cb.block);
        lh->restart(node, blocks);
      }
      auto fresh = build_core(node);
      if (fresh->restore(chain)) *cores[node] = std::move(*fresh);
      start_node(node, t);
    });
    while (env.next_before(end)) {
      auto e = env.pop();
      env.popped(e.t);
      // The ledger tick belongs to no node (its dst is 0): it must outlive a crash of node 0,
      // or the wallets and the stack plugin would never submit again.
      if (e.type != 2 && !plan->alive(env.node_of(e.dst), e.t)) continue;
      if (e.type == 2) {
        // The wallets offer this tick's transactions at a live super node (a ledger runs one
        // instant per window, so this is the window's first instant).
        {
          std::vector<ledger::transaction> txs;
          if (lh->offering(e.t)) txs = lh->workload().tick(e.t, env.max_committed() + 1);
          if (plugin)
            for (auto& x : plugin->advance(e.t))
              txs.push_back(std::move(x));
          if (!txs.empty()) {
            const auto& supers = topo->supers();
            auto pick = static_cast<std::uint32_t>(tick_rng.below(supers.size()));
            for (std::size_t k = 0; k < supers.size(); ++k) {
              auto n = supers[(pick + k) % supers.size()];
              if (!plan->alive(n, e.t)) continue;
              env.add_submit(n, e.t, bbft::tx_list(std::move(txs)));
              break;
            }
          }
        }
        env.push(event{e.t + tick_us, 0, 0, 0, 2, 0, 0, 0, nullptr});
        continue;
      }
      if (e.type == 1) {
        if (e.gen == UINT64_MAX) continue; // a tombstone (see set_timer)
        if (obs)
          obs->on_dispatch(
              e.dst, dispatch_info{dispatch_info::kind::timer, 0, e.dst, e.kind, e.view, 0}, e.t);
        env.add_timer(e);
      } else {
        if (obs)
          obs->on_dispatch(e.dst,
                           dispatch_info{dispatch_info::kind::deliver, e.seq + 1, e.src, e.kind,
                                         e.view, env.payload_size(e)},
                           e.t);
        env.add_delivery(e);
      }
    }
    going = run_window();
    trimmer.maybe_trim();
    if (obs) obs->on_quiet(env.busy());
    if (progress && (++loop & 0xfff) == 0) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_progress > std::chrono::seconds(2)) {
        last_progress = now;
        progress(static_cast<double>(t) / 1e6, env.min_committed(*plan), out.delivered);
      }
    }
  }
  out.heap_trims = trimmer.trims();
  if (threads == 2) {
    stop = true;
    go.release();
    worker.join();
  }
  if (obs) obs->on_end(env.now());
  out.sim_seconds = static_cast<double>(env.now()) / 1e6;
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  out.committed_min_height = env.min_committed(*plan);
  out.committed_max_height = env.max_committed();
  out.completed = out.committed_min_height >= s.rounds;
  for (const auto& c : cores) {
    const auto& st = c->stats();
    out.views_timed_out += st.views_timed_out;
    out.compact_rebuilt += st.compact_rebuilt;
    out.compact_no_round_trip += st.compact_no_round_trip;
    out.compact_fetches += st.compact_fetches;
    out.compact_collisions += st.compact_collisions;
    out.compact_failed += st.compact_failed;
  }
  if (!out.completed) {
    std::vector<std::pair<std::uint32_t, bbft::wait_state>> below;
    for (std::uint32_t i = 0; i < s.nodes && i < cores.size(); ++i)
      if (plan->honest(i) && !plan->crashed_for_good(i) && cores[i]->committed_height() < s.rounds)
        below.emplace_back(i, cores[i]->waiting_for());
    out.stalled = stall_report(below, s.rounds);
  }
  plan->check_liveness(out, env.now());
  env.finish();
  out.cache_hits = certs.hits() + (certs2 ? certs2->hits() : 0);
  out.cache_misses = certs.misses() + (certs2 ? certs2->misses() : 0);
  if (lh) {
    std::vector<std::uint32_t> honest_nodes;
    for (std::uint32_t i = 0; i < s.nodes; ++i)
      if (plan->honest(i) && !plan->crashed_for_good(i)) honest_nodes.push_back(i);
    out.ledger = lh->finish(honest_nodes);
    for (const auto& c : cores)
      out.ledger.blocks_refused_by_core += c->stats().blocks_refused;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(env.trace_hash()));
  out.trace_hash = buf;
  if (plugin) plugin->stop(env.now());
  for (auto& a : actors)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sched.run();
  if (sched2) sched2->run();
  if (!env.internal_error().empty()) return make_error(s.source + ": " + env.internal_error());
  return out;
}

} // namespace bystack::sim
