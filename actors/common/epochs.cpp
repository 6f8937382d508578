#include "actors/common/epochs.hpp"

#include <algorithm>

namespace bystack::bbft {

result<epoch_set> epoch_set::make(std::uint64_t epoch, std::uint32_t universe,
                                  std::vector<std::uint32_t> supers,
                                  std::vector<std::vector<std::uint32_t>> groups) {
  epoch_set s;
  s.epoch_ = epoch;
  for (const auto& g : groups)
    s.members_.insert(s.members_.end(), g.begin(), g.end());
  std::sort(s.members_.begin(), s.members_.end());
  if (s.members_.empty()) return make_error("epoch set: no members");
  auto t = topology::partial(universe, std::move(supers), std::move(groups));
  if (!t) return make_error("epoch set " + std::to_string(epoch) + ": " + t.err().message);
  s.topo_ = std::make_shared<const topology>(std::move(t).value());
  return s;
}

std::shared_ptr<const epoch_set> static_set_provider::set_of(std::uint64_t epoch) const {
  auto it = sets_.upper_bound(epoch);
  if (it == sets_.begin()) return nullptr;
  return std::prev(it)->second;
}

election_provider::election_provider(ledger::dpos::election_params p,
                                     ledger::dpos::super_policy policy,
                                     std::shared_ptr<const crypto::validator_set> universe,
                                     ledger::dpos::elected_set genesis)
    : p_(p), policy_(std::move(policy)), universe_(std::move(universe)) {
  genesis.epoch = 0;
  auto g = build(genesis);
  elected_[0] = genesis;
  genesis.epoch = 1;
  elected_[1] = genesis;
  sets_[0] = g;
  sets_[1] = g;
}

std::shared_ptr<const epoch_set>
election_provider::build(const ledger::dpos::elected_set& e,
                         const std::set<std::uint32_t>& demoted) const {
  // Members with a running node, in rank order (demoted ones last); the policy groups them.
  std::vector<ledger::dpos::member> ms;
  std::vector<std::uint32_t> ids;
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& m : e.members)
      if (auto id = universe_->index_of(m.key); id && (demoted.count(*id) != 0) == (pass == 1)) {
        ms.push_back(m);
        ids.push_back(*id);
      }
  if (ms.empty()) return nullptr;
  auto g = policy_(ms);
  if (!ledger::dpos::valid_grouping(g, ms.size())) return nullptr;
  std::vector<std::uint32_t> supers;
  std::vector<std::vector<std::uint32_t>> groups;
  for (auto s : g.supers)
    supers.push_back(ids[s]);
  for (const auto& grp : g.groups) {
    groups.emplace_back();
    for (auto i : grp)
      groups.back().push_back(ids[i]);
  }
  auto s = epoch_set::make(e.epoch, static_cast<std::uint32_t>(universe_->size()),
                           std::move(supers), std::move(groups));
  if (!s) return nullptr;
  return std::make_shared<const epoch_set>(std::move(s).value());
}

void election_provider::on_commit(const ledger::block_delta& d, std::uint64_t height) {
  tally_.apply(d);
  height_ = height;
  last_record_.reset();
  auto target = ledger::dpos::elects_epoch(height, p_.epoch_blocks);
  if (!target || elected_.count(*target)) return;
  const auto& previous = std::prev(elected_.end())->second;
  auto e = ledger::dpos::elect(tally_.candidates(), p_, previous, *target);
  // Super nodes of the ending epoch that proposed nothing in it join the failed ones.
  if (auto cur = set_of(epoch_of(height)))
    for (auto sn : cur->topo()->supers())
      if (!proposed_.count(sn)) failed_supers_.insert(sn);
  proposed_.clear();
  const auto& demoted = failed_supers_;
  auto s = build(e, demoted);
  bool kept_previous = false;
  if (!s) { // no elected member runs a node: keep the previous set
    e.members = previous.members;
    e.carried_over = true;
    kept_previous = true;
    s = build(e);
  }
  last_record_ = ledger::dpos::election_record{
      height, e, std::vector<std::uint32_t>(failed_supers_.begin(), failed_supers_.end()),
      kept_previous};
  elected_[*target] = std::move(e);
  sets_[*target] = std::move(s);
}

std::optional<ledger::dpos::election_record>
election_provider::record_at(std::uint64_t height) const {
  if (!last_record_ || last_record_->height != height) return std::nullopt;
  return last_record_;
}

result<void> election_provider::restore(const std::vector<ledger::dpos::election_record>& records,
                                        ledger::dpos::vote_tally tally, std::uint64_t height) {
  if (height_ != 0 || elected_.size() != 2)
    return make_error("elections: restore needs a provider that has seen no commit");
  // Every electing height up to `height` has its record, in order, and nothing else.
  const auto want = p_.epoch_blocks == 0 ? 0 : height / p_.epoch_blocks;
  if (records.size() != want)
    return make_error("elections: " + std::to_string(records.size()) + " election records for " +
                      std::to_string(want) + " electing heights up to height " +
                      std::to_string(height));
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    const auto at = "elections: the record of height " + std::to_string(r.height) + ": ";
    const auto h = (i + 1) * p_.epoch_blocks;
    if (r.height != h) return make_error(at + "expected the record of height " + std::to_string(h));
    if (r.elected.epoch != ledger::dpos::elects_epoch(h, p_.epoch_blocks))
      return make_error(at + "it elects epoch " + std::to_string(r.elected.epoch));
    if (r.kept_previous && r.elected.members != std::prev(elected_.end())->second.members)
      return make_error(at + "it keeps the previous set but names other members");
    std::set<std::uint32_t> demoted;
    for (auto d : r.demoted) {
      if (d >= universe_->size())
        return make_error(at + "demoted node " + std::to_string(d) + " is not in the universe");
      demoted.insert(d);
    }
    auto s = r.kept_previous ? build(r.elected) : build(r.elected, demoted);
    if (!s && !r.kept_previous)
      return make_error(at + "its set cannot be grouped with its demoted super nodes");
    elected_[r.elected.epoch] = r.elected;
    sets_[r.elected.epoch] = std::move(s);
    failed_supers_ = std::move(demoted);
  }
  tally_ = std::move(tally);
  height_ = height;
  proposed_.clear();
  return {};
}

void election_provider::note_proposer(std::uint64_t, std::uint32_t proposer) {
  proposed_.insert(proposer);
  failed_supers_.erase(proposer);
}

std::shared_ptr<const epoch_set> election_provider::set_of(std::uint64_t epoch) const {
  auto it = sets_.find(epoch);
  return it == sets_.end() ? nullptr : it->second;
}

const ledger::dpos::elected_set* election_provider::elected(std::uint64_t epoch) const {
  auto it = elected_.find(epoch);
  return it == elected_.end() ? nullptr : &it->second;
}

} // namespace bystack::bbft
