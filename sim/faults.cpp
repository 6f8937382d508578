#include "sim/faults.hpp"

#include "sim/simulation.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

namespace bystack::sim {

namespace {
std::int64_t us(double ms) { return static_cast<std::int64_t>(std::llround(ms * 1000.0)); }
} // namespace

result<fault_plan> fault_plan::make(const scenario& s, const bbft::topology& topo,
                                    const crypto::validator_set& set,
                                    const crypto::certificate_scheme& certs) {
  fault_plan p;
  p.s_ = &s;
  p.topo_ = &topo;
  p.set_ = &set;
  p.certs_ = &certs;
  p.down_.resize(s.nodes);
  p.was_down_.assign(s.nodes, false);
  p.byzantine_.assign(s.nodes, false);
  p.last_commit_us_.assign(s.nodes, -1);
  for (const auto& f : s.faults) {
    window w{us(f.at_ms), f.until_ms ? us(*f.until_ms) : INT64_MAX};
    p.last_heal_us_ = std::max(p.last_heal_us_, w.until_us == INT64_MAX ? INT64_MAX : w.until_us);
    if (f.kind == "crash") {
      if (f.nodes.empty()) return make_error(s.source + ": fault 'crash' names no nodes");
      for (auto n : f.nodes) p.down_[n].push_back(w);
    } else if (f.kind == "loss" || f.kind == "delay" || f.kind == "partition") {
      link_fault lf;
      lf.w = w;
      lf.rate = f.rate;
      lf.delay_us = us(f.delay_ms);
      if (f.kind == "partition") {
        if (f.nodes.empty()) return make_error(s.source + ": fault 'partition' names no nodes");
        lf.partition = true;
        lf.side_a.assign(s.nodes, false);
        lf.side_b.assign(s.nodes, f.group_b.empty());
        for (auto n : f.nodes) {
          lf.side_a[n] = true;
          lf.side_b[n] = false;
        }
        for (auto n : f.group_b) lf.side_b[n] = true;
      } else if (!f.nodes.empty()) {
        lf.nodes.assign(s.nodes, false);
        for (auto n : f.nodes) lf.nodes[n] = true;
      }
      p.links_.push_back(std::move(lf));
    } else {
      return make_error(s.source + ": fault kind '" + f.kind + "' is not supported yet");
    }
  }
  if (p.last_heal_us_ == INT64_MAX) p.last_heal_us_ = -1;
  for (std::uint32_t n = 0; n < s.nodes; ++n)
    if (!p.down_[n].empty()) p.crashable_.push_back(n);
  return p;
}

bool fault_plan::alive(std::uint32_t node, std::int64_t t) const {
  for (const auto& w : down_[node])
    if (w.contains(t)) return false;
  return true;
}

std::uint64_t fault_plan::honest_count() const {
  return static_cast<std::uint64_t>(std::count(byzantine_.begin(), byzantine_.end(), false));
}

fault_plan::verdict fault_plan::on_send(std::uint32_t from, std::uint32_t to, std::int64_t t,
                                        rng64& rng) const {
  verdict v;
  for (const auto& lf : links_) {
    if (!lf.w.contains(t)) continue;
    if (lf.partition) {
      if ((lf.side_a[from] && lf.side_b[to]) || (lf.side_b[from] && lf.side_a[to])) v.drop = true;
      continue;
    }
    if (!lf.nodes.empty() && !lf.nodes[from] && !lf.nodes[to]) continue;
    if (lf.rate > 0 && rng.uniform01() < lf.rate) v.drop = true;
    v.extra_delay_us += lf.delay_us;
  }
  return v;
}

void fault_plan::advance(std::int64_t t,
                         const std::function<void(std::uint32_t, bool)>& restarted) {
  for (auto n : crashable_) {
    bool down = !alive(n, t);
    if (was_down_[n] && !down) restarted(n, true);
    was_down_[n] = down;
  }
}

void fault_plan::on_commit(std::uint32_t node, std::int64_t t) {
  if (last_heal_us_ >= 0 && t >= last_heal_us_ && last_commit_us_[node] < last_heal_us_)
    last_commit_us_[node] = t; // first commit after the last heal
  else if (last_commit_us_[node] < 0)
    last_commit_us_[node] = t;
}

bool fault_plan::certificate_ok(const proto::block_certificate& c) const {
  crypto::crypto_meter scratch;
  if (c.certs.empty()) return false;
  return certs_->verify_all(*set_, c.certs, proto::vote_digest(c.height, c.view, c.block_hash),
                            set_->quorum(), scratch)
      .ok();
}

void fault_plan::check_liveness(run_result& out, std::int64_t end_us) const {
  if (!s_->liveness_bound_ms) return;
  auto bound = us(*s_->liveness_bound_ms);
  if (last_heal_us_ < 0) {
    out.liveness_ok = false;
    out.liveness_detail = "a fault never heals: liveness is not required";
    return;
  }
  for (std::uint32_t n = 0; n < byzantine_.size(); ++n) {
    if (byzantine_[n] || !alive(n, end_us)) continue;
    auto t = last_commit_us_[n];
    if (t < last_heal_us_ || t - last_heal_us_ > bound) {
      out.liveness_ok = false;
      out.liveness_detail = "node " + std::to_string(n) + " did not commit within " +
                            std::to_string(*s_->liveness_bound_ms) + " ms after the last fault healed";
      return;
    }
  }
}

} // namespace bystack::sim
