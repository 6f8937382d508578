#include "runtime/federation/chain_client.hpp"

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/node/config.hpp"

#include <httplib.h>

#include <charconv>
#include <map>
#include <set>

namespace bystack::federation {

namespace {

constexpr int timeout_s = 10;

result<std::pair<int, json>> to_reply(const httplib::Result& r, const std::string& what) {
  if (!r) return make_error(what + ": " + httplib::to_string(r.error()));
  auto body = json::parse(r->body, nullptr, false);
  if (body.is_discarded()) return make_error(what + ": the answer is not JSON");
  return std::pair<int, json>{r->status, std::move(body)};
}

crypto::hash256 hash_field(const json& j, const char* key) {
  crypto::hash256 h;
  if (!j.contains(key) || !j[key].is_string() || !crypto::parse_hash(j[key].get<std::string>(), h))
    throw std::invalid_argument(std::string("field '") + key + "' is not a 64-hex hash");
  return h;
}

std::uint64_t number_field(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_unsigned())
    throw std::invalid_argument(std::string("field '") + key + "' is not a number");
  return j[key].get<std::uint64_t>();
}

result<ledger::tx> tx_from_hex(const json& v) {
  bytes raw;
  if (!v.is_string() || !from_hex(v.get<std::string>(), raw))
    return make_error("a transaction is not a hex string");
  return ledger::decode_tx(byte_view{raw.data(), raw.size()});
}

} // namespace

api_client::api_client(const std::string& host_port, http_retry retry)
    : where_(host_port), retry_(retry) {
  std::string_view s = host_port;
  if (s.starts_with("http://")) s.remove_prefix(7);
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return;
  host_ = std::string(s.substr(0, colon));
  auto p = s.substr(colon + 1);
  std::from_chars(p.data(), p.data() + p.size(), port_);
}

namespace {

/// Sends through `send` while the node answers 503 and the policy allows another attempt.
template <class Send>
result<std::pair<int, json>> retried(const http_retry& policy, const std::string& what,
                                     Send&& send) {
  int tries = 1;
  std::chrono::milliseconds waited{0};
  auto r = with_http_retry(
      policy, [&] { return to_reply(send(), what); },
      [](const result<std::pair<int, json>>& x) { return x ? x->first : 0; }, &tries, &waited);
  if (r && r->first == 503 && tries > 1)
    return make_error(what + " " + http_retry_summary(tries, waited) +
                      ": the node is overloaded; try again later (BYSTACK_CLI_RETRIES sets the "
                      "attempts)");
  return r;
}

} // namespace

result<std::pair<int, json>> api_client::get(const std::string& path) const {
  if (port_ <= 0) return make_error("'" + where_ + "': expected HOST:PORT");
  return retried(retry_, "GET " + where_ + path, [&] {
    httplib::Client c(host_, port_);
    c.set_connection_timeout(timeout_s);
    c.set_read_timeout(timeout_s);
    return c.Get(path.c_str());
  });
}

result<std::pair<int, json>> api_client::post(const std::string& path, const json& body) const {
  if (port_ <= 0) return make_error("'" + where_ + "': expected HOST:PORT");
  auto text = body.dump();
  return retried(retry_, "POST " + where_ + path, [&] {
    httplib::Client c(host_, port_);
    c.set_connection_timeout(timeout_s);
    c.set_read_timeout(timeout_s);
    return c.Post(path.c_str(), text, "application/json");
  });
}

result<mainchain::block_ptr> mainchain_block_from_json(const json& j) {
  try {
    mainchain::header h;
    h.version = static_cast<std::uint32_t>(number_field(j, "version"));
    h.height = number_field(j, "height");
    h.previous = hash_field(j, "previous");
    h.timestamp_ms = number_field(j, "timestamp_ms");
    h.bits = number_field(j, "bits");
    h.nonce = number_field(j, "nonce");
    h.tx_root = hash_field(j, "tx_root");
    h.seed = hash_field(j, "seed");
    if (h.hash() != hash_field(j, "hash"))
      return make_error("block " + std::to_string(h.height) + ": the header does not hash to " +
                        j["hash"].get<std::string>());
    std::vector<mainchain::tx_ptr> txs;
    if (!j.contains("txs") || !j["txs"].is_array())
      return make_error("block " + std::to_string(h.height) + ": no 'txs' list");
    for (const auto& v : j["txs"]) {
      auto t = tx_from_hex(v);
      if (!t) return make_error("block " + std::to_string(h.height) + ": " + t.err().message);
      txs.push_back(std::make_shared<const ledger::tx>(std::move(*t)));
    }
    if (mainchain::tx_root(txs) != h.tx_root)
      return make_error("block " + std::to_string(h.height) +
                        ": transactions do not match tx_root");
    return mainchain::block_ptr(std::make_shared<const mainchain::block>(h, std::move(txs)));
  } catch (const std::exception& e) {
    return make_error(std::string("mainchain block: ") + e.what());
  }
}

crypto::hash256 mainchain_follower::tip() const {
  return chain_.empty() ? genesis_ : chain_.back()->hash();
}

result<std::vector<mainchain::block_ptr>> mainchain_follower::poll(std::size_t max_blocks) {
  auto s = c_.get("/status");
  if (!s) return s.err();
  if (s->first != 200 || !s->second.contains("height") || !s->second.contains("genesis"))
    return make_error("GET /status: status " + std::to_string(s->first));
  if (genesis_.is_zero() && !crypto::parse_hash(s->second["genesis"].get<std::string>(), genesis_))
    return make_error("GET /status: no genesis hash");
  auto height = s->second["height"].get<std::uint64_t>();
  std::vector<mainchain::block_ptr> fresh;
  while (chain_.size() > height)
    chain_.pop_back();
  while (chain_.size() < height && fresh.size() < max_blocks) {
    auto h = chain_.size() + 1;
    auto r = c_.get("/block/" + std::to_string(h) + "?full=1");
    if (!r) return r.err();
    if (r->first == 404) break; // the chain got shorter meanwhile
    if (r->first != 200)
      return make_error("GET /block/" + std::to_string(h) + ": status " + std::to_string(r->first));
    auto b = mainchain_block_from_json(r->second);
    if (!b) return b.err();
    if ((*b)->hdr().previous != tip()) {
      // A reorganisation: step back until the parent matches.
      if (chain_.empty()) return make_error("mainchain block 1 does not follow its genesis");
      chain_.pop_back();
      if (!fresh.empty()) fresh.pop_back();
      continue;
    }
    chain_.push_back(*b);
    fresh.push_back(*b);
  }
  return fresh;
}

std::vector<mainchain_follower::coin>
mainchain_follower::unspent_of(const ledger::control_program& owner) const {
  std::map<crypto::hash256, coin> coins;
  std::set<crypto::hash256> spent;
  for (const auto& b : chain_)
    for (const auto& t : b->txs()) {
      auto id = t->id();
      for (const auto& in : t->inputs)
        if (in.kind == ledger::input_kind::spend) spent.insert(in.spent_output);
      for (std::uint32_t k = 0; k < t->outputs.size(); ++k)
        if (t->outputs[k].owner == owner && t->outputs[k].kind == ledger::output_kind::control) {
          auto oid = ledger::output_id(id, k, t->outputs[k]);
          coins[oid] = coin{oid, t->outputs[k], b->hdr().height};
        }
    }
  std::vector<coin> out;
  for (auto& [id, c] : coins)
    if (!spent.count(id)) out.push_back(std::move(c));
  return out;
}

replica_options replica_options_of(const node::node_config& sidechain, const federation_setup& s) {
  replica_options o;
  if (sidechain.dpos) o.dpos = sidechain.dpos->rules;
  o.election = s.election;
  o.genesis = genesis_term_of(s);
  return o;
}

sidechain_replica::sidechain_replica(api_client c, const ledger::genesis_spec& g,
                                     federation_params p, replica_options o)
    : c_(std::move(c)), params_(ledger::params_of(g)), state_(ledger::genesis_state(g).value()),
      fp_(std::move(p)) {
  if (o.dpos) dpos_ = std::make_unique<ledger::dpos::dpos_rules>(params_.native, *o.dpos);
  rules_ = std::make_unique<sidechain_rules>(fp_, pow_, dpos_.get());
  checker_ = std::make_unique<ledger::signature_checker>(crypto::ed25519_scheme());
  if (o.election) schedule_.emplace(std::move(o.genesis), *o.election);
}

std::optional<federation_term> sidechain_replica::term_at(std::uint64_t height) const {
  if (!schedule_) return std::nullopt;
  return schedule_->elector().at_sidechain(height);
}

result<std::vector<std::pair<std::uint64_t, std::vector<ledger::tx>>>> sidechain_replica::poll(
    const std::function<void(std::uint64_t, const std::vector<ledger::tx>&)>& after_block,
    std::size_t max_blocks) {
  auto s = c_.get("/status");
  if (!s) return s.err();
  if (s->first != 200 || !s->second.contains("committed_height"))
    return make_error("GET /status: status " + std::to_string(s->first));
  auto committed = s->second["committed_height"].get<std::uint64_t>();
  std::vector<std::pair<std::uint64_t, std::vector<ledger::tx>>> out;
  while (state_.height() < committed && out.size() < max_blocks) {
    auto h = state_.height() + 1;
    auto r = c_.get("/block/" + std::to_string(h) + "?full=1");
    if (!r) return r.err();
    if (r->first != 200)
      return make_error("GET /block/" + std::to_string(h) + ": status " + std::to_string(r->first));
    std::vector<ledger::tx> txs;
    if (!r->second.contains("txs") || !r->second["txs"].is_array())
      return make_error("sidechain block " + std::to_string(h) + ": no 'txs' list");
    for (const auto& v : r->second["txs"]) {
      auto t = tx_from_hex(v);
      if (!t) return make_error("sidechain block " + std::to_string(h) + ": " + t.err().message);
      txs.push_back(std::move(*t));
    }
    auto chk = ledger::check_block(txs, h, state_, params_, *checker_, {}, rules_.get());
    if (!chk.err.ok())
      return make_error("sidechain block " + std::to_string(h) +
                        " does not replay: " + chk.err.message());
    state_.apply(chk.delta);
    state_.set_height(h);
    if (schedule_)
      if (auto t = schedule_->on_commit(chk.delta, h, state_, fp_))
        if (auto r = schedule_->rotation_of(*t)) {
          if (auto ok = rules_->add_rotation(*r); !ok)
            return make_error("sidechain block " + std::to_string(h) +
                              ": the elected rotation was refused: " + ok.err().message);
          (void)add_rotation(fp_, *r);
        }
    if (after_block) after_block(h, txs);
    out.emplace_back(h, std::move(txs));
  }
  return out;
}

} // namespace bystack::federation
