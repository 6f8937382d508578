#pragma once
/// Shared helpers of the BUTXO suites: deterministic parties, a genesis with an asset of each
/// fungible kind, and shortcuts to build, sign, check and apply transactions.

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/rules.hpp"
#include "runtime/ledger/wallet.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <thread>

namespace bystack::ledger::testing {

/// Holds one party's signer and its single-key program.
struct party {
  std::shared_ptr<crypto::signer> s;
  control_program prog;
  const crypto::public_key& pub() const { return s->pub(); }
};

/// Derives a party from a tag, the same on every run.
inline party make_party(std::uint8_t tag) {
  crypto::secret_seed seed{};
  seed.fill(tag);
  seed[0] = 0xb7; // keeps these keys apart from other suites' seeds
  party p;
  p.s = crypto::ed25519_scheme().make_signer(seed);
  p.prog = control_program::single(p.s->pub());
  return p;
}

/// Returns an m-of-n program over the parties' keys, in the order given.
inline control_program multisig(std::uint8_t m, std::initializer_list<const party*> ps) {
  control_program p;
  p.threshold = m;
  for (const auto* x : ps)
    p.keys.push_back(x->pub());
  return p;
}

/// Returns an asset definition.
inline asset_definition define(std::string name, asset_kind kind, std::uint8_t decimals,
                               const control_program& issuer, std::uint64_t max_supply = 0,
                               std::uint64_t nonce = 0) {
  asset_definition d;
  d.name = std::move(name);
  d.kind = kind;
  d.decimals = decimals;
  d.max_supply = max_supply;
  d.issuer = issuer;
  d.nonce = nonce;
  return d;
}

/// Returns an issue input (unsigned).
inline input issue_of(const asset_definition& d, std::uint64_t amount, std::uint64_t nonce = 0) {
  input in;
  in.kind = input_kind::issue;
  in.definition = d;
  in.amount = amount;
  in.nonce = nonce;
  return in;
}

/// Returns the id of output i of t.
inline hash256 out_id(const tx& t, std::uint32_t i) {
  return output_id(t.id(), i, t.outputs.at(i));
}

/// Returns the program that must sign input i of t: the spent output's owner or the issuer.
inline const control_program* program_of(const tx& t, std::size_t i, const utxo_view& view) {
  const auto& in = t.inputs.at(i);
  if (in.kind == input_kind::issue) return &in.definition.issuer;
  if (in.kind != input_kind::spend) return nullptr;
  const auto* e = view.find(in.spent_output);
  return e ? &e->out.owner : nullptr;
}

/// Signs every input of t that a key of one of the parties controls.
inline void sign_all(tx& t, const utxo_view& view, std::initializer_list<const party*> ps) {
  for (std::size_t i = 0; i < t.inputs.size(); ++i)
    if (const auto* prog = program_of(t, i, view))
      for (const auto* p : ps)
        sign_input(t, i, *prog, *p->s);
}

/// Runs jobs on `threads` std::threads, each taking every threads-th index.
inline parallel_for threaded(std::size_t threads) {
  return [threads](std::size_t n, const std::function<void(std::size_t)>& job) {
    std::vector<std::thread> pool;
    for (std::size_t w = 0; w < threads; ++w)
      pool.emplace_back([&, w] {
        for (std::size_t k = w; k < n; k += threads)
          job(k);
      });
    for (auto& th : pool)
      th.join();
  };
}

/// Holds a chain after genesis: native BTM, Byte "gold", Quantum "ticket" (2 decimals), and
/// parties with outputs of each.
class world {
public:
  party alice = make_party(1);
  party bob = make_party(2);
  party carol = make_party(3);
  party issuer = make_party(9);
  asset_definition native = define("BTM", asset_kind::byte, 0, issuer.prog);
  asset_definition gold = define("gold", asset_kind::byte, 0, issuer.prog);
  asset_definition ticket = define("ticket", asset_kind::quantum, 2, issuer.prog);
  genesis_spec spec;
  utxo_set state;
  chain_params params;
  signature_checker checker{crypto::ed25519_scheme()};
  tx_summary summary; ///< of the last check()

  // Genesis output indices.
  static constexpr std::size_t alice_btm = 0, bob_btm = 1, alice_gold = 2, bob_gold = 3,
                               alice_ticket = 4, carol_btm = 5, shared_btm = 6;

  world() {
    spec.network = "butxo-test";
    spec.assets = {native, gold, ticket};
    spec.native_index = 0;
    spec.outputs = {pay(native.id(), 1000, alice.prog),
                    pay(native.id(), 1000, bob.prog),
                    pay(gold.id(), 500, alice.prog),
                    pay(gold.id(), 500, bob.prog),
                    pay(ticket.id(), 1000, alice.prog),
                    pay(native.id(), 1000, carol.prog),
                    pay(native.id(), 1000, multisig(2, {&alice, &bob, &carol}))};
    auto s = genesis_state(spec);
    EXPECT_TRUE(s) << (s ? "" : s.err().message);
    if (s) state = std::move(s).value();
    params = params_of(spec);
  }

  /// Returns the id of genesis output i.
  hash256 genesis(std::size_t i) const {
    return output_id(genesis_txid(spec), static_cast<std::uint32_t>(i), spec.outputs.at(i));
  }
  /// Returns an empty transaction on this chain.
  tx make_tx() const {
    tx t;
    t.chain = params.chain;
    return t;
  }
  /// Checks t at `height` against the committed state (signatures at once).
  tx_error check(const tx& t, std::uint64_t height = 1, bool coinbase_allowed = false) {
    return check_tx(t, state, params, tx_context{height, coinbase_allowed}, checker, summary);
  }
  tx_error check(const tx& t, const chain_params& p) {
    return check_tx(t, state, p, tx_context{1, false}, checker, summary);
  }
  /// Validates txs as the next block and applies it; returns the block's verdict.
  block_check commit(const std::vector<tx>& txs) {
    auto r = check_block(txs, state.height() + 1, state, params, checker);
    if (r.err.ok()) state.apply(r.delta);
    return r;
  }
  /// Signs t's inputs with every party of the world.
  void sign(tx& t) { sign_all(t, state, {&alice, &bob, &carol, &issuer}); }
};

/// Asserts the rule a check returned (printing the detail on failure).
#define EXPECT_RULE(expr, r)                                                                       \
  do {                                                                                             \
    auto e_ = (expr);                                                                              \
    EXPECT_EQ(rule_name(e_.code), std::string(rule_name(r))) << e_.message();                      \
  } while (0)

} // namespace bystack::ledger::testing
