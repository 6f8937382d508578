#pragma once
/// Shared helpers of the mainchain suites: a genesis with funded parties, blocks built and
/// sealed with the modelled proof of work, and a pump that carries effects between two nodes.

#include "actors/mainchain/mainchain_core.hpp"
#include "actors/miner/miner_core.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/wallet.hpp"

#include <gtest/gtest.h>

#include <map>

namespace bystack::mainchain::testing {

struct party {
  std::shared_ptr<crypto::signer> s;
  ledger::control_program prog;
};

inline party make_party(std::uint8_t tag) {
  crypto::secret_seed seed{};
  seed.fill(tag);
  seed[0] = 0x3c;
  party p;
  p.s = crypto::ed25519_scheme().make_signer(seed);
  p.prog = ledger::control_program::single(p.s->pub());
  return p;
}

/// Holds a genesis (native asset BTM with a block reward, Alice and Bob funded) and the
/// configuration of nodes over it.
struct world {
  party alice = make_party(1);
  party bob = make_party(2);
  party miner = make_party(3);
  party issuer = make_party(4);
  ledger::asset_definition btm;
  ledger::genesis_spec spec;
  modelled_pow pow;
  consensus_params consensus;

  world() {
    btm.name = "BTM";
    btm.issuer = issuer.prog;
    spec.network = "mainchain-test";
    spec.block_reward = 50;
    spec.assets = {btm};
    spec.outputs = {ledger::pay(btm.id(), 1000, alice.prog), ledger::pay(btm.id(), 1000, bob.prog)};
    consensus.target_block_ms = 1000;
    consensus.retarget_blocks = 1'000'000;
    consensus.max_future_drift_ms = 10'000;
    // Below the limit, so that a retarget can make blocks easier as well as harder.
    consensus.genesis_bits =
        pow::target_to_compact(pow::compact_to_target(consensus.pow_limit_bits).magnitude >> 16);
  }

  node_config config(std::vector<peer_id> peers = {}) {
    node_config c;
    c.consensus = consensus;
    c.genesis = spec;
    c.peers = std::move(peers);
    c.pow = &pow;
    c.scheme = &crypto::ed25519_scheme();
    return c;
  }
  ledger::chain_params params() const { return ledger::params_of(spec); }
  hash256 genesis_output(std::size_t i) const {
    return ledger::output_id(ledger::genesis_txid(spec), static_cast<std::uint32_t>(i),
                             spec.outputs.at(i));
  }

  /// Returns a coinbase for `height` paying `amount` to the miner.
  tx_ptr coinbase(std::uint64_t height, std::uint64_t amount = 50) const {
    ledger::tx cb;
    cb.chain = params().chain;
    ledger::input in;
    in.kind = ledger::input_kind::coinbase;
    in.amount = amount;
    in.nonce = height;
    cb.inputs.push_back(in);
    cb.outputs.push_back(ledger::pay(btm.id(), amount, miner.prog));
    return std::make_shared<const ledger::tx>(std::move(cb));
  }

  /// Returns Alice's payment of her genesis output to `to`, signed.
  tx_ptr alice_pays(const ledger::control_program& to, std::uint64_t amount = 1000) const {
    ledger::tx t;
    t.chain = params().chain;
    t.inputs.push_back(ledger::spend_of(genesis_output(0)));
    t.outputs.push_back(ledger::pay(btm.id(), amount, to));
    ledger::sign_input(t, 0, alice.prog, *alice.s);
    return std::make_shared<const ledger::tx>(std::move(t));
  }

  /// Returns an issuance of a new asset to Bob, signed by its issuer.
  tx_ptr issue_gold(std::uint64_t amount = 77) const {
    ledger::asset_definition gold;
    gold.name = "gold";
    gold.issuer = issuer.prog;
    ledger::tx t;
    t.chain = params().chain;
    ledger::input in;
    in.kind = ledger::input_kind::issue;
    in.definition = gold;
    in.amount = amount;
    t.inputs.push_back(in);
    t.outputs.push_back(ledger::pay(gold.id(), amount, bob.prog));
    ledger::sign_input(t, 0, issuer.prog, *issuer.s);
    return std::make_shared<const ledger::tx>(std::move(t));
  }
};

/// Returns the header of a child of `parent` (constant bits unless given; Bytom's seed rule).
inline header child_header(const header& parent, std::uint64_t timestamp_ms,
                           std::uint64_t bits = 0) {
  header h;
  h.version = parent.version;
  h.height = parent.height + 1;
  h.previous = parent.hash();
  h.timestamp_ms = timestamp_ms;
  h.bits = bits ? bits : parent.bits;
  h.seed = parent.height % pow::seed_epoch_blocks == 0 ? parent.hash() : parent.seed;
  return h;
}

/// Builds and seals (modelled proof of work) a block.
inline block_ptr seal(header h, std::vector<tx_ptr> txs) {
  h.tx_root = tx_root(txs);
  h.nonce = modelled_nonce(h);
  return std::make_shared<const block>(h, std::move(txs));
}

/// Builds a branch of n blocks on `parent`, `gap_ms` apart, each with a coinbase and `extra`
/// transactions in its first block.
inline std::vector<block_ptr> branch(const world& w, const header& parent, std::size_t n,
                                     std::uint64_t gap_ms, std::vector<tx_ptr> extra = {},
                                     std::uint64_t salt = 0) {
  std::vector<block_ptr> out;
  header p = parent;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<tx_ptr> txs{w.coinbase(p.height + 1, 50 - salt)};
    if (i == 0) txs.insert(txs.end(), extra.begin(), extra.end());
    auto b = seal(child_header(p, p.timestamp_ms + gap_ms), txs);
    out.push_back(b);
    p = b->hdr();
  }
  return out;
}

/// Carries effects between nodes until none are left (zero delay, in order); counts them.
struct pump {
  std::map<peer_id, mainchain_core*> nodes;
  std::int64_t now_ms = 1'000'000;
  std::uint64_t messages = 0;

  void run() {
    bool busy = true;
    while (busy) {
      busy = false;
      for (auto& [id, node] : nodes) {
        for (auto& e : node->take_effects()) {
          busy = true;
          deliver(id, e);
        }
      }
    }
  }
  void deliver(peer_id from, const effect& e) {
    auto target = [&](peer_id to) -> mainchain_core* {
      auto it = nodes.find(to);
      return it == nodes.end() ? nullptr : it->second;
    };
    if (auto* s = std::get_if<send_headers>(&e)) {
      if (auto* n = target(s->to)) ++messages, n->on_headers(from, s->headers, now_ms);
    } else if (auto* r = std::get_if<request_headers>(&e)) {
      if (auto* n = target(r->to)) ++messages, n->on_request_headers(from, r->locator);
    } else if (auto* rb = std::get_if<request_blocks>(&e)) {
      if (auto* n = target(rb->to)) ++messages, n->on_request_blocks(from, rb->hashes);
    } else if (auto* sb = std::get_if<send_blocks>(&e)) {
      if (auto* n = target(sb->to))
        for (const auto& b : sb->blocks)
          ++messages, n->on_block(from, b, now_ms);
    } else if (auto* st = std::get_if<send_tx>(&e)) {
      if (auto* n = target(st->to)) ++messages, n->on_tx(from, st->tx, now_ms);
    }
  }
};

} // namespace bystack::mainchain::testing
