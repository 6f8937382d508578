// bystack-federationd: a federation process (docs/federation.md, "Real processes").
//
//   bystack-federationd --config FILE.yaml [--check]
//
// Hosts the same pure cores as the simulation (actors/federation: collector_core, member_core)
// on one loop thread that owns them: it polls the mainchain node's and the sidechain node's HTTP
// APIs, feeds the cores, and carries out what they return. A collector relays mainchain headers
// and submits claims and release records to the sidechain; a member turns final sidechain
// pegouts into mainchain releases, sending its signature shares to the other members (POST
// /share on their APIs) and submitting the release when it holds m of them. The only other
// thread is the members' HTTP server, which queues the shares it receives for the loop.
//
// Elections (an `election:` section in the federation file): the replay of the committed
// sidechain keeps the DPoS vote tally and the elected schedule as the nodes do; each rotation
// goes to the cores in commit order, members migrate the old federation's coins and release
// from every program of the schedule, and the collector role is taken from the elected
// collectors (a process whose key is not one of them idles).
//
// Durable state: a member's record of the release it signed for each pegout (signed_record,
// written with fsync before the signature leaves; a restarted member refuses to sign another
// release for a recorded pegout). Everything else is replayed: on start it replays the
// committed sidechain from its genesis and reads the mainchain's best chain, so a restarted
// collector sees every claim already made (and the sidechain refuses a second claim of one
// output anyway); a member rebuilds the same deterministic release for a pending pegout and
// signs the same transaction again.

#include "actors/federation/collector_core.hpp"
#include "actors/federation/member_core.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/federation/chain_client.hpp"
#include "runtime/federation/fed_config.hpp"
#include "runtime/federation/signed_record.hpp"
#include "runtime/node/config.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

namespace {

using namespace bystack;
namespace fed = bystack::federation;
using fed::json;

std::atomic<bool> stopping{false};

void on_signal(int) {
  stopping = true;
}

std::string hexb(const bytes& b) {
  return to_hex(byte_view{b.data(), b.size()});
}

json share_json(const fed::signature_share& s) {
  json sigs = json::array();
  for (const auto& g : s.signatures)
    sigs.push_back(hexb(g));
  return {{"pegout", s.pegout.hex()},
          {"release", s.release.hex()},
          {"key_index", s.key_index},
          {"signatures", std::move(sigs)}};
}

result<fed::signature_share> share_from_json(const std::string& body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error("expected a JSON object");
  fed::signature_share s;
  try {
    if (!crypto::parse_hash(j.at("pegout").get<std::string>(), s.pegout) ||
        !crypto::parse_hash(j.at("release").get<std::string>(), s.release))
      return make_error("pegout, release: expected 64 hex characters");
    auto k = j.at("key_index").get<std::uint64_t>();
    if (k > 255) return make_error("key_index: at most 255");
    s.key_index = static_cast<std::uint8_t>(k);
    const auto& sigs = j.at("signatures");
    if (!sigs.is_array() || sigs.size() > 4096) return make_error("signatures: expected a list");
    for (const auto& v : sigs) {
      bytes b;
      if (!from_hex(v.get<std::string>(), b) || b.size() > 128)
        return make_error("signatures: expected hex signatures");
      s.signatures.push_back(std::move(b));
    }
  } catch (const std::exception& e) {
    return make_error(std::string("malformed share: ") + e.what());
  }
  return s;
}

struct federation_process {
  federation_process(fed::federationd_config c, fed::federation_setup s, crypto::key_pair k)
      : cfg(std::move(c)), setup(std::move(s)), key(std::move(k)),
        signer(crypto::ed25519_scheme().make_signer(key.seed())) {}

  fed::federationd_config cfg;
  fed::federation_setup setup;
  crypto::key_pair key;
  std::unique_ptr<crypto::signer> signer;

  std::unique_ptr<fed::mainchain_follower> mc;
  std::unique_ptr<fed::sidechain_replica> sc;
  std::unique_ptr<fed::collector_core> collector;
  std::unique_ptr<fed::member_core> member;
  std::vector<fed::api_client> peers;

  std::mutex mu; ///< guards inbox and snapshot (the server thread's side)
  std::vector<fed::signature_share> inbox;
  json snapshot = json::object();

  std::map<crypto::hash256, fed::signature_share> own_shares; ///< resent until released
  std::set<crypto::hash256> released;
  /// Transactions this member signed (releases and migrations), by id -> the key they are
  /// signed under (a pegout id or a migration key): mined, they are released.
  std::map<crypto::hash256, crypto::hash256> signed_txs;
  std::size_t rotations_known = 0; ///< rotations of the schedule handed to the cores
  bool collector_active = false;
  std::uint64_t loops = 0, claims_submitted = 0, txs_refused = 0, releases_submitted = 0;
  std::uint64_t collector_restarts = 0;

  void log(const std::string& s) const { std::cerr << "[" << cfg.name << "] " << s << std::endl; }

  /// (Re)creates the collector over the committed sidechain state: its funding is the output it
  /// owns there (the largest), its mainchain view every block the follower holds.
  void make_collector() {
    auto prog = ledger::control_program::single(signer->pub());
    crypto::hash256 funding;
    std::uint64_t best = 0;
    for (const auto& [id, e] : sc->state().entries())
      if (e.out.owner == prog && e.out.kind == ledger::output_kind::control &&
          e.out.amount > best) {
        best = e.out.amount;
        funding = id;
      }
    if (best == 0) {
      log("collector: no sidechain output owned by this key to pay fees; waiting");
      return;
    }
    fed::collector_config cc;
    cc.params = sc->fed(); // the schedule so far; later rotations are added as they are elected
    cc.sidechain = sc->params();
    cc.signer = signer.get();
    cc.funding = funding;
    cc.mainchain_assets = setup.mainchain_genesis.assets;
    cc.ext_bytes_max = ledger::max_ext_input_bytes; // what the sidechain's nodes decode
    collector = std::make_unique<fed::collector_core>(cc);
    for (const auto& b : mc->chain())
      collector->on_mainchain_block(b);
    collector->on_mainchain_tip(mc->tip());
    log("collector: funding " + funding.hex().substr(0, 16) + " (" + std::to_string(best) +
        " units)");
  }

  /// Hands the rotations the replica's schedule elected since the last call to the cores, in
  /// the order the sidechain committed them (before the pegouts of later blocks).
  void sync_rotations() {
    const auto& rots = sc->fed().rotations;
    for (; rotations_known < rots.size(); ++rotations_known) {
      const auto& r = rots[rotations_known];
      log("rotation: from mainchain height " + std::to_string(r.from_height) +
          " (sidechain height " + std::to_string(r.sidechain_from) + ") the federation is " +
          std::to_string(r.program.threshold) + "-of-" + std::to_string(r.program.keys.size()) +
          " " + r.program.address().hex().substr(0, 16) +
          (std::find(r.program.keys.begin(), r.program.keys.end(), key.pub()) !=
                   r.program.keys.end()
               ? " (this key is a member)"
               : " (this key is not a member)"));
      if (member)
        if (auto ok = member->add_rotation(r); !ok) log("member: rotation: " + ok.err().message);
      if (collector)
        if (auto ok = collector->add_rotation(r); !ok)
          log("collector: rotation: " + ok.err().message);
    }
  }

  /// The collector role: with elected collectors (a term naming some), only a process whose
  /// key is among the collectors of the term in force at the next sidechain height acts; before
  /// any election names collectors (or without elections) every process configured as a
  /// collector acts.
  bool collector_elected() const {
    if (!cfg.collector) return false;
    auto t = sc->term_at(sc->height() + 1);
    if (!t || t->collectors.empty()) return true;
    return std::find(t->collectors.begin(), t->collectors.end(), key.pub()) != t->collectors.end();
  }

  void step() {
    ++loops;
    auto polled = mc->poll();
    if (!polled) {
      log("mainchain: " + polled.err().message);
      return;
    }
    // Mainchain blocks reach the cores only after the sidechain poll succeeds: until then they
    // wait here. (Dropping them when the sidechain node was unreachable, e.g. restarting, left
    // a gap in the collector's blocks: no header run linked to the light client any more and
    // the collector stopped for good.)
    unhanded.insert(unhanded.end(), polled->begin(), polled->end());
    auto caught = sc->poll([this](std::uint64_t h, const std::vector<ledger::tx>& txs) {
      sync_rotations();
      if (!member) return;
      for (const auto& po : fed::pegouts_in_block(txs, h, sc->state(), sc->fed())) {
        log("pegout " + po.id.hex().substr(0, 16) + " of " + std::to_string(po.amount) +
            " at sidechain height " + std::to_string(h));
        member->on_pegout(po);
      }
      if (sc->schedule()) {
        // Places migrations: before the pegouts of the first block anchored at or above a
        // rotation's mainchain height (the anchor pegouts_in_block gives its pegouts).
        auto tip = fed::light_client(sc->fed(), sc->state()).tip().hdr.height;
        auto depth = setup.params.pegin_confirmations - 1;
        member->on_sidechain(h, tip >= depth ? tip - depth : 0);
      }
    });
    if (!caught) {
      log("sidechain: " + caught.err().message);
      return;
    }
    watch_sidechain();
    std::vector<mainchain::block_ptr> fresh;
    fresh.swap(unhanded);
    auto active = collector_elected();
    if (active != collector_active && cfg.collector) {
      log(std::string("collector: ") +
          (active ? "acting (elected, or no collectors elected yet)"
                  : "idle: this key is not an elected collector of the term in force"));
      if (!active) collector.reset(); // rebuilt from the committed state if elected again
    }
    collector_active = active;
    if (active) collect(fresh);
    if (member) sign(fresh);
    std::lock_guard lock(mu);
    snapshot = {{"name", cfg.name},
                {"mainchain_height", mc->height()},
                {"sidechain_height", sc->height()},
                {"loops", loops},
                {"claims_submitted", claims_submitted},
                {"txs_refused", txs_refused},
                {"releases_submitted", releases_submitted},
                {"collector_restarts", collector_restarts},
                {"collector_active", collector_active},
                {"rotations", rotations_known},
                {"federation", fed::federation_at(sc->fed(), mc->height() + 1).address().hex()}};
    if (member)
      snapshot["member"] = {{"pending", member->pending()},
                            {"releases_signed", member->stats().releases_signed},
                            {"shares_accepted", member->stats().shares_accepted},
                            {"shares_refused", member->stats().shares_refused},
                            {"conflicts", member->stats().conflicts},
                            {"refused_to_sign", member->stats().refused_to_sign},
                            {"migrations_planned", member->migrations_planned()}};
  }

  /// Says in the log when the sidechain node this process polls has committed nothing for a
  /// minute while answering (a node that stopped following the chain stalls this process: its
  /// replica, the collector's expiry and the members' pegouts all go by that node's height).
  void watch_sidechain() {
    auto now = std::chrono::steady_clock::now();
    if (sc->height() != watched_height) {
      if (stalled_logged)
        log("sidechain: " + cfg.sidechain_api + " commits again (height " +
            std::to_string(sc->height()) + ")");
      watched_height = sc->height();
      watched_since = now;
      stalled_logged = false;
      return;
    }
    if (!stalled_logged && now - watched_since >= std::chrono::seconds(60)) {
      stalled_logged = true;
      log("sidechain: " + cfg.sidechain_api + " has committed nothing for 60 s (height " +
          std::to_string(watched_height) + "); this process follows that node alone");
    }
  }
  std::vector<mainchain::block_ptr> unhanded; ///< polled, not yet given to the cores
  std::uint64_t watched_height = ~std::uint64_t{0};
  std::chrono::steady_clock::time_point watched_since{};
  bool stalled_logged = false;

  void collect(const std::vector<mainchain::block_ptr>& fresh) {
    if (!collector) {
      make_collector();
      if (!collector) return;
    } else {
      for (const auto& b : fresh)
        collector->on_mainchain_block(b);
      collector->on_mainchain_tip(mc->tip());
    }
    auto t = collector->step(sc->state(), sc->height());
    if (!t) return;
    std::size_t claims = 0, headers = 0, records = 0;
    for (const auto& in : t->inputs) {
      claims += in.kind == fed::claim_input;
      headers += in.kind == fed::header_input;
      records += in.kind == fed::release_input;
    }
    auto enc = ledger::encode(*t);
    auto r = sc->client().post("/tx", {{"tx", hexb(enc)}});
    if (r && r->first == 200) {
      claims_submitted += claims;
      log("collector: submitted " + t->id().hex().substr(0, 16) + " (" +
          std::to_string(headers ? 1 : 0) + " header run, " + std::to_string(claims) + " claims, " +
          std::to_string(records) + " release records)");
      return;
    }
    ++txs_refused;
    log("collector: sidechain refused " + t->id().hex().substr(0, 16) + ": " +
        (r ? r->second.dump() : r.err().message) + "; rebuilding from the committed state");
    // Its transaction conflicts with one submitted before (a restart with a transaction still
    // in the pool) or lost a race: start again from what is committed.
    collector.reset();
    ++collector_restarts;
  }

  void sign(const std::vector<mainchain::block_ptr>& fresh) {
    // Releases and migrations now on the mainchain.
    for (const auto& b : fresh)
      for (const auto& t : b->txs()) {
        if (auto it = signed_txs.find(t->id()); it != signed_txs.end()) {
          if (released.insert(it->second).second) {
            member->on_released(it->second);
            own_shares.erase(it->second);
          }
        }
        for (const auto& o : t->outputs)
          if (o.data.size() == 32) {
            crypto::hash256 peg;
            std::copy(o.data.begin(), o.data.end(), peg.data.begin());
            if (released.insert(peg).second) {
              member->on_released(peg);
              own_shares.erase(peg);
            }
          }
      }
    // The coins of every federation of the schedule (genesis and elected): releases after a
    // rotation spend what the migration moved to the new program.
    std::vector<fed::federation_coin> coins;
    for (const auto& prog : fed::federations(sc->fed()))
      for (auto& c : mc->unspent_of(prog))
        coins.push_back(fed::federation_coin{c.id, c.out, c.height});
    member->on_mainchain(std::move(coins), mc->height());
    std::vector<fed::signature_share> in;
    {
      std::lock_guard lock(mu);
      in.swap(inbox);
    }
    for (const auto& s : in)
      member->on_share(s);
    for (auto& e : member->take_effects()) {
      if (auto* b = std::get_if<fed::broadcast_share>(&e)) {
        own_shares[b->share.pegout] = b->share;
        signed_txs[b->share.release] = b->share.pegout;
        broadcast(b->share);
      } else if (auto* s = std::get_if<fed::submit_release>(&e)) {
        auto r = mc_client().post("/tx", {{"tx", hexb(ledger::encode(s->release))}});
        ++releases_submitted;
        log("member: release " + s->release.id().hex().substr(0, 16) + " for pegout " +
            s->pegout.hex().substr(0, 16) + ": " +
            (r ? r->second.value("status", r->second.dump()) : r.err().message));
      }
    }
    // Shares are sent again every 20 loops until the release is on the mainchain, so that a
    // member that was down or started late still gets them.
    if (loops % 20 == 0)
      for (const auto& [peg, s] : own_shares)
        broadcast(s);
  }

  fed::api_client mc_client() const { return fed::api_client(cfg.mainchain_api); }

  void broadcast(const fed::signature_share& s) {
    for (const auto& p : peers) {
      auto r = p.post("/share", share_json(s));
      if (!r) log("member: share to " + p.where() + ": " + r.err().message);
    }
  }
};

constexpr std::string_view usage =
    "usage: bystack-federationd --config FILE.yaml [--check]\n"
    "\n"
    "Runs a federation collector and/or member; see docs/federation.md (\"Real processes\").\n";

} // namespace

int main(int argc, char** argv) {
  std::string config;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    }
    if (a == "--check")
      check = true;
    else if (a == "--config" && i + 1 < argc)
      config = argv[++i];
    else {
      std::cerr << "bystack-federationd: unexpected argument '" << a << "'\n" << usage;
      return 2;
    }
  }
  if (config.empty()) {
    std::cerr << usage;
    return 2;
  }
  auto cfg = fed::load_federationd_config(config);
  if (!cfg) {
    std::cerr << "bystack-federationd: " << cfg.err().message << "\n";
    return 2;
  }
  auto sc_cfg = node::load_node_config(cfg->sidechain_config);
  if (!sc_cfg) {
    std::cerr << "bystack-federationd: sidechain_config: " << sc_cfg.err().message << "\n";
    return 2;
  }
  if (sc_cfg->federation_file.empty() || !sc_cfg->genesis) {
    std::cerr << "bystack-federationd: " << cfg->sidechain_config.string()
              << ": a BUTXO sidechain config with a federation_file is required\n";
    return 2;
  }
  auto setup = fed::load_federation(sc_cfg->federation_file);
  if (!setup) {
    std::cerr << "bystack-federationd: " << setup.err().message << "\n";
    return 2;
  }
  auto key = crypto::key_pair::load(cfg->key_file);
  if (!key) {
    std::cerr << "bystack-federationd: " << key.err().message << "\n";
    return 2;
  }
  if (auto ok = fed::check_elections(*setup, *sc_cfg); !ok) {
    std::cerr << "bystack-federationd: " << ok.err().message << "\n";
    return 2;
  }
  federation_process p(*cfg, *setup, std::move(*key));
  // With elections a member key outside the genesis federation waits until it is elected.
  if (cfg->member && !setup->election &&
      std::find(setup->members.begin(), setup->members.end(), p.key.pub()) ==
          setup->members.end()) {
    std::cerr << "bystack-federationd: " << cfg->key_file.string() << ": public key "
              << to_hex(p.key.pub()) << " is not a member of " << setup->source.string() << "\n";
    return 2;
  }
  if (check) {
    std::cout << "federation process " << cfg->name << ": roles"
              << (cfg->collector ? " collector" : "") << (cfg->member ? " member" : "")
              << ", federation " << static_cast<int>(setup->threshold) << "-of-"
              << setup->members.size() << " address " << setup->params.federation.address().hex()
              << ", mainchain genesis " << setup->params.genesis.hash().hex() << "\n";
    return 0;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  p.mc = std::make_unique<fed::mainchain_follower>(fed::api_client(cfg->mainchain_api));
  p.sc = std::make_unique<fed::sidechain_replica>(fed::api_client(cfg->sidechain_api),
                                                  *sc_cfg->genesis, setup->params,
                                                  fed::replica_options_of(*sc_cfg, *setup));
  for (const auto& peer : cfg->peers)
    p.peers.emplace_back(peer);
  httplib::Server srv;
  std::thread server;
  std::optional<fed::signed_record> record;
  if (cfg->member) {
    auto r = fed::signed_record::open(cfg->signed_record);
    if (!r) {
      std::cerr << "bystack-federationd: " << r.err().message << "\n";
      return 2;
    }
    record.emplace(std::move(*r));
    p.member = std::make_unique<fed::member_core>(
        fed::member_config{setup->params, p.signer.get(), &crypto::ed25519_scheme()});
    // The pair is on disk before the signature leaves; a restarted member refuses any other.
    p.member->set_signing_guard(
        [&p, &record](const crypto::hash256& pegout, const crypto::hash256& release) {
          auto ok = record->sign(pegout, release);
          if (!ok) p.log("member: " + ok.err().message);
          return ok.ok();
        });
    srv.set_payload_max_length(1 << 20);
    srv.Post("/share", [&p](const httplib::Request& req, httplib::Response& res) {
      auto s = share_from_json(req.body);
      if (!s) {
        res.status = 400;
        res.set_content(
            json{{"error", {{"rule", "malformed"}, {"message", s.err().message}}}}.dump(),
            "application/json");
        return;
      }
      std::lock_guard lock(p.mu);
      if (p.inbox.size() < 10'000) p.inbox.push_back(std::move(*s));
      res.set_content(R"({"status":"queued"})", "application/json");
    });
  }
  srv.Get("/status", [&p](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(p.mu);
    res.set_content(p.snapshot.dump(), "application/json");
  });
  if (cfg->member) {
    if (!srv.bind_to_port(cfg->api.address.c_str(), cfg->api.port)) {
      std::cerr << "bystack-federationd: cannot listen on " << cfg->api.address << ":"
                << cfg->api.port << "\n";
      return 1;
    }
    server = std::thread([&srv] { srv.listen_after_bind(); });
  }
  p.log(std::string("up: roles") + (cfg->collector ? " collector" : "") +
        (cfg->member ? " member" : "") + ", federation " +
        p.setup.params.federation.address().hex());
  while (!stopping) {
    p.step();
    for (std::uint64_t slept = 0; slept < cfg->poll_ms && !stopping; slept += 10)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  p.log("stopping");
  srv.stop();
  if (server.joinable()) server.join();
  return 0;
}
