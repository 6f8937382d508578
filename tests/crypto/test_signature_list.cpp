#include "runtime/crypto/modelled.hpp"
#include "runtime/crypto/signature_scheme.hpp"

#include "tests/crypto/test_util.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace bystack::crypto {
namespace {

using test::contains;

/// Runs every signature-list test over each vote scheme.
class signature_list : public ::testing::TestWithParam<const signature_scheme* (*)()> {
protected:
  static constexpr std::uint32_t n = 10;

  void SetUp() override {
    votes_ = GetParam()();
    scheme_ = make_signature_list_scheme(*votes_);
    std::vector<public_key> keys;
    for (std::uint32_t i = 0; i < n; ++i) {
      signers_.push_back(votes_->make_signer(test::seed_of(i)));
      keys.push_back(signers_.back()->pub());
    }
    set_ = validator_set{std::move(keys)};
    digest_ = sha3_256(test::garbage(64, 1));
  }

  std::vector<indexed_signature> votes_for(std::vector<std::uint32_t> who,
                                           const hash256& digest) const {
    std::vector<indexed_signature> out;
    for (auto i : who)
      out.push_back({i, signers_.at(i)->sign(digest)});
    return out;
  }
  std::vector<indexed_signature> votes_for(std::vector<std::uint32_t> who) const {
    return votes_for(std::move(who), digest_);
  }

  static std::vector<std::uint32_t> range(std::uint32_t from, std::uint32_t to) {
    std::vector<std::uint32_t> out(to - from);
    std::iota(out.begin(), out.end(), from);
    return out;
  }

  quorum_certificate build_ok(std::vector<std::uint32_t> who) {
    auto qc = scheme_->build(set_, digest_, votes_for(std::move(who)));
    EXPECT_TRUE(qc.ok()) << qc.err().message;
    return qc.ok() ? std::move(qc).value() : quorum_certificate{};
  }

  /// Expects verify() at the set's quorum to fail with an error containing `what`.
  void expect_rejected(const quorum_certificate& qc, std::string_view what) {
    crypto_meter meter;
    auto ok = scheme_->verify(set_, qc, set_.quorum(), meter);
    ASSERT_FALSE(ok.ok());
    EXPECT_TRUE(contains(ok.err().message, what));
  }

  const signature_scheme* votes_ = nullptr;
  std::unique_ptr<certificate_scheme> scheme_;
  std::vector<std::unique_ptr<signer>> signers_;
  validator_set set_;
  hash256 digest_;
};

TEST_P(signature_list, verifies_at_threshold) {
  ASSERT_EQ(set_.quorum(), 7u);
  auto qc = build_ok(range(0, 7));
  EXPECT_EQ(qc.kind, cert_kind::signature_list);
  EXPECT_EQ(qc.signer_count(), 7u);
  EXPECT_EQ(qc.signatures.size(), 7u);
  crypto_meter meter;
  auto ok = scheme_->verify(set_, qc, set_.quorum(), meter);
  EXPECT_TRUE(ok.ok()) << ok.err().message;
  EXPECT_EQ(meter.verifies, 7u);
  EXPECT_EQ(meter.aggregate_verifies, 0u);
}

TEST_P(signature_list, fails_below_threshold) {
  auto qc = build_ok(range(0, 6));
  crypto_meter meter;
  auto ok = scheme_->verify(set_, qc, set_.quorum(), meter);
  ASSERT_FALSE(ok.ok());
  EXPECT_EQ(ok.err().message, "6 signers, threshold 7");
  EXPECT_EQ(meter.verifies, 0u) << "the count is checked before any signature";
}

TEST_P(signature_list, build_orders_signatures_by_signer) {
  auto shuffled = scheme_->build(set_, digest_, votes_for({9, 2, 5, 0, 7, 3, 1}));
  ASSERT_TRUE(shuffled.ok());
  auto sorted = build_ok({0, 1, 2, 3, 5, 7, 9});
  EXPECT_EQ(*shuffled, sorted);
  EXPECT_EQ(shuffled->signatures.front(), signers_[0]->sign(digest_));
  EXPECT_EQ(shuffled->signatures.back(), signers_[9]->sign(digest_));
  crypto_meter meter;
  EXPECT_TRUE(scheme_->verify(set_, *shuffled, set_.quorum(), meter).ok());
}

TEST_P(signature_list, build_rejects_unknown_signer) {
  auto votes = votes_for(range(0, 7));
  votes.push_back({12, votes.front().signature});
  auto qc = scheme_->build(set_, digest_, votes);
  ASSERT_FALSE(qc.ok());
  EXPECT_EQ(qc.err().message, "unknown signer 12 (set has 10)");
}

TEST_P(signature_list, build_rejects_duplicate_signer) {
  auto votes = votes_for({0, 1, 2, 3, 4, 5, 3});
  auto qc = scheme_->build(set_, digest_, votes);
  ASSERT_FALSE(qc.ok());
  EXPECT_EQ(qc.err().message, "duplicate signer 3");
}

TEST_P(signature_list, build_rejects_wrongly_sized_vote) {
  auto votes = votes_for(range(0, 7));
  votes[4].signature.pop_back();
  auto qc = scheme_->build(set_, digest_, votes);
  ASSERT_FALSE(qc.ok());
  EXPECT_EQ(qc.err().message, "signer 4: signature has 63 bytes, expected 64");
}

TEST_P(signature_list, rejects_forged_signature) {
  auto qc = build_ok(range(0, 8));
  qc.signatures[5] = test::garbage(64, 99); // signer 5
  expect_rejected(qc, "signer 5: bad signature");
}

TEST_P(signature_list, rejects_signature_moved_to_another_signer) {
  // Signers 0..6, then signer 6's signature is presented as signer 8's.
  auto qc = build_ok(range(0, 7));
  signer_bitmap moved(n);
  for (std::uint32_t i : {0, 1, 2, 3, 4, 5, 8})
    moved.set(i);
  qc.signers = moved;
  expect_rejected(qc, "signer 8: bad signature");

  auto swapped = build_ok(range(0, 7));
  std::swap(swapped.signatures[1], swapped.signatures[2]);
  expect_rejected(swapped, "signer 1: bad signature");
}

TEST_P(signature_list, rejects_count_mismatch) {
  auto qc = build_ok(range(0, 8));
  auto fewer = qc;
  fewer.signatures.pop_back();
  expect_rejected(fewer, "7 signatures for 8 signers");
  auto more = qc;
  more.signatures.push_back(qc.signatures.front());
  expect_rejected(more, "9 signatures for 8 signers");
}

TEST_P(signature_list, rejects_wrong_digest) {
  auto qc = build_ok(range(0, 8));
  qc.digest = sha3_256(test::garbage(64, 2));
  expect_rejected(qc, "signer 0: bad signature");
}

TEST_P(signature_list, rejects_wrongly_sized_signature) {
  auto qc = build_ok(range(0, 8));
  qc.signatures[3].resize(65);
  expect_rejected(qc, "signer 3: signature has 65 bytes, expected 64");
}

TEST_P(signature_list, rejects_wrong_kind_and_bitmap_size) {
  auto qc = build_ok(range(0, 8));
  auto aggregate = qc;
  aggregate.kind = cert_kind::aggregate;
  expect_rejected(aggregate, "expected a signature-list certificate, got aggregate");

  auto wider = qc;
  wider.signers = signer_bitmap(n + 1);
  for (std::uint32_t i = 0; i < 8; ++i)
    wider.signers.set(i);
  expect_rejected(wider, "signer bitmap covers 11 validators, the set has 10");
}

TEST_P(signature_list, merge_of_overlapping_certificates) {
  auto a = build_ok(range(0, 5));
  auto b = build_ok(range(3, 9));
  ASSERT_TRUE(scheme_->merge(a, b).ok());
  EXPECT_EQ(a, build_ok(range(0, 9)));
  crypto_meter meter;
  auto ok = scheme_->verify(set_, a, set_.quorum(), meter);
  EXPECT_TRUE(ok.ok()) << ok.err().message;
  EXPECT_EQ(meter.verifies, 9u);

  // Merging a subset changes nothing.
  auto before = a;
  ASSERT_TRUE(scheme_->merge(a, build_ok({2, 4})).ok());
  EXPECT_EQ(a, before);
}

TEST_P(signature_list, merge_interleaved_signers) {
  auto a = build_ok({0, 2, 4, 6, 8});
  auto b = build_ok({1, 2, 3, 9});
  ASSERT_TRUE(scheme_->merge(a, b).ok());
  EXPECT_EQ(a, build_ok({0, 1, 2, 3, 4, 6, 8, 9}));
}

TEST_P(signature_list, merge_rejects_different_digest_and_malformed_input) {
  auto a = build_ok(range(0, 5));
  auto other = scheme_->build(set_, sha3_256(test::garbage(8, 3)), votes_for(range(5, 9)));
  ASSERT_TRUE(other.ok());
  auto before = a;
  auto merged = scheme_->merge(a, *other);
  ASSERT_FALSE(merged.ok());
  EXPECT_TRUE(contains(merged.err().message, "different digests"));
  EXPECT_EQ(a, before);

  auto broken = build_ok(range(5, 9));
  broken.signatures.pop_back();
  merged = scheme_->merge(a, broken);
  ASSERT_FALSE(merged.ok());
  EXPECT_TRUE(contains(merged.err().message, "3 signatures for 4 signers"));
  EXPECT_EQ(a, before);
}

const signature_scheme* botan() {
  return &ed25519_botan_scheme();
}
const signature_scheme* sodium() {
  return &ed25519_sodium_scheme();
}
const signature_scheme* modelled() {
  return &modelled_scheme();
}

INSTANTIATE_TEST_SUITE_P(votes, signature_list, ::testing::Values(&botan, &sodium, &modelled),
                         [](const auto& info) -> std::string {
                           return std::string{info.param()->name() == "modelled" ? "modelled"
                                              : info.param() == botan()          ? "botan"
                                                                                 : "sodium"};
                         });

TEST(qc_list, copies_share_the_certificates_and_compare_by_content) {
  auto scheme = make_signature_list_scheme(modelled_scheme());
  std::vector<public_key> keys;
  std::vector<std::unique_ptr<signer>> signers;
  for (std::uint32_t i = 0; i < 4; ++i) {
    signers.push_back(modelled_scheme().make_signer(test::seed_of(i)));
    keys.push_back(signers.back()->pub());
  }
  validator_set set{std::move(keys)};
  auto digest = sha3_256(test::garbage(32, 7));
  auto qc_of = [&](std::uint32_t i) {
    std::vector<indexed_signature> v{{i, signers[i]->sign(digest)}};
    return scheme->build(set, digest, v).value();
  };
  qc_list a{qc_of(0), qc_of(1)};
  a.push_back(std::make_shared<const quorum_certificate>(qc_of(2)));
  ASSERT_EQ(a.size(), 3u);
  qc_list b = a;
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(b.shared(i).get(), a.shared(i).get()) << i; // shared, not copied
  EXPECT_EQ(a, b);
  // Equal content in other objects is equal; other content or length is not.
  qc_list c{qc_of(0), qc_of(1), qc_of(2)};
  EXPECT_NE(c.shared(0).get(), a.shared(0).get());
  EXPECT_EQ(a, c);
  EXPECT_FALSE(a == qc_list({qc_of(0), qc_of(1), qc_of(3)}));
  EXPECT_FALSE(a == qc_list({qc_of(0), qc_of(1)}));
  // Reading works as over a vector of certificates.
  std::size_t signers_seen = 0;
  for (const auto& q : a)
    signers_seen += q.signer_count();
  EXPECT_EQ(signers_seen, 3u);
  EXPECT_EQ(a.front().signers.test(0), true);
  EXPECT_EQ(a.back().signers.test(2), true);
  crypto_meter m;
  EXPECT_TRUE(scheme->verify_all(set, a, digest, 3, m).ok());
  auto short_of = scheme->verify_all(set, a, digest, 4, m);
  ASSERT_FALSE(short_of.ok());
  EXPECT_EQ(short_of.err().message, "3 distinct signers, threshold 4");
  EXPECT_THROW(a.push_back(qc_list::ptr{}), std::invalid_argument);
  EXPECT_EQ(a.size(), 3u);
}

TEST(signature_list_scheme, names_its_vote_scheme) {
  auto scheme = make_signature_list_scheme(ed25519_scheme());
  EXPECT_EQ(scheme->name(), "signature-list(ed25519-sodium)");
  EXPECT_EQ(&scheme->votes(), &ed25519_scheme());
  EXPECT_EQ(scheme->kind(), cert_kind::signature_list);
}

} // namespace
} // namespace bystack::crypto
