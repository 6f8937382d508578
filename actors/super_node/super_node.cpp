/// The super node role: relay the leader's proposal to the group (T1), collect the group's votes
/// into a group certificate and send it to every other super node (T3), and once the
/// certificates held add up to more than 2/3 of the set, send them down to the group (T4).
/// (Member functions of node_core; see node_core.hpp.)

#include "actors/node/node_core.hpp"

#include <algorithm>

namespace bystack::bbft {

namespace {
constexpr std::size_t relayed_views_kept = 64;
} // namespace

std::vector<std::uint32_t> node_core::relay_targets() const {
  std::vector<std::uint32_t> out;
  const auto& members = topo_->members(topo_->group_of(me_));
  out.reserve(members.size() + adopted_.size());
  for (auto m : members)
    if (m != me_ && !departed_.count(m)) out.push_back(m);
  for (auto a : adopted_) out.push_back(a);
  return out;
}

void node_core::relay_proposal(const msg_ptr& msg, const proto::proposal& p) {
  const auto& h = p.block->header;
  if (!relayed_views_.insert(h.view).second) return;
  while (relayed_views_.size() > relayed_views_kept) relayed_views_.erase(relayed_views_.begin());
  send(relay_targets(), msg, phase::forward);
  collection_for(h.view, h.height, p.block->hash());
  set_timer(timer_kind::group_wait, h.view, p_.group_wait_us);
}

node_core::collection& node_core::collection_for(std::uint64_t view, std::uint64_t height,
                                                 const crypto::hash256& h) {
  auto [it, fresh] = collections_.try_emplace({view, h});
  if (fresh) {
    it->second.height = height;
    it->second.block_hash = h;
    it->second.voted = crypto::signer_bitmap(set_->size());
    it->second.signers = crypto::signer_bitmap(set_->size());
  }
  return it->second;
}

bool node_core::group_complete(const collection& c) const {
  const auto& members = topo_->members(topo_->group_of(me_));
  if (c.votes.size() < members.size() - departed_.size() + adopted_.size()) return false;
  for (auto m : members)
    if (!departed_.count(m) && !c.voted.test(m)) return false;
  for (auto a : adopted_)
    if (!c.voted.test(a)) return false;
  return true;
}

void node_core::on_vote(std::uint32_t from, const proto::vote& v) {
  if (!is_super()) return reject(from, "vote: this node is not a super node");
  if (v.voter != from) return reject(from, "vote: voter is not the sender");
  if (v.view + 2 < view_) return; // too late to matter
  if (from != me_ &&
      !votes_scheme().verify(set_->key(from), proto::vote_digest(v.height, v.view, v.block_hash),
                             v.signature, meter_))
    return reject(from, "vote: bad signature");
  auto& c = collection_for(v.view, v.height, v.block_hash);
  if (c.voted.test(from)) return; // a repeat, or a node voting twice
  c.voted.set(from);
  c.votes.push_back(crypto::indexed_signature{from, v.signature});
  if (!c.complete_sent && group_complete(c)) {
    c.complete_sent = true;
    maybe_send_group_certificate(v.view, c);
  }
}

void node_core::on_group_wait(std::uint64_t view) {
  // Missing votes (faulty or slow members): send what we have, and keep sending what arrives
  // later, one wait at a time, while the view lasts and the group is incomplete.
  bool waiting = false;
  for (auto& [key, c] : collections_) {
    if (key.first != view || c.complete_sent) continue;
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
  others.reserve(topo_->super_count());
  for (auto s : topo_->supers())
    if (s != me_) others.push_back(s);
  proto::group_certificate g{c.height, view, c.block_hash, me_, *qc};
  send(std::move(others), std::make_shared<const proto::message>(std::move(g)), phase::group_cert);
  add_certificate(view, c, *qc);
}

void node_core::on_group_certificate(std::uint32_t from, const proto::group_certificate& g) {
  if (!is_super()) return reject(from, "group certificate: this node is not a super node");
  if (g.super_node != from || !topo_->is_super(from))
    return reject(from, "group certificate: sender is not a super node");
  if (g.view + 2 < view_) return;
  if (g.qc.digest != proto::vote_digest(g.height, g.view, g.block_hash))
    return reject(from, "group certificate: signs something else");
  if (!certs_->verify(*set_, g.qc, 1, meter_))
    return reject(from, "group certificate: invalid signatures");
  add_certificate(g.view, collection_for(g.view, g.height, g.block_hash), g.qc);
}

void node_core::add_certificate(std::uint64_t view, collection& c,
                                const crypto::quorum_certificate& qc) {
  // Skip a certificate that adds no signer (a repeat).
  bool adds = false;
  qc.signers.for_each([&](std::size_t i) { adds = adds || !c.signers.test(i); });
  if (!adds) return;
  c.certs.push_back(qc);
  c.signers.merge(qc.signers);
  if (c.commit_sent || c.signers.count() < set_->quorum()) return;
  c.commit_sent = true;
  proto::block_certificate bc{c.height, view, c.block_hash, {}};
  bc.certs = c.certs;
  if (certs_->kind() == crypto::cert_kind::aggregate) {
    // Constant-size aggregates combine into one certificate, so T4 carries one bitmap and one
    // signature instead of M. Only disjoint signer sets combine: take the largest certificates
    // first (a group's complete certificate covers its earlier partial ones) and keep the
    // combination if it alone still makes a quorum.
    std::vector<const crypto::quorum_certificate*> order;
    for (const auto& q : c.certs) order.push_back(&q);
    std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
      return a->signer_count() > b->signer_count();
    });
    crypto::quorum_certificate merged = *order.front();
    for (std::size_t i = 1; i < order.size(); ++i)
      if (!merged.signers.intersects(order[i]->signers)) (void)certs_->merge(merged, *order[i]);
    if (merged.signer_count() >= set_->quorum()) bc.certs = {std::move(merged)};
  }
  auto msg = std::make_shared<const proto::message>(proto::commit_certificate{me_, std::move(bc)});
  send(relay_targets(), msg, phase::commit_cert);
  cert_received_view_ = std::max(cert_received_view_, view);
  process_certificate(cert_ptr(msg, &std::get<proto::commit_certificate>(*msg).cert), me_);
}

void node_core::note_rehome(std::uint32_t node, std::uint32_t target) {
  if (node >= topo_->size() || topo_->is_super(node)) return;
  bool own = topo_->super_of(node) == me_;
  if (target == me_) {
    if (own) departed_.erase(node);
    else adopted_.insert(node);
  } else {
    adopted_.erase(node);
    if (own) departed_.insert(node);
  }
}

} // namespace bystack::bbft
