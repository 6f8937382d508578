#include "runtime/node/api.hpp"

#include "runtime/codec/codec.hpp"
#include "runtime/node/runtime.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace bystack::node {

namespace {

using json = nlohmann::json;
constexpr auto actor_timeout = std::chrono::milliseconds(10'000);

json block_json(const proto::committed_block& b, bool full) {
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
    if (full)
      txs.push_back(json::parse(transaction_to_json_text(tx)));
    else
      txs.push_back(tx.id().hex());
  }
  j[full ? "txs" : "tx_ids"] = std::move(txs);
  return j;
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
    reply(res, 200,
          {{"id", s->id},
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
           {"sync_requests", s->stats.sync_requests}});
  });

  srv.Get(R"(/block/(\d{1,19}))", [this](const httplib::Request& req, httplib::Response& res) {
    auto height = std::stoull(req.matches[1].str());
    auto raw = rt_.store().raw_at(height);
    if (!raw) return reply(res, 500, {{"error", raw.err().message}});
    if (!*raw) return reply(res, 404, {{"error", "no committed block at that height"}});
    auto b = codec::decode_committed(**raw);
    if (!b) return reply(res, 500, {{"error", b.err().message}});
    bool full = req.has_param("full") && req.get_param_value("full") == "1";
    reply(res, 200, block_json(*b, full));
  });

  srv.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(rt_.stats().render(), "text/plain; version=0.0.4");
  });

  if (!srv.bind_to_port(cfg_.api.address.c_str(), cfg_.api.port))
    return make_error("cannot listen for the API on " + cfg_.api.address + ":" +
                      std::to_string(cfg_.api.port));
  thread_ = std::thread([this] { srv_->listen_after_bind(); });
  return {};
}

void api_server::stop() {
  if (srv_) srv_->stop();
  if (thread_.joinable()) thread_.join();
}

} // namespace bystack::node
