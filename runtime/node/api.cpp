#include "runtime/node/api.hpp"

#include "runtime/codec/codec.hpp"
#include "runtime/ledger/butxo_app.hpp"
#include "runtime/node/runtime.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <map>

namespace bystack::node {

namespace {

using json = nlohmann::json;
constexpr auto actor_timeout = std::chrono::milliseconds(10'000);

/// Bounds the outputs GET /utxo lists (the reply says "truncated" when more exist).
constexpr std::size_t max_utxos_per_reply = 1000;
/// Bounds the outputs GET /balance sums, so that one request cannot scan without end.
constexpr std::size_t max_utxos_per_balance = 1'000'000;

json error_json(const std::string& rule, const std::string& message) {
  return {{"error", {{"rule", rule}, {"message", message}}}};
}

json program_json(const ledger::control_program& p) {
  json keys = json::array();
  for (const auto& k : p.keys)
    keys.push_back(to_hex(k));
  return {{"threshold", p.threshold}, {"keys", std::move(keys)}};
}

json block_json(const proto::committed_block& b, bool full, bool butxo) {
  const auto& h = b.block->header;
  json j;
  j["height"] = h.height;
  j["hash"] = b.cert.block_hash.hex();
  j["parent"] = h.parent.hex();
  j["view"] = h.view;
  j["parent_view"] = h.parent_view;
  j["proposer"] = h.proposer;
  j["timestamp_ms"] = h.timestamp_ms;
  j["tx_count"] = h.tx_count;
  j["tx_root"] = h.tx_root.hex();
  std::size_t signers = 0;
  for (const auto& qc : b.cert.certs)
    signers += qc.signer_count();
  j["certificate"] = {
      {"view", b.cert.view}, {"group_certificates", b.cert.certs.size()}, {"signatures", signers}};
  json txs = json::array();
  for (const auto& tx : b.block->txs) {
    if (butxo) {
      // BUTXO ids (what POST /tx answers and GET /tx takes), not the wrapper's id.
      auto t = ledger::unwrap(tx);
      if (full)
        txs.push_back(to_hex(tx.payload));
      else
        txs.push_back(t ? t->id().hex() : std::string("malformed"));
    } else if (full) {
      txs.push_back(json::parse(transaction_to_json_text(tx)));
    } else {
      txs.push_back(tx.id().hex());
    }
  }
  j[full ? "txs" : "tx_ids"] = std::move(txs);
  return j;
}

/// The native amounts of a committed BUTXO block: its coinbase (what it claims and its outputs)
/// and its fees, the native units its other transactions spend and do not pay out, summed from
/// the spent entries of the block's undo data (none stored: a block refused at commit, zeros).
result<json> block_amounts_json(const proto::committed_block& b, const std::optional<bytes>& undo,
                                const ledger::chain_params& params) {
  std::map<crypto::hash256, std::uint64_t> spent_native;
  bool applied = undo.has_value();
  if (undo) {
    auto d = ledger::decode_block_delta(byte_view{undo->data(), undo->size()});
    if (!d) return make_error("undo data: " + d.err().message);
    for (const auto& [id, e] : d->spent)
      if (e.out.asset == params.native) spent_native[id] = e.out.amount;
  }
  json cb = nullptr;
  std::uint64_t fees = 0;
  for (std::size_t i = 0; applied && i < b.block->txs.size(); ++i) {
    auto t = ledger::unwrap(b.block->txs[i]);
    if (!t) return make_error("transaction " + std::to_string(i) + ": " + t.err().message);
    std::uint64_t out = 0;
    json outs = json::array();
    for (const auto& o : t->outputs)
      if (o.asset == params.native) {
        out += o.amount;
        outs.push_back({{"owner", o.owner.address().hex()}, {"amount", o.amount}});
      }
    if (i == 0 && t->inputs.size() == 1 && t->inputs[0].kind == ledger::input_kind::coinbase) {
      cb = {{"claimed", t->inputs[0].amount}, {"paid", out}, {"outputs", std::move(outs)}};
      continue;
    }
    std::uint64_t in = 0;
    for (const auto& inp : t->inputs)
      if (auto it = spent_native.find(inp.spent_output); it != spent_native.end()) in += it->second;
    if (in > out) fees += in - out;
  }
  return json{{"coinbase", std::move(cb)}, {"fees", fees}, {"block_reward", params.block_reward}};
}

void reply(httplib::Response& res, int status, const json& j) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

} // namespace

api_server::api_server(node_runtime& rt, const node_config& cfg)
    : rt_(rt), cfg_(cfg), srv_(std::make_unique<httplib::Server>()) {}

api_server::~api_server() {
  stop();
}

result<void> api_server::start() {
  auto& srv = *srv_;
  auto threads = cfg_.api_threads;
  srv.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  srv.set_payload_max_length(cfg_.limits.max_request_bytes);

  srv.Post("/tx", [this](const httplib::Request& req, httplib::Response& res) {
    if (rt_.ledger_enabled()) return post_ledger_tx(req.body, res);
    auto parsed = parse_tx_request(req.body, cfg_.limits.max_txs_per_request);
    if (!parsed) return reply(res, 400, {{"error", parsed.err().message}});
    if (parsed->too_many)
      return reply(res, 413,
                   {{"error", "more than " + std::to_string(cfg_.limits.max_txs_per_request) +
                                  " transactions in one request"}});
    auto items = parsed->items;
    auto invalid = parsed->invalid;
    json errors = json::array();
    for (const auto& e : parsed->errors)
      errors.push_back({{"index", e.index}, {"error", e.message}});
    auto txs = std::move(parsed->txs);
    std::uint64_t valid = txs.size(), accepted = 0;
    if (!txs.empty()) {
      auto r = rt_.submit(std::move(txs), actor_timeout);
      if (!r) return reply(res, 503, {{"error", r.err().message}});
      accepted = *r;
    }
    rt_.stats().tx_submitted(accepted, items - accepted);
    reply(res, invalid == items ? 400 : 200,
          {{"accepted", accepted},
           {"invalid", invalid},
           {"duplicate_or_pool_full", valid - accepted},
           {"errors", errors}});
  });

  srv.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    auto s = rt_.status(actor_timeout);
    if (!s) return reply(res, 503, {{"error", s.err().message}});
    json j{{"id", s->id},
           {"view", s->view},
           {"height", s->certified_height},
           {"head_hash", s->certified_hash.hex()},
           {"committed_height", s->committed_height},
           {"committed_hash", s->committed_hash.hex()},
           {"leader", s->leader},
           {"pool_size", s->pool_size},
           {"peers_connected", s->peers_connected},
           {"peers_total", s->peers_total},
           {"views_timed_out", s->stats.views_timed_out},
           {"proposals_made", s->stats.proposals_made},
           {"votes_cast", s->stats.votes_cast},
           {"rejected", s->stats.rejected},
           {"sync_requests", s->stats.sync_requests}};
    j["ledger"] = s->ledger ? "butxo" : "opaque";
    j["chain_in_memory"] = {{"blocks", s->chain_blocks_in_memory},
                            {"lowest_height", s->lowest_in_memory},
                            {"retained_blocks", cfg_.retained_blocks},
                            {"archive_reads", s->archive_reads},
                            {"archive_failures", s->archive_failures}};
    // Compact relay (docs/relay.md); all zero under full relay.
    j["compact"] = {
        {"rebuilt", s->stats.compact_rebuilt}, {"no_round_trip", s->stats.compact_no_round_trip},
        {"fetches", s->stats.compact_fetches}, {"collisions", s->stats.compact_collisions},
        {"failed", s->stats.compact_failed},   {"gossip_batches", s->stats.gossip_batches},
        {"missing", s->stats.compact_missing}, {"prefilled", s->stats.compact_prefilled}};
    if (s->ledger) {
      j["utxo_set_hash"] = s->utxo_set_hash.hex();
      j["utxos"] = s->utxos;
      j["pool"] = {{"txs", s->pool_size}, {"bytes", s->pool_bytes}, {"orphans", s->pool_orphans}};
      j["chain"] = s->chain.hex();
      j["native_asset"] = s->native_asset.hex();
      j["min_fee_per_kb"] = s->min_fee_per_kb;
      j["blocks_refused"] = s->stats.blocks_refused;
      j["txs_refused"] = s->stats.txs_refused;
      j["txs_tracked"] = s->txs_tracked;
      j["txs_resent"] = s->txs_resent;
      j["txs_dropped"] = s->txs_dropped;
    }
    if (s->dpos)
      j["dpos"] = {{"epoch", s->epoch},
                   {"in_set", s->in_set},
                   {"set_size", s->set_size},
                   {"supers", s->supers}};
    reply(res, 200, j);
  });

  srv.Get(R"(/tx/([0-9a-fA-F]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
    if (!rt_.ledger_enabled())
      return reply(res, 404, error_json("not-found", "this node runs 'ledger: opaque'"));
    crypto::hash256 id;
    crypto::parse_hash(req.matches[1].str(), id);
    // The actor first, then the store: a commit removes a transaction from the pool and writes
    // it to the store within one handler of the actor, so one of the two always has it.
    std::string dropped;
    auto pending = rt_.pending_tx(id, actor_timeout, &dropped);
    if (!pending) return reply(res, 503, error_json("unavailable", pending.err().message));
    json j{{"id", id.hex()}};
    if (*pending) {
      j["status"] = "pending";
      j["tx"] = to_hex(**pending);
      return reply(res, 200, j);
    }
    auto c = rt_.store().committed_tx(id);
    if (!c) return reply(res, 500, error_json("store", c.err().message));
    if (!*c) {
      if (!dropped.empty()) {
        j["status"] = "dropped";
        j["reason"] = dropped;
      } else {
        j["status"] = "unknown";
      }
      return reply(res, 200, j);
    }
    j["status"] = "committed";
    j["height"] = (*c)->height;
    j["tx"] = to_hex((*c)->tx);
    reply(res, 200, j);
  });

  if (rt_.link_faults_enabled()) {
    // Test link faults (testing.link_faults, which needs BYSTACK_ALLOW_TEST_FAULTS=1):
    // {"peer": 3, "drop": 1.0, "delay_ms": 0} sets this node's outgoing link to node 3;
    // {"peer": 3} clears it.
    srv.Post("/admin/link", [this](const httplib::Request& req, httplib::Response& res) {
      auto j = json::parse(req.body, nullptr, false);
      if (!j.is_object() || !j.contains("peer") || !j["peer"].is_number_unsigned())
        return reply(res, 400, error_json("malformed", "expected {\"peer\": N, ...}"));
      double drop = 0;
      std::uint64_t delay = 0;
      if (j.contains("drop")) {
        if (!j["drop"].is_number()) return reply(res, 400, error_json("malformed", "drop"));
        drop = j["drop"].get<double>();
      }
      if (j.contains("delay_ms")) {
        if (!j["delay_ms"].is_number_unsigned())
          return reply(res, 400, error_json("malformed", "delay_ms"));
        delay = j["delay_ms"].get<std::uint64_t>();
      }
      auto peer = j["peer"].get<std::uint64_t>();
      auto r = rt_.set_link_fault(
          static_cast<std::uint32_t>(std::min<std::uint64_t>(peer, 1u << 30)), drop,
          static_cast<std::uint32_t>(std::min<std::uint64_t>(delay, 1u << 30)));
      if (!r) return reply(res, 400, error_json("invalid", r.err().message));
      reply(res, 200, {{"peer", peer}, {"drop", drop}, {"delay_ms", delay}});
    });
  }

  // One committed unspent output by id, of any kind (votes and registrations are not in the
  // owner index that GET /utxo?owner= reads: they are not spendable coins).
  srv.Get(R"(/utxo/([0-9a-fA-F]{64}))",
          [this](const httplib::Request& req, httplib::Response& res) {
            if (!rt_.ledger_enabled())
              return reply(res, 404, error_json("not-found", "this node runs 'ledger: opaque'"));
            crypto::hash256 id;
            crypto::parse_hash(req.matches[1].str(), id);
            auto e = rt_.store().utxo(id);
            if (!e) return reply(res, 500, error_json("store", e.err().message));
            if (!*e)
              return reply(res, 404, error_json("not-found", "no unspent output " + id.hex()));
            const auto& u = **e;
            reply(res, 200,
                  {{"id", id.hex()},
                   {"asset", u.out.asset.hex()},
                   {"amount", u.out.amount},
                   {"lot", u.out.lot.hex()},
                   {"height", u.height},
                   {"kind", ledger::output_kind_name(static_cast<std::uint8_t>(u.out.kind))},
                   {"owner", program_json(u.out.owner)},
                   {"data", to_hex(byte_view{u.out.data.data(), u.out.data.size()})}});
          });

  srv.Get("/utxo", [this](const httplib::Request& req, httplib::Response& res) {
    if (!rt_.ledger_enabled())
      return reply(res, 404, error_json("not-found", "this node runs 'ledger: opaque'"));
    if (!req.has_param("owner"))
      return reply(res, 400, error_json("malformed", "missing ?owner=<address or public key hex>"));
    auto address = owner_address(req.get_param_value("owner"));
    if (!address) return reply(res, 400, error_json("malformed", address.err().message));
    bool more = false;
    auto list = rt_.store().utxos_of(*address, max_utxos_per_reply, &more);
    if (!list) return reply(res, 500, error_json("store", list.err().message));
    json utxos = json::array();
    for (const auto& [id, e] : *list)
      utxos.push_back({{"id", id.hex()},
                       {"asset", e.out.asset.hex()},
                       {"amount", e.out.amount},
                       {"lot", e.out.lot.hex()},
                       {"height", e.height},
                       {"kind", ledger::output_kind_name(static_cast<std::uint8_t>(e.out.kind))},
                       {"owner", program_json(e.out.owner)}});
    json j{{"owner", address->hex()}, {"utxos", std::move(utxos)}};
    if (more) j["truncated"] = true;
    reply(res, 200, j);
  });

  srv.Get(R"(/balance/([0-9a-fA-F]+))",
          [this](const httplib::Request& req, httplib::Response& res) {
            if (!rt_.ledger_enabled())
              return reply(res, 404, error_json("not-found", "this node runs 'ledger: opaque'"));
            auto address = owner_address(req.matches[1].str());
            if (!address) return reply(res, 400, error_json("malformed", address.err().message));
            bool more = false;
            auto list = rt_.store().utxos_of(*address, max_utxos_per_balance, &more);
            if (!list) return reply(res, 500, error_json("store", list.err().message));
            if (more)
              return reply(res, 413,
                           error_json("too-many-outputs",
                                      "the address holds more than " +
                                          std::to_string(max_utxos_per_balance) + " outputs"));
            std::map<ledger::asset_id, std::uint64_t> sums;
            for (const auto& [id, e] : *list) {
              auto& s = sums[e.out.asset];
              if (__builtin_add_overflow(s, e.out.amount, &s)) s = UINT64_MAX;
            }
            json balances = json::array();
            for (const auto& [asset, amount] : sums) {
              json b{{"asset", asset.hex()}, {"amount", amount}};
              if (auto a = rt_.store().asset(asset); a && *a) {
                b["name"] = (*a)->definition.name;
                b["kind"] = ledger::kind_name((*a)->definition.kind);
              }
              balances.push_back(std::move(b));
            }
            reply(res, 200, {{"address", address->hex()}, {"balances", std::move(balances)}});
          });

  srv.Get(R"(/asset/([0-9a-fA-F]{64}))",
          [this](const httplib::Request& req, httplib::Response& res) {
            if (!rt_.ledger_enabled())
              return reply(res, 404, error_json("not-found", "this node runs 'ledger: opaque'"));
            ledger::asset_id id;
            crypto::parse_hash(req.matches[1].str(), id);
            auto a = rt_.store().asset(id);
            if (!a) return reply(res, 500, error_json("store", a.err().message));
            if (!*a) return reply(res, 404, error_json("unknown-asset", "no asset " + id.hex()));
            const auto& d = (*a)->definition;
            reply(res, 200,
                  {{"id", id.hex()},
                   {"name", d.name},
                   {"kind", ledger::kind_name(d.kind)},
                   {"decimals", d.decimals},
                   {"max_supply", d.max_supply},
                   {"issued", (*a)->issued},
                   {"retired", (*a)->retired},
                   {"issuer", program_json(d.issuer)}});
          });

  srv.Get("/election", [this](const httplib::Request&, httplib::Response& res) {
    if (!rt_.dpos_enabled())
      return reply(res, 404, error_json("not-found", "this node's genesis has no 'dpos' section"));
    auto v = rt_.election(actor_timeout);
    if (!v) return reply(res, 503, error_json("unavailable", v.err().message));
    auto key_hex = [](const crypto::public_key& k) {
      return to_hex(byte_view{k.data(), k.size()});
    };
    auto node_json = [](std::int64_t n) { return n < 0 ? json(nullptr) : json(n); };
    json sets = json::array();
    for (const auto& s : v->sets) {
      json members = json::array();
      for (const auto& m : s.members)
        members.push_back({{"node", node_json(m.node)},
                           {"key", key_hex(m.key)},
                           {"candidate", m.candidate.hex()},
                           {"address", m.address},
                           {"region", m.region},
                           {"votes", m.votes}});
      sets.push_back({{"epoch", s.epoch},
                      {"first_height", s.first_height},
                      {"carried_over", s.carried_over},
                      {"members", std::move(members)},
                      {"supers", s.supers},
                      {"groups", s.groups}});
    }
    json cands = json::array();
    for (const auto& c : v->candidates)
      cands.push_back({{"id", c.id.hex()},
                       {"node", node_json(c.node)},
                       {"key", key_hex(c.key)},
                       {"address", c.address},
                       {"region", c.region},
                       {"deposit", c.deposit},
                       {"registered_at", c.registered_at},
                       {"votes", c.votes}});
    json j{{"epoch_blocks", v->epoch_blocks},
           {"committed_height", v->committed_height},
           {"epoch", v->epoch},
           {"current", v->sets.empty() ? json(nullptr) : sets[0]},
           {"next", v->sets.size() > 1 ? json(sets.begin() + 1, sets.end()) : json::array()},
           {"candidates", std::move(cands)},
           {"total_votes", v->total_votes}};
    reply(res, 200, j);
  });

  srv.Get(R"(/block/(\d{1,19}))", [this](const httplib::Request& req, httplib::Response& res) {
    auto height = std::stoull(req.matches[1].str());
    auto raw = rt_.store().raw_at(height);
    if (!raw) return reply(res, 500, {{"error", raw.err().message}});
    if (!*raw) return reply(res, 404, {{"error", "no committed block at that height"}});
    auto b = codec::decode_committed(**raw);
    if (!b) return reply(res, 500, {{"error", b.err().message}});
    bool full = req.has_param("full") && req.get_param_value("full") == "1";
    auto j = block_json(*b, full, rt_.ledger_enabled());
    if (rt_.ledger_enabled() && cfg_.genesis) {
      auto undo = rt_.store().undo_at(height);
      if (!undo) return reply(res, 500, {{"error", undo.err().message}});
      if (auto x = block_amounts_json(*b, *undo, ledger::params_of(*cfg_.genesis)); !x)
        return reply(res, 500, {{"error", x.err().message}});
      else
        j.update(*x);
    }
    reply(res, 200, j);
  });

  srv.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(rt_.stats().render(), "text/plain; version=0.0.4");
  });

  for (const auto& f : extra_)
    f(srv);

  if (!srv.bind_to_port(cfg_.api.address.c_str(), cfg_.api.port))
    return make_error("cannot listen for the API on " + cfg_.api.address + ":" +
                      std::to_string(cfg_.api.port));
  thread_ = std::thread([this] { srv_->listen_after_bind(); });
  return {};
}

result<crypto::hash256> api_server::owner_address(const std::string& hex) const {
  crypto::hash256 h;
  if (!crypto::parse_hash(hex, h))
    return make_error("owner: expected 64 hex characters (an address or an Ed25519 public key)");
  // Both are 32 bytes: an address that owns outputs is taken as such, anything else as a key.
  auto known = rt_.store().has_owner(h);
  if (!known) return known.err();
  if (*known) return h;
  crypto::public_key pk;
  std::copy(h.data.begin(), h.data.end(), pk.begin());
  return ledger::control_program::single(pk).address();
}

void api_server::post_ledger_tx(const std::string& body, httplib::Response& res) {
  auto parsed = parse_ledger_tx_request(body, cfg_.limits.max_txs_per_request);
  if (!parsed) return reply(res, 400, error_json("malformed", parsed.err().message));
  if (parsed->too_many)
    return reply(res, 413,
                 error_json("too-many", "more than " +
                                            std::to_string(cfg_.limits.max_txs_per_request) +
                                            " transactions in one request"));
  std::vector<ledger::transaction> wrapped;
  wrapped.reserve(parsed->items.size());
  for (const auto& item : parsed->items)
    if (item.tx) wrapped.push_back(ledger::wrap(*item.tx));
  std::vector<tx_verdict> verdicts;
  if (!wrapped.empty()) {
    auto r = rt_.submit_ledger(std::move(wrapped), actor_timeout);
    if (!r) return reply(res, 503, error_json("unavailable", r.err().message));
    verdicts = std::move(*r);
  }
  std::uint64_t accepted = 0;
  json results = json::array();
  std::size_t next = 0;
  for (const auto& item : parsed->items) {
    json j;
    if (!item.tx) {
      j = {{"status", "rejected"}, {"rule", "malformed"}, {"message", "malformed: " + item.error}};
    } else {
      j["id"] = item.id.hex();
      if (next >= verdicts.size()) {
        j["status"] = "rejected";
        j["rule"] = "unavailable";
        j["message"] = "no verdict from the node";
      } else {
        const auto& v = verdicts[next];
        j["status"] = v.status;
        if (v.status == "rejected") {
          j["rule"] = v.rule;
          j["message"] = v.message;
        } else {
          ++accepted;
        }
      }
      ++next;
    }
    results.push_back(std::move(j));
  }
  rt_.stats().tx_submitted(accepted, parsed->items.size() - accepted);
  if (parsed->batch) return reply(res, 200, {{"results", std::move(results)}});
  auto& one = results.at(0);
  if (one["status"] != "rejected") return reply(res, 200, one);
  json err{{"error", {{"rule", one["rule"]}, {"message", one["message"]}}}};
  if (one.contains("id")) err["id"] = one["id"];
  reply(res, 400, err);
}

void api_server::stop() {
  if (srv_) srv_->stop();
  if (thread_.joinable()) thread_.join();
}

} // namespace bystack::node
