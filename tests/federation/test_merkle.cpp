// Merkle paths into the mainchain's transaction root.
#include "fed_fixture.hpp"

#include "actors/mainchain/merkle_proof.hpp"

namespace {

using namespace bystack;
using namespace bystack::mainchain;

std::vector<tx_ptr> txs_of(std::size_t n) {
  std::vector<tx_ptr> out;
  for (std::size_t i = 0; i < n; ++i) {
    ledger::tx t;
    t.expires_at = i + 1; // distinct ids
    out.push_back(std::make_shared<const ledger::tx>(t));
  }
  return out;
}

TEST(MerklePath, EveryLeafOfEveryShapeLeadsToTheRoot) {
  for (std::size_t n = 1; n <= 33; ++n) {
    auto txs = txs_of(n);
    auto root = tx_root(txs);
    for (std::uint32_t i = 0; i < n; ++i) {
      auto p = make_merkle_path(txs, i);
      auto r = merkle_root_of(txs[i]->id(), p);
      ASSERT_TRUE(r) << n << " " << i << ": " << r.err().message;
      EXPECT_EQ(*r, root) << n << " " << i;
      // Another leaf on the same path leads elsewhere.
      auto other = merkle_root_of(txs[(i + 1) % n]->id(), p);
      if (n > 1) {
        EXPECT_TRUE(!other || *other != root);
      }
    }
  }
}

TEST(MerklePath, TamperedPathsFail) {
  auto txs = txs_of(7);
  auto root = tx_root(txs);
  auto p = make_merkle_path(txs, 5);
  auto bad = p;
  bad.siblings[0].data[0] ^= 1;
  EXPECT_NE(*merkle_root_of(txs[5]->id(), bad), root);
  bad = p;
  bad.index = 4;
  auto r = merkle_root_of(txs[5]->id(), bad);
  EXPECT_TRUE(!r || *r != root);
  bad = p;
  bad.siblings.push_back(hash256{});
  EXPECT_FALSE(merkle_root_of(txs[5]->id(), bad));
  bad = p;
  bad.siblings.pop_back();
  EXPECT_FALSE(merkle_root_of(txs[5]->id(), bad));
  bad = p;
  bad.index = 7;
  EXPECT_FALSE(merkle_root_of(txs[5]->id(), bad));
}

TEST(MerklePath, EncodingRoundTripsAndBoundsSiblings) {
  auto txs = txs_of(9);
  auto p = make_merkle_path(txs, 8);
  bytes b;
  ledger::detail::writer w(b);
  put(w, p);
  ledger::detail::reader r(byte_view{b.data(), b.size()});
  EXPECT_EQ(get_merkle_path(r), p);
  EXPECT_TRUE(r.ok() && r.at_end());
  bytes huge;
  ledger::detail::writer w2(huge);
  w2.u32(0);
  w2.u32(1);
  w2.u32(1000);
  ledger::detail::reader r2(byte_view{huge.data(), huge.size()});
  (void)get_merkle_path(r2);
  EXPECT_FALSE(r2.ok());
}

} // namespace
