#pragma once
/// A certificate scheme wrapper that remembers the outcome of verify_all() for a certificate
/// list it has seen (the same decoded message reaches every member of a group). A repeat costs a
/// lookup instead of the signature checks, but adds the very same work to the meter, so the
/// modelled CPU time is unchanged: only the simulator's wall time shrinks.

#include "runtime/crypto/signature_scheme.hpp"

#include <mutex>
#include <unordered_map>

namespace bystack::sim {

class caching_certificate_scheme final : public crypto::certificate_scheme {
public:
  explicit caching_certificate_scheme(std::unique_ptr<crypto::certificate_scheme> inner)
      : inner_(std::move(inner)) {}

  crypto::cert_kind kind() const noexcept override { return inner_->kind(); }
  std::string_view name() const noexcept override { return inner_->name(); }
  const crypto::signature_scheme& votes() const noexcept override { return inner_->votes(); }
  result<crypto::quorum_certificate>
  build(const crypto::validator_set& set, const crypto::hash256& digest,
        std::span<const crypto::indexed_signature> votes) const override {
    return inner_->build(set, digest, votes);
  }
  result<void> merge(crypto::quorum_certificate& into,
                     const crypto::quorum_certificate& other) const override {
    return inner_->merge(into, other);
  }
  /// Remembers outcomes like verify_all(): a group certificate reaches every other super node
  /// as one shared decoded message.
  result<void> verify(const crypto::validator_set& set, const crypto::quorum_certificate& qc,
                      std::size_t threshold, crypto::crypto_meter& meter) const override;
  result<void> verify_all(const crypto::validator_set& set,
                          std::span<const crypto::quorum_certificate> qcs,
                          const crypto::hash256& digest, std::size_t threshold,
                          crypto::crypto_meter& meter) const override;

  std::uint64_t hits() const noexcept { return hits_; }
  std::uint64_t misses() const noexcept { return misses_; }

private:
  struct key {
    const void* data;
    std::size_t count;
    std::uint64_t fingerprint; ///< digest, threshold and the signatures' first bytes
    bool operator==(const key&) const = default;
  };
  struct key_hash {
    std::size_t operator()(const key& k) const noexcept {
      return std::hash<const void*>{}(k.data) ^ (k.fingerprint * 0x9e3779b97f4a7c15ULL) ^ k.count;
    }
  };
  struct outcome {
    bool ok;
    std::string error;
    crypto::crypto_meter work;
  };
  static constexpr std::size_t max_entries = 1 << 14;

  template <class F>
  result<void> remembered(const key& k, crypto::crypto_meter& meter, F&& compute) const;

  std::unique_ptr<crypto::certificate_scheme> inner_;
  mutable std::unordered_map<key, outcome, key_hash> memo_;
  mutable std::uint64_t hits_ = 0;
  mutable std::uint64_t misses_ = 0;
  mutable std::mutex mutex_; ///< guards the memo and the counters
};

} // namespace bystack::sim
