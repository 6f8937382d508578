#include "runtime/ledger/election.hpp"
#include "runtime/ledger/detail/encoding.hpp"

#include <algorithm>
#include <limits>
#include <set>

namespace bystack::ledger::dpos {

std::vector<candidate> rank(std::vector<candidate> cands) {
  std::sort(cands.begin(), cands.end(), [](const candidate& a, const candidate& b) {
    if (a.votes != b.votes) return a.votes > b.votes;
    if (a.registered_at != b.registered_at) return a.registered_at < b.registered_at;
    return a.id < b.id;
  });
  std::set<crypto::public_key> keys;
  std::vector<candidate> out;
  out.reserve(cands.size());
  for (auto& c : cands)
    if (keys.insert(c.reg.node_key).second) out.push_back(std::move(c));
  return out;
}

elected_set elect(const std::vector<candidate>& cands, const election_params& p,
                  const elected_set& previous, std::uint64_t epoch) {
  elected_set out;
  out.epoch = epoch;
  for (auto& c : rank(cands)) {
    if (out.members.size() >= p.consensus_size) break;
    if (c.votes < p.min_votes || c.votes == 0) continue;
    out.members.push_back(member{c.id, c.reg.node_key, c.reg.address, c.reg.region, c.votes});
  }
  if (out.members.size() < p.min_size || out.members.empty()) {
    out.members = previous.members;
    out.carried_over = true;
  }
  return out;
}

std::size_t members_changed(const elected_set& a, const elected_set& b) {
  std::set<crypto::public_key> before;
  for (const auto& m : a.members)
    before.insert(m.key);
  std::size_t n = 0;
  for (const auto& m : b.members)
    n += before.count(m.key) == 0 ? 1 : 0;
  return n;
}

super_policy stake_only(std::uint32_t m) {
  return [m](const std::vector<member>& ms) {
    grouping g;
    auto n = static_cast<std::uint32_t>(ms.size());
    auto supers = std::max<std::uint32_t>(1, std::min(m, n));
    for (std::uint32_t s = 0; s < supers; ++s) {
      g.supers.push_back(s);
      g.groups.push_back({s});
    }
    for (std::uint32_t i = supers; i < n; ++i)
      g.groups[(i - supers) % supers].push_back(i);
    return g;
  };
}

super_policy stake_and_delay(std::uint32_t m, delay_fn delay, std::uint32_t max_group) {
  return [m, delay = std::move(delay), max_group](const std::vector<member>& ms) {
    grouping g;
    auto n = static_cast<std::uint32_t>(ms.size());
    auto supers = std::max<std::uint32_t>(1, std::min(m, n));
    // Delays among members, computed once (n is a few hundred at most).
    std::vector<std::vector<double>> d(n, std::vector<double>(n, 0));
    for (std::uint32_t i = 0; i < n; ++i)
      for (std::uint32_t j = 0; j < n; ++j)
        d[i][j] = i == j ? 0 : delay(ms[i], ms[j]);
    std::uint32_t pool = std::min(n, 2 * supers);
    std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
    std::vector<bool> chosen(n, false);
    auto take = [&](std::uint32_t s) {
      chosen[s] = true;
      g.supers.push_back(s);
      for (std::uint32_t i = 0; i < n; ++i)
        nearest[i] = std::min(nearest[i], d[i][s]);
    };
    take(0);
    while (g.supers.size() < supers) {
      std::uint32_t best = n;
      double best_cost = std::numeric_limits<double>::infinity();
      for (std::uint32_t c = 0; c < pool; ++c) {
        if (chosen[c]) continue;
        double cost = 0;
        for (std::uint32_t i = 0; i < n; ++i)
          cost += std::min(nearest[i], d[i][c]);
        if (cost < best_cost) { // strict: ties keep the better rank
          best_cost = cost;
          best = c;
        }
      }
      take(best);
    }
    std::sort(g.supers.begin(), g.supers.end()); // rotation order by rank
    auto even = (n + supers - 1) / supers;
    auto cap = std::max<std::uint32_t>(max_group == 0 ? 2 * even : max_group, even);
    g.groups.resize(supers);
    for (std::uint32_t s = 0; s < supers; ++s)
      g.groups[s].push_back(g.supers[s]);
    for (std::uint32_t i = 0; i < n; ++i) {
      if (chosen[i]) continue;
      std::vector<std::uint32_t> order(supers);
      for (std::uint32_t s = 0; s < supers; ++s)
        order[s] = s;
      std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return d[i][g.supers[a]] < d[i][g.supers[b]];
      });
      for (auto s : order)
        if (g.groups[s].size() < cap) {
          g.groups[s].push_back(i);
          break;
        }
    }
    return g;
  };
}

bool valid_grouping(const grouping& g, std::size_t members) {
  if (g.supers.size() != g.groups.size() || g.supers.empty()) return false;
  std::vector<int> seen(members, 0);
  for (std::size_t k = 0; k < g.groups.size(); ++k) {
    if (g.groups[k].empty() || g.groups[k].front() != g.supers[k]) return false;
    for (auto i : g.groups[k]) {
      if (i >= members || seen[i]++) return false;
    }
  }
  return std::all_of(seen.begin(), seen.end(), [](int s) { return s == 1; });
}

namespace {
constexpr std::uint8_t election_record_version = 1;
/// More members or demoted ids than any configurable set holds: refused as garbage.
constexpr std::size_t max_record_entries = std::size_t{1} << 20;
} // namespace

bytes encode(const election_record& r) {
  bytes out;
  detail::writer w(out);
  w.u8(election_record_version);
  w.u64(r.height);
  w.u64(r.elected.epoch);
  w.u8(static_cast<std::uint8_t>((r.elected.carried_over ? 1 : 0) | (r.kept_previous ? 2 : 0)));
  w.u32(static_cast<std::uint32_t>(r.elected.members.size()));
  for (const auto& m : r.elected.members) {
    w.hash(m.candidate);
    w.raw(byte_view{m.key.data(), m.key.size()});
    w.blob(as_bytes(m.address));
    w.blob(as_bytes(m.region));
    w.u64(m.votes);
  }
  w.u32(static_cast<std::uint32_t>(r.demoted.size()));
  for (auto d : r.demoted)
    w.u32(d);
  return out;
}

result<election_record> decode_election_record(byte_view data) {
  detail::reader rd(data);
  election_record r;
  auto v = rd.u8("election.version");
  if (rd.ok() && v != election_record_version)
    return make_error("election record: unknown version " + std::to_string(v));
  r.height = rd.u64("election.height");
  r.elected.epoch = rd.u64("election.epoch");
  auto flags = rd.u8("election.flags");
  if (rd.ok() && flags > 3)
    return make_error("election record: unknown flags " + std::to_string(flags));
  r.elected.carried_over = (flags & 1) != 0;
  r.kept_previous = (flags & 2) != 0;
  auto n = rd.count("election.members", max_record_entries);
  for (std::size_t i = 0; i < n && rd.ok(); ++i) {
    member m;
    m.candidate = rd.hash("election.member.candidate");
    auto k = rd.hash("election.member.key");
    std::copy(k.data.begin(), k.data.end(), m.key.begin());
    auto a = rd.blob("election.member.address", max_address_bytes);
    auto g = rd.blob("election.member.region", max_region_bytes);
    m.address.assign(a.begin(), a.end());
    m.region.assign(g.begin(), g.end());
    m.votes = rd.u64("election.member.votes");
    r.elected.members.push_back(std::move(m));
  }
  auto d = rd.count("election.demoted", max_record_entries);
  for (std::size_t i = 0; i < d && rd.ok(); ++i) {
    auto id = rd.u32("election.demoted");
    if (rd.ok() && !r.demoted.empty() && id <= r.demoted.back())
      return make_error("election record: demoted node ids not ascending at entry " +
                        std::to_string(i));
    r.demoted.push_back(id);
  }
  if (!rd.ok()) return make_error("election record: " + rd.err());
  if (!rd.at_end()) return make_error("election record: trailing bytes");
  return r;
}

} // namespace bystack::ledger::dpos
