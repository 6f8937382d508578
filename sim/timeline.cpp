/// The per-view round timeline (see timeline.hpp).

#include "sim/timeline.hpp"

#include <algorithm>
#include <iomanip>

namespace bystack::sim {

namespace {

/// Returns the q-quantile (0..1, nearest rank) of the seen times, or -1 if there are none.
std::int64_t quantile(std::vector<std::int64_t> v, double q) {
  v.erase(std::remove(v.begin(), v.end(), -1), v.end());
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

} // namespace

void timeline_recorder::on_start(const scenario&, const bbft::topology& topo) {
  n_ = static_cast<std::uint32_t>(topo.size());
}

timeline_recorder::view_times& timeline_recorder::at(std::uint64_t view) {
  auto [it, fresh] = views_.try_emplace(view);
  if (fresh) it->second.certified.assign(n_, -1);
  return it->second;
}

void timeline_recorder::on_send(std::uint64_t copy_id, std::uint32_t from, std::uint32_t to,
                                bbft::phase ph, std::uint64_t view, std::size_t,
                                std::int64_t sent_us, std::int64_t arrival_us) {
  if (copy_id == 0) return; // dropped by a fault
  switch (ph) {
  case bbft::phase::propose: {
    auto& v = at(view);
    if (v.proposed_us < 0 || sent_us < v.proposed_us) {
      v.proposed_us = sent_us;
      v.leader = from;
    }
    v.super_rx.push_back(arrival_us);
    break;
  }
  case bbft::phase::forward: {
    auto& v = at(view);
    v.fwd_tx.push_back(sent_us);
    v.member_rx.push_back(arrival_us);
    break;
  }
  case bbft::phase::vote: {
    auto& v = at(view);
    v.vote_tx.push_back(sent_us);
    v.vote_rx.push_back(arrival_us);
    break;
  }
  case bbft::phase::group_cert: {
    auto& v = at(view);
    if (v.gc_sent.size() < n_) v.gc_sent.assign(n_, false);
    if (!v.gc_sent[from]) {
      v.gc_sent[from] = true;
      v.gc_tx.push_back(sent_us);
    }
    v.gc_rx[to].push_back(arrival_us);
    break;
  }
  case bbft::phase::fetch:
    ++at(view).fetch_copies;
    break;
  default:
    break;
  }
}

void timeline_recorder::on_certified(std::uint32_t node, std::uint64_t height, std::uint64_t view,
                                     std::int64_t t_us) {
  auto& v = at(view);
  v.height = height;
  if (node < v.certified.size() && v.certified[node] < 0) v.certified[node] = t_us;
}

void timeline_recorder::write(std::ostream& out) const {
  // Columns: ms after the proposal left the leader; "a/b/c" = p50/p67/max over the nodes (p67:
  // about the quorum's slowest). next_cert: the next view's leader certified this block;
  // next_prop: it proposed the next block; gc_next: the group certificate arrivals at the next
  // leader (p67 ~ the quorum).
  out << "view height leader next_leader proposed_s super_rx fwd_tx member_rx vote_tx vote_rx "
         "gc_tx gc_next next_cert next_prop fetch_copies\n";
  auto ms = [](std::int64_t t, std::int64_t t0) {
    return t < 0 ? std::string("-") : std::to_string((t - t0) / 1000);
  };
  auto q3 = [&](const std::vector<std::int64_t>& v, std::int64_t t0) {
    return ms(quantile(v, 0.5), t0) + "/" + ms(quantile(v, 2.0 / 3.0), t0) + "/" +
           ms(quantile(v, 1.0), t0);
  };
  for (auto it = views_.begin(); it != views_.end(); ++it) {
    const auto& v = it->second;
    if (v.proposed_us < 0) continue;
    auto t0 = v.proposed_us;
    auto nx = std::next(it);
    bool has_next = nx != views_.end() && nx->first == it->first + 1 && nx->second.proposed_us >= 0;
    std::uint32_t next_leader = has_next ? nx->second.leader : 0;
    std::vector<std::int64_t> gc_next;
    if (has_next)
      if (auto g = v.gc_rx.find(next_leader); g != v.gc_rx.end()) gc_next = g->second;
    out << it->first << ' ' << v.height << ' ' << v.leader << ' '
        << (has_next ? std::to_string(next_leader) : std::string("-")) << ' ' << std::fixed
        << std::setprecision(3) << static_cast<double>(t0) / 1e6 << ' ' << q3(v.super_rx, t0) << ' '
        << q3(v.fwd_tx, t0) << ' ' << q3(v.member_rx, t0) << ' ' << q3(v.vote_tx, t0) << ' '
        << q3(v.vote_rx, t0) << ' ' << q3(v.gc_tx, t0) << ' ' << q3(gc_next, t0) << ' '
        << (has_next ? ms(v.certified[next_leader], t0) : std::string("-")) << ' '
        << (has_next ? ms(nx->second.proposed_us, t0) : std::string("-")) << ' ' << v.fetch_copies
        << '\n';
  }
}

} // namespace bystack::sim
