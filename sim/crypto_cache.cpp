#include "sim/crypto_cache.hpp"

#include <cstdint>
#include <cstring>

namespace bystack::sim {

constinit thread_local unsigned sim_thread_index = 0;

namespace {
std::uint64_t mix(std::uint64_t h, std::uint64_t x) {
  h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

std::uint64_t fingerprint(std::uint64_t fp, const crypto::quorum_certificate& qc) {
  fp = mix(fp, qc.digest.prefix64());
  fp = mix(fp, qc.signers.size());
  for (const auto& s : qc.signatures) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data(), std::min<std::size_t>(8, s.size()));
    fp = mix(fp, w ^ s.size());
  }
  // All of the bitmap: a forged certificate may differ from a valid one in its signers only.
  for (auto w : qc.signers.words())
    fp = mix(fp, w);
  return fp;
}

/// a == b, by four word compares (the library's compare of 32 bytes is a call).
bool same_digest(const crypto::hash256& a, const crypto::hash256& b) noexcept {
  std::uint64_t x[4], y[4];
  std::memcpy(x, a.data.data(), 32);
  std::memcpy(y, b.data.data(), 32);
  return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

void add(crypto::crypto_meter& meter, const crypto::crypto_meter& w) {
  meter.verifies += w.verifies;
  meter.aggregate_verifies += w.aggregate_verifies;
  meter.aggregate_signers += w.aggregate_signers;
  meter.hashed_bytes += w.hashed_bytes;
}

} // namespace

template <class F>
result<void> caching_certificate_scheme::remembered(const key& k, crypto::crypto_meter& meter,
                                                    F&& compute) const {
  if (auto it = memo_.find(k); it != memo_.end()) {
    ++hits_;
    add(meter, it->second.work);
    if (it->second.ok) return {};
    return make_error(it->second.error);
  }
  ++misses_;
  crypto::crypto_meter work;
  auto res = compute(work);
  add(meter, work);
  if (memo_.size() >= max_entries) memo_.clear();
  memo_.emplace(k, outcome{res.ok(), res.ok() ? std::string{} : res.err().message, work});
  return res;
}

template <class F>
result<void> caching_certificate_scheme::remembered_shared(
    const void* data, std::size_t count, const crypto::hash256& digest, std::size_t threshold,
    const crypto::validator_set& set, const std::shared_ptr<const void>& owner,
    crypto::crypto_meter& meter, F&& compute) const {
  if (!owner) {
    crypto::crypto_meter work;
    auto res = compute(work);
    add(meter, work);
    return res;
  }
  auto a = reinterpret_cast<std::uintptr_t>(data);
  auto slot = static_cast<std::size_t>(mix(a >> 3, count) * 0x9e3779b97f4a7c15ULL >> 52) &
              (shared_entries - 1);
  auto& e = shared_[slot];
  if (e.data == data && e.count == count && e.threshold == threshold &&
      same_digest(e.digest, digest) && e.set_fingerprint == set.fingerprint() &&
      e.set_size == set.size() && !e.owner.expired() && !e.owner.owner_before(owner) &&
      !owner.owner_before(e.owner)) {
    ++hits_;
    add(meter, e.work);
    if (e.ok) return {};
    return make_error(e.error);
  }
  ++misses_;
  crypto::crypto_meter work;
  auto res = compute(work);
  add(meter, work);
  e.data = data;
  e.count = count;
  e.threshold = threshold;
  e.digest = digest;
  e.set_fingerprint = set.fingerprint();
  e.set_size = set.size();
  e.owner = owner;
  e.ok = res.ok();
  e.error = res.ok() ? std::string{} : res.err().message;
  e.work = work;
  return res;
}

result<void> caching_certificate_scheme::verify_shared(const crypto::validator_set& set,
                                                       const crypto::quorum_certificate& qc,
                                                       const std::shared_ptr<const void>& owner,
                                                       std::size_t threshold,
                                                       crypto::crypto_meter& meter) const {
  return remembered_shared(
      &qc, SIZE_MAX, qc.digest, threshold, set, owner, meter,
      [&](crypto::crypto_meter& work) { return inner_->verify(set, qc, threshold, work); });
}

result<void> caching_certificate_scheme::verify_all_shared(const crypto::validator_set& set,
                                                           const crypto::qc_list& qcs,
                                                           const std::shared_ptr<const void>& owner,
                                                           const crypto::hash256& digest,
                                                           std::size_t threshold,
                                                           crypto::crypto_meter& meter) const {
  return remembered_shared(qcs.data(), qcs.size(), digest, threshold, set, owner, meter,
                           [&](crypto::crypto_meter& work) {
                             return inner_->verify_all(set, qcs, digest, threshold, work);
                           });
}

result<void> caching_certificate_scheme::verify_all(const crypto::validator_set& set,
                                                    const crypto::qc_list& qcs,
                                                    const crypto::hash256& digest,
                                                    std::size_t threshold,
                                                    crypto::crypto_meter& meter) const {
  // The fingerprint guards against a freed list whose address is reused by a different one.
  std::uint64_t fp = mix(digest.prefix64(), threshold);
  for (const auto& qc : qcs)
    fp = fingerprint(fp, qc);
  return remembered(key{qcs.data(), qcs.size(), fp}, meter, [&](crypto::crypto_meter& work) {
    return inner_->verify_all(set, qcs, digest, threshold, work);
  });
}

result<void> caching_certificate_scheme::verify(const crypto::validator_set& set,
                                                const crypto::quorum_certificate& qc,
                                                std::size_t threshold,
                                                crypto::crypto_meter& meter) const {
  // A count no list has marks a single certificate, so the two kinds of entry never meet.
  auto fp = fingerprint(mix(0x51a9e1ULL, threshold), qc);
  return remembered(key{&qc, SIZE_MAX, fp}, meter, [&](crypto::crypto_meter& work) {
    return inner_->verify(set, qc, threshold, work);
  });
}

} // namespace bystack::sim
