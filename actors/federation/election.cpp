#include "actors/federation/election.hpp"

#include "actors/federation/address.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace bystack::federation {

namespace {

std::uint8_t threshold_of(std::size_t n) {
  return threshold_for(n, n == 0 ? 0 : (n - 1) / 2);
}

} // namespace

federation_term elect_federation(const std::vector<ledger::dpos::candidate>& cands,
                                 const federation_term& current,
                                 const federation_election_params& p) {
  std::vector<crypto::public_key> eligible; // rank order
  std::map<crypto::public_key, std::uint64_t> votes;
  for (const auto& c : ledger::dpos::rank(cands)) {
    if (c.votes == 0 || c.votes < p.min_votes) continue;
    eligible.push_back(c.reg.node_key);
    votes.emplace(c.reg.node_key, c.votes);
  }
  std::size_t seats = p.seats != 0 ? p.seats : current.members.size();
  seats = std::clamp<std::size_t>(seats, 1, ledger::max_multisig_keys);
  std::set<crypto::public_key> top(
      eligible.begin(),
      eligible.begin() + static_cast<std::ptrdiff_t>(std::min(seats, eligible.size())));
  std::set<crypto::public_key> incumbents(current.members.begin(), current.members.end());

  std::deque<crypto::public_key> incoming; // best first
  for (const auto& k : eligible)
    if (top.count(k) != 0 && incumbents.count(k) == 0) incoming.push_back(k);
  std::deque<crypto::public_key> outgoing; // worst-voted first, ties: the larger key
  for (const auto& k : current.members)
    if (top.count(k) == 0) outgoing.push_back(k);
  auto votes_of = [&](const crypto::public_key& k) {
    auto it = votes.find(k);
    return it == votes.end() ? std::uint64_t{0} : it->second;
  };
  std::sort(outgoing.begin(), outgoing.end(), [&](const auto& a, const auto& b) {
    if (votes_of(a) != votes_of(b)) return votes_of(a) < votes_of(b);
    return b < a;
  });

  federation_term t;
  t.members = current.members;
  const std::size_t cap = current.members.size() / 3;
  auto leave = [&] {
    t.members.erase(std::find(t.members.begin(), t.members.end(), outgoing.front()));
    outgoing.pop_front();
    ++t.replaced;
  };
  auto join = [&] {
    t.members.push_back(incoming.front());
    incoming.pop_front();
  };
  while (t.members.size() < seats && !incoming.empty()) // a seat nobody holds
    join();
  while (t.members.size() > seats && !outgoing.empty() && t.replaced < cap)
    leave();
  while (!incoming.empty() && !outgoing.empty() && t.replaced < cap) {
    leave();
    join();
  }
  auto prog = federation_program(t.members, threshold_of(t.members.size()));
  if (!prog) return current; // cannot happen: keys are distinct and 1..16
  t.program = std::move(prog).value();

  for (const auto& k : eligible) {
    if (t.collectors.size() >= p.collectors) break;
    t.collectors.push_back(k);
  }
  if (t.collectors.empty()) t.collectors = current.collectors;
  return t;
}

result<federation_term> genesis_term(std::vector<crypto::public_key> producers,
                                     const federation_election_params& p) {
  if (producers.size() > ledger::max_multisig_keys) producers.resize(ledger::max_multisig_keys);
  auto prog = federation_program(producers, threshold_of(producers.size()));
  if (!prog) return make_error(prog.err().message);
  federation_term t;
  t.members = producers;
  t.program = std::move(prog).value();
  for (const auto& k : producers)
    if (t.collectors.size() < std::max<std::uint32_t>(p.collectors, 1)) t.collectors.push_back(k);
  return t;
}

federation_elector::federation_elector(federation_term genesis, federation_election_params p)
    : p_(p) {
  terms_.push_back(std::move(genesis));
}

std::optional<federation_term> federation_elector::on_commit(std::uint64_t height,
                                                             const ledger::dpos::vote_tally& tally,
                                                             std::uint64_t lc_tip_height) {
  auto epoch = ledger::dpos::elects_epoch(height, p_.epoch_blocks);
  if (!epoch) return std::nullopt;
  const auto& cur = terms_.back();
  auto t = elect_federation(tally.candidates(), cur, p_);
  if (t.program == cur.program && t.collectors == cur.collectors) return std::nullopt;
  t.epoch = *epoch;
  t.sidechain_from = *epoch * p_.epoch_blocks + 1;
  // After a rotation, the next one waits for the end of its grace period.
  auto gap =
      cur.program != terms_.front().program ? std::max<std::uint64_t>(p_.grace_blocks, 1) : 1;
  t.mainchain_from =
      t.program == cur.program
          ? cur.mainchain_from
          : std::max(lc_tip_height + p_.activation_margin_blocks, cur.mainchain_from + gap);
  terms_.push_back(t);
  return t;
}

result<void> federation_elector::restore(std::vector<federation_term> later) {
  if (terms_.size() != 1)
    return make_error("federation elections: the elector has elected already");
  std::uint64_t last = 0;
  for (auto& t : later) {
    if (t.epoch < 2 || t.epoch <= last)
      return make_error("federation elections: the term of epoch " + std::to_string(t.epoch) +
                        " follows epoch " + std::to_string(last));
    if (t.sidechain_from != t.epoch * p_.epoch_blocks + 1)
      return make_error("federation elections: the term of epoch " + std::to_string(t.epoch) +
                        " is in force from sidechain height " + std::to_string(t.sidechain_from));
    last = t.epoch;
  }
  for (auto& t : later)
    terms_.push_back(std::move(t));
  return {};
}

const federation_term& federation_elector::at_sidechain(std::uint64_t height) const {
  const auto* cur = &terms_.front();
  for (const auto& t : terms_)
    if (t.sidechain_from <= height) cur = &t;
  return *cur;
}

std::vector<federation_rotation> federation_elector::rotations() const {
  std::vector<federation_rotation> out;
  for (std::size_t i = 1; i < terms_.size(); ++i)
    if (terms_[i].program != terms_[i - 1].program)
      out.push_back(federation_rotation{terms_[i].program, terms_[i].mainchain_from,
                                        terms_[i].sidechain_from});
  return out;
}

std::vector<ledger::control_program> federation_elector::programs() const {
  std::vector<ledger::control_program> out;
  for (const auto& t : terms_)
    if (out.empty() || out.back() != t.program) out.push_back(t.program);
  return out;
}

} // namespace bystack::federation
