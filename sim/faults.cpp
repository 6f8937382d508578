#include "sim/faults.hpp"

#include "runtime/ledger/butxo_app.hpp"

#include "sim/simulation.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

namespace bystack::sim {

namespace {
std::int64_t us(double ms) {
  return static_cast<std::int64_t>(std::llround(ms * 1000.0));
}
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
  p.behaviours_.resize(s.nodes);
  p.signers_.resize(s.nodes);
  p.was_down_.assign(s.nodes, false);
  p.byzantine_.assign(s.nodes, false);
  p.last_commit_us_.assign(s.nodes, -1);
  p.longest_gap_us_.assign(s.nodes, 0);
  for (const auto& f : s.faults) {
    window w{us(f.at_ms), f.until_ms ? us(*f.until_ms) : INT64_MAX};
    // A crash without restart or a Byzantine node is a permanently faulty node, not a fault that
    // heals; the liveness bound counts from when the healing faults are over.
    // A node crashed for good, a Byzantine node, or a node whose own links stay lossy is a
    // faulty node: liveness is required from the moment it became faulty. A network-wide fault
    // must heal for liveness to be required at all.
    bool network_wide = (f.kind == "loss" || f.kind == "delay" || f.kind == "partition") &&
                        (f.kind == "partition" || f.nodes.empty());
    if (w.until_us != INT64_MAX)
      p.last_heal_us_ = std::max(p.last_heal_us_, w.until_us);
    else if (network_wide)
      p.last_heal_us_ = INT64_MAX;
    else
      p.last_heal_us_ = std::max(p.last_heal_us_, w.from_us);
    if (f.kind == "crash") {
      if (f.nodes.empty()) return make_error(s.source + ": fault 'crash' names no nodes");
      for (auto n : f.nodes)
        p.down_[n].push_back(w);
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
        for (auto n : f.group_b)
          lf.side_b[n] = true;
      } else if (!f.nodes.empty()) {
        lf.nodes.assign(s.nodes, false);
        for (auto n : f.nodes)
          lf.nodes[n] = true;
      }
      p.links_.push_back(std::move(lf));
    } else {
      // Byzantine behaviours: the node's honest core runs unchanged; its outgoing effects are
      // rewritten by the environment while the window lasts.
      if (f.nodes.empty()) return make_error(s.source + ": fault '" + f.kind + "' names no nodes");
      for (auto n : f.nodes) {
        if ((f.kind == "silent_leader" || f.kind == "equivocate" || f.kind == "drop_votes" ||
             f.kind == "invalid_block" ||
             f.kind == "withhold_certificate" || f.kind == "forge_certificate") &&
            !topo.is_super(n))
          return make_error(s.source + ": fault '" + f.kind + "' needs a super node, node " +
                            std::to_string(n) + " is not one");
        p.behaviours_[n].push_back({f.kind, w});
        p.byzantine_[n] = true;
      }
    }
  }
  // Twinned nodes and the adversary's colluders are Byzantine (sim/twins.hpp): the checkers judge
  // the others. Withheld halves are a network fault that heals at the release, if ever.
  for (auto n : s.twins.nodes)
    if (n < s.nodes) p.byzantine_[n] = true;
  for (auto n : s.adversary.nodes)
    if (n < s.nodes) p.byzantine_[n] = true;
  if (!s.twins.partitions.empty())
    p.last_heal_us_ = s.twins.heal_ms ? std::max(p.last_heal_us_, us(*s.twins.heal_ms)) : INT64_MAX;
  if (!s.adversary.nodes.empty())
    p.last_heal_us_ = s.adversary.release_ms
                          ? std::max(p.last_heal_us_, us(*s.adversary.release_ms))
                          : INT64_MAX;
  if (p.last_heal_us_ == INT64_MAX) p.last_heal_us_ = -1;
  for (std::uint32_t n = 0; n < s.nodes; ++n)
    if (!p.down_[n].empty()) p.crashable_.push_back(n);
  for (const auto& b : p.behaviours_)
    p.any_behaviour_ = p.any_behaviour_ || !b.empty();
  return p;
}

bool fault_plan::alive(std::uint32_t node, std::int64_t t) const {
  if (crashable_.empty()) return true; // no node ever goes down: skip the per-node look-up
  for (const auto& w : down_[node])
    if (w.contains(t)) return false;
  return true;
}

bool fault_plan::crashed_for_good(std::uint32_t node) const {
  for (const auto& w : down_[node])
    if (w.until_us == INT64_MAX) return true;
  return false;
}

std::uint64_t fault_plan::expected_to_finish() const {
  std::uint64_t n = 0;
  for (std::uint32_t i = 0; i < byzantine_.size(); ++i)
    if (!byzantine_[i] && !crashed_for_good(i)) ++n;
  return n;
}

bool fault_plan::byzantine_now(std::uint32_t from, std::int64_t t) const {
  if (!any_behaviour_) return false;
  for (const auto& b : behaviours_[from])
    if (b.w.contains(t)) return true;
  return false;
}

const crypto::signer& fault_plan::signer_of(std::uint32_t node) {
  if (!signers_[node]) signers_[node] = make_signer_(node);
  return *signers_[node];
}

std::vector<fault_plan::outgoing> fault_plan::rewrite(std::uint32_t from,
                                                      const bbft::send_effect& e, std::int64_t t,
                                                      keyed_rng& rng) {
  std::vector<outgoing> out{{e.to, e.msg, nullptr}};
  for (const auto& b : behaviours_[from]) {
    if (!b.w.contains(t)) continue;
    const auto& k = b.kind;
    auto* prop = std::get_if<proto::proposal>(e.msg.get());
    bool own_proposal = prop && prop->leader == from;
    if (k == "silent_leader") {
      if (own_proposal) return {}; // neither T0 nor its own group's T1
    } else if (k == "equivocate") {
      if (!own_proposal || e.ph != bbft::phase::propose || out.empty()) continue;
      // Half of the super nodes get another block for the same height and view, signed by the
      // leader: both are valid on their own.
      auto other = *prop->block;
      other.header.timestamp_ms += 1;
      auto p2 = *prop;
      p2.block = std::make_shared<const ledger::block>(std::move(other));
      p2.signature = signer_of(from).sign(
          proto::proposal_digest(p2.block->header.height, p2.block->header.view, p2.block->hash()));
      auto& first = out.front().to;
      std::vector<std::uint32_t> second(first.begin() + static_cast<long>(first.size() / 2),
                                        first.end());
      first.resize(first.size() / 2);
      out.push_back(
          {std::move(second), std::make_shared<const proto::message>(std::move(p2)), nullptr});
    } else if (k == "invalid_block") {
      // The leader's block gains a transaction that breaks the ledger's rules: a second copy of
      // its last transaction (a double spend), or, in an empty block, a spend of an output that
      // does not exist. The proposal is signed again, so only the block's content is wrong.
      if (!own_proposal || (e.ph != bbft::phase::propose && e.ph != bbft::phase::forward)) continue;
      auto key = prop->block->hash();
      auto it = invalid_blocks_.find(key);
      if (it == invalid_blocks_.end()) {
        auto txs = prop->block->txs;
        if (!txs.empty()) {
          txs.push_back(txs.back());
        } else {
          ledger::tx bad;
          ledger::input in;
          in.spent_output.data[0] = 0xbd;
          bad.inputs.push_back(in);
          ledger::output o;
          o.amount = 1;
          o.owner.keys.push_back({});
          bad.outputs.push_back(o);
          txs.push_back(ledger::wrap(bad));
        }
        const auto& h = prop->block->header;
        auto b = ledger::make_block(h.height, h.view, h.parent, h.parent_view, h.timestamp_ms,
                                    h.proposer, std::move(txs));
        auto p2 = *prop;
        p2.block = std::make_shared<const ledger::block>(std::move(b));
        p2.signature = signer_of(from).sign(proto::proposal_digest(
            p2.block->header.height, p2.block->header.view, p2.block->hash()));
        if (invalid_blocks_.size() > 64) invalid_blocks_.clear();
        it = invalid_blocks_.emplace(key, std::make_shared<const proto::message>(std::move(p2)))
                 .first;
      }
      for (auto& o : out)
        if (o.msg == e.msg) o.msg = it->second;
    } else if (k == "drop_votes") {
      if (e.ph == bbft::phase::group_cert || e.ph == bbft::phase::commit_cert) return {};
    } else if (k == "withhold_certificate") {
      if (e.ph == bbft::phase::commit_cert) return {};
    } else if (k == "forge_certificate") {
      auto* g = std::get_if<proto::group_certificate>(e.msg.get());
      if (!g) continue;
      // Claim every node signed, with made-up signatures where the real ones are missing.
      auto f = *g;
      auto& qc = f.qc;
      crypto::signer_bitmap all(qc.signers.size());
      for (std::size_t i = 0; i < qc.signers.size(); ++i)
        all.set(i);
      if (qc.kind == crypto::cert_kind::signature_list) {
        std::vector<bytes> sigs;
        std::size_t j = 0;
        for (std::size_t i = 0; i < all.size(); ++i) {
          if (qc.signers.test(i))
            sigs.push_back(qc.signatures[j++]);
          else {
            bytes garbage(64);
            for (auto& x : garbage)
              x = static_cast<std::uint8_t>(rng.next());
            sigs.push_back(std::move(garbage));
          }
        }
        qc.signatures = std::move(sigs);
      }
      qc.signers = std::move(all);
      out.front().msg = std::make_shared<const proto::message>(std::move(f));
    } else if (k == "double_vote") {
      auto* v = std::get_if<proto::vote>(e.msg.get());
      if (!v) continue;
      auto v2 = *v;
      v2.block_hash.data[0] ^= 0x5a;
      v2.signature = signer_of(from).sign(proto::vote_digest(v2.height, v2.view, v2.block_hash));
      out.push_back({e.to, std::make_shared<const proto::message>(std::move(v2)), nullptr});
    } else if (k == "garbage") {
      for (auto& o : out) {
        bytes junk(64 + rng.below(512));
        for (auto& x : junk)
          x = static_cast<std::uint8_t>(rng.next());
        o.msg = nullptr;
        o.raw = make_shared_bytes(std::move(junk));
      }
    }
  }
  return out;
}

fault_plan::verdict fault_plan::on_send(std::uint32_t from, std::uint32_t to, std::int64_t t,
                                        keyed_rng& rng) const {
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

std::int64_t fault_plan::next_change_after(std::int64_t t) const {
  std::int64_t next = INT64_MAX;
  for (auto n : crashable_)
    for (const auto& w : down_[n]) {
      if (w.from_us > t) next = std::min(next, w.from_us);
      if (w.until_us > t) next = std::min(next, w.until_us);
    }
  return next;
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
  // After the last heal, remember the longest wait for a commit.
  if (last_heal_us_ < 0 || t < last_heal_us_) return;
  auto since = std::max(last_heal_us_, last_commit_us_[node]);
  longest_gap_us_[node] = std::max(longest_gap_us_[node], t - since);
  last_commit_us_[node] = t;
}

bool fault_plan::certificate_ok(const proto::block_certificate& c) const {
  crypto::crypto_meter scratch;
  if (c.certs.empty()) return false;
  return certs_
      ->verify_all(*set_, c.certs, proto::vote_digest(c.height, c.view, c.block_hash),
                   set_->quorum(), scratch)
      .ok();
}

void fault_plan::check_liveness(run_result& out, std::int64_t end_us) const {
  if (!s_->liveness_bound_ms) return;
  auto bound = us(*s_->liveness_bound_ms);
  if (last_heal_us_ < 0) {
    out.liveness_ok = false;
    out.liveness_detail = "a network fault never heals";
    return;
  }
  for (std::uint32_t n = 0; n < byzantine_.size(); ++n) {
    if (byzantine_[n] || !alive(n, end_us)) continue;
    auto since = std::max(last_heal_us_, last_commit_us_[n]);
    auto gap = std::max(longest_gap_us_[n], end_us - since);
    if (gap > bound) {
      out.liveness_ok = false;
      out.liveness_detail = "node " + std::to_string(n) + " went " + std::to_string(gap / 1000) +
                            " ms without a commit after the faults settled at " +
                            std::to_string(last_heal_us_ / 1000) + " ms (bound " +
                            std::to_string(bound / 1000) + " ms)";
      return;
    }
  }
}

} // namespace bystack::sim
