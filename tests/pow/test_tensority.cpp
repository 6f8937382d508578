// Tensority against every published Bytom vector (mining/tensority/go_algorithm/algorithm_test.go,
// the same list as mining/tensority/algorithm_test.go; tensority_test.go; seed_test.go for the
// scrypt stage), the reference and optimised kernels against each other, the seed rule and the
// seed cache.

#include "runtime/pow/tensority.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string_view>

namespace bystack::pow {
namespace {

crypto::hash256 h(std::string_view hex) {
  crypto::hash256 out;
  EXPECT_TRUE(crypto::parse_hash(hex, out)) << hex;
  return out;
}

// Builds each seed's matrices once for the whole suite: a build costs as much as a few hashes.
const matrix_cache& cache_for(const crypto::hash256& seed) {
  static std::map<crypto::hash256, std::shared_ptr<const matrix_cache>> caches;
  auto& c = caches[seed];
  if (!c) c = std::make_shared<const matrix_cache>(matrix_cache::build(seed));
  return *c;
}

struct vector {
  std::string_view header, seed, hash;
};

// Bytom's TestLegacyAlgorithm / TestAlgorithm table, in its order (the first case is listed
// twice there too). Bytom's bc.Hash round-trips these arrays unchanged (NewHash reads and
// Bytes writes big-endian words), so the hex is the byte order Tensority reads and writes.
constexpr vector bytom_vectors[] = {
    {"d0dad73fb2dabf3353fda15571b4e5f6ac62ff187b354fadd4840d9ff2f1afdf",
     "0737520781345b11b7bd0f843c1bdd9aea81b6da94fd141cc9f2df53ac6744d2",
     "e35da54795d82f8549c0e580cbf2e3757ab5ef8fed1bdbe439416c7e6f8df227"},
    {"d0dad73fb2dabf3353fda15571b4e5f6ac62ff187b354fadd4840d9ff2f1afdf",
     "0737520781345b11b7bd0f843c1bdd9aea81b6da94fd141cc9f2df53ac6744d2",
     "e35da54795d82f8549c0e580cbf2e3757ab5ef8fed1bdbe439416c7e6f8df227"},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "48dda5bbe9171a6656206ec56c595c5834b6cf38c5fe71bcb44fe43833aee9df",
     "26db94efa422d76c402a54eeb61dd5f53282cd3ce1a0ac677e177051edaa98c1"},
    {"8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92",
     "0e3b78d8380844b0f697bb912da7f4d210382c6714194fd16039ef2acd924dcf",
     "fecec33669737592f7754b215b20bacefba64d2e4ca1656f85ea1d3dbe162839"},
    {"2f014311e0926fa8b3d6e6de2051bf69332123baadfe522b62f4645655859e7a",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "c1c3cf4c76968e2967f0053c76f2084cc01ed0fe9766428db99c45bedf0cdbe2"},
    {"e0e3c43178a126d04871b9c5d0c642e5e08b9679a5f66b821bd9a030eff02ce7",
     "6ab21e1301f5752c2fca1b5598f49d3769482e073c1f26e3b8365f405553ea31",
     "abbc2cb39638f684235fbc1b3ff107945948c581b6929bae2cd681889ff2d824"},
    {"886a8e85b275e7d65b569ba510875c0e63dece1a94569914d7624c0dac8002f9",
     "9e6291970cb44dd94008c79bcaf9d86f18b4b49ba5b2a04781db7199ed3b9e4e",
     "6a1f276cac6f9e8b426eab46b533f82e82a148c03fb0a86934a8e5483b39da5e"},
    {"2f86fe508faa7d68692a2089271b6901385d9058cd47e84fb402b5085f9a8360",
     "9e6291970cb44dd94008c79bcaf9d86f18b4b49ba5b2a04781db7199ed3b9e4e",
     "81756fdab39a17163b0ce582ee4ee256fb4d1e156c692b997d608a42ecb38d47"},
    {"fe9791d71b67ee62515e08723c061b5ccb952a80d804417c8aeedf7f633c524a",
     "9e6291970cb44dd94008c79bcaf9d86f18b4b49ba5b2a04781db7199ed3b9e4e",
     "fad5195a0c8e3b590b86a3c0a95e7529565888508aecca96e9aeda633002f409"},
    {"ef306787a087c118fcb6d351f0199dca98055898e208fbf1a934c9d70b58ee4b",
     "9e6291970cb44dd94008c79bcaf9d86f18b4b49ba5b2a04781db7199ed3b9e4e",
     "ffb0cadab314673d228f8fe74d84a4652e01c82c2641d3e2fa9148afeab0d606"},
    {"10d2f1b2f48e389c97dde1b1a63bcd743c2340935d71e2c358ba10e584696143",
     "9e6291970cb44dd94008c79bcaf9d86f18b4b49ba5b2a04781db7199ed3b9e4e",
     "6add5af18253d0722c542f7e71f47d9cb1a4d7fb7c7d26aefe3c831cb854f17e"},
    // mining/tensority/tensority_test.go (TestHash: the same case three times).
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "c5d4a19ce842fee409696d14e483f9efe4a7ecc036d1cfeba0199f13f14dc90f"},
};

TEST(tensority, reproduces_every_bytom_vector) {
  for (const auto& v : bytom_vectors) {
    auto got = tensority_hash(h(v.header), cache_for(h(v.seed)));
    EXPECT_EQ(got.hex(), v.hash) << "header " << v.header << " seed " << v.seed;
  }
}

TEST(tensority, reference_kernel_reproduces_a_bytom_vector) {
  // The plain loops take seconds per hash; one vector pins them to Bytom directly.
  const auto& v = bytom_vectors[2];
  EXPECT_EQ(tensority_hash(h(v.header), cache_for(h(v.seed)), kernel::reference).hex(), v.hash);
}

TEST(tensority, kernels_agree_on_random_inputs) {
  std::mt19937_64 gen(0x7e05041747);
  auto random_hash = [&gen] {
    crypto::hash256 x;
    for (auto& b : x.data)
      b = static_cast<std::uint8_t>(gen());
    return x;
  };
  const auto& cache = cache_for(random_hash());
  // Chains compare whole matrices, not just digests, so a mismatch shows where it starts.
  for (int trial = 0; trial < 2; ++trial) {
    auto seq = random_hash();
    std::span<const std::uint8_t, 32> s{seq.data};
    std::vector<std::int8_t> ref(matrix_bytes), opt(matrix_bytes);
    detail::chain_reference(cache, s, ref.data());
    if (optimised_kernel_available()) {
      std::vector<std::int16_t> scratch(2 * matrix_bytes);
      detail::chain_avx2(cache, s, scratch.data(), scratch.data() + matrix_bytes, opt.data());
      EXPECT_EQ(ref, opt) << "trial " << trial;
    }
  }
  auto header = random_hash();
  EXPECT_EQ(tensority_hash(header, cache, kernel::reference),
            tensority_hash(header, cache, kernel::optimised));
}

TEST(tensority, convenience_overload_builds_the_cache) {
  const auto& v = bytom_vectors[0];
  EXPECT_EQ(tensority_hash(h(v.header), h(v.seed)).hex(), v.hash);
}

TEST(tensority, fold_wraps_like_go) {
  EXPECT_EQ(detail::fold(0), 0);
  EXPECT_EQ(detail::fold(-1), -2); // 0xff + 0xff = 0x1fe -> 0xfe
  EXPECT_EQ(detail::fold(0x7f), 127);
  EXPECT_EQ(detail::fold(0x80), -128);
  EXPECT_EQ(detail::fold(0x0101), 2);
  EXPECT_EQ(detail::fold(0x12345678), static_cast<std::int8_t>(0x78 + 0x56));
  EXPECT_EQ(detail::fold(-0x400000), 0); // low two bytes of 0xffc00000 are zero
}

// Bytom's TestCalcSeedCache: the first word of each SMix call's V array, given as the
// little-endian bytes of 128 words.
struct seed_vector {
  std::string_view seed, words;
};

constexpr seed_vector seed_vectors[] = {
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "00000000a1bc45c16d62c61b2f807b3f0a53e759395c8c7fca7ad4327d2fa02d"
     "2c11783733e72ee949051ebf7acf67b360b6e8717f62dbcd977e7910feed9ed2"
     "2c6095043edca5426acb692f038b265326e07554f52ad903c5625e18a2d697b9"
     "d70c19b85fc24f772d707f3ef1dd8d537aa980b8c3b0c8496fa93aecb35157cd"
     "644aa5318624401924c2e49f9302e48b56e299e1b2419b35e970f9af47497c24"
     "06d0ecfc715e5d2b80e0137f0ee774d34126f491ad64089620acf7595622742c"
     "2a2d9eb8ae286a4fd5aaa144d867b0e02bdc64cb045bd605358e5fd1174fde56"
     "22cfc4b7f2954ca58df2920e5f9003d3bb9c167a5e9a917739dff71a47f1ca0f"
     "aa3c8b2a0d38bb2941cff24d2622322177b99e94416a1cb4fab1840f258178bd"
     "bc8bcbbbc95155dc88730b5259af8bab63aff65663e3bc7c58c95aad47717de0"
     "28a47ae730037df0e0420d70909300ca122d1e85a40181d983f832749df229df"
     "67041bf4637a97f91ea0f8ed531803eaac6097c85cbff29f7c53e5d10145cd5b"
     "4dbfdf50c12db6ef7b73af7f7ec1e7a5f23e9fa71f39bde7b9181607d90f902d"
     "977f79d80eb395a30504088f28c50aa01fd007ff60b83ab4f38fc8a75f11f5ec"
     "1b38144cb18e38cb800d9ae6bef35eea6182d8fce7649e1cfbf93c9822d02148"
     "437af3d192ecd3d9485c455b319a759ab6db87bd6e3cff230e3676d02ec2031f"},
    {"ebabd1bf80ecd995cb40c3b39f391732d47fefec05440ccd65f1da6566e2b910",
     "ebabd1bf1489eeac4282db59ed233113e837e1a72a64ff725f8a91543c7a86d6"
     "2b3f50c6aaa5cc4d34cbc6dcf012f5bd42fc353dd1268a7a581a67d15cfe2e45"
     "b08bbcb0bcc860688c2cdba9475c11418ec96cf70e3551d77d06d97445740978"
     "0da6ca20f29448fcf910ec865216aa61d2d325dbc1ae7854e5127478e6d91148"
     "03ea5afaf13efdcb50700a6d79a4ed3b2982e3f673636add24095ad5f9719339"
     "e3ca9b2fe1a8d15f8f14993a62f47aa28227ebedaff488d836c8ab9d49c95496"
     "6de69a98eee3308a24892f9b12127015592001c9627bc20e0d18c5c33013782e"
     "ef9055a4c604f2ed81213736e29c3cbfbe8a6d840b89ca9c1f1aaf6f6ca2e468"
     "929b46f081d0855941f288fa9c2e35ef3c28bd047714c178cc05dc79ec11275b"
     "12dd65768f1f14a71756b4153e52108e3028548e65dfd2a9ecd32237296f02c2"
     "5a9c0991bc12fbaec4239748d221153c739356a7963c4fee1a237f7b66784045"
     "515d6e200822fa5cc7dd64665d1ed56b9bc0b9fc7b39292b38d7f9b757f84a14"
     "c6683e3d722493aa34d132cf6bdea8d6a69cc5ec0c5277b78f98565921a6711c"
     "623e6d47dc3cb6821a21cc5d6a711e0aa920baaeb0a4a2368b2485e093a5a2a2"
     "8d55343f4948fc3e3425e0b61b243c1b6783c2a78772133ab639c869e05b80a1"
     "9a9943854442fdb5c1bbf71a0b93fc7fa9859bbcea3d7973b4b73492b6060219"},
    {"67e35e59db0e26d0ad4e4cabb4ed0339234e3cfd0c61068ac7369db2502ad43e",
     "67e35e596a169fbe0174daad8a0dc617807565500a3f5dd9c0da6d322adbc3d5"
     "e5e5fbdb4a64789747038c41b197b91c36e8bf7b954db41c8a9b29d2501b97ae"
     "2151dc00b0fe9909a3f71db46704888ea7f28733bc1d14544fd169e83e11e500"
     "e6aa723faf610a9983379bb025e5721c9156e3e1b9762556a47603e02dde175b"
     "e093639b60b8f50b563b746ceebfc742c1ed485a2f07b6bd3a03ebf60d636e05"
     "1f7dcf57b6f8904b186d764aad9b8a3829f42f51c368e42317939c402799728e"
     "316380e615ace16a3fffbfe1739ff9a666c65720925a2c4c82b035bc2a7cd835"
     "b8a3cd5b53c9a282378daf601b524538cbb07671b46044922856512c38805f6f"
     "a4916d0e2c007a4cdb78cd5bdc6f2de517edfa610d5fb9ab511eebf5f90d66b3"
     "0947449939b755b8a39764c6eeded10202a848734ed6154dd6d089cafcaca472"
     "d96d3a4a62ae94b2c0005f4a91afe9fcf812e5a562ea753541c62ad9685b21c1"
     "b5e447cd98ec9851d8e74104fc94655bbea6766b814949191f63740608fea4d0"
     "c4bde5da46ee694b412cbc7aa3362dd8916c3c38bd0fe3280607a920b9ac9427"
     "7f038f373cc6c6dbe18e565d2b80c4a99fe937d8b54024f3d26b86c0d0039034"
     "f4e2a58c696f55ede5d5ef7558bf02b9e2faf26aff0961ecd173174d65d41316"
     "68a144612f789ad4e176224171fb33537a5d511c508232f13767a62b40582662"},
};

TEST(tensority, scrypt_stage_matches_bytom_seed_vectors) {
  for (const auto& v : seed_vectors) {
    bytes want;
    ASSERT_TRUE(from_hex(v.words, want));
    ASSERT_EQ(want.size(), smix_rounds * 4);
    auto cache = detail::scrypt_cache(h(v.seed));
    ASSERT_EQ(cache.size(), smix_rounds * smix_words);
    for (std::size_t j = 0; j < smix_rounds; ++j) {
      std::uint32_t w = static_cast<std::uint32_t>(want[4 * j]) |
                        static_cast<std::uint32_t>(want[4 * j + 1]) << 8 |
                        static_cast<std::uint32_t>(want[4 * j + 2]) << 16 |
                        static_cast<std::uint32_t>(want[4 * j + 3]) << 24;
      ASSERT_EQ(cache[j * smix_words], w) << "seed " << v.seed << " round " << j;
    }
  }
}

TEST(tensority, matrices_come_from_alternate_scrypt_blocks) {
  auto seed = h(seed_vectors[1].seed);
  auto words = detail::scrypt_cache(seed);
  const auto& cache = cache_for(seed);
  // Matrix 2i takes SMix call i's even 128-byte blocks, matrix 2i + 1 its odd ones.
  auto byte_of = [&words](std::size_t word, std::size_t j) {
    return static_cast<std::int8_t>(static_cast<std::uint8_t>(words[word] >> (8 * j)));
  };
  EXPECT_EQ(cache.matrix(0)[0], byte_of(0, 0));
  EXPECT_EQ(cache.matrix(0)[128], byte_of(2 * 32, 0));
  EXPECT_EQ(cache.matrix(1)[5], byte_of(32 + 1, 1));
  EXPECT_EQ(cache.matrix(7)[300], byte_of(3 * smix_words + (2 * 2 + 1) * 32 + 11, 0));
}

TEST(tensority, seed_rule_follows_bytom) {
  EXPECT_EQ(seed_height(0), std::nullopt);
  EXPECT_EQ(seed_height(1), 0u);
  EXPECT_EQ(seed_height(255), 0u);
  EXPECT_EQ(seed_height(256), 0u);
  EXPECT_EQ(seed_height(257), 256u);
  EXPECT_EQ(seed_height(512), 256u);
  EXPECT_EQ(seed_height(513), 512u);
  EXPECT_EQ(seed_height(1'000'000), 999'936u);
  // consensus.InitialSeed: its V0..V3 words are 0x9e6291970cb44dd9, 0x4008c79bcaf9d86f, ...
  EXPECT_EQ(initial_seed().hex(),
            "9e6291970cb44dd94008c79bcaf9d86f18b4b49ba5b2a04781db7199ed3b9e4e");
}

TEST(tensority, seed_cache_keeps_the_last_seeds) {
  seed_cache caches(2);
  auto a = h(bytom_vectors[0].seed), b = h(bytom_vectors[2].seed), c = h(bytom_vectors[3].seed);
  auto first = caches.get(a);
  EXPECT_EQ(caches.get(a), first);
  caches.get(b);
  EXPECT_EQ(caches.builds(), 2u);
  caches.get(a); // a becomes the most recent, so c evicts b
  caches.get(c);
  EXPECT_EQ(caches.size(), 2u);
  EXPECT_EQ(caches.get(a), first);
  EXPECT_EQ(caches.builds(), 3u);
  caches.get(b);
  EXPECT_EQ(caches.builds(), 4u);
  EXPECT_EQ(first->seed(), a);
}

} // namespace
} // namespace bystack::pow
