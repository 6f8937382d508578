#include "runtime/federation/sidechain_host.hpp"

#include "runtime/node/chain_store.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace bystack::federation {

namespace {

using json = nlohmann::json;

void reply(httplib::Response& res, int status, const json& j) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

json error_json(const std::string& rule, const std::string& message) {
  return {{"error", {{"rule", rule}, {"message", message}}}};
}

json program_json(const ledger::control_program& p) {
  json keys = json::array();
  for (const auto& k : p.keys)
    keys.push_back(to_hex(k));
  return {{"threshold", p.threshold}, {"keys", std::move(keys)}, {"address", p.address().hex()}};
}

json term_json(const term_summary& t) {
  return {{"epoch", t.epoch},
          {"sidechain_from", t.sidechain_from},
          {"mainchain_from", t.mainchain_from},
          {"address", t.address},
          {"threshold", t.threshold},
          {"members", t.members},
          {"collectors", t.collectors},
          {"replaced", t.replaced}};
}

} // namespace

sidechain_host::sidechain_host(federation_setup s)
    : setup_(std::move(s)), rules_(setup_.params, pow_) {
  if (setup_.election) {
    schedule_.emplace(genesis_term_of(setup_), *setup_.election);
    summary_ = summarize(schedule_->elector().terms());
  }
}

result<void> sidechain_host::on_commit(const ledger::block_delta& d, std::uint64_t height,
                                       const ledger::utxo_view& state) {
  if (!schedule_) return {};
  auto t = schedule_->on_commit(d, height, state, rules_.params());
  if (!t) return {};
  if (auto r = schedule_->rotation_of(*t))
    if (auto ok = rules_.add_rotation(*r); !ok)
      return make_error("sidechain height " + std::to_string(height) +
                        ": the elected rotation was refused: " + ok.err().message);
  std::lock_guard lock(mu_);
  summary_ = summarize(schedule_->elector().terms());
  return {};
}

std::optional<bytes> sidechain_host::record_at(std::uint64_t height) const {
  if (!schedule_) return std::nullopt;
  auto r = schedule_->record_at(height);
  if (!r) return std::nullopt;
  return encode(*r);
}

result<bool> sidechain_host::restore(const std::vector<std::pair<std::uint64_t, bytes>>& records,
                                     const ledger::utxo_set& state, std::uint64_t head) {
  if (!schedule_) return true;
  const auto epoch_blocks = schedule_->elector().params().epoch_blocks;
  const auto electing = epoch_blocks == 0 ? 0 : head / epoch_blocks;
  if (records.size() < electing) return false;
  std::vector<schedule_record> decoded;
  for (const auto& [h, raw] : records) {
    auto r = decode_schedule_record(raw);
    if (!r)
      return make_error("the schedule record of height " + std::to_string(h) + ": " +
                        r.err().message);
    if (r->height != h)
      return make_error("the schedule record under height " + std::to_string(h) +
                        " is for height " + std::to_string(r->height));
    decoded.push_back(std::move(*r));
  }
  if (auto r = schedule_->restore(decoded, ledger::dpos::vote_tally::from_state(state), head); !r)
    return r.err();
  for (const auto& rot : schedule_->elector().rotations())
    if (auto ok = rules_.add_rotation(rot); !ok)
      return make_error("federation elections: the rotation from sidechain height " +
                        std::to_string(rot.sidechain_from) + " was refused: " + ok.err().message);
  std::lock_guard lock(mu_);
  summary_ = summarize(schedule_->elector().terms());
  return true;
}

std::vector<term_summary> sidechain_host::schedule() const {
  std::lock_guard lock(mu_);
  return summary_;
}

result<std::unique_ptr<sidechain_host>> sidechain_host::make(const std::filesystem::path& file) {
  auto s = load_federation(file);
  if (!s) return s.err();
  return std::unique_ptr<sidechain_host>(new sidechain_host(std::move(*s)));
}

void sidechain_host::add_routes(httplib::Server& srv, const node::chain_store& store) const {
  const auto* p = &setup_.params;
  const auto* st = &store;
  srv.Get("/federation", [this, p, st](const httplib::Request&, httplib::Response& res) {
    store_view v(*st);
    light_client lc(*p, v);
    auto tip = lc.tip();
    auto head = st->head();
    json sched = json::array();
    for (const auto& t : schedule())
      sched.push_back(term_json(t));
    reply(
        res, 200,
        {{"federation", program_json(p->federation)},
         {"elections", elections()},
         {"schedule", std::move(sched)},
         {"grace_blocks", p->grace_blocks},
         {"mainchain", p->mainchain.hex()},
         {"mainchain_genesis", p->genesis.hash().hex()},
         {"pegin_confirmations", p->pegin_confirmations},
         {"release_confirmations", p->release_confirmations},
         {"committed_height", head ? *head : 0},
         {"light_client",
          {{"height", tip.hdr.height}, {"hash", tip.hash.hex()}, {"changes", lc.tip_changes()}}}});
  });
  srv.Get(R"(/federation/claim/([0-9a-fA-F]{64}))",
          [st](const httplib::Request& req, httplib::Response& res) {
            crypto::hash256 id;
            crypto::parse_hash(req.matches[1].str(), id);
            auto used = st->issuance_used(claim_key(id));
            if (!used) return reply(res, 503, error_json("unavailable", used.err().message));
            auto out = pegin_output_id(id);
            auto e = st->utxo(out);
            json j{{"mainchain_output", id.hex()},
                   {"claimed", *used},
                   {"sidechain_output", out.hex()},
                   {"unspent", e && e->has_value()}};
            if (e && *e) j["amount"] = (*e)->out.amount;
            reply(res, 200, j);
          });
  srv.Get(R"(/federation/pegout/([0-9a-fA-F]{64}))",
          [st](const httplib::Request& req, httplib::Response& res) {
            crypto::hash256 id;
            crypto::parse_hash(req.matches[1].str(), id);
            auto e = st->utxo(id);
            if (!e) return reply(res, 503, error_json("unavailable", e.err().message));
            json j{{"pegout", id.hex()}};
            if (!*e || (*e)->out.kind != pegout_output) {
              j["pending"] = false;
              return reply(res, 200, j);
            }
            j["pending"] = true;
            j["height"] = (*e)->height;
            j["asset"] = (*e)->out.asset.hex();
            j["amount"] = (*e)->out.amount;
            if (auto pp = decode_pegout(byte_view{(*e)->out.data.data(), (*e)->out.data.size()})) {
              j["destination"] = program_json(pp->destination);
              j["mainchain_fee"] = pp->mainchain_fee;
            }
            reply(res, 200, j);
          });
}

const ledger::utxo_entry* store_view::find(const hash256& id) const {
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    auto e = s_->utxo(id);
    it = entries_.emplace(id, e ? *e : std::nullopt).first;
  }
  return it->second ? &*it->second : nullptr;
}

const ledger::asset_definition* store_view::asset(const ledger::asset_id& id) const {
  auto it = assets_.find(id);
  if (it == assets_.end()) {
    auto a = s_->asset(id);
    std::optional<ledger::asset_definition> d;
    if (a && *a) d = (*a)->definition;
    it = assets_.emplace(id, std::move(d)).first;
  }
  return it->second ? &*it->second : nullptr;
}

std::uint64_t store_view::issued(const ledger::asset_id& id) const {
  auto v = s_->issued(id);
  return v ? *v : 0;
}

bool store_view::issuance_used(const hash256& id) const {
  auto v = s_->issuance_used(id);
  return v && *v;
}

} // namespace bystack::federation
