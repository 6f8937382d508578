/// The validator role: every node checks proposals, votes, counts certificates, commits, times
/// views out and catches up. (Member functions of node_core; see node_core.hpp.)

#include "actors/node/node_core.hpp"

#include <algorithm>

namespace bystack::bbft {

using crypto::hash256;

namespace {
template <class T> msg_ptr wrap(T value) {
  return std::make_shared<const proto::message>(std::move(value));
}
constexpr std::size_t seen_views_kept = 64;
constexpr std::size_t early_certs_kept = 16;
constexpr std::size_t orphans_kept = 16;
} // namespace

void node_core::on_proposal(std::uint32_t from, const msg_ptr& msg, const proto::proposal& p) {
  if (!p.block) return reject(from, "proposal: no block");
  const auto& h = p.block->header;
  if (p.leader >= set_->size() || p.leader != h.proposer)
    return reject(from, "proposal: leader and proposer differ");
  if (h.view + 1 < view_) return keep_late_certified(p.block); // too late to vote for
  auto bh = p.block->hash();
  if (!votes_scheme().verify(set_->key(p.leader), proto::proposal_digest(h.height, h.view, bh),
                             p.signature, meter_))
    return reject(from, "proposal: bad leader signature");
  // The first valid proposal of a view wins; an equivocating leader's second block is ignored.
  if (!seen_proposal_views_.insert(h.view).second) return;
  // Proposals of views below view_ - 1 stop at the staleness check above: forget those views.
  while (seen_proposal_views_.size() > seen_views_kept || *seen_proposal_views_.begin() + 1 < view_)
    seen_proposal_views_.erase(seen_proposal_views_.begin());

  const auto& j = p.justify;
  if (h.parent != j.block_hash || h.parent_view != j.view || h.height != j.height + 1)
    return reject(from, "proposal: block does not extend its justify certificate");
  const char* why = nullptr;
  if (!known_certified(j.block_hash) && !check_block_certificate(j, why, msg))
    return reject(from, why);
  if (p.tc) {
    if (p.tc->view + 1 != h.view)
      return reject(from, "proposal: timeout certificate of another view");
    if (!check_timeout_certificate(*p.tc, why)) return reject(from, why);
  } else if (h.view != j.view + 1) {
    return reject(from, "proposal: skips views without a timeout certificate");
  }
  if (from == current_super_) {
    heard_super_view_ = std::max(heard_super_view_, h.view);
    heard_super_recently_ = true;
  }
  process_certificate(msg, j, from);
  const auto* jh = header_of(j.block_hash);
  if (!jh) {
    // We lack the parent block, so we cannot tell who leads this view: keep the block (its
    // certificate may come next, and the next proposal will extend it) and catch up first.
    pending_.try_emplace(bh, pending_block{p.block, nullptr});
    attach_early_certificate(bh);
    // Handle it again once the parent comes (resume_children): its view may still be on.
    orphans_.push_back({j.block_hash, from, msg});
    while (orphans_.size() > orphans_kept)
      orphans_.erase(orphans_.begin());
    request_sync(from);
    return;
  }
  if (topo_at(h.height).leader_for(h.view, *jh) != p.leader)
    return reject(from, "proposal: sender does not lead this view");
  if (app_) {
    // Vote only for a block the application finds valid on top of its parent's state; an
    // invalid one gets no vote from us, so the view times out and the next leader takes over.
    if (!app_ready(h.parent)) {
      pending_.try_emplace(bh, pending_block{p.block, nullptr});
      request_sync(from);
      return reject(from, "proposal: parent state unknown");
    }
    auto v = app_->process_block(*p.block);
    charge(v);
    if (!v.ok()) {
      ++stats_.blocks_refused;
      return reject(from, ledger::block_refusal(v.reason));
    }
  }
  pending_.try_emplace(bh, pending_block{p.block, nullptr});
  attach_early_certificate(bh);
  if (p.tc && p.tc->view + 1 > view_) {
    last_tc_ = *p.tc;
    enter_view(p.tc->view + 1, true);
  }
  drop_from_pool(*p.block);
  // While recovering, a super node also relays a proposal another super node passed on: the
  // leader's own copy may be lost (a lossy leader).
  if (is_super() && (from == p.leader || recovering())) relay_proposal(msg, p);

  // Voting rule (two-chain): vote once per view, never after timing it out, and only for a block
  // that extends the previous view's certificate, or after a timeout the highest certificate the
  // timeout certificate reports.
  bool extends = j.view + 1 == h.view;
  if (!extends && p.tc) {
    std::uint64_t highest = 0;
    for (const auto& vc : p.tc->votes)
      highest = std::max(highest, vc.high_qc_view);
    extends = j.view >= highest;
  }
  // With DPoS epochs only the members of the block's epoch vote: a node that left the set stops
  // at the boundary, one that joined starts there.
  bool member = true;
  if (sets_) {
    auto s = set_at(h.height);
    member = s && s->contains(me_);
  }
  if (h.view == view_ && h.view > last_voted_view_ && timed_out_view_ < h.view && extends && member)
    cast_vote(p);
  resume_children(bh);
}

void node_core::keep_late_certified(const ledger::block_ptr& b) {
  // A proposal views too late to vote for (a compact block rebuilt after its fetch answer came
  // late) is still the block the chain needs when its certificate came first, as the justify of
  // a child rebuilt earlier: that child may be held already, and catch-up may never bring the
  // block again (the peers asked lack it, or answer nothing), so dropping it stopped this node's
  // commits for good. The certificate was checked when it came and names the block's hash, so
  // the block needs no further check, as a block that came by catch-up.
  if (b->header.height <= committed_height() || early_certs_.empty()) return;
  auto bh = b->hash();
  if (pending_.count(bh) || !has_early_certificate(bh)) return;
  pending_.try_emplace(bh, pending_block{b, nullptr});
  drop_from_pool(*b);
  attach_early_certificate(bh); // and the two-chain rule on its certified children
  if (!orphans_.empty()) resume_children(bh);
}

void node_core::resume_children(const hash256& h) {
  // Oldest first; on_proposal may change orphans_, so each search starts over.
  for (;;) {
    auto it = std::find_if(orphans_.begin(), orphans_.end(),
                           [&h](const orphan_proposal& o) { return o.parent == h; });
    if (it == orphans_.end()) return;
    auto o = std::move(*it);
    orphans_.erase(it);
    const auto& p = std::get<proto::proposal>(*o.msg);
    // The first handling stopped at the missing parent: let it through the one-per-view check.
    seen_proposal_views_.erase(p.block->header.view);
    on_proposal(o.from, o.msg, p);
  }
}

void node_core::cast_vote(const proto::proposal& p) {
  const auto& h = p.block->header;
  proto::vote v;
  v.height = h.height;
  v.view = h.view;
  v.block_hash = p.block->hash();
  v.voter = me_;
  v.signature = signer_->sign(proto::vote_digest(v.height, v.view, v.block_hash));
  ++meter_.signs;
  last_voted_view_ = h.view;
  voted_view_via_super_ = h.view;
  ++stats_.votes_cast;
  if (current_super_ == me_) return on_vote(me_, v);
  auto msg = wrap(std::move(v));
  // Votes lost in views that failed (a super node that drops or forges its group's certificate
  // while it still relays, so re-homing on silence never fires; or super nodes moving around
  // that each miss some group): also vote through the next super nodes, one more per such view,
  // until views stop failing. Honest super nodes then count the vote whatever its group.
  bool lost = lost_vote_views_ != 0 && last_lost_vote_view_ + recovery_views * 8 >= h.view;
  if (!recovering() && !lost) {
    lost_vote_views_ = 0;
    return send_one(current_super_, std::move(msg), phase::vote); // the usual case: one send
  }
  send_one(current_super_, msg, phase::vote);
  if (recovering()) {
    // Views failed lately: vote through every super node (see recovering()).
    std::vector<std::uint32_t> others;
    for (auto s : topo_at(h.height).supers())
      if (s != me_ && s != current_super_) others.push_back(s);
    if (!others.empty()) send(std::move(others), msg, phase::vote);
    return;
  }
  auto extra = std::min<std::uint32_t>(lost_vote_views_,
                                       static_cast<std::uint32_t>(topo_->super_count()) - 1);
  for (std::uint32_t k = 1; k <= extra; ++k) {
    auto s = topo_->next_super(current_super_, k);
    if (s != me_ && s != current_super_) send_one(s, msg, phase::vote);
  }
}

void node_core::note_lost_vote(std::uint64_t v) {
  // Called when view v is given up: did this node vote in it and never see its certificate?
  if (is_super() || last_voted_view_ != v || cert_received_view_ >= v) return;
  if (last_lost_vote_view_ >= v) return;
  last_lost_vote_view_ = v;
  ++lost_vote_views_;
}

void node_core::on_commit_certificate(std::uint32_t from, const msg_ptr& msg,
                                      const proto::commit_certificate& c) {
  if (c.super_node != from) return reject(from, "commit certificate: sender mismatch");
  const auto& cert = c.cert;
  if (!known_certified(cert.block_hash)) {
    const char* why = nullptr;
    if (!check_block_certificate(cert, why, msg)) {
      // A certificate of an epoch whose set this node cannot know yet: its chain is behind
      // (e.g. it left the set at a boundary and stopped there). Ask the sender for the chain,
      // whose commits elect the sets that check the certificate.
      if (sets_ && !set_at(cert.height) && cert.height > committed_height()) request_sync(from);
      return reject(from, why);
    }
  }
  cert_received_view_ = std::max(cert_received_view_, cert.view);
  if (from == current_super_) {
    heard_super_view_ = std::max(heard_super_view_, cert.view);
    heard_super_recently_ = true;
  }
  process_certificate(msg, cert, from);
}

bool node_core::check_block_certificate(const proto::block_certificate& c, const char*& reason,
                                        const std::shared_ptr<const void>& owner) {
  if (c.view == 0) {
    if (c.height == 0 && c.block_hash == genesis_hash_) return true;
    reason = "certificate: view 0 is reserved for genesis";
    return false;
  }
  if (c.certs.empty()) {
    reason = "certificate: no signatures";
    return false;
  }
  auto digest = proto::vote_digest(c.height, c.view, c.block_hash);
  auto verify_all = [&](std::size_t threshold) {
    return owner ? certs_->verify_all_shared(*set_, c.certs, owner, digest, threshold, meter_)
                 : certs_->verify_all(*set_, c.certs, digest, threshold, meter_);
  };
  if (sets_) {
    // The block's own epoch decides: a certificate signed by another epoch's set is refused.
    auto s = set_at(c.height);
    if (!s) {
      reason = "certificate: the set of its epoch is not known yet";
      return false;
    }
    if (!signers_in(c.certs, *s)) {
      reason = "certificate: signed by a node outside the block's epoch set";
      return false;
    }
    if (!verify_all(s->quorum())) {
      reason = "certificate: invalid, or not more than 2/3 of the epoch's set";
      return false;
    }
    return true;
  }
  if (!verify_all(set_->quorum())) {
    reason = "certificate: invalid, or not more than 2/3 of the set";
    return false;
  }
  return true;
}

bool node_core::check_timeout_certificate(const proto::timeout_certificate& tc,
                                          const char*& reason) {
  std::set<std::uint32_t> senders;
  for (const auto& vc : tc.votes) {
    if (vc.sender >= set_->size() || !counts_for_timeout(vc.sender) ||
        !senders.insert(vc.sender).second) {
      reason = "timeout certificate: unknown or repeated signer";
      return false;
    }
    if (vc.view != tc.view ||
        !votes_scheme().verify(set_->key(vc.sender),
                               proto::view_change_digest(vc.view, vc.high_qc_view), vc.signature,
                               meter_)) {
      reason = "timeout certificate: bad view-change signature";
      return false;
    }
  }
  if (!timeout_quorum(senders)) {
    reason = "timeout certificate: not more than 2/3 of the set";
    return false;
  }
  return true;
}

void node_core::process_certificate(const cert_ptr& c, std::uint32_t from) {
  process_certificate_of(c, *c, from);
}

void node_core::process_certificate(const msg_ptr& owner, const proto::block_certificate& c,
                                    std::uint32_t from) {
  process_certificate_of(owner, c, from);
}

template <class Owner>
void node_core::process_certificate_of(const Owner& owner, const proto::block_certificate& c,
                                       std::uint32_t from) {
  // Made only where the certificate is kept (for a cert_ptr owner: a copy of it).
  auto ptr = [&] { return cert_ptr(owner, &c); };
  bool fresh = false;
  if (auto it = pending_.find(c.block_hash); it != pending_.end()) {
    if (!it->second.cert) {
      it->second.cert = ptr();
      fresh = true;
    }
  } else if (c.height > committed_height()) {
    request_sync(from); // certified block we never received
    remember_early_certificate(ptr());
  }
  if (c.view > high_qc_->view) {
    high_qc_ = ptr();
    refresh_epoch();
  }
  if (fresh) {
    out_.push_back(certified_effect{c.height, c.view, c.block_hash});
    try_commit(c.block_hash);
  }
  if (c.view + 1 > view_) enter_view(c.view + 1, false);
}

bool node_core::has_early_certificate(const hash256& h) const {
  return std::any_of(early_certs_.begin(), early_certs_.end(),
                     [&h](const cert_ptr& c) { return c->block_hash == h; });
}

void node_core::remember_early_certificate(const cert_ptr& cp) {
  if (has_early_certificate(cp->block_hash)) return;
  early_certs_.push_back(cp);
  while (early_certs_.size() > early_certs_kept)
    early_certs_.pop_front();
}

void node_core::attach_early_certificate(const hash256& h) {
  auto e = std::find_if(early_certs_.begin(), early_certs_.end(),
                        [&](const cert_ptr& c) { return c->block_hash == h; });
  if (e == early_certs_.end()) return;
  auto cp = *e;
  early_certs_.erase(e);
  auto it = pending_.find(h);
  if (it == pending_.end() || it->second.cert) return;
  it->second.cert = cp;
  out_.push_back(certified_effect{cp->height, cp->view, cp->block_hash});
  // Certified children waited for this certificate (the two-chain rule needs the parent's).
  std::vector<hash256> children;
  for (const auto& [k, b] : pending_)
    if (b.cert && b.block->header.parent == h) children.push_back(k);
  try_commit(h);
  for (const auto& k : children)
    try_commit(k);
}

void node_core::try_commit(const hash256& certified) {
  auto it = pending_.find(certified);
  if (it == pending_.end()) return;
  const auto& h = it->second.block->header;
  // Two-chain rule: a certified block whose certified child was proposed in the very next view
  // is final, and so are its ancestors.
  if (h.view == h.parent_view + 1 && known_certified(h.parent) && h.height >= 1 &&
      h.height - 1 > committed_height())
    commit_chain(h.parent);
}

void node_core::commit_chain(const hash256& tip) {
  std::vector<hash256> path;
  auto cur = tip;
  std::uint64_t cur_height = UINT64_MAX; // unknown for the tip, which lies above the head
  while (true) {
    if (cur == chain_hashes_.back()) break;
    auto it = pending_.find(cur);
    if (it == pending_.end()) {
      // Either a gap (missing block) or a fork below our committed head (below the kept window
      // of the chain, a block cannot be our head either).
      for (std::size_t i = 0; i + 1 < chain_hashes_.size(); ++i)
        if (chain_hashes_[i] == cur) return reject(me_, "commit: block conflicts with the chain");
      if (cur_height < chain_base_) return reject(me_, "commit: block conflicts with the chain");
      request_sync(sync_peer_ == me_ ? current_super_ : sync_peer_);
      return;
    }
    if (!it->second.cert) return; // an ancestor without its certificate yet
    path.push_back(cur);
    cur_height = it->second.block->header.height - 1;
    cur = it->second.block->header.parent;
  }
  for (auto h = path.rbegin(); h != path.rend(); ++h) {
    auto it = pending_.find(*h);
    if (app_) {
      // Certified by a quorum, so at least one honest node validated it; a refusal here means
      // more than f faulty nodes, and is reported rather than hidden.
      auto v = app_->commit(*it->second.block);
      charge(v);
      if (!v.ok()) reject(me_, "commit: certified block refused by the application");
    }
    chain_.push_back(chain_entry{it->second.block, it->second.cert});
    chain_hashes_.push_back(*h);
    out_.push_back(commit_effect{it->second.block, it->second.cert});
    pending_.erase(it);
    trim_chain();
  }
  // Blocks at or below the committed height can never commit any more: forget them.
  auto top = committed_height();
  pending_.erase_if([top](const auto& kv) { return kv.second.block->header.height <= top; });
}

std::int64_t node_core::current_view_timeout_us() const {
  auto t = p_.view_timeout_us;
  for (std::uint32_t i = 0; i < consecutive_timeouts_ && t < p_.max_view_timeout_us; ++i)
    t *= 2;
  return std::min(t, p_.max_view_timeout_us);
}

void node_core::enter_view(std::uint64_t v, bool via_timeout) {
  if (v <= view_) return;
  view_ = v;
  if (via_timeout)
    ++consecutive_timeouts_;
  else {
    consecutive_timeouts_ = 0;
    last_tc_.reset();
  }
  set_timer(timer_kind::view_timeout, v, current_view_timeout_us());
  timeouts_.erase(timeouts_.begin(), timeouts_.lower_bound(v));
  if (!collections_.empty()) {
    auto keep_from = v > 2 ? v - 2 : 0;
    std::erase_if(collections_, [keep_from](const auto& kv) { return kv.first.first < keep_from; });
    last_collection_ = nullptr;
  }
  maybe_propose(now_us_);
}

void node_core::on_view_timeout(std::uint64_t v) {
  if (v != view_) return;
  if (sets_ && !counts_for_timeout(me_)) {
    // Outside the set (a candidate waiting, or a node that left): no view changes; follow the
    // chain from a super node, so as to vote at once if a later epoch elects this node. The
    // super nodes take turns: the one asked last may be down (a node that always asked the same
    // crashed super node never caught up).
    // When the last request went to a node that is not a super node (catch-up retries move on
    // through all nodes), starting again at the first super node asked it for ever, crashed or
    // not (DPoS seed 2892: a member elected back stayed 15 heights behind and the chain
    // stopped): go on through the super nodes instead. Counted per timeout here, not by the
    // requests made: each period makes two (this one, then the retry's), so with two super
    // nodes that count always picked the first, crashed in DPoS seed 586, and a candidate
    // elected into the next set never learnt of it, missing from every later quorum.
    const auto& supers = topo_->supers();
    auto it = std::find(supers.begin(), supers.end(), sync_peer_);
    auto turn = outside_sync_turns_++;
    auto peer = it == supers.end()              ? supers[turn % supers.size()]
                : std::next(it) == supers.end() ? supers.front()
                                                : *std::next(it);
    sync_outstanding_ = false;
    request_sync(peer);
    set_timer(timer_kind::view_timeout, v, p_.sync_retry_us);
    return;
  }
  if (timed_out_view_ >= v) {
    // A whole timeout later still stuck in a view we gave up on: consider our super node lost,
    // and say so again (messages may have been lost).
    maybe_rehome(v);
    auto it = timeouts_.find(v);
    if (it != timeouts_.end())
      if (auto own = it->second.find(me_); own != it->second.end()) {
        auto again = own->second;
        again.rehome_to = current_super_;
        again.high_qc = *high_qc_;
        send(view_change_targets(), wrap(std::move(again)), phase::view_change);
      }
    set_timer(timer_kind::view_timeout, v, current_view_timeout_us());
    return;
  }
  time_out_view(v);
}

std::vector<std::uint32_t> node_core::view_change_targets() const {
  // Every super node collects view changes (a timeout certificate needs more than 2/3 of all
  // nodes, and a faulty super node must not be able to swallow them); a super node also tells
  // its group, which shows the group that it is alive. O(N M) messages, not O(N^2).
  std::vector<std::uint32_t> to;
  for (auto s : topo_->supers())
    if (s != me_) to.push_back(s);
  if (is_super())
    for (auto m : relay_targets())
      to.push_back(m);
  return to;
}

void node_core::maybe_rehome(std::uint64_t v) {
  // Super-node failover: a node whose super node showed no life during a whole view timeout (no
  // proposal, certificate, view change or timeout certificate), or that voted but never got the
  // view's certificate back, moves to the next super node and tells it. So does a node that never
  // got the view's proposal: a lossy super node still shows life (its own view changes get
  // through) while the proposals it relays are lost, and a node kept there misses every vote.
  if (is_super()) return;
  bool super_silent = !heard_super_recently_;
  bool lost_certificate = voted_view_via_super_ == v && cert_received_view_ < v;
  bool lost_proposal = last_voted_view_ < v;
  heard_super_recently_ = false;
  if (!super_silent && !lost_certificate && !lost_proposal) return;
  current_super_ = topo_->next_super(current_super_);
  voted_view_via_super_ = 0;
  ++stats_.rehomes;
}

void node_core::time_out_view(std::uint64_t v) {
  note_lost_vote(v);
  timed_out_view_ = v;
  ++stats_.views_timed_out;
  proto::view_change vc;
  vc.view = v;
  vc.sender = me_;
  vc.high_qc_view = high_qc_->view;
  vc.rehome_to = current_super_;
  vc.high_qc = *high_qc_;
  vc.signature = signer_->sign(proto::view_change_digest(v, vc.high_qc_view));
  ++meter_.signs;
  send(view_change_targets(), wrap(vc), phase::view_change);
  timeouts_[v][me_] = std::move(vc);
  set_timer(timer_kind::view_timeout, v, current_view_timeout_us());
  if (sets_ ? timeout_quorum(senders_of(timeouts_[v])) : timeouts_[v].size() >= set_->quorum())
    form_timeout_certificate(v);
}

void node_core::on_view_change(std::uint32_t from, const proto::view_change& vc) {
  // A super node may pass on the signed part of other nodes' view changes (see below).
  bool relayed = vc.sender != from;
  if (relayed && (vc.sender >= set_->size() || !topo_->is_super(from)))
    return reject(from, "view change: sender mismatch");
  if (!votes_scheme().verify(set_->key(vc.sender),
                             proto::view_change_digest(vc.view, vc.high_qc_view), vc.signature,
                             meter_))
    return reject(from, "view change: bad signature");
  if (relayed) return on_relayed_view_change(from, vc);
  // Re-homing counts even from a node stuck in an old view: that is how it gets unstuck.
  if (is_super()) note_rehome(from, vc.rehome_to);
  if (vc.view < view_ && is_super()) {
    // The sender is behind: what let us out of its view moves it forward too, a higher block
    // certificate or the timeout certificate of our last timed-out view.
    bool helped = false;
    if (high_qc_->view > vc.high_qc_view && high_qc_->view > 0) {
      send_one(from, wrap(proto::commit_certificate{me_, *high_qc_}), phase::view_change);
      helped = true;
    }
    if (last_tc_ && last_tc_->view >= vc.view) {
      send_one(from, wrap(*last_tc_), phase::view_change);
      helped = true;
    }
    // Neither: we left its view by joining f + 1 view changes of a later one, and the nodes
    // still in the old view may never see f + 1 of them (members hear view changes from super
    // nodes only), while too few of them are left there to time it out: the honest nodes stay
    // split between two views for ever (fault-search seed 61593). Pass those view changes on.
    if (!helped && timed_out_view_ == view_)
      if (auto it = timeouts_.find(view_);
          it != timeouts_.end() && it->second.size() > set_->max_faulty())
        for (const auto& [sender, own] : it->second)
          if (sender != from) send_one(from, wrap(own), phase::view_change);
  } else if (sets_ && high_qc_->view > vc.high_qc_view && high_qc_->view > 0) {
    // Epochs: a node whose certificate is behind may still follow the previous epoch's
    // topology and time out towards super nodes that have moved on; whoever hears it first
    // hands it the certificate that moves it into the current epoch.
    send_one(from, wrap(proto::commit_certificate{me_, *high_qc_}), phase::view_change);
  }
  if (vc.view + 1 < view_) return;
  if (vc.high_qc.view != vc.high_qc_view)
    return reject(from, "view change: certificate does not match its view");
  if (vc.high_qc_view > high_qc_->view && !known_certified(vc.high_qc.block_hash)) {
    const char* why = nullptr;
    if (!check_block_certificate(vc.high_qc, why)) return reject(from, why);
    process_certificate(std::make_shared<const proto::block_certificate>(vc.high_qc), from);
  }
  if (from == current_super_) {
    heard_super_view_ = std::max(heard_super_view_, vc.view);
    heard_super_recently_ = true;
  }
  if (vc.view < view_) return;
  if (!counts_for_timeout(from)) return; // its certificate helped; its timeout does not count
  auto& votes = timeouts_[vc.view];
  votes[from] = vc;
  votes[from].high_qc = {}; // keep the signed part only
  // Join a timeout that f + 1 nodes report: at least one of them is honest.
  std::size_t reported = votes.size();
  std::size_t faulty = set_->max_faulty();
  if (epoch_) {
    reported = 0;
    for (const auto& [sender, unused] : votes)
      reported += epoch_->contains(sender) ? 1 : 0;
    faulty = epoch_->max_faulty();
  }
  if (reported > faulty && timed_out_view_ < vc.view && counts_for_timeout(me_)) {
    if (vc.view > view_) {
      view_ = vc.view; // jump without a timer of its own: we time it out right away
    }
    time_out_view(vc.view);
    return; // time_out_view forms the certificate if it can
  }
  if (sets_ ? timeout_quorum(senders_of(votes)) : votes.size() >= set_->quorum())
    form_timeout_certificate(vc.view);
}

void node_core::on_relayed_view_change(std::uint32_t from, const proto::view_change& vc) {
  // Only the signed part counts: whether the sender timed view vc.view out. A node behind joins
  // a later view that f + 1 nodes have timed out, as with view changes sent to it directly.
  if (from == current_super_) heard_super_recently_ = true;
  if (vc.view <= view_ || timed_out_view_ >= vc.view || !counts_for_timeout(vc.sender) ||
      !counts_for_timeout(me_))
    return;
  auto& votes = timeouts_[vc.view];
  auto& kept = votes[vc.sender];
  kept = vc;
  kept.high_qc = {};
  std::size_t reported = votes.size();
  std::size_t faulty = set_->max_faulty();
  if (epoch_) {
    reported = 0;
    for (const auto& [sender, unused] : votes)
      reported += epoch_->contains(sender) ? 1 : 0;
    faulty = epoch_->max_faulty();
  }
  if (reported <= faulty) return;
  view_ = vc.view;
  time_out_view(vc.view);
}

void node_core::form_timeout_certificate(std::uint64_t v) {
  if (v + 1 <= view_) return;
  auto& votes = timeouts_[v];
  proto::timeout_certificate tc;
  tc.view = v;
  for (const auto& [sender, vc] : votes) {
    if (!sets_ && tc.votes.size() >= set_->quorum()) break;
    if (!counts_for_timeout(sender)) continue; // epochs: every counting vote (joint quorums)
    auto copy = vc;
    copy.high_qc = {};
    tc.votes.push_back(std::move(copy));
  }
  // Tell the group: a node whose view timed out needs the certificate to move on, and the next
  // leader's proposal may never come (a crashed leader).
  if (is_super())
    send(recovering() ? recovery_targets(high_qc_->height + 1) : relay_targets(), wrap(tc),
         phase::view_change);
  last_tc_ = std::move(tc);
  enter_view(v + 1, true);
}

void node_core::on_timeout_certificate(std::uint32_t from, const proto::timeout_certificate& tc) {
  if (tc.view + 1 <= view_) return;
  const char* why = nullptr;
  if (!check_timeout_certificate(tc, why)) return reject(from, why);
  if (from == current_super_) {
    heard_super_view_ = std::max(heard_super_view_, tc.view);
    heard_super_recently_ = true;
  }
  note_lost_vote(tc.view);
  if (tc.view > timed_out_view_) timed_out_view_ = tc.view; // no votes in a view that is over
  last_tc_ = tc;
  enter_view(tc.view + 1, true);
}

void node_core::request_sync(std::uint32_t peer) {
  if (sync_outstanding_ || peer == me_ || peer >= topo_->size()) return;
  sync_outstanding_ = true;
  sync_peer_ = peer;
  ++stats_.sync_requests;
  send_one(peer, wrap(proto::sync_request{me_, committed_height() + 1, p_.sync_max_blocks}),
           phase::sync);
  set_timer(timer_kind::sync_retry, 0, p_.sync_retry_us);
}

void node_core::on_sync_retry() {
  if (!sync_outstanding_) return;
  sync_outstanding_ = false;
  if (header_of(high_qc_->block_hash) && pending_.empty()) return; // nothing missing any more
  auto next = (sync_peer_ + 1) % topo_->size();
  if (next == me_) next = (next + 1) % topo_->size();
  request_sync(next);
  // The last request went unanswered: the peer, or our own links, may be faulty. Ask f more peers
  // as well (f + 1 in all, so one is honest); a node that loses most of its messages otherwise
  // needs one lucky round trip per retry period to catch up.
  // Each further unanswered retry asks f more (up to every peer): a node that loses a fraction p
  // of its messages both ways completes one round trip with probability (1 - p)^2, so at
  // p = 0.9 a fixed f + 1 requests per second still left it without commits for over a minute.
  // Once every peer is asked, further misses ask each peer again, up to three times per retry:
  // with few peers (N = 4: three) a node losing 87% of its messages both ways still went 74 s
  // without a round trip (fault-search seed 61044); three requests per peer make that a few
  // seconds. A node that hears answers never gets here.
  std::uint32_t f = epoch_ ? epoch_->max_faulty() : set_->max_faulty();
  auto peers = static_cast<std::uint32_t>(topo_->size()) - 1;
  std::uint32_t asks =
      std::min<std::uint32_t>(std::max<std::uint32_t>(f, 1) * ++sync_misses_, 3 * peers);
  auto extra = next;
  for (std::uint32_t k = 0; k < std::max(f, asks > 0 ? asks - 1 : 0); ++k) {
    extra = (extra + 1) % topo_->size();
    if (extra == me_) extra = (extra + 1) % topo_->size();
    if (extra == next && asks <= peers + 1) break;
    send_one(extra, wrap(proto::sync_request{me_, committed_height() + 1, p_.sync_max_blocks}),
             phase::sync);
  }
}

void node_core::on_sync_request(std::uint32_t from, const proto::sync_request& r) {
  if (r.sender != from) return reject(from, "sync request: sender mismatch");
  proto::sync_response resp;
  resp.sender = me_;
  auto limit = std::min(r.max_blocks == 0 ? p_.sync_max_blocks : r.max_blocks, p_.sync_max_blocks);
  bool complete = true;
  for (auto h = std::max<std::uint64_t>(1, r.from_height);
       h <= committed_height() && resp.blocks.size() < limit; ++h) {
    auto cb = find_committed(h);
    if (!cb) {
      // Below the kept window and no archive to read it from: nothing that links up.
      resp.blocks.clear();
      complete = false;
      break;
    }
    resp.blocks.push_back(std::move(*cb));
  }
  if (complete && resp.blocks.size() < limit) {
    // Add the certified blocks above the committed head: their certificates prove the commit of
    // the last committed ones.
    std::vector<proto::committed_block> tail;
    auto cur = high_qc_->block_hash;
    while (cur != chain_hashes_.back()) {
      auto it = pending_.find(cur);
      if (it == pending_.end() || !it->second.cert) {
        tail.clear();
        break;
      }
      tail.push_back({it->second.block, *it->second.cert});
      cur = it->second.block->header.parent;
    }
    // Once views have failed, our certified chain may have a gap (a block certified while we
    // voted for an equivocating twin's other block): the walk down from high_qc_ then breaks and
    // would serve nothing, and with a gap at every honest node nothing ever commits (Twins seed
    // 107196). Serve instead the certified blocks that link up from the committed head.
    // One pass over the uncommitted blocks picks each parent's certified child of the highest
    // view (the first of equal views in pending_'s order); the walk up then costs one look-up a
    // block.
    if (tail.empty() && recovering()) {
      std::unordered_map<crypto::hash256, const pending_block*> child;
      for (const auto& [k, b] : pending_) {
        if (!b.cert) continue;
        auto& best = child[b.block->header.parent];
        if (!best || b.cert->view > best->cert->view) best = &b;
      }
      for (auto at = chain_hashes_.back(); tail.size() < limit;) {
        auto it = child.find(at);
        if (it == child.end()) break;
        tail.push_back({it->second->block, *it->second->cert});
        at = it->second->block->hash();
      }
      std::reverse(tail.begin(), tail.end()); // highest first, as the walk down from high_qc_
    }
    for (auto t = tail.rbegin(); t != tail.rend() && resp.blocks.size() < limit; ++t)
      resp.blocks.push_back(*t);
  }
  send_one(from, wrap(std::move(resp)), phase::sync);
}

void node_core::on_sync_response(std::uint32_t from, const msg_ptr& msg,
                                 const proto::sync_response& r) {
  if (r.sender != from) return reject(from, "sync response: sender mismatch");
  if (from == sync_peer_) sync_outstanding_ = false;
  sync_misses_ = 0;
  const auto committed_before = committed_height();
  for (const auto& cb : r.blocks) {
    if (!cb.block) return reject(from, "sync response: block missing");
    auto h = cb.block->hash();
    const auto& hd = cb.block->header;
    if (cb.cert.block_hash != h || cb.cert.height != hd.height || cb.cert.view != hd.view)
      return reject(from, "sync response: certificate is for another block");
    if (hd.height <= committed_height()) {
      if (hd.height >= chain_base_ && chain_hashes_[hd.height - chain_base_] != h)
        return reject(from, "sync response: block conflicts with the committed chain");
      continue;
    }
    if (!known_certified(h)) {
      const char* why = nullptr;
      if (!check_block_certificate(cb.cert, why, msg)) return reject(from, why);
    }
    pending_.try_emplace(h, pending_block{cb.block, nullptr});
    drop_from_pool(*cb.block);
    // Compact relay: the batches of a block that came by catch-up instead of being rebuilt leave
    // the mempool as a rebuilt block's do; else they would stay for ever, and this node, when it
    // leads, would propose them again.
    if (p_.relay == relay_mode::compact && !app_ && !mempool_.empty()) {
      std::unordered_set<crypto::hash256> in_block;
      in_block.reserve(cb.block->txs.size());
      for (const auto& tx : cb.block->txs)
        in_block.insert(tx.id());
      std::vector<std::pair<crypto::hash256, msg_ptr>> gone;
      for (const auto& [id, b] : mempool_) {
        const auto& txs = std::get<proto::tx_batch>(*b.msg).txs;
        if (std::all_of(txs.begin(), txs.end(),
                        [&](const ledger::transaction& tx) { return in_block.count(tx.id()); }))
          gone.emplace_back(id, b.msg);
      }
      for (auto& [id, m] : gone) {
        erase_from_mempool(id);
        remember_included(id, std::move(m));
      }
    }
    process_certificate(msg, cb.cert, from);
    if (!orphans_.empty()) resume_children(h);
    // The block's certificate may have come before its ancestors did (a node cut off while they
    // were certified): it was not fresh then and is not now, so nothing else would try the
    // two-chain rule on it again until a newer certificate arrives, which may be never.
    try_commit(h);
  }
  // The leader of the current view may have entered it on a certificate whose block it lacked
  // (a block it never received, e.g. from an equivocating leader): it could not propose then,
  // and nothing else would make it try again once the block has come.
  if (!r.blocks.empty()) maybe_propose(now_us_);
  // An answer that committed nothing: the peer may lack the same blocks (a restarted super node
  // and its member asking each other for ever, fault-search seed 35309). Ask the next peer when
  // more is needed.
  if (from == sync_peer_ && committed_height() == committed_before) {
    auto next = (sync_peer_ + 1) % topo_->size();
    if (next == me_) next = (next + 1) % topo_->size();
    sync_peer_ = next;
  }
  // A full answer means there may be more.
  if (r.blocks.size() >= p_.sync_max_blocks) request_sync(from);
}

} // namespace bystack::bbft
