// The simulator's certificate-check memo: outcomes remembered by the identity of the decoded
// message that holds the certificates must equal the inner scheme's, with the same work
// charged, and a certificate at a remembered address inside another message is checked anew.

#include "sim/crypto_cache.hpp"

#include "runtime/crypto/modelled.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

namespace bystack::sim {
namespace {

using namespace bystack::crypto;

class crypto_cache : public ::testing::Test {
protected:
  static constexpr std::uint32_t n = 200;

  void SetUp() override {
    std::vector<public_key> keys;
    for (std::uint32_t i = 0; i < n; ++i) {
      secret_seed seed{};
      seed[0] = static_cast<std::uint8_t>(i);
      seed[1] = static_cast<std::uint8_t>(i >> 8);
      signers_.push_back(modelled_scheme().make_signer(seed));
      keys.push_back(signers_.back()->pub());
    }
    set_ = validator_set{std::move(keys)};
    digest_ = sha3_256(bytes{1, 2, 3});
  }

  quorum_certificate build(std::uint32_t from, std::uint32_t to) {
    std::vector<indexed_signature> v;
    for (auto i = from; i < to; ++i)
      v.push_back({i, signers_[i]->sign(digest_)});
    auto qc = inner_->build(set_, digest_, v);
    EXPECT_TRUE(qc.ok());
    return qc.ok() ? std::move(qc).value() : quorum_certificate{};
  }

  /// Adds signer `i` to the bitmap and the count field, leaving the tag: a forgery.
  static void claim_extra(quorum_certificate& qc, std::uint32_t i) {
    qc.signers.set(i);
    qc.signatures[0][8] = static_cast<std::uint8_t>(qc.signers.count());
  }

  std::unique_ptr<certificate_scheme> inner_ = make_modelled_aggregate_scheme(48);
  caching_certificate_scheme cache_{make_modelled_aggregate_scheme(48)};
  std::vector<std::unique_ptr<signer>> signers_;
  validator_set set_;
  hash256 digest_;
};

TEST_F(crypto_cache, remembered_outcome_and_work_equal_the_inner_scheme) {
  auto msg = std::make_shared<const quorum_certificate>(build(0, 150));
  crypto_meter direct;
  ASSERT_TRUE(inner_->verify(set_, *msg, 134, direct).ok());
  for (int i = 0; i < 3; ++i) {
    crypto_meter m;
    ASSERT_TRUE(cache_.verify_shared(set_, *msg, msg, 134, m).ok());
    EXPECT_EQ(m.aggregate_verifies, direct.aggregate_verifies);
    EXPECT_EQ(m.aggregate_signers, direct.aggregate_signers);
  }
  EXPECT_EQ(cache_.misses(), 1u);
  EXPECT_EQ(cache_.hits(), 2u);

  // The threshold is part of what was checked.
  crypto_meter m;
  auto high = cache_.verify_shared(set_, *msg, msg, 151, m);
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.err().message, "150 signers, threshold 151");

  // So is the set: another set of the same size rejects the certificate.
  std::vector<public_key> keys = set_.keys();
  std::swap(keys[0], keys[199]); // signer 0 gets a key outside the certificate
  validator_set swapped{std::move(keys)};
  EXPECT_FALSE(cache_.verify_shared(swapped, *msg, msg, 134, m).ok());
  EXPECT_TRUE(cache_.verify_shared(set_, *msg, msg, 134, m).ok());
}

TEST_F(crypto_cache, a_forged_certificate_fails_every_time) {
  auto forged = build(0, 140);
  claim_extra(forged, 160);
  auto msg = std::make_shared<const quorum_certificate>(forged);
  for (int i = 0; i < 2; ++i) {
    crypto_meter m;
    auto ok = cache_.verify_shared(set_, *msg, msg, 1, m);
    ASSERT_FALSE(ok.ok());
    EXPECT_NE(ok.err().message.find("does not match its 141 signers"), std::string::npos);
    EXPECT_EQ(m.aggregate_verifies, 1u);
  }
}

TEST_F(crypto_cache, same_address_in_another_message_is_checked_again) {
  // A remembered address reused by another message (the first one freed) must not inherit the
  // first one's outcome: the owner is part of the key.
  quorum_certificate slot = build(0, 150);
  auto first = std::make_shared<int>(1);
  crypto_meter m;
  ASSERT_TRUE(cache_.verify_shared(set_, slot, first, 134, m).ok());
  claim_extra(slot, 170);
  auto second = std::make_shared<int>(2);
  EXPECT_FALSE(cache_.verify_shared(set_, slot, second, 134, m).ok());
  EXPECT_EQ(cache_.misses(), 2u);
}

TEST_F(crypto_cache, certificate_lists_by_message) {
  struct message {
    crypto::qc_list certs;
  };
  auto good = std::make_shared<message>();
  good->certs = {build(0, 70), build(70, 140)};
  crypto_meter m;
  ASSERT_TRUE(cache_.verify_all_shared(set_, good->certs, good, digest_, 134, m).ok());
  ASSERT_TRUE(cache_.verify_all_shared(set_, good->certs, good, digest_, 134, m).ok());
  EXPECT_EQ(cache_.hits(), 1u);
  // Another digest argument over the same list is another question.
  auto other = sha3_256(bytes{9});
  EXPECT_FALSE(cache_.verify_all_shared(set_, good->certs, good, other, 134, m).ok());

  auto short_list = std::make_shared<message>();
  short_list->certs = {build(0, 70), build(70, 130)};
  auto ok = cache_.verify_all_shared(set_, short_list->certs, short_list, digest_, 134, m);
  ASSERT_FALSE(ok.ok());
  EXPECT_EQ(ok.err().message, "130 distinct signers, threshold 134");

  // Without an owner nothing is remembered.
  auto before = cache_.hits() + cache_.misses();
  EXPECT_TRUE(cache_.verify_all_shared(set_, good->certs, nullptr, digest_, 134, m).ok());
  EXPECT_EQ(cache_.hits() + cache_.misses(), before);
}

TEST_F(crypto_cache, per_thread_scheme_asks_the_memo_of_the_calling_thread) {
  // A run on two threads moves nodes between the threads from window to window: each call must
  // reach the memo of the thread making it (the memos are not thread-safe), with the outcome and
  // the work of the memo it reaches.
  caching_certificate_scheme second{make_modelled_aggregate_scheme(48)};
  per_thread_certificate_scheme split({&cache_, &second});
  auto msg = std::make_shared<const quorum_certificate>(build(0, 150));
  crypto_meter direct;
  ASSERT_TRUE(inner_->verify(set_, *msg, 134, direct).ok());
  auto check = [&] {
    crypto_meter m;
    EXPECT_TRUE(split.verify_shared(set_, *msg, msg, 134, m).ok());
    EXPECT_EQ(m.aggregate_verifies, direct.aggregate_verifies);
  };
  ASSERT_EQ(sim_thread_index, 0u);
  check();
  check();
  EXPECT_EQ(cache_.misses() + cache_.hits(), 2u);
  EXPECT_EQ(second.misses() + second.hits(), 0u);
  std::thread other([&] {
    sim_thread_index = 1;
    check();
  });
  other.join();
  EXPECT_EQ(second.misses(), 1u);
  EXPECT_EQ(cache_.misses() + cache_.hits(), 2u); // the first memo was not asked
  EXPECT_EQ(sim_thread_index, 0u);                // the index is the thread's own
  auto forged = build(0, 140);
  claim_extra(forged, 160);
  crypto_meter m;
  EXPECT_FALSE(split.verify(set_, forged, 1, m).ok());
}

} // namespace
} // namespace bystack::sim
