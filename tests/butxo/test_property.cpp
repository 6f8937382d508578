// Random valid transactions over random states are accepted; every corruption of them is
// refused (or does not decode). Seeded, so a failure names the iteration to replay.
#include "fixture.hpp"

#include <algorithm>
#include <random>

namespace {

using namespace bystack;
using namespace bystack::ledger;
using namespace bystack::ledger::testing;

constexpr int iterations = 300;
constexpr std::uint64_t seed = 0x5eedb7u;

/// Holds one random case: a state with an asset of a random kind held by random owners, and a
/// valid transaction spending it.
struct random_case {
  world w;
  std::vector<party> extra = {make_party(21), make_party(22)};
  std::mt19937_64& rng;
  asset_definition def;
  tx issued;
  tx t;

  explicit random_case(std::mt19937_64& g) : rng(g) {}

  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
  }
  std::vector<const party*> everyone() const {
    return {&w.alice, &w.bob, &w.carol, &extra[0], &extra[1]};
  }
  /// Returns a single-key or m-of-n program over random parties.
  control_program random_owner() {
    auto ps = everyone();
    std::shuffle(ps.begin(), ps.end(), rng);
    auto n = between(1, 4);
    control_program p;
    p.threshold = static_cast<std::uint8_t>(between(1, n));
    for (std::size_t i = 0; i < n; ++i)
      p.keys.push_back(ps[i]->pub());
    return p;
  }
  const party* owner_of(const crypto::public_key& k) const {
    for (const auto* p : everyone())
      if (p->pub() == k) return p;
    for (const auto* p : {&w.issuer})
      if (p->pub() == k) return p;
    return nullptr;
  }
  /// Signs every input with exactly `threshold` randomly chosen keys of its program.
  void sign_threshold(tx& x) {
    for (auto& in : x.inputs)
      in.witness.clear();
    for (std::size_t i = 0; i < x.inputs.size(); ++i) {
      const auto* prog = program_of(x, i, w.state);
      ASSERT_NE(prog, nullptr);
      std::vector<std::size_t> idx(prog->keys.size());
      for (std::size_t k = 0; k < idx.size(); ++k)
        idx[k] = k;
      std::shuffle(idx.begin(), idx.end(), rng);
      for (std::size_t k = 0; k < prog->threshold; ++k)
        ASSERT_TRUE(sign_input(x, i, *prog, *owner_of(prog->keys[idx[k]])->s));
    }
  }
  /// Splits `total` into n positive multiples of `unit`.
  std::vector<std::uint64_t> split(std::uint64_t total, std::uint64_t unit, std::size_t n) {
    auto units = total / unit;
    n = std::min<std::size_t>(n, units);
    std::vector<std::uint64_t> cuts;
    for (std::size_t i = 0; i + 1 < n; ++i)
      cuts.push_back(between(1, units - 1));
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<std::uint64_t> parts;
    std::uint64_t prev = 0;
    for (auto c : cuts) {
      parts.push_back((c - prev) * unit);
      prev = c;
    }
    parts.push_back((units - prev) * unit);
    return parts;
  }

  /// Issues an asset of a random kind to random owners and builds a valid transfer of it.
  void build() {
    auto kind = static_cast<asset_kind>(between(0, 3));
    def = define("asset", kind, static_cast<std::uint8_t>(between(0, 3)), w.issuer.prog, 0,
                 between(0, 1u << 30));
    auto unit = def.unit();
    issued = w.make_tx();
    switch (kind) {
    case asset_kind::quark: {
      auto tokens = between(1, 4);
      issued.inputs.push_back(issue_of(def, tokens * unit));
      for (std::uint64_t j = 0; j < tokens; ++j)
        issued.outputs.push_back(
            pay(def.id(), unit, random_owner(), token_id(input_id(issued.inputs[0]), j)));
      break;
    }
    case asset_kind::atomic: {
      auto amount = between(2, 1'000'000);
      issued.inputs.push_back(issue_of(def, amount));
      auto lot = token_id(input_id(issued.inputs[0]), 0);
      for (auto part : split(amount, 1, between(1, 3)))
        issued.outputs.push_back(pay(def.id(), part, random_owner(), lot));
      break;
    }
    default: {
      auto amount = between(2, 10'000) * unit;
      issued.inputs.push_back(issue_of(def, amount));
      for (auto part : split(amount, unit, between(1, 3)))
        issued.outputs.push_back(pay(def.id(), part, random_owner()));
    }
    }
    sign_threshold(issued);
    auto r = w.commit({issued});
    ASSERT_TRUE(r.err.ok()) << r.err.message();

    // Spend a random non-empty subset of what was issued.
    t = w.make_tx();
    std::vector<std::uint32_t> picked;
    for (std::uint32_t j = 0; j < issued.outputs.size(); ++j)
      if (picked.empty() || between(0, 1) == 1) picked.push_back(j);
    std::uint64_t total = 0;
    for (auto j : picked) {
      t.inputs.push_back(spend_of(out_id(issued, j)));
      total += issued.outputs[j].amount;
    }
    switch (kind) {
    case asset_kind::quark:
      for (auto j : picked)
        t.outputs.push_back(pay(def.id(), unit, random_owner(), issued.outputs[j].lot));
      break;
    case asset_kind::atomic:
      for (auto part : split(total, 1, between(1, 4)))
        t.outputs.push_back(pay(def.id(), part, random_owner(), issued.outputs[0].lot));
      break;
    default:
      for (auto part : split(total, unit, between(1, 4)))
        t.outputs.push_back(pay(def.id(), part, random_owner()));
    }
    if (between(0, 1) == 1) { // pay a fee from the 2-of-3 genesis output
      t.inputs.push_back(spend_of(w.genesis(world::shared_btm)));
      t.outputs.push_back(pay(w.native.id(), 1000 - between(0, 50), random_owner()));
    }
    std::shuffle(t.outputs.begin(), t.outputs.end(), rng);
    std::shuffle(t.inputs.begin(), t.inputs.end(), rng);
    sign_threshold(t);
  }

  tx_error check(const tx& x) { return w.check(x, 2); }
};

TEST(butxo_property, random_valid_transactions_pass_and_corruptions_fail) {
  std::mt19937_64 rng(seed);
  std::array<int, 4> kinds{};
  int flips_decoded = 0;
  for (int it = 0; it < iterations; ++it) {
    SCOPED_TRACE("iteration " + std::to_string(it) + " of seed " + std::to_string(seed));
    random_case c(rng);
    c.build();
    if (::testing::Test::HasFatalFailure()) return;
    ++kinds[static_cast<std::size_t>(c.def.kind)];
    EXPECT_RULE(c.check(c.t), rule::ok);
    const auto& t = c.t;

    // A flipped byte: either it no longer decodes or the result is refused.
    auto wire = encode(t);
    for (int f = 0; f < 4; ++f) {
      auto b = wire;
      auto pos = c.between(0, b.size() - 1);
      b[pos] ^= static_cast<std::uint8_t>(c.between(1, 255));
      auto d = decode_tx(byte_view{b.data(), b.size()});
      if (!d) continue;
      ++flips_decoded;
      EXPECT_FALSE(c.check(d.value()).ok()) << "flip at byte " << pos;
    }
    // Swapped outputs (when they differ).
    if (t.outputs.size() >= 2 && t.outputs[0] != t.outputs[1]) {
      auto x = t;
      std::swap(x.outputs[0], x.outputs[1]);
      EXPECT_RULE(c.check(x), rule::bad_signature);
    }
    // A removed signature.
    {
      auto x = t;
      auto i = c.between(0, x.inputs.size() - 1);
      x.inputs[i].witness.erase(
          x.inputs[i].witness.begin() +
          static_cast<std::ptrdiff_t>(c.between(0, x.inputs[i].witness.size() - 1)));
      EXPECT_RULE(c.check(x), rule::threshold_not_met);
    }
    // An inflated amount, signed again: refused by the asset's own rule.
    {
      auto x = t;
      // (Not the native output: more of it is only a smaller fee.)
      std::vector<std::size_t> of_asset;
      for (std::size_t j = 0; j < x.outputs.size(); ++j)
        if (x.outputs[j].asset == c.def.id()) of_asset.push_back(j);
      x.outputs[of_asset[c.between(0, of_asset.size() - 1)]].amount += c.def.unit();
      c.sign_threshold(x);
      EXPECT_FALSE(c.check(x).ok());
    }
    // A kind violation, signed again.
    {
      auto x = t;
      std::size_t j = 0;
      while (x.outputs[j].asset != c.def.id())
        ++j;
      auto& o = x.outputs[j];
      rule expected = rule::ok;
      switch (c.def.kind) {
      case asset_kind::byte:
        o.lot = crypto::sha3_256(o.asset.view());
        expected = rule::fungible_lot;
        break;
      case asset_kind::quantum:
        if (c.def.unit() > 1 && o.amount > c.def.unit()) {
          o.amount -= 1;
          x.outputs.push_back(pay(c.def.id(), 1, c.w.bob.prog));
          expected = rule::indivisible_amount;
        } else {
          o.lot = crypto::sha3_256(o.asset.view());
          expected = rule::fungible_lot;
        }
        break;
      case asset_kind::atomic:
        o.lot = crypto::sha3_256(o.lot.view());
        expected = rule::lot_conservation;
        break;
      case asset_kind::quark:
        if (c.between(0, 1) == 1 && c.def.unit() > 1) {
          o.amount = c.def.unit() / 2;
          x.outputs.push_back(pay(c.def.id(), c.def.unit() - o.amount, c.w.bob.prog, o.lot));
          expected = rule::quark_split;
        } else {
          x.outputs.push_back(x.outputs[j]);
          expected = rule::token_conservation;
        }
        break;
      }
      c.sign_threshold(x);
      SCOPED_TRACE(kind_name(c.def.kind));
      EXPECT_RULE(c.check(x), expected);
    }
    // Another network.
    {
      auto x = t;
      x.chain = chain_id_of("elsewhere");
      c.sign_threshold(x);
      EXPECT_RULE(c.check(x), rule::wrong_chain);
    }
  }
  for (auto k : kinds)
    EXPECT_GT(k, iterations / 8); // every kind was drawn often
  EXPECT_GT(flips_decoded, 0);
}

} // namespace
