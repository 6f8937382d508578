#include "sim/crypto_cache.hpp"

#include <cstring>

namespace bystack::sim {

namespace {
std::uint64_t mix(std::uint64_t h, std::uint64_t x) {
  h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}
} // namespace

result<void> caching_certificate_scheme::verify_all(const crypto::validator_set& set,
                                                    std::span<const crypto::quorum_certificate> qcs,
                                                    const crypto::hash256& digest,
                                                    std::size_t threshold,
                                                    crypto::crypto_meter& meter) const {
  // The fingerprint guards against a freed list whose address is reused by a different one.
  std::uint64_t fp = mix(digest.prefix64(), threshold);
  for (const auto& qc : qcs) {
    fp = mix(fp, qc.digest.prefix64());
    fp = mix(fp, qc.signers.size());
    for (const auto& s : qc.signatures) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data(), std::min<std::size_t>(8, s.size()));
      fp = mix(fp, w ^ s.size());
    }
    if (!qc.signers.words().empty()) fp = mix(fp, qc.signers.words().front());
  }
  key k{qcs.data(), qcs.size(), fp};
  if (auto it = memo_.find(k); it != memo_.end()) {
    ++hits_;
    const auto& w = it->second.work;
    meter.verifies += w.verifies;
    meter.aggregate_verifies += w.aggregate_verifies;
    meter.aggregate_signers += w.aggregate_signers;
    meter.hashed_bytes += w.hashed_bytes;
    if (it->second.ok) return {};
    return make_error(it->second.error);
  }
  ++misses_;
  crypto::crypto_meter work;
  auto res = inner_->verify_all(set, qcs, digest, threshold, work);
  meter.verifies += work.verifies;
  meter.aggregate_verifies += work.aggregate_verifies;
  meter.aggregate_signers += work.aggregate_signers;
  meter.hashed_bytes += work.hashed_bytes;
  if (memo_.size() >= max_entries) memo_.clear();
  memo_.emplace(k, outcome{res.ok(), res.ok() ? std::string{} : res.err().message, work});
  return res;
}

} // namespace bystack::sim
