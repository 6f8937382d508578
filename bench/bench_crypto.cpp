// Costs of the crypto building block: hashes, Ed25519 on both backends, certificate checks.
// The figures feed the backend choice and the simulator's modelled CPU costs (docs/crypto.md).

#include "runtime/crypto/hash.hpp"
#include "runtime/crypto/keys.hpp"
#include "runtime/crypto/modelled.hpp"
#include "runtime/crypto/signature_scheme.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>

namespace {

using namespace bystack;
using namespace bystack::crypto;

secret_seed seed_of(std::uint32_t index) {
  secret_seed s{};
  std::mt19937_64 gen(0xbe4c0000u + index);
  for (auto& b : s)
    b = static_cast<std::uint8_t>(gen());
  return s;
}

bytes filler(std::size_t n) {
  bytes out(n);
  std::mt19937_64 gen(1);
  for (auto& b : out)
    b = static_cast<std::uint8_t>(gen());
  return out;
}

// --- hashes ----------------------------------------------------------------------------------

template <hash256 (*Hash)(byte_view)> void bm_hash(benchmark::State& state) {
  auto data = filler(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(Hash(data));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(bm_hash<sha3_256>)->Name("sha3_256")->Arg(64)->Arg(1024)->Arg(1 << 20);
BENCHMARK(bm_hash<sha256>)->Name("sha256")->Arg(64)->Arg(1024)->Arg(1 << 20);

// --- single signatures -----------------------------------------------------------------------

void bm_sign(benchmark::State& state, const signature_scheme& scheme) {
  auto s = scheme.make_signer(seed_of(0));
  auto digest = sha3_256(filler(32));
  for (auto _ : state)
    benchmark::DoNotOptimize(s->sign(digest));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_verify(benchmark::State& state, const signature_scheme& scheme) {
  auto s = scheme.make_signer(seed_of(0));
  auto digest = sha3_256(filler(32));
  auto sig = s->sign(digest);
  crypto_meter meter;
  for (auto _ : state) {
    bool ok = scheme.verify(s->pub(), digest, sig, meter);
    if (!ok) std::abort(); // a benchmark of a failing path would measure the wrong thing
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK_CAPTURE(bm_sign, ed25519_botan, ed25519_botan_scheme())->Name("ed25519_botan/sign");
BENCHMARK_CAPTURE(bm_verify, ed25519_botan, ed25519_botan_scheme())->Name("ed25519_botan/verify");
BENCHMARK_CAPTURE(bm_sign, ed25519_sodium, ed25519_sodium_scheme())->Name("ed25519_sodium/sign");
BENCHMARK_CAPTURE(bm_verify, ed25519_sodium, ed25519_sodium_scheme())
    ->Name("ed25519_sodium/verify");
BENCHMARK_CAPTURE(bm_sign, modelled, modelled_scheme())->Name("modelled/sign");
BENCHMARK_CAPTURE(bm_verify, modelled, modelled_scheme())->Name("modelled/verify");

// key_pair::sign is the path that signs arbitrary messages (Botan, one PK_Signer per call).
void bm_key_pair_sign(benchmark::State& state) {
  auto kp = key_pair::from_seed(seed_of(0));
  auto digest = sha3_256(filler(32));
  for (auto _ : state)
    benchmark::DoNotOptimize(kp.sign(digest.view()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_key_pair_sign)->Name("key_pair/sign");

// --- certificates ----------------------------------------------------------------------------

/// Holds a validator set of n and a certificate signed by all of them.
struct certificate_fixture {
  validator_set set;
  quorum_certificate qc;

  certificate_fixture(const certificate_scheme& scheme, std::uint32_t n) {
    const auto& votes = scheme.votes();
    std::vector<public_key> keys;
    std::vector<indexed_signature> signed_votes;
    auto digest = sha3_256(filler(32));
    for (std::uint32_t i = 0; i < n; ++i) {
      auto s = votes.make_signer(seed_of(i));
      keys.push_back(s->pub());
      signed_votes.push_back({i, s->sign(digest)});
    }
    set = validator_set{std::move(keys)};
    auto built = scheme.build(set, digest, signed_votes);
    if (!built) std::abort();
    qc = std::move(built).value();
  }
};

void bm_certificate_verify(benchmark::State& state, const certificate_scheme& scheme) {
  certificate_fixture f(scheme, static_cast<std::uint32_t>(state.range(0)));
  crypto_meter meter;
  for (auto _ : state) {
    auto ok = scheme.verify(f.set, f.qc, f.set.quorum(), meter);
    if (!ok) std::abort();
  }
  state.counters["signers"] = static_cast<double>(state.range(0));
  state.counters["signers/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * static_cast<std::uint64_t>(state.range(0))),
      benchmark::Counter::kIsRate);
}

const auto signature_list = make_signature_list_scheme(ed25519_scheme());
const auto modelled_aggregate = make_modelled_aggregate_scheme(48);

BENCHMARK_CAPTURE(bm_certificate_verify, signature_list, *signature_list)
    ->Name("certificate_verify/signature_list_ed25519_default")
    ->Arg(4)
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_certificate_verify, modelled_aggregate, *modelled_aggregate)
    ->Name("certificate_verify/modelled_aggregate")
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
