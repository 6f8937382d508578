// The stack simulator's peg trace hash records the Byzantine members' theft attempts: refused
// thefts leave no mark on either chain, so without these records the run with the thefts and
// the same run without them would hash alike (docs/federation.md, federation-stack-byzantine).

#include "runtime/crypto/modelled.hpp"
#include "sim/federation/stack_search.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace bystack::sim::federation {
namespace {

/// The peg trace's step (FNV-1a over the value's 8 little-endian bytes), written out here so
/// that the test does not share the code it checks.
std::uint64_t fnv_add(std::uint64_t h, std::uint64_t x) {
  for (int i = 0; i < 8; ++i) {
    h ^= (x >> (8 * i)) & 0xff;
    h *= 0x100000001b3ull;
  }
  return h;
}

stack_case load_case(const char* file) {
  std::ifstream f(file, std::ios::binary); // ctest runs in the source directory
  std::stringstream buf;
  buf << f.rdbuf();
  stack_case c;
  auto p = load_stack_params(buf.str(), file);
  EXPECT_TRUE(p) << file << ": " << (p ? "" : p.err().message);
  auto s = parse_scenario(without_federation(buf.str()), file);
  EXPECT_TRUE(s) << file << ": " << (s ? "" : s.err().message);
  if (p && s) {
    c.p = *p;
    c.s = *s;
  }
  return c;
}

TEST(StackPegHash, TheByzantineMembersTheftAttemptsAreInThePegHash) {
  auto c = load_case("scenarios/federation-stack-byzantine.yaml");
  ASSERT_GT(c.p.byzantine_members, 0u);
  auto r = run_stack_case(c, crypto::modelled_scheme());
  ASSERT_TRUE(r.error.empty()) << r.error;
  const auto& f = r.r;
  // Thefts were attempted and refused, and left nothing on the chains.
  ASSERT_GT(f.theft_shares, 0u);
  ASSERT_GT(f.thefts_submitted, 0u);
  EXPECT_EQ(f.thefts_mined, 0u);
  EXPECT_GE(f.shares_refused, f.theft_shares);
  // The peg hash is the chains' marks followed by the four theft records, in this order.
  auto expected = f.chain_trace_hash;
  for (auto x : {f.theft_shares, f.shares_refused, f.thefts_submitted, f.thefts_mined})
    expected = fnv_add(expected, x);
  EXPECT_EQ(f.trace_hash, expected)
      << "the peg trace hash does not record the theft attempts as (shares, refused, "
         "submitted, mined)";
  EXPECT_NE(f.trace_hash, f.chain_trace_hash);

  // The same run without the Byzantine members leaves the same marks on the chains: only the
  // records tell the two runs apart.
  c.p.byzantine_members = 0;
  auto honest = run_stack_case(c, crypto::modelled_scheme());
  ASSERT_TRUE(honest.error.empty()) << honest.error;
  EXPECT_EQ(honest.r.theft_shares + honest.r.thefts_submitted, 0u);
  EXPECT_EQ(honest.r.chain_trace_hash, f.chain_trace_hash);
  EXPECT_EQ(honest.r.trace_hash, honest.r.chain_trace_hash);
  EXPECT_NE(honest.r.trace_hash, f.trace_hash) << "the theft attempts are not in the peg hash";
}

} // namespace
} // namespace bystack::sim::federation
