#include "runtime/crypto/modelled.hpp"

#include "tests/crypto/test_util.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

namespace bystack::crypto {
namespace {

using test::contains;

TEST(modelled_scheme, signs_and_verifies) {
  const auto& scheme = modelled_scheme();
  EXPECT_EQ(scheme.signature_size(), 64u);
  auto s = scheme.make_signer(test::seed_of(1));
  EXPECT_EQ(s->pub(), sha3_256(test::seed_of(1)).data);
  auto digest = sha3_256(test::garbage(10, 1));
  auto sig = s->sign(digest);
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_EQ(sig, s->sign(digest)) << "deterministic";
  crypto_meter meter;
  EXPECT_TRUE(scheme.verify(s->pub(), digest, sig, meter));
  EXPECT_EQ(meter.verifies, 1u);
}

TEST(modelled_scheme, every_tampered_byte_fails) {
  const auto& scheme = modelled_scheme();
  auto s = scheme.make_signer(test::seed_of(1));
  auto digest = sha3_256(test::garbage(10, 1));
  auto sig = s->sign(digest);
  crypto_meter meter;
  for (std::size_t i = 0; i < sig.size(); ++i) {
    auto bad = sig;
    bad[i] ^= 0x80;
    EXPECT_FALSE(scheme.verify(s->pub(), digest, bad, meter)) << "byte " << i;
  }
  EXPECT_FALSE(scheme.verify(s->pub(), digest, test::garbage(64, 5), meter));
  EXPECT_FALSE(scheme.verify(s->pub(), digest, bytes(64, 0), meter));
}

TEST(modelled_scheme, different_digest_or_key_fails) {
  const auto& scheme = modelled_scheme();
  auto s = scheme.make_signer(test::seed_of(1));
  auto other = scheme.make_signer(test::seed_of(2));
  auto digest = sha3_256(test::garbage(10, 1));
  auto sig = s->sign(digest);
  crypto_meter meter;
  EXPECT_FALSE(scheme.verify(s->pub(), sha3_256(test::garbage(10, 2)), sig, meter));
  EXPECT_FALSE(scheme.verify(other->pub(), digest, sig, meter));
  EXPECT_NE(sig, other->sign(digest));
}

TEST(modelled_scheme, wrong_size_is_rejected_without_counting) {
  const auto& scheme = modelled_scheme();
  auto s = scheme.make_signer(test::seed_of(1));
  auto digest = sha3_256(test::garbage(10, 1));
  auto sig = s->sign(digest);
  sig.pop_back();
  crypto_meter meter;
  EXPECT_FALSE(scheme.verify(s->pub(), digest, sig, meter));
  EXPECT_FALSE(scheme.verify(s->pub(), digest, {}, meter));
  EXPECT_EQ(meter.verifies, 0u);
}

// Pins the word layout so that traces recorded with the modelled scheme stay comparable.
TEST(modelled_scheme, known_answer) {
  auto s = modelled_scheme().make_signer(secret_seed{});
  hash256 digest{};
  auto sig = s->sign(digest);
  auto mix = [](std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::uint64_t pk64 = 0;
  for (int i = 7; i >= 0; --i)
    pk64 = pk64 << 8 | s->pub()[static_cast<std::size_t>(i)];
  for (std::uint64_t j = 0; j < 8; ++j) {
    std::uint64_t w = mix(pk64 ^ mix(0 + j));
    for (std::size_t b = 0; b < 8; ++b)
      EXPECT_EQ(sig[8 * j + b], static_cast<std::uint8_t>(w >> (8 * b))) << "word " << j;
  }
}

class modelled_aggregate : public ::testing::Test {
protected:
  static constexpr std::uint32_t n = 100;

  void SetUp() override {
    std::vector<public_key> keys;
    for (std::uint32_t i = 0; i < n; ++i) {
      signers_.push_back(modelled_scheme().make_signer(test::seed_of(i)));
      keys.push_back(signers_.back()->pub());
    }
    set_ = validator_set{std::move(keys)};
    digest_ = sha3_256(test::garbage(64, 1));
  }

  std::vector<indexed_signature> votes(std::uint32_t from, std::uint32_t to) const {
    std::vector<indexed_signature> out;
    for (auto i = from; i < to; ++i)
      out.push_back({i, signers_[i]->sign(digest_)});
    return out;
  }

  quorum_certificate build_ok(std::uint32_t from, std::uint32_t to) const {
    auto qc = scheme_->build(set_, digest_, votes(from, to));
    EXPECT_TRUE(qc.ok()) << qc.err().message;
    return qc.ok() ? std::move(qc).value() : quorum_certificate{};
  }

  result<void> verify(const quorum_certificate& qc, std::size_t threshold) {
    return scheme_->verify(set_, qc, threshold, meter_);
  }

  std::unique_ptr<certificate_scheme> scheme_ = make_modelled_aggregate_scheme(48);
  std::vector<std::unique_ptr<signer>> signers_;
  validator_set set_;
  hash256 digest_;
  crypto_meter meter_;
};

TEST_F(modelled_aggregate, build_and_verify) {
  auto qc = build_ok(0, 67);
  EXPECT_EQ(qc.kind, cert_kind::aggregate);
  ASSERT_EQ(qc.signatures.size(), 1u);
  EXPECT_EQ(qc.signatures[0].size(), 48u);
  EXPECT_EQ(qc.signer_count(), 67u);
  auto ok = verify(qc, set_.quorum());
  EXPECT_TRUE(ok.ok()) << ok.err().message;
  EXPECT_EQ(meter_.aggregate_verifies, 1u);
  EXPECT_EQ(meter_.aggregate_signers, 67u);
  EXPECT_EQ(meter_.verifies, 0u);
  EXPECT_EQ(&scheme_->votes(), &modelled_scheme());
}

TEST_F(modelled_aggregate, fails_below_threshold) {
  auto qc = build_ok(0, 66);
  auto ok = verify(qc, set_.quorum());
  ASSERT_FALSE(ok.ok());
  EXPECT_EQ(ok.err().message, "66 signers, threshold 67");
}

TEST_F(modelled_aggregate, merge_of_disjoint_certificates) {
  auto a = build_ok(0, 30);
  auto b = build_ok(30, 70);
  ASSERT_TRUE(scheme_->merge(a, b).ok());
  EXPECT_EQ(a, build_ok(0, 70)) << "merging equals building from all votes";
  auto ok = verify(a, set_.quorum());
  EXPECT_TRUE(ok.ok()) << ok.err().message;
}

TEST_F(modelled_aggregate, merge_rejects_overlap_and_other_digest) {
  auto a = build_ok(0, 40);
  auto before = a;
  auto merged = scheme_->merge(a, build_ok(39, 70));
  ASSERT_FALSE(merged.ok());
  EXPECT_TRUE(contains(merged.err().message, "overlapping signers (signer 39"));
  EXPECT_EQ(a, before);

  auto other = scheme_->build(set_, sha3_256(test::garbage(8, 9)), votes(40, 70));
  ASSERT_TRUE(other.ok());
  merged = scheme_->merge(a, *other);
  ASSERT_FALSE(merged.ok());
  EXPECT_TRUE(contains(merged.err().message, "different digests"));
  EXPECT_EQ(a, before);
}

TEST_F(modelled_aggregate, bitmap_claiming_an_extra_signer_fails) {
  auto qc = build_ok(0, 67);
  qc.signers.set(80);
  auto ok = verify(qc, set_.quorum());
  ASSERT_FALSE(ok.ok());
  EXPECT_TRUE(contains(ok.err().message, "counts 67 signers, the bitmap has 68"));

  // Also fix up the count field: the tag still gives it away.
  auto& sig = qc.signatures[0];
  sig[8] = 68;
  ok = verify(qc, set_.quorum());
  ASSERT_FALSE(ok.ok());
  EXPECT_TRUE(contains(ok.err().message, "does not match its 68 signers"));
}

TEST_F(modelled_aggregate, bitmap_dropping_a_signer_fails) {
  auto qc = build_ok(0, 70);
  signer_bitmap fewer(n);
  for (std::uint32_t i = 1; i < 70; ++i)
    fewer.set(i);
  qc.signers = fewer;
  qc.signatures[0][8] = 69;
  auto ok = verify(qc, set_.quorum());
  ASSERT_FALSE(ok.ok());
  EXPECT_TRUE(contains(ok.err().message, "does not match"));
}

TEST_F(modelled_aggregate, garbage_aggregate_fails) {
  auto qc = build_ok(0, 67);
  qc.signatures[0] = test::garbage(48, 3);
  EXPECT_FALSE(verify(qc, set_.quorum()).ok());

  // Garbage in the tag only, with a plausible count and padding.
  auto tagged = build_ok(0, 67);
  auto noise = test::garbage(8, 4);
  std::copy(noise.begin(), noise.end(), tagged.signatures[0].begin());
  auto ok = verify(tagged, set_.quorum());
  ASSERT_FALSE(ok.ok());
  EXPECT_TRUE(contains(ok.err().message, "does not match"));

  auto padded = build_ok(0, 67);
  padded.signatures[0][47] = 1;
  ok = verify(padded, set_.quorum());
  ASSERT_FALSE(ok.ok());
  EXPECT_TRUE(contains(ok.err().message, "non-zero padding"));
}

TEST_F(modelled_aggregate, wrong_digest_fails) {
  auto qc = build_ok(0, 67);
  qc.digest = sha3_256(test::garbage(64, 2));
  auto ok = verify(qc, set_.quorum());
  ASSERT_FALSE(ok.ok());
  EXPECT_TRUE(contains(ok.err().message, "does not match"));
}

TEST_F(modelled_aggregate, a_bad_vote_spoils_the_aggregate) {
  // build() trusts the caller to have verified the votes; verify() still catches a bad one.
  auto v = votes(0, 67);
  v[10].signature = signers_[11]->sign(digest_);
  auto qc = scheme_->build(set_, digest_, v);
  ASSERT_TRUE(qc.ok());
  EXPECT_FALSE(verify(*qc, set_.quorum()).ok());
}

TEST_F(modelled_aggregate, rejects_malformed_shapes) {
  auto qc = build_ok(0, 67);
  auto two = qc;
  two.signatures.push_back(qc.signatures[0]);
  auto ok = verify(two, set_.quorum());
  ASSERT_FALSE(ok.ok());
  EXPECT_EQ(ok.err().message, "expected one aggregate signature, found 2");

  auto none = qc;
  none.signatures.clear();
  EXPECT_FALSE(verify(none, set_.quorum()).ok());

  auto short_sig = qc;
  short_sig.signatures[0].resize(47);
  ok = verify(short_sig, set_.quorum());
  ASSERT_FALSE(ok.ok());
  EXPECT_EQ(ok.err().message, "aggregate signature has 47 bytes, expected 48");

  auto listed = qc;
  listed.kind = cert_kind::signature_list;
  ok = verify(listed, set_.quorum());
  ASSERT_FALSE(ok.ok());
  EXPECT_EQ(ok.err().message, "expected an aggregate certificate, got signature-list");
  EXPECT_EQ(meter_.aggregate_verifies, 0u);
}

TEST_F(modelled_aggregate, build_rejects_unknown_and_duplicate_signers) {
  auto v = votes(0, 10);
  v.push_back({100, v[0].signature});
  auto qc = scheme_->build(set_, digest_, v);
  ASSERT_FALSE(qc.ok());
  EXPECT_EQ(qc.err().message, "unknown signer 100 (set has 100)");

  v = votes(0, 10);
  v.push_back(v[3]);
  qc = scheme_->build(set_, digest_, v);
  ASSERT_FALSE(qc.ok());
  EXPECT_EQ(qc.err().message, "duplicate signer 3");
}

TEST(modelled_aggregate_scheme, sizes) {
  EXPECT_THROW(make_modelled_aggregate_scheme(15), std::invalid_argument);
  auto musig = make_modelled_aggregate_scheme(64);
  EXPECT_EQ(musig->kind(), cert_kind::aggregate);
  auto s = modelled_scheme().make_signer(test::seed_of(0));
  validator_set set{{s->pub()}};
  auto digest = sha3_256(test::garbage(4, 4));
  std::vector<indexed_signature> v{{0, s->sign(digest)}};
  auto qc = musig->build(set, digest, v);
  ASSERT_TRUE(qc.ok());
  EXPECT_EQ(qc->signatures[0].size(), 64u);
  crypto_meter meter;
  EXPECT_TRUE(musig->verify(set, *qc, 1, meter).ok());
}

// The aggregate check takes nearly full bitmap words from a per-thread table of whole words
// (minus their missing signers). Over many certificates, digests and two sets of one size, its
// verdicts must equal a per-signer reference: the XOR of every signer's value, and the count.
class modelled_aggregate_words : public ::testing::Test {
protected:
  static constexpr std::uint32_t n = 300; // 4 full words and one of 44 bits

  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  static std::uint64_t le64(const std::uint8_t* p) {
    std::uint64_t x = 0;
    for (int i = 7; i >= 0; --i)
      x = x << 8 | p[i];
    return x;
  }

  void SetUp() override {
    for (std::uint32_t k = 0; k < 2; ++k) {
      std::vector<public_key> keys;
      for (std::uint32_t i = 0; i < n; ++i) {
        signers_[k].push_back(modelled_scheme().make_signer(test::seed_of(k * 1000 + i)));
        keys.push_back(signers_[k].back()->pub());
      }
      sets_[k] = validator_set{std::move(keys)};
    }
    for (std::uint8_t d = 0; d < 6; ++d)
      digests_.push_back(sha3_256(test::garbage(32, 100 + d)));
  }

  /// What verify() must answer, signer by signer.
  bool reference(const validator_set& set, const quorum_certificate& qc) const {
    std::uint64_t tag = 0;
    auto d = mix(le64(qc.digest.data.data()));
    qc.signers.for_each([&](std::size_t i) { tag ^= mix(le64(set.key(i).data()) ^ d); });
    const auto& sig = qc.signatures[0];
    return tag == le64(sig.data()) && le64(sig.data() + 8) == qc.signers.count();
  }

  quorum_certificate build(std::uint32_t k, const hash256& digest, const signer_bitmap& who) {
    std::vector<indexed_signature> v;
    who.for_each([&](std::size_t i) {
      v.push_back({static_cast<std::uint32_t>(i), signers_[k][i]->sign(digest)});
    });
    auto qc = scheme_->build(sets_[k], digest, v);
    EXPECT_TRUE(qc.ok());
    return qc.ok() ? std::move(qc).value() : quorum_certificate{};
  }

  std::unique_ptr<certificate_scheme> scheme_ = make_modelled_aggregate_scheme(48);
  std::vector<std::unique_ptr<signer>> signers_[2];
  validator_set sets_[2];
  std::vector<hash256> digests_;
};

TEST_F(modelled_aggregate_words, verdicts_equal_the_per_signer_check) {
  std::mt19937_64 rng(7);
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  for (int round = 0; round < 300; ++round) {
    // Dense bitmaps (most words take the table path), some sparse ones, six digests and two
    // sets in turn so that the four tables per thread are evicted and rebuilt.
    auto k = static_cast<std::uint32_t>(rng() % 2);
    const auto& digest = digests_[rng() % digests_.size()];
    double density = round % 5 == 0 ? 0.3 : 0.97;
    signer_bitmap who(n);
    for (std::uint32_t i = 0; i < n; ++i)
      if (std::uniform_real_distribution<double>(0, 1)(rng) < density) who.set(i);
    if (who.count() == 0) who.set(0);
    auto qc = build(k, digest, who);
    crypto_meter meter;
    ASSERT_TRUE(reference(sets_[k], qc));
    ASSERT_TRUE(scheme_->verify(sets_[k], qc, 1, meter).ok()) << "round " << round;
    ++accepted;

    // Forgeries, each with the count field fixed up: a signer added or dropped (inside a
    // full word too), another digest, the other set of the same size.
    auto forged = qc;
    auto flip = static_cast<std::size_t>(rng() % n);
    signer_bitmap changed(n);
    qc.signers.for_each([&](std::size_t i) {
      if (i != flip) changed.set(i);
    });
    if (!qc.signers.test(flip)) changed.set(flip);
    forged.signers = changed;
    auto c = changed.count();
    for (int b = 0; b < 8; ++b)
      forged.signatures[0][8 + static_cast<std::size_t>(b)] =
          static_cast<std::uint8_t>(c >> (8 * b));
    ASSERT_FALSE(reference(sets_[k], forged));
    ASSERT_FALSE(scheme_->verify(sets_[k], forged, 1, meter).ok()) << "round " << round;

    auto moved = qc;
    moved.digest = digests_[(rng() % (digests_.size() - 1) + 1 +
                             static_cast<std::size_t>(&digest - digests_.data())) %
                            digests_.size()];
    ASSERT_NE(moved.digest, qc.digest);
    ASSERT_FALSE(scheme_->verify(sets_[k], moved, 1, meter).ok()) << "round " << round;
    ASSERT_FALSE(scheme_->verify(sets_[1 - k], qc, 1, meter).ok()) << "round " << round;
    rejected += 3;
  }
  EXPECT_EQ(accepted, 300u);
  EXPECT_EQ(rejected, 900u);
}

TEST_F(modelled_aggregate_words, a_full_word_missing_one_signer_fails) {
  // Word 1 full in the table first; then a certificate over the same digest that claims word 1
  // whole while signer 70 never signed (its aggregate is that of the 63 others).
  signer_bitmap all(n);
  for (std::uint32_t i = 0; i < n; ++i)
    all.set(i);
  crypto_meter meter;
  auto full = build(0, digests_[0], all);
  ASSERT_TRUE(scheme_->verify(sets_[0], full, 1, meter).ok());
  signer_bitmap without(n);
  for (std::uint32_t i = 0; i < n; ++i)
    if (i != 70) without.set(i);
  auto honest = build(0, digests_[0], without);
  ASSERT_TRUE(scheme_->verify(sets_[0], honest, 1, meter).ok());
  auto claim = honest;
  claim.signers = all;
  claim.signatures[0][8] = static_cast<std::uint8_t>(n & 0xff);
  claim.signatures[0][9] = static_cast<std::uint8_t>(n >> 8);
  auto ok = scheme_->verify(sets_[0], claim, 1, meter);
  ASSERT_FALSE(ok.ok());
  EXPECT_TRUE(contains(ok.err().message, "does not match its 300 signers"));
}

TEST_F(modelled_aggregate_words, merge_disjoint_equals_merging_one_by_one) {
  const auto& digest = digests_[1];
  std::vector<quorum_certificate> parts;
  signer_bitmap all(n);
  for (std::uint32_t g = 0; g < 6; ++g) {
    signer_bitmap who(n);
    for (std::uint32_t i = g * 50; i < g * 50 + 50; ++i)
      if (i % 7 != 3) who.set(i);
    all.merge(who);
    parts.push_back(build(0, digest, who));
  }
  std::vector<const quorum_certificate*> ptrs;
  for (const auto& p : parts)
    ptrs.push_back(&p);
  auto fast = scheme_->merge_disjoint(ptrs, all);
  auto slow = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i)
    ASSERT_TRUE(scheme_->merge(slow, parts[i]).ok());
  EXPECT_EQ(fast, slow);
  EXPECT_EQ(fast, build(0, digest, all));
  crypto_meter meter;
  EXPECT_TRUE(scheme_->verify(sets_[0], fast, 1, meter).ok());

  // One certificate over another digest: merging one by one skips it, and so must this.
  signer_bitmap extra(n);
  extra.set(3);
  auto other = build(0, digests_[2], extra);
  ptrs.push_back(&other);
  signer_bitmap with_extra = all;
  with_extra.set(3);
  EXPECT_EQ(scheme_->merge_disjoint(ptrs, with_extra), slow);
}

} // namespace
} // namespace bystack::crypto
