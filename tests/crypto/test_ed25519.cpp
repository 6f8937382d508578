#include "runtime/crypto/keys.hpp"
#include "runtime/crypto/signature_scheme.hpp"

#include "tests/crypto/test_util.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bystack::crypto {
namespace {

using test::unhex;
using test::unhex_array;

// RFC 8032, section 7.1, TEST 1 (empty message).
constexpr std::string_view rfc_seed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view rfc_pub =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view rfc_sig =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
    "6bd25bf5f0595bbe24655141438e7a100b";

using verify_fn = bool (*)(const public_key&, byte_view, byte_view);

struct backend {
  const char* name;
  const signature_scheme& (*scheme)();
  verify_fn verify;
};

const backend backends[] = {
    {"botan", &ed25519_botan_scheme, &verify_ed25519_botan},
    {"sodium", &ed25519_sodium_scheme, &verify_ed25519_sodium},
};

TEST(ed25519, rfc8032_test1_key_pair) {
  auto kp = key_pair::from_seed(unhex_array<secret_seed>(rfc_seed));
  EXPECT_EQ(to_hex(kp.pub()), rfc_pub);
  auto sig = kp.sign({});
  EXPECT_EQ(to_hex(sig), rfc_sig);
  EXPECT_EQ(node_id_of(kp.pub()), sha3_256(unhex(rfc_pub)));
}

TEST(ed25519, rfc8032_test1_both_backends) {
  auto seed = unhex_array<secret_seed>(rfc_seed);
  auto pub = unhex_array<public_key>(rfc_pub);
  auto sig = unhex(rfc_sig);
  for (const auto& b : backends) {
    SCOPED_TRACE(b.name);
    EXPECT_EQ(to_hex(b.scheme().make_signer(seed)->pub()), rfc_pub);
    EXPECT_TRUE(b.verify(pub, {}, sig));
    std::uint8_t one_byte[] = {0};
    EXPECT_FALSE(b.verify(pub, byte_view{one_byte}, sig));
  }
  EXPECT_TRUE(verify_ed25519(pub, {}, sig));
}

TEST(ed25519, backends_derive_the_same_key_and_signature) {
  for (std::uint32_t i = 0; i < 8; ++i) {
    auto seed = test::seed_of(i);
    auto botan = ed25519_botan_scheme().make_signer(seed);
    auto sodium = ed25519_sodium_scheme().make_signer(seed);
    ASSERT_EQ(botan->pub(), sodium->pub());
    EXPECT_EQ(botan->pub(), key_pair::from_seed(seed).pub());
    auto digest = sha3_256(test::garbage(40, i));
    // RFC 8032 signing is deterministic, so the two backends must agree byte for byte.
    EXPECT_EQ(botan->sign(digest), sodium->sign(digest));
  }
}

TEST(ed25519, signatures_verify_across_backends) {
  crypto_meter meter;
  auto digest = sha3_256(test::garbage(32, 7));
  for (const auto& signer_backend : backends) {
    auto s = signer_backend.scheme().make_signer(test::seed_of(3));
    auto sig = s->sign(digest);
    for (const auto& verifier : backends) {
      SCOPED_TRACE(std::string{"signed by "} + signer_backend.name + ", verified by " +
                   verifier.name);
      EXPECT_TRUE(verifier.scheme().verify(s->pub(), digest, sig, meter));
    }
  }
  EXPECT_EQ(meter.verifies, 4u);
}

TEST(ed25519, tampering_fails) {
  auto kp = key_pair::from_seed(test::seed_of(1));
  auto other = key_pair::from_seed(test::seed_of(2));
  auto message = test::garbage(100, 42);
  auto sig = kp.sign(message);
  for (const auto& b : backends) {
    SCOPED_TRACE(b.name);
    ASSERT_TRUE(b.verify(kp.pub(), message, sig));

    auto changed_message = message;
    changed_message[57] ^= 0x01;
    EXPECT_FALSE(b.verify(kp.pub(), changed_message, sig));

    for (std::size_t at : {0u, 31u, 32u, 63u}) {
      auto changed_sig = sig;
      changed_sig[at] ^= 0x04;
      EXPECT_FALSE(b.verify(kp.pub(), message, changed_sig)) << "byte " << at;
    }

    auto changed_key = kp.pub();
    changed_key[5] ^= 0x10;
    EXPECT_FALSE(b.verify(changed_key, message, sig));
    EXPECT_FALSE(b.verify(other.pub(), message, sig));
  }
}

TEST(ed25519, malformed_sizes_are_false_not_exceptions) {
  auto kp = key_pair::from_seed(test::seed_of(1));
  auto message = test::garbage(10, 1);
  auto sig = kp.sign(message);
  bytes short_sig(sig.begin(), sig.end() - 1);
  bytes long_sig(sig.begin(), sig.end());
  long_sig.push_back(0);
  public_key not_a_point;
  not_a_point.fill(0xff);
  crypto_meter meter;
  for (const auto& b : backends) {
    SCOPED_TRACE(b.name);
    EXPECT_FALSE(b.verify(kp.pub(), message, short_sig));
    EXPECT_FALSE(b.verify(kp.pub(), message, long_sig));
    EXPECT_FALSE(b.verify(kp.pub(), message, {}));
    EXPECT_FALSE(b.verify(not_a_point, message, sig));
    EXPECT_FALSE(b.scheme().verify(kp.pub(), sha3_256(message), short_sig, meter));
  }
  EXPECT_EQ(meter.verifies, 0u) << "a wrongly sized signature costs no verification";
}

TEST(ed25519, generate_gives_distinct_working_keys) {
  auto a = key_pair::generate();
  auto b = key_pair::generate();
  EXPECT_NE(a.pub(), b.pub());
  EXPECT_EQ(key_pair::from_seed(a.seed()).pub(), a.pub());
  auto message = test::garbage(20, 9);
  EXPECT_TRUE(verify_ed25519(a.pub(), message, a.sign(message)));
  EXPECT_FALSE(verify_ed25519(b.pub(), message, a.sign(message)));
}

TEST(ed25519, moved_key_pair_still_signs) {
  auto a = key_pair::from_seed(test::seed_of(4));
  auto pub = a.pub();
  key_pair b = std::move(a);
  auto message = test::garbage(20, 9);
  EXPECT_EQ(b.pub(), pub);
  EXPECT_TRUE(verify_ed25519(pub, message, b.sign(message)));
}

// The two verifiers differ on inputs no honest signer produces. These tests pin the difference
// that docs/crypto.md describes; if a library update changes it, the document must change too.

/// Adds the group order L to the S half of a signature (little-endian, with carry).
ed25519_signature add_group_order_to_s(ed25519_signature sig) {
  static constexpr std::uint8_t order[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
                                             0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned sum = sig[32 + i] + order[i] + carry;
    sig[32 + i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  return sig;
}

TEST(ed25519, sodium_rejects_a_malleated_signature_that_botan_accepts) {
  auto kp = key_pair::from_seed(test::seed_of(5));
  auto message = test::garbage(32, 5);
  auto sig = kp.sign(message);
  auto malleated = add_group_order_to_s(sig);
  ASSERT_NE(malleated, sig);
  ASSERT_EQ(malleated[63] & 0xe0, 0) << "pick another message: S + L overflowed 253 bits";
  EXPECT_FALSE(verify_ed25519_sodium(kp.pub(), message, malleated));
  EXPECT_FALSE(verify_ed25519(kp.pub(), message, malleated));
  EXPECT_TRUE(verify_ed25519_botan(kp.pub(), message, malleated));
}

TEST(ed25519, sodium_rejects_a_small_order_key_that_botan_accepts) {
  // The identity point as public key, R = identity and S = 0 satisfy the verification equation
  // for every message: anyone can "sign" for this key.
  public_key identity{};
  identity[0] = 1;
  ed25519_signature forged{};
  forged[0] = 1;
  auto message = test::garbage(32, 6);
  EXPECT_FALSE(verify_ed25519_sodium(identity, message, forged));
  EXPECT_TRUE(verify_ed25519_botan(identity, message, forged));
}

TEST(ed25519, scheme_names_and_default) {
  EXPECT_EQ(ed25519_botan_scheme().name(), "ed25519-botan");
  EXPECT_EQ(ed25519_sodium_scheme().name(), "ed25519-sodium");
  EXPECT_EQ(&ed25519_scheme(), &ed25519_sodium_scheme());
  EXPECT_EQ(ed25519_scheme().signature_size(), 64u);
}

} // namespace
} // namespace bystack::crypto
