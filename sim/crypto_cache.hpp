#pragma once
/// A certificate scheme wrapper that remembers the outcome of verify_all() for a certificate
/// list it has seen (the same decoded message reaches every member of a group). A repeat costs a
/// lookup instead of the signature checks, but adds the very same work to the meter, so the
/// modelled CPU time is unchanged: only the simulator's wall time shrinks. Not thread-safe: a run
/// on two threads gives each thread's nodes their own (sim/simulation.cpp).

#include "runtime/crypto/signature_scheme.hpp"

#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

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
  crypto::quorum_certificate merge_disjoint(std::span<const crypto::quorum_certificate* const> qcs,
                                            const crypto::signer_bitmap& all) const override {
    return inner_->merge_disjoint(qcs, all);
  }
  /// Remembers outcomes like verify_all(): a group certificate reaches every other super node
  /// as one shared decoded message.
  result<void> verify(const crypto::validator_set& set, const crypto::quorum_certificate& qc,
                      std::size_t threshold, crypto::crypto_meter& meter) const override;
  result<void> verify_all(const crypto::validator_set& set, const crypto::qc_list& qcs,
                          const crypto::hash256& digest, std::size_t threshold,
                          crypto::crypto_meter& meter) const override;

  /// Remembers outcomes by the identity of the decoded message that holds the certificates: a
  /// look-up by address, valid while that message lives, with no pass over the certificates.
  result<void> verify_shared(const crypto::validator_set& set, const crypto::quorum_certificate& qc,
                             const std::shared_ptr<const void>& owner, std::size_t threshold,
                             crypto::crypto_meter& meter) const override;
  result<void> verify_all_shared(const crypto::validator_set& set, const crypto::qc_list& qcs,
                                 const std::shared_ptr<const void>& owner,
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

  /// One entry of the identity memo: what was checked (address, list length or SIZE_MAX for a
  /// single certificate, threshold, digest, set), in which message, and the outcome.
  struct shared_entry {
    const void* data = nullptr;
    std::size_t count = 0;
    std::size_t threshold = 0;
    crypto::hash256 digest;
    std::uint64_t set_fingerprint = 0;
    std::size_t set_size = 0;
    /// The message: while it lives (and, for one made by make_shared, while this is held) no
    /// other object can take the address.
    std::weak_ptr<const void> owner;
    bool ok = false;
    std::string error;
    crypto::crypto_meter work;
  };
  /// Direct-mapped, allocated once (168 bytes each). Each entry may keep its message's block
  /// (344 bytes) alive, about 1.5 MB at most. 1,024 entries gave the same peak RSS at N = 10,000,
  /// M = 100 after 2 and 10 rounds and 1% more instructions per delivery (more misses).
  static constexpr std::size_t shared_entries = 1 << 12;
  template <class F>
  result<void> remembered_shared(const void* data, std::size_t count, const crypto::hash256& digest,
                                 std::size_t threshold, const crypto::validator_set& set,
                                 const std::shared_ptr<const void>& owner,
                                 crypto::crypto_meter& meter, F&& compute) const;

  std::unique_ptr<crypto::certificate_scheme> inner_;
  mutable std::unordered_map<key, outcome, key_hash> memo_;
  mutable std::vector<shared_entry> shared_ = std::vector<shared_entry>(shared_entries);
  mutable std::uint64_t hits_ = 0;
  mutable std::uint64_t misses_ = 0;
};

/// The index of the simulation thread running the caller: 0 for the thread that drives the run,
/// 1 for the second thread of a run on two threads (sim/simulation.cpp sets it).
extern constinit thread_local unsigned sim_thread_index;

/// The certificate scheme of a run on two threads, where a node runs on either thread from one
/// window to the next: each call goes to the memo of the thread making it (a memo is not
/// thread-safe). A memo's outcomes are pure functions of the key and charge the same work on a
/// hit, so which memo answers changes nothing but the simulator's wall time.
class per_thread_certificate_scheme final : public crypto::certificate_scheme {
public:
  explicit per_thread_certificate_scheme(std::array<const caching_certificate_scheme*, 2> memos)
      : memos_(memos) {}

  crypto::cert_kind kind() const noexcept override { return memos_[0]->kind(); }
  std::string_view name() const noexcept override { return memos_[0]->name(); }
  const crypto::signature_scheme& votes() const noexcept override { return memos_[0]->votes(); }
  result<crypto::quorum_certificate>
  build(const crypto::validator_set& set, const crypto::hash256& digest,
        std::span<const crypto::indexed_signature> votes) const override {
    return mine().build(set, digest, votes);
  }
  result<void> merge(crypto::quorum_certificate& into,
                     const crypto::quorum_certificate& other) const override {
    return mine().merge(into, other);
  }
  crypto::quorum_certificate merge_disjoint(std::span<const crypto::quorum_certificate* const> qcs,
                                            const crypto::signer_bitmap& all) const override {
    return mine().merge_disjoint(qcs, all);
  }
  result<void> verify(const crypto::validator_set& set, const crypto::quorum_certificate& qc,
                      std::size_t threshold, crypto::crypto_meter& meter) const override {
    return mine().verify(set, qc, threshold, meter);
  }
  result<void> verify_all(const crypto::validator_set& set, const crypto::qc_list& qcs,
                          const crypto::hash256& digest, std::size_t threshold,
                          crypto::crypto_meter& meter) const override {
    return mine().verify_all(set, qcs, digest, threshold, meter);
  }
  result<void> verify_shared(const crypto::validator_set& set, const crypto::quorum_certificate& qc,
                             const std::shared_ptr<const void>& owner, std::size_t threshold,
                             crypto::crypto_meter& meter) const override {
    return mine().verify_shared(set, qc, owner, threshold, meter);
  }
  result<void> verify_all_shared(const crypto::validator_set& set, const crypto::qc_list& qcs,
                                 const std::shared_ptr<const void>& owner,
                                 const crypto::hash256& digest, std::size_t threshold,
                                 crypto::crypto_meter& meter) const override {
    return mine().verify_all_shared(set, qcs, owner, digest, threshold, meter);
  }

private:
  const caching_certificate_scheme& mine() const noexcept { return *memos_[sim_thread_index & 1]; }
  std::array<const caching_certificate_scheme*, 2> memos_;
};

} // namespace bystack::sim
