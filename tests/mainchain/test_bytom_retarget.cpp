// Bytom's difficulty retarget rule as a consensus option (consensus_params::rule).
#include "fixture.hpp"

namespace bystack::mainchain {
namespace {

using namespace bystack::mainchain::testing;
constexpr std::int64_t now = 1'000'000;

std::uint64_t count(const mainchain_core& n, const std::string& reason) {
  auto it = n.stats().rejected.find(reason);
  return it == n.stats().rejected.end() ? 0 : it->second;
}

void feed(mainchain_core& n, const std::vector<block_ptr>& bs) {
  for (const auto& b : bs)
    n.on_block(1, b, now);
  n.take_effects();
}

std::uint64_t compact_of(std::uint64_t v) {
  return pow::target_to_compact(pow::uint256{v});
}

// Bytom's consensus/difficulty/difficulty_test.go, TestCalcNextRequiredDifficulty: a target of
// 1000 over exactly, twice and half the target span.
TEST(mainchain_bytom_retarget, bytom_published_cases) {
  consensus_params p;
  p.rule = retarget_rule::bytom;
  p.retarget_blocks = 2016;    // consensus.BlocksPerRetarget
  p.target_block_ms = 150'000; // consensus.TargetSecondsPerBlock, in ms
  std::int64_t span = 2016 * 150'000;
  EXPECT_EQ(bytom_retarget_bits(compact_of(1000), span, p), compact_of(1000));
  EXPECT_EQ(bytom_retarget_bits(compact_of(1000), span * 2, p), compact_of(2000));
  EXPECT_EQ(bytom_retarget_bits(compact_of(1000), span / 2, p), compact_of(500));
  // Unlike the default rule, no clamp at a factor of 4.
  EXPECT_EQ(bytom_retarget_bits(compact_of(1000), span * 10, p), compact_of(10000));
  EXPECT_EQ(retarget_bits(compact_of(1000), std::int64_t{2015} * 150'000 * 10, p),
            compact_of(4000));
}

TEST(mainchain_bytom_retarget, node_retargets_after_the_multiple_of_k) {
  world w;
  w.consensus.rule = retarget_rule::bytom;
  w.consensus.retarget_blocks = 4;
  mainchain_core n(w.config());
  // Heights 1..4, 500 ms apart from genesis (time 0): twice as fast as 1000 ms.
  auto bs = branch(w, n.genesis_header(), 4, 500);
  // Height 4 still carries the genesis bits under Bytom's rule (the default rule would have
  // retargeted there): feeding all four works.
  feed(n, bs);
  ASSERT_EQ(n.height(), 4u);
  // Block 5 follows a parent at height 4 = K: the span of blocks 0..4 (4 intervals) against 4 T.
  auto span =
      static_cast<std::int64_t>(bs[3]->hdr().timestamp_ms - n.genesis_header().timestamp_ms);
  auto expected = bytom_retarget_bits(w.consensus.genesis_bits, span, w.consensus);
  EXPECT_EQ(n.next_bits(n.tip_hash()), expected);
  EXPECT_NE(expected, w.consensus.genesis_bits);
  n.on_block(
      1, seal(child_header(bs.back()->hdr(), bs.back()->hdr().timestamp_ms + 500), {w.coinbase(5)}),
      now);
  EXPECT_EQ(count(n, "bad-bits"), 1u);
  n.on_block(1,
             seal(child_header(bs.back()->hdr(), bs.back()->hdr().timestamp_ms + 500, expected),
                  {w.coinbase(5)}),
             now);
  EXPECT_EQ(n.height(), 5u);
  // Faster than the target: harder.
  EXPECT_GT(pow::work_from_bits(expected), pow::work_from_bits(w.consensus.genesis_bits));
}

TEST(mainchain_bytom_retarget, default_rule_is_unchanged) {
  world w;
  w.consensus.retarget_blocks = 4;
  mainchain_core n(w.config());
  auto bs = branch(w, n.genesis_header(), 3, 500);
  feed(n, bs);
  EXPECT_EQ(n.next_bits(n.tip_hash()),
            retarget_bits(w.consensus.genesis_bits, 3 * 500, w.consensus));
}

} // namespace
} // namespace bystack::mainchain
