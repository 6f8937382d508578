#include "runtime/federation/schedule.hpp"

#include "runtime/ledger/detail/encoding.hpp"

namespace bystack::federation {

std::optional<federation_term> federation_schedule::on_commit(const ledger::block_delta& d,
                                                              std::uint64_t height,
                                                              const ledger::utxo_view& state,
                                                              const federation_params& p) {
  tally_.apply(d);
  height_ = height;
  last_record_.reset();
  if (!ledger::dpos::elects_epoch(height, elector_.params().epoch_blocks)) return std::nullopt;
  auto lc_tip = light_client(p, state).tip().hdr.height;
  auto t = elector_.on_commit(height, tally_, lc_tip);
  last_record_ = schedule_record{height, t};
  return t;
}

std::optional<schedule_record> federation_schedule::record_at(std::uint64_t height) const {
  if (!last_record_ || last_record_->height != height) return std::nullopt;
  return last_record_;
}

result<void> federation_schedule::restore(const std::vector<schedule_record>& records,
                                          ledger::dpos::vote_tally tally, std::uint64_t head) {
  if (height_ != 0) return make_error("federation elections: the schedule has seen commits");
  const auto epoch_blocks = elector_.params().epoch_blocks;
  const auto want = epoch_blocks == 0 ? 0 : head / epoch_blocks;
  if (records.size() != want)
    return make_error("federation elections: " + std::to_string(records.size()) +
                      " schedule records for " + std::to_string(want) +
                      " electing heights up to height " + std::to_string(head));
  std::vector<federation_term> later;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto h = (i + 1) * epoch_blocks;
    if (records[i].height != h)
      return make_error("federation elections: the record of height " +
                        std::to_string(records[i].height) + ": expected the record of height " +
                        std::to_string(h));
    if (records[i].term && records[i].term->epoch != *ledger::dpos::elects_epoch(h, epoch_blocks))
      return make_error("federation elections: the record of height " + std::to_string(h) +
                        ": its term is for epoch " + std::to_string(records[i].term->epoch));
    if (records[i].term) later.push_back(*records[i].term);
  }
  if (auto r = elector_.restore(std::move(later)); !r) return r;
  tally_ = std::move(tally);
  height_ = head;
  return {};
}

namespace {
constexpr std::uint8_t schedule_record_version = 1;
constexpr std::size_t max_term_keys = 1024; // more keys than any federation holds: garbage
} // namespace

bytes encode(const schedule_record& r) {
  bytes out;
  ledger::detail::writer w(out);
  w.u8(schedule_record_version);
  w.u64(r.height);
  w.u8(r.term ? 1 : 0);
  if (r.term) {
    const auto& t = *r.term;
    w.u64(t.epoch);
    w.u64(t.sidechain_from);
    w.u64(t.mainchain_from);
    w.u32(static_cast<std::uint32_t>(t.members.size()));
    for (const auto& k : t.members)
      w.raw(byte_view{k.data(), k.size()});
    ledger::detail::put(w, t.program);
    w.u32(static_cast<std::uint32_t>(t.collectors.size()));
    for (const auto& k : t.collectors)
      w.raw(byte_view{k.data(), k.size()});
    w.u64(t.replaced);
  }
  return out;
}

result<schedule_record> decode_schedule_record(byte_view data) {
  ledger::detail::reader rd(data);
  schedule_record r;
  auto v = rd.u8("schedule.version");
  if (rd.ok() && v != schedule_record_version)
    return make_error("schedule record: unknown version " + std::to_string(v));
  r.height = rd.u64("schedule.height");
  auto has = rd.u8("schedule.has_term");
  if (rd.ok() && has > 1) return make_error("schedule record: has_term is " + std::to_string(has));
  auto keys = [&](const char* field, std::vector<crypto::public_key>& out) {
    auto n = rd.count(field, max_term_keys);
    for (std::size_t i = 0; i < n && rd.ok(); ++i) {
      auto k = rd.hash(field);
      crypto::public_key pk;
      std::copy(k.data.begin(), k.data.end(), pk.begin());
      out.push_back(pk);
    }
  };
  if (rd.ok() && has == 1) {
    federation_term t;
    t.epoch = rd.u64("schedule.term.epoch");
    t.sidechain_from = rd.u64("schedule.term.sidechain_from");
    t.mainchain_from = rd.u64("schedule.term.mainchain_from");
    keys("schedule.term.members", t.members);
    if (rd.ok()) t.program = ledger::detail::get_program(rd, "schedule.term.program");
    keys("schedule.term.collectors", t.collectors);
    t.replaced = rd.u64("schedule.term.replaced");
    r.term = std::move(t);
  }
  if (!rd.ok()) return make_error("schedule record: " + rd.err());
  if (!rd.at_end()) return make_error("schedule record: trailing bytes");
  return r;
}

std::optional<federation_rotation>
federation_schedule::rotation_of(const federation_term& t) const {
  const auto& terms = elector_.terms();
  // `t` is the last term; the program it follows is the one of the term before it.
  if (terms.size() < 2 || terms[terms.size() - 2].program == t.program) return std::nullopt;
  return federation_rotation{t.program, t.mainchain_from, t.sidechain_from};
}

std::vector<term_summary> summarize(const std::vector<federation_term>& terms) {
  std::vector<term_summary> out;
  for (const auto& t : terms) {
    term_summary s;
    s.epoch = t.epoch;
    s.sidechain_from = t.sidechain_from;
    s.mainchain_from = t.mainchain_from;
    s.address = t.program.address().hex();
    s.threshold = t.program.threshold;
    for (const auto& k : t.members)
      s.members.push_back(to_hex(k));
    for (const auto& k : t.collectors)
      s.collectors.push_back(to_hex(k));
    s.replaced = t.replaced;
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace bystack::federation
