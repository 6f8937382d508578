/// The super node role: relay the leader's proposal to the group (T1), collect the group's votes
/// into a group certificate and send it to every other super node (T3), and once the
/// certificates held add up to more than 2/3 of the set, send them down to the group (T4).
/// (Member functions of node_core; see node_core.hpp.)

#include "actors/node/node_core.hpp"

#include <algorithm>
#include <cmath>

namespace bystack::bbft {

namespace {
constexpr std::size_t relayed_views_kept = 64;
} // namespace

std::vector<std::uint32_t> node_core::relay_targets() const {
  std::vector<std::uint32_t> out;
  if (!topo_->contains(me_)) return out; // outside this epoch's set (DPoS)
  const auto& members = topo_->members(topo_->group_of(me_));
  out.reserve(members.size() + adopted_.size());
  for (auto m : members)
    if (m != me_ && !departed_.count(m)) out.push_back(m);
  for (auto a : adopted_)
    out.push_back(a);
  return out;
}

std::vector<std::uint32_t> node_core::relay_targets(std::uint64_t height) const {
  if (!sets_) return relay_targets();
  // DPoS: the group of the block's epoch, plus the nodes elected into the next epoch that this
  // super node serves as observers, so that they hold the chain when their epoch starts.
  auto out = relay_targets();
  const auto& t = topo_at(height);
  if (&t != topo_.get()) {
    out.clear();
    if (t.contains(me_))
      for (auto m : t.members(t.group_of(me_)))
        if (m != me_) out.push_back(m);
  }
  auto e = sets_->epoch_of(height);
  auto cur = sets_->set_of(e);
  auto next = sets_->set_of(e + 1);
  int si = t.super_index(me_);
  if (!cur || !next || next == cur || si < 0) return out;
  std::size_t k = 0;
  for (auto m : next->members()) {
    if (cur->contains(m)) continue;
    if (k++ % t.super_count() == static_cast<std::size_t>(si) && m != me_) out.push_back(m);
  }
  return out;
}

std::vector<std::uint32_t> node_core::recovery_targets(std::uint64_t height) const {
  const auto& t = topo_at(height);
  std::vector<std::uint32_t> out;
  if (!t.contains(me_)) return relay_targets(height);
  for (std::uint32_t g = 0; g < t.super_count(); ++g)
    for (auto m : t.members(g))
      if (m != me_) out.push_back(m);
  // Observers of the next epoch served by this super node (DPoS) still get what they got.
  for (auto m : relay_targets(height))
    if (!t.contains(m)) out.push_back(m);
  return out;
}

void node_core::relay_proposal(const msg_ptr& msg, const proto::proposal& p) {
  const auto& h = p.block->header;
  if (!relayed_views_.insert(h.view).second) return;
  // Only proposals of views >= view_ - 1 get here (on_proposal drops older ones).
  while (relayed_views_.size() > relayed_views_kept || *relayed_views_.begin() + 1 < view_)
    relayed_views_.erase(relayed_views_.begin());
  // Compact relay forwarded the compact form when it arrived (actors/relay/relay.cpp).
  if (p_.relay != relay_mode::compact)
    send(recovering() ? recovery_targets(h.height) : relay_targets(h.height), msg, phase::forward);
  collection_for(h.view, h.height, p.block->hash());
  set_timer(timer_kind::group_wait, h.view, p_.group_wait_us);
}

node_core::collection& node_core::collection_for(std::uint64_t view, std::uint64_t height,
                                                 const crypto::hash256& h) {
  if (last_collection_ && last_collection_view_ == view && last_collection_->block_hash == h)
    return *last_collection_;
  auto [it, fresh] = collections_.try_emplace({view, h});
  last_collection_ = &it->second;
  last_collection_view_ = view;
  if (fresh) {
    it->second.height = height;
    it->second.block_hash = h;
    it->second.voted = crypto::signer_bitmap(set_->size());
    it->second.signers = crypto::signer_bitmap(set_->size());
    it->second.supers_seen.assign(topo_at(height).super_count(), false);
  }
  return it->second;
}

bool node_core::group_complete(const collection& c) const {
  // The group of the block's epoch: a vote for a block of another epoch than the one this node
  // follows now (around a boundary) is judged by that epoch's groups, where this node may sit
  // in another group or none (the fixed set: topo_ itself).
  const auto& topo = topo_at(c.height);
  if (!topo.contains(me_)) return false;
  const auto& members = topo.members(topo.group_of(me_));
  if (c.votes.size() < members.size() - departed_.size() + adopted_.size()) return false;
  for (auto m : members)
    if (!departed_.count(m) && !c.voted.test(m)) return false;
  for (auto a : adopted_)
    if (!c.voted.test(a)) return false;
  return true;
}

bool node_core::group_early(const collection& c) const {
  if (p_.early_group_cert_share <= 0) return false;
  const auto& topo = topo_at(c.height);
  if (!topo.contains(me_)) return false;
  auto expected = topo.members(topo.group_of(me_)).size() - departed_.size() + adopted_.size();
  auto want = static_cast<std::size_t>(
      std::ceil(p_.early_group_cert_share * static_cast<double>(expected)));
  return c.votes.size() >= std::max<std::size_t>(1, want);
}

void node_core::on_vote(std::uint32_t from, const proto::vote& v) {
  if (!topo_at(v.height).is_super(me_)) return reject(from, "vote: this node is not a super node");
  if (v.voter != from) return reject(from, "vote: voter is not the sender");
  if (v.view + 2 < view_) return; // too late to matter
  if (from != me_ &&
      !votes_scheme().verify(set_->key(from), proto::vote_digest(v.height, v.view, v.block_hash),
                             v.signature, meter_))
    return reject(from, "vote: bad signature");
  if (sets_) {
    auto s = set_at(v.height);
    if (!s || !s->contains(from)) return reject(from, "vote: voter outside the block's epoch set");
  }
  auto& c = collection_for(v.view, v.height, v.block_hash);
  if (c.voted.test(from)) return; // a repeat, or a node voting twice
  c.voted.set(from);
  c.votes.push_back(crypto::indexed_signature{from, v.signature});
  if (!c.complete_sent && group_complete(c)) {
    c.complete_sent = true;
    maybe_send_group_certificate(v.view, c);
  } else if (!c.complete_sent && !c.early_sent && group_early(c)) {
    // Early group certificate: the votes so far, without waiting for the group's slowest
    // members; the complete certificate follows when they have voted.
    c.early_sent = true;
    maybe_send_group_certificate(v.view, c);
  } else if (c.complete_sent && c.votes.size() == c.group_sent + 1) {
    // A vote after the group's certificate went out: only from a node of another group voting
    // through every super node once views failed (never in a fault-free run). Send it on with
    // whatever else arrives within group_wait.
    set_timer(timer_kind::group_wait, v.view, p_.group_wait_us);
  }
}

void node_core::on_group_wait(std::uint64_t view) {
  // Missing votes (faulty or slow members): send what we have, and keep sending what arrives
  // later, one wait at a time, while the view lasts and the group is incomplete.
  bool waiting = false;
  for (auto& [key, c] : collections_) {
    if (key.first != view || (c.complete_sent && c.votes.size() <= c.group_sent)) continue;
    maybe_send_group_certificate(view, c);
    waiting = true;
  }
  if (waiting && view == view_) set_timer(timer_kind::group_wait, view, p_.group_wait_us);
}

void node_core::maybe_send_group_certificate(std::uint64_t view, collection& c) {
  if (c.votes.size() <= c.group_sent) return; // nothing new since the last one
  c.group_sent = c.votes.size();
  auto qc = certs_->build(*set_, proto::vote_digest(c.height, view, c.block_hash), c.votes);
  if (!qc) return reject(me_, "group certificate: cannot build from collected votes");
  std::vector<std::uint32_t> others;
  const auto& topo = topo_at(c.height); // the block's epoch (the fixed set: topo_)
  others.reserve(topo.super_count());
  for (auto s : topo.supers())
    if (s != me_) others.push_back(s);
  auto msg = std::make_shared<const proto::message>(
      proto::group_certificate{c.height, view, c.block_hash, me_, std::move(*qc)});
  std::shared_ptr<const crypto::quorum_certificate> own(
      msg, &std::get<proto::group_certificate>(*msg).qc);
  send(std::move(others), msg, phase::group_cert);
  add_certificate(view, c, own, me_);
}

void node_core::on_group_certificate(std::uint32_t from, const msg_ptr& msg,
                                     const proto::group_certificate& g) {
  if (!topo_at(g.height).is_super(me_))
    return reject(from, "group certificate: this node is not a super node");
  if (g.super_node != from || !topo_at(g.height).is_super(from))
    return reject(from, "group certificate: sender is not a super node");
  if (g.view + 2 < view_) return;
  if (g.qc.digest != proto::vote_digest(g.height, g.view, g.block_hash))
    return reject(from, "group certificate: signs something else");
  if (!certs_->verify_shared(*set_, g.qc, msg, 1, meter_))
    return reject(from, "group certificate: invalid signatures");
  if (sets_) {
    auto s = set_at(g.height);
    if (!s || !signers_in({g.qc}, *s))
      return reject(from, "group certificate: signed outside the block's epoch set");
  }
  add_certificate(g.view, collection_for(g.view, g.height, g.block_hash),
                  std::shared_ptr<const crypto::quorum_certificate>(msg, &g.qc), from);
}

void node_core::add_certificate(std::uint64_t view, collection& c,
                                const std::shared_ptr<const crypto::quorum_certificate>& qcp,
                                std::uint32_t from) {
  const auto& qc = *qcp;
  if (auto i = topo_at(c.height).super_index(from);
      i >= 0 && !c.supers_seen[static_cast<std::size_t>(i)]) {
    c.supers_seen[static_cast<std::size_t>(i)] = true;
    ++c.supers_count;
  }
  // A certificate that adds no signer (a repeat) changes nothing else.
  // Word operations: a certificate covers up to N signers (N / 64 words).
  if (std::size_t added = c.signers.merge_new(qc.signers); added > 0) {
    if (!c.commit_sent) { // afterwards nothing reads them (see send_commit_certificate)
      c.certs.push_back(qcp);
      c.cert_counts.push_back(static_cast<std::uint32_t>(qc.signer_count()));
    }
    c.signer_count += added;
  }
  if (!c.certified && c.signer_count >= quorum_at(c.height)) {
    // This super node now holds more than 2/3 of the votes: certified here at once.
    c.certified = true;
    cert_received_view_ = std::max(cert_received_view_, view);
    auto bc = std::make_shared<const proto::block_certificate>(combined(view, c));
    process_certificate(bc, me_);
    hand_to_next_leader(view, c, bc);
  }
  if (!c.certified || c.commit_sent) return;
  // T4 carries the combined certificates of all groups (the paper's T4: the group learns every
  // vote), so it waits for every super node's certificate, or for group_wait if one is missing.
  if (c.supers_count == topo_at(c.height).super_count())
    send_commit_certificate(view, c);
  else if (!c.commit_timer) {
    c.commit_timer = true;
    set_timer(timer_kind::commit_wait, view, p_.group_wait_us);
  }
}

proto::block_certificate node_core::combined(std::uint64_t view, const collection& c) const {
  // Under the signature-list scheme the block certificate lists the group certificates as they
  // came, shared with the messages that carried them (crypto::qc_list): no bitmap or signature
  // is copied, and every super node's certificates of a view hold the same M objects.
  proto::block_certificate bc{c.height, view, c.block_hash, {}};
  if (certs_->kind() == crypto::cert_kind::aggregate && !c.certs.empty()) {
    // Constant-size aggregates combine into one certificate, so T4 carries one bitmap and one
    // signature instead of M. Only disjoint signer sets combine: take the largest certificates
    // first (a group's complete certificate covers its earlier partial ones) and keep the
    // combination if it alone still makes a quorum.
    // Signer counts are taken once: counting inside the comparison cost O(M log M) bitmap scans.
    std::size_t total = 0;
    std::size_t largest = 0;
    for (std::size_t i = 0; i < c.certs.size(); ++i) {
      total += c.cert_counts[i];
      if (c.cert_counts[i] > c.cert_counts[largest]) largest = i;
    }
    crypto::quorum_certificate merged;
    if (total == c.signer_count) {
      // Counts that add up to the union's: pairwise disjoint certificates (the fault-free
      // case), all of which combine, in any order to the same certificate. The largest first,
      // as below; the scheme combines them without a pass over each one's bitmap.
      std::vector<const crypto::quorum_certificate*> all;
      all.reserve(c.certs.size());
      all.push_back(c.certs[largest].get());
      for (std::size_t i = 0; i < c.certs.size(); ++i)
        if (i != largest) all.push_back(c.certs[i].get());
      merged = certs_->merge_disjoint(all, c.signers);
    } else {
      std::vector<std::pair<std::size_t, const crypto::quorum_certificate*>> order;
      order.reserve(c.certs.size());
      for (std::size_t i = 0; i < c.certs.size(); ++i)
        order.emplace_back(c.cert_counts[i], c.certs[i].get());
      std::stable_sort(order.begin(), order.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      merged = *order.front().second;
      for (std::size_t i = 1; i < order.size(); ++i)
        if (!merged.signers.intersects(order[i].second->signers))
          (void)certs_->merge(merged, *order[i].second);
    }
    if (merged.signer_count() >= quorum_at(c.height)) {
      bc.certs.push_back(std::move(merged));
      return bc;
    }
  }
  bc.certs.reserve(c.certs.size());
  for (const auto& q : c.certs)
    bc.certs.push_back(q); // shared with the group certificate's message, not copied
  return bc;
}

void node_core::send_commit_certificate(std::uint64_t view, collection& c) {
  if (c.commit_sent) return;
  c.commit_sent = true;
  send(recovering() ? recovery_targets(c.height) : relay_targets(c.height),
       std::make_shared<const proto::message>(proto::commit_certificate{me_, combined(view, c)}),
       phase::commit_cert);
  // The collected certificates were read only to combine them (at certification, which came
  // first, and for this message): nothing reads them again, so the collection drops them now
  // rather than when its view is pruned. At M = N they are M references per super node per view,
  // the largest part of a super node's memory in flat voting (docs/simulator.md).
  std::vector<std::shared_ptr<const crypto::quorum_certificate>>().swap(c.certs);
  std::vector<std::uint32_t>().swap(c.cert_counts);
}

void node_core::hand_to_next_leader(std::uint64_t view, const collection& c, const cert_ptr& bc) {
  // When nothing fails, every super node certifies the block from the group certificates, the
  // next leader too. A faulty super node can keep its own group's votes from one of them (a
  // forged or dropped group certificate) while it certifies itself: the next leader then learns
  // the certificate only from view changes, after everyone has given its view up, and no two
  // consecutive views ever certify (fault-search seed 2288). So once views have failed (the block
  // came after a timeout, or this node timed a view out lately), a super node that certifies a
  // block also hands the certificate to the leader of the next view: one message, and fault-free
  // runs are unchanged.
  const auto* h = header_of(c.block_hash);
  if (!h) return;
  bool after_timeout = h->view != h->parent_view + 1;
  bool timed_out_lately = timed_out_view_ > 0 && timed_out_view_ + recovery_views >= view;
  if (!after_timeout && !timed_out_lately) return;
  auto next = topo_at(c.height + 1).leader_for(view + 1, *h);
  if (next == me_ || next >= topo_->size()) return;
  send_one(next, std::make_shared<const proto::message>(proto::commit_certificate{me_, *bc}),
           phase::commit_cert);
}

void node_core::on_commit_wait(std::uint64_t view) {
  for (auto& [key, c] : collections_)
    if (key.first == view && c.certified) send_commit_certificate(view, c);
}

void node_core::note_rehome(std::uint32_t node, std::uint32_t target) {
  if (node >= topo_->size() || !topo_->contains(node) || topo_->is_super(node)) return;
  bool own = topo_->super_of(node) == me_;
  if (target == me_) {
    if (own)
      departed_.erase(node);
    else
      adopted_.insert(node);
  } else {
    adopted_.erase(node);
    if (own) departed_.insert(node);
  }
}

} // namespace bystack::bbft
