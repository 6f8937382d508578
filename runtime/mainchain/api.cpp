#include "runtime/mainchain/api.hpp"

#include "runtime/ledger/rules.hpp"
#include "runtime/mainchain/node.hpp"
#include "runtime/node/tx_request.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <map>

namespace bystack::mainchaind {

namespace {

using json = nlohmann::json;

constexpr std::size_t max_utxos_per_reply = 1000;

json error_json(const std::string& rule, const std::string& message) {
  return {{"error", {{"rule", rule}, {"message", message}}}};
}

void reply(httplib::Response& res, int status, const json& j) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

std::string hex(const bytes& b) {
  return to_hex(byte_view{b.data(), b.size()});
}

json program_json(const ledger::control_program& p) {
  json keys = json::array();
  for (const auto& k : p.keys)
    keys.push_back(to_hex(k));
  return {{"threshold", p.threshold}, {"keys", std::move(keys)}};
}

json header_json(const mainchain::header& h) {
  return {{"version", h.version},           {"height", h.height},   {"previous", h.previous.hex()},
          {"timestamp_ms", h.timestamp_ms}, {"bits", h.bits},       {"nonce", h.nonce},
          {"tx_root", h.tx_root.hex()},     {"seed", h.seed.hex()}, {"hash", h.hash().hex()}};
}

json block_json(const mainchain::block& b, std::uint64_t confirmations, bool full) {
  json j = header_json(b.hdr());
  j["confirmations"] = confirmations;
  j["tx_count"] = b.txs().size();
  json txs = json::array();
  for (const auto& t : b.txs())
    txs.push_back(full ? hex(ledger::encode(*t)) : t->id().hex());
  j[full ? "txs" : "tx_ids"] = std::move(txs);
  return j;
}

/// Matches an owner given as an address or as a single key (both 64 hex).
struct owner_filter {
  crypto::hash256 raw;
  crypto::hash256 key_address;
  bool matches(const ledger::control_program& p) const {
    auto a = p.address();
    return a == raw || a == key_address;
  }
};

std::optional<owner_filter> parse_owner(const std::string& hex_text) {
  owner_filter f;
  if (!crypto::parse_hash(hex_text, f.raw)) return std::nullopt;
  crypto::public_key pk;
  std::copy(f.raw.data.begin(), f.raw.data.end(), pk.begin());
  f.key_address = ledger::control_program::single(pk).address();
  return f;
}

} // namespace

api_server::api_server(node& n) : node_(n), srv_(std::make_unique<httplib::Server>()) {}

api_server::~api_server() {
  stop();
}

result<void> api_server::start() {
  auto& srv = *srv_;
  auto threads = node_.config().api_threads;
  srv.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  srv.set_payload_max_length(node_.config().max_request_bytes);
  node* n = &node_;

  srv.Get("/status", [n](const httplib::Request&, httplib::Response& res) {
    auto s = n->call([n](mainchain::mainchain_core& c) {
      const auto& p = c.ledger_params();
      json j{{"name", n->config().name},
             {"chain_kind", "mainchain"},
             {"height", c.height()},
             {"tip", c.tip_hash().hex()},
             {"head_hash", c.tip_hash().hex()},
             {"tip_work", c.tip_work().hex()},
             {"bits", c.tip_header().bits},
             {"next_bits", c.next_bits(c.tip_hash())},
             {"genesis", c.hash_at(0).hex()},
             {"utxo_set_hash", c.state().hash().hex()},
             {"utxos", c.state().size()},
             {"pool", {{"txs", c.pool().size()}, {"bytes", c.pool().bytes()}}},
             {"orphans", c.orphan_count()},
             {"ledger", "butxo"},
             {"chain", p.chain.hex()},
             {"native_asset", p.native.hex()},
             {"min_fee_per_kb", p.min_fee_per_kb},
             {"block_reward", p.block_reward},
             {"reorgs", c.stats().reorgs},
             {"rejected", c.stats().rejected}};
      return j;
    });
    if (!s) return reply(res, 503, error_json("unavailable", s.err().message));
    auto& j = *s;
    auto& k = n->counters();
    j["peers_connected"] = k.peers_connected.load();
    j["peers_total"] = n->config().peers.size();
    auto us = k.mining_us.load();
    auto cpu = k.miner_cpu_us.load();
    auto hashes = static_cast<double>(k.hashes.load());
    j["mining"] = {
        {"enabled", n->config().mining.enabled},
        {"hashes", k.hashes.load()},
        {"hash_rate", us > 0 ? hashes * 1e6 / static_cast<double>(us) : 0.0},
        {"hash_rate_per_cpu_second", cpu > 0 ? hashes * 1e6 / static_cast<double>(cpu) : 0.0},
        {"blocks_mined", k.blocks_mined.load()}};
    reply(res, 200, j);
  });

  srv.Get("/tip", [n](const httplib::Request&, httplib::Response& res) {
    auto s = n->call([](mainchain::mainchain_core& c) {
      json j = header_json(c.tip_header());
      j["hash"] = c.tip_hash().hex();
      j["utxo_set_hash"] = c.state().hash().hex();
      j["utxos"] = c.state().size();
      return j;
    });
    if (!s) return reply(res, 503, error_json("unavailable", s.err().message));
    reply(res, 200, *s);
  });

  srv.Get(R"(/block/(\d{1,19}))", [n](const httplib::Request& req, httplib::Response& res) {
    auto height = std::stoull(req.matches[1].str());
    bool full = req.has_param("full") && req.get_param_value("full") == "1";
    auto s = n->call([&](mainchain::mainchain_core& c) -> std::optional<json> {
      if (height > c.height()) return std::nullopt;
      auto b = c.block_at(height);
      return block_json(*b, c.height() - height + 1, full);
    });
    if (!s) return reply(res, 503, error_json("unavailable", s.err().message));
    if (!*s) return reply(res, 404, error_json("not-found", "no block at that height"));
    reply(res, 200, **s);
  });

  srv.Get(R"(/block/hash/([0-9a-fA-F]{64}))", [n](const httplib::Request& req,
                                                  httplib::Response& res) {
    crypto::hash256 h;
    crypto::parse_hash(req.matches[1].str(), h);
    bool full = req.has_param("full") && req.get_param_value("full") == "1";
    auto s = n->call([&](mainchain::mainchain_core&) -> std::optional<json> {
      auto b = n->find_block(h);
      if (!b) return std::nullopt;
      auto j = block_json(*b->blk, b->confirmations, full);
      return j;
    });
    if (!s) return reply(res, 503, error_json("unavailable", s.err().message));
    if (!*s)
      return reply(res, 404, error_json("not-found", "no block with that hash on the best chain"));
    reply(res, 200, **s);
  });

  srv.Get(R"(/tx/([0-9a-fA-F]{64}))", [n](const httplib::Request& req, httplib::Response& res) {
    crypto::hash256 id;
    crypto::parse_hash(req.matches[1].str(), id);
    auto s = n->call([&](mainchain::mainchain_core& c) {
      json j{{"id", id.hex()}};
      if (auto t = c.pool().get(id)) {
        j["status"] = "pending";
        j["tx"] = hex(ledger::encode(*t));
        return j;
      }
      auto b = n->find_tx(id);
      if (!b) {
        j["status"] = "unknown";
        return j;
      }
      j["status"] = "committed";
      j["height"] = b->height;
      j["block"] = b->blk->hash().hex();
      j["confirmations"] = b->confirmations;
      for (const auto& t : b->blk->txs())
        if (t->id() == id) j["tx"] = hex(ledger::encode(*t));
      return j;
    });
    if (!s) return reply(res, 503, error_json("unavailable", s.err().message));
    reply(res, 200, *s);
  });

  srv.Get("/utxo", [n](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("owner"))
      return reply(res, 400, error_json("malformed", "missing ?owner=<address or public key hex>"));
    auto f = parse_owner(req.get_param_value("owner"));
    if (!f) return reply(res, 400, error_json("malformed", "owner: expected 64 hex characters"));
    auto s = n->call([&](mainchain::mainchain_core& c) {
      json utxos = json::array();
      bool more = false;
      crypto::hash256 address = f->raw;
      for (const auto& [id, e] : c.state().entries()) {
        if (!f->matches(e.out.owner)) continue;
        address = e.out.owner.address();
        if (utxos.size() >= max_utxos_per_reply) {
          more = true;
          break;
        }
        utxos.push_back({{"id", id.hex()},
                         {"asset", e.out.asset.hex()},
                         {"amount", e.out.amount},
                         {"lot", e.out.lot.hex()},
                         {"height", e.height},
                         {"owner", program_json(e.out.owner)}});
      }
      json j{{"owner", address.hex()}, {"utxos", std::move(utxos)}};
      if (more) j["truncated"] = true;
      return j;
    });
    if (!s) return reply(res, 503, error_json("unavailable", s.err().message));
    reply(res, 200, *s);
  });

  srv.Get(R"(/balance/([0-9a-fA-F]+))", [n](const httplib::Request& req, httplib::Response& res) {
    auto f = parse_owner(req.matches[1].str());
    if (!f) return reply(res, 400, error_json("malformed", "owner: expected 64 hex characters"));
    auto s = n->call([&](mainchain::mainchain_core& c) {
      std::map<ledger::asset_id, std::uint64_t> sums;
      crypto::hash256 address = f->raw;
      for (const auto& [id, e] : c.state().entries()) {
        if (!f->matches(e.out.owner)) continue;
        address = e.out.owner.address();
        auto& v = sums[e.out.asset];
        if (__builtin_add_overflow(v, e.out.amount, &v)) v = UINT64_MAX;
      }
      json balances = json::array();
      for (const auto& [asset, amount] : sums) {
        json b{{"asset", asset.hex()}, {"amount", amount}};
        if (const auto* d = c.state().asset(asset)) {
          b["name"] = d->name;
          b["kind"] = ledger::kind_name(d->kind);
        }
        balances.push_back(std::move(b));
      }
      return json{{"address", address.hex()}, {"balances", std::move(balances)}};
    });
    if (!s) return reply(res, 503, error_json("unavailable", s.err().message));
    reply(res, 200, *s);
  });

  srv.Post("/tx", [n](const httplib::Request& req, httplib::Response& res) {
    auto parsed = bystack::node::parse_ledger_tx_request(req.body, 20'000);
    if (!parsed) return reply(res, 400, error_json("malformed", parsed.err().message));
    if (parsed->too_many)
      return reply(res, 413, error_json("too-many", "more than 20000 transactions"));
    auto items = std::move(parsed->items);
    auto s = n->call([&](mainchain::mainchain_core& c) {
      json results = json::array();
      for (const auto& item : items) {
        json j;
        if (!item.tx) {
          j = json{{"status", "rejected"},
                   {"rule", "malformed"},
                   {"message", "malformed: " + item.error}};
        } else {
          j["id"] = item.id.hex();
          auto r = c.on_tx(mainchain::self_peer, std::make_shared<const ledger::tx>(*item.tx),
                           n->now_ms());
          switch (r.status) {
          case ledger::admit_status::accepted:
            j["status"] = "accepted";
            break;
          case ledger::admit_status::orphan:
            j["status"] = "orphan";
            break;
          case ledger::admit_status::duplicate:
            j["status"] = "duplicate";
            break;
          case ledger::admit_status::invalid:
            j["status"] = "rejected";
            j["rule"] = ledger::rule_name(r.err.code);
            j["message"] = r.err.message();
            break;
          default:
            j["status"] = "rejected";
            j["rule"] = ledger::admit_status_name(r.status);
            j["message"] = std::string(ledger::admit_status_name(r.status));
            break;
          }
        }
        results.push_back(std::move(j));
      }
      return results;
    });
    if (!s) return reply(res, 503, error_json("unavailable", s.err().message));
    if (parsed->batch) return reply(res, 200, {{"results", std::move(*s)}});
    auto& one = s->at(0);
    if (one["status"] != "rejected") return reply(res, 200, one);
    json err{{"error", {{"rule", one["rule"]}, {"message", one["message"]}}}};
    if (one.contains("id")) err["id"] = one["id"];
    reply(res, 400, err);
  });

  srv.Get("/mining/template", [n](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("payout"))
      return reply(res, 400, error_json("malformed", "missing ?payout=<public key hex>"));
    crypto::hash256 raw;
    if (!crypto::parse_hash(req.get_param_value("payout"), raw))
      return reply(res, 400, error_json("malformed", "payout: expected 64 hex characters"));
    crypto::public_key pk;
    std::copy(raw.data.begin(), raw.data.end(), pk.begin());
    auto payout = ledger::control_program::single(pk);
    auto s = n->call([&](mainchain::mainchain_core&) -> std::optional<json> {
      auto t = n->external_template(payout);
      if (!t) return std::nullopt;
      json j{{"header", header_json(t->hdr)},
             {"header_hex", hex(encode_header(t->hdr))},
             {"target_bits", t->hdr.bits}};
      json txs = json::array();
      for (const auto& tx : t->txs)
        txs.push_back(hex(ledger::encode(*tx)));
      j["txs"] = std::move(txs);
      j["block_hex"] = hex(encode_block(mainchain::block(t->hdr, t->txs)));
      return j;
    });
    if (!s) return reply(res, 503, error_json("unavailable", s.err().message));
    if (!*s) return reply(res, 500, error_json("no-template", "the core made no template"));
    reply(res, 200, **s);
  });

  srv.Post("/mining/submit", [n](const httplib::Request& req, httplib::Response& res) {
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("block") ||
        !body["block"].is_string())
      return reply(res, 400, error_json("malformed", "expected {\"block\": \"<hex>\"}"));
    bytes raw;
    if (!from_hex(body["block"].get<std::string>(), raw))
      return reply(res, 400, error_json("malformed", "block: not hex"));
    wire_limits lim;
    lim.max_message_bytes = n->config().max_message_bytes;
    auto b = decode_block(raw, lim);
    if (!b) return reply(res, 400, error_json("malformed", "block: " + b.err().message));
    auto blk = std::move(b).value();
    auto s = n->call([&](mainchain::mainchain_core& c) {
      auto why = n->submit_block(blk);
      json j{{"hash", blk->hash().hex()}, {"height", c.height()}, {"tip", c.tip_hash().hex()}};
      if (why) {
        j["status"] = "rejected";
        j["rule"] = *why;
      } else {
        j["status"] = c.on_best_chain(blk->hash()) ? "connected" : "stored";
      }
      return j;
    });
    if (!s) return reply(res, 503, error_json("unavailable", s.err().message));
    if ((*s)["status"] == "rejected") {
      json err{{"error",
                {{"rule", (*s)["rule"]},
                 {"message", "block refused: " + (*s)["rule"].get<std::string>()}}},
               {"hash", (*s)["hash"]}};
      return reply(res, 400, err);
    }
    reply(res, 200, *s);
  });

  srv.Get("/metrics", [n](const httplib::Request&, httplib::Response& res) {
    res.set_content(n->render_metrics(), "text/plain; version=0.0.4");
  });

  const auto& api = node_.config().api;
  if (!srv.bind_to_port(api.address.c_str(), api.port))
    return make_error("cannot listen for the API on " + api.address + ":" +
                      std::to_string(api.port));
  thread_ = std::thread([this] { srv_->listen_after_bind(); });
  return {};
}

void api_server::stop() {
  if (srv_) srv_->stop();
  if (thread_.joinable()) thread_.join();
}

} // namespace bystack::mainchaind
