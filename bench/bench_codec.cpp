// Encoding and decoding of consensus messages (a vote, a group certificate of 100 signatures, a
// proposal of 1 to 10,000 transactions with 100-byte payloads) and the Merkle root that decoding
// a block recomputes. Each benchmark reports the encoded size as the counter `message_bytes`.
#include "runtime/codec/codec.hpp"

#include <benchmark/benchmark.h>

#include <memory>

namespace {

using namespace bystack;

constexpr std::size_t payload_bytes = 100;

bytes filled(std::size_t size, std::uint64_t tag) {
  bytes b(size);
  for (std::size_t i = 0; i < size; ++i)
    b[i] = static_cast<std::uint8_t>(tag * 31 + i);
  return b;
}

crypto::hash256 hash_of(std::uint8_t tag) {
  crypto::hash256 h;
  h.data.fill(tag);
  return h;
}

std::vector<ledger::transaction> make_txs(std::size_t n) {
  std::vector<ledger::transaction> txs(n);
  for (std::size_t i = 0; i < n; ++i) {
    txs[i].sender.fill(static_cast<std::uint8_t>(i));
    txs[i].nonce = i;
    txs[i].payload = filled(payload_bytes, i);
    txs[i].signature = filled(64, i + 1);
  }
  return txs;
}

proto::message make_vote() {
  return proto::vote{12, 3, hash_of(7), 42, filled(64, 1)};
}

/// A super node's certificate over 100 signers of a 100-member set: 100 Ed25519 signatures, or
/// one 48-byte aggregate (the size of a BLS signature).
proto::message make_group_cert(crypto::cert_kind kind) {
  proto::group_certificate g;
  g.height = 12;
  g.view = 3;
  g.block_hash = hash_of(7);
  g.super_node = 1;
  g.qc.digest = hash_of(8);
  g.qc.kind = kind;
  g.qc.signers = crypto::signer_bitmap(100);
  for (std::size_t i = 0; i < 100; ++i)
    g.qc.signers.set(i);
  if (kind == crypto::cert_kind::signature_list) {
    for (std::size_t i = 0; i < 100; ++i)
      g.qc.signatures.push_back(filled(64, i));
  } else {
    g.qc.signatures.push_back(filled(48, 0));
  }
  return g;
}

/// A proposal of n transactions with an empty justify and no timeout certificate.
proto::message make_proposal(std::size_t n) {
  proto::proposal p;
  p.block = std::make_shared<const ledger::block>(
      ledger::make_block(12, 3, hash_of(1), 2, 1'700'000'000'000, 4, make_txs(n)));
  p.leader = 4;
  p.signature = filled(64, 9);
  return p;
}

void report(benchmark::State& state, std::size_t size, std::int64_t items_per_iteration) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
  state.SetItemsProcessed(state.iterations() * items_per_iteration);
  state.counters["message_bytes"] = static_cast<double>(size);
}

void bench_encode(benchmark::State& state, const proto::message& m, std::int64_t items) {
  std::size_t size = 0;
  for (auto _ : state) {
    auto enc = codec::encode(m);
    size = enc.size();
    benchmark::DoNotOptimize(enc.data());
  }
  report(state, size, items);
}

void bench_decode(benchmark::State& state, const proto::message& m, std::int64_t items) {
  auto enc = codec::encode(m);
  for (auto _ : state) {
    auto dec = codec::decode(enc);
    if (!dec.ok()) {
      state.SkipWithError(dec.err().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(&dec);
  }
  report(state, enc.size(), items);
}

void BM_encode_vote(benchmark::State& state) {
  bench_encode(state, make_vote(), 1);
}
void BM_decode_vote(benchmark::State& state) {
  bench_decode(state, make_vote(), 1);
}

// items: signatures carried (100 for the list, 1 for the aggregate)
void BM_encode_group_cert_list100(benchmark::State& state) {
  bench_encode(state, make_group_cert(crypto::cert_kind::signature_list), 100);
}
void BM_decode_group_cert_list100(benchmark::State& state) {
  bench_decode(state, make_group_cert(crypto::cert_kind::signature_list), 100);
}
void BM_encode_group_cert_aggregate(benchmark::State& state) {
  bench_encode(state, make_group_cert(crypto::cert_kind::aggregate), 1);
}
void BM_decode_group_cert_aggregate(benchmark::State& state) {
  bench_decode(state, make_group_cert(crypto::cert_kind::aggregate), 1);
}

// items: transactions
void BM_encode_proposal(benchmark::State& state) {
  bench_encode(state, make_proposal(static_cast<std::size_t>(state.range(0))), state.range(0));
}
void BM_decode_proposal(benchmark::State& state) {
  bench_decode(state, make_proposal(static_cast<std::size_t>(state.range(0))), state.range(0));
}

void BM_merkle_root(benchmark::State& state) {
  auto txs = make_txs(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(ledger::merkle_root(txs));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_encode_vote);
BENCHMARK(BM_decode_vote);
BENCHMARK(BM_encode_group_cert_list100);
BENCHMARK(BM_decode_group_cert_list100);
BENCHMARK(BM_encode_group_cert_aggregate);
BENCHMARK(BM_decode_group_cert_aggregate);
BENCHMARK(BM_encode_proposal)
    ->Arg(1)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_decode_proposal)
    ->Arg(1)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_merkle_root)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
