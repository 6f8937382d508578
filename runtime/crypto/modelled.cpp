#include "runtime/crypto/modelled.hpp"

#include "runtime/base/mix.hpp"
#include "runtime/crypto/detail/certificate_checks.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace bystack::crypto {

namespace {

constexpr std::size_t modelled_signature_bytes = 64;
constexpr std::size_t modelled_words = modelled_signature_bytes / 8;
/// The aggregate holds the XOR of the signers' tags and the signer count, 8 bytes each.
constexpr std::size_t aggregate_min_bytes = 16;

/// Finalises a 64-bit value with splitmix64's finalizer: every input bit affects every output bit.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  return splitmix64(z);
}

// Explicit little-endian loads and stores keep signatures identical on every host. One 8-byte
// copy each (the byte loop was not folded into a load: about a tenth of the simulator's
// instructions went to it, in the per-signer loop of aggregate checks).
std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  std::uint64_t x = 0;
  std::memcpy(&x, p, 8);
  if constexpr (std::endian::native == std::endian::big) x = __builtin_bswap64(x);
  return x;
}

void store_le64(std::uint8_t* p, std::uint64_t x) noexcept {
  if constexpr (std::endian::native == std::endian::big) x = __builtin_bswap64(x);
  std::memcpy(p, &x, 8);
}

/// Returns word j of the modelled signature of a digest (given by its first 8 bytes) under a
/// public key (given by its first 8 bytes).
constexpr std::uint64_t modelled_word(std::uint64_t pk64, std::uint64_t digest64,
                                      std::uint64_t j) noexcept {
  return mix64(pk64 ^ mix64(digest64 + j));
}

/// Per-thread table of XORs over whole bitmap words for one validator set and one digest: an
/// aggregate check XORs one value per signer, mix64(pk64_i ^ mix64(d64)), and a certificate of
/// a quorum has mostly full words. A full word then costs one look-up, a nearly full one a
/// look-up and its missing signers; the word's XOR is computed the first time it is needed.
/// Same values XORed, so the same tag: only the number of mixes changes.
class word_tables {
public:
  struct table {
    std::uint64_t set_fingerprint = 0;
    std::size_t set_size = 0;
    std::uint64_t d = 0; ///< mix64(d64)
    std::uint64_t used = 0;
    std::vector<std::uint64_t> full;  ///< XOR of the word's signers' values, once known
    std::vector<std::uint64_t> known; ///< bit w: full[w] is computed
  };

  /// Returns the table for (set, d), emptied and reused from the least recently used one if new.
  table& get(const validator_set& set, std::uint64_t d) {
    ++clock_;
    table* lru = &tables_[0];
    for (auto& t : tables_) {
      if (t.used != 0 && t.d == d && t.set_fingerprint == set.fingerprint() &&
          t.set_size == set.size()) {
        t.used = clock_;
        return t;
      }
      if (t.used < lru->used) lru = &t;
    }
    auto words = (set.size() + 63) / 64;
    lru->set_fingerprint = set.fingerprint();
    lru->set_size = set.size();
    lru->d = d;
    lru->used = clock_;
    lru->full.assign(words, 0);
    lru->known.assign((words + 63) / 64, 0);
    return *lru;
  }

private:
  std::array<table, 4> tables_{};
  std::uint64_t clock_ = 0;
};

class modelled_signer final : public signer {
public:
  explicit modelled_signer(const secret_seed& seed)
      : pub_(sha3_256({seed.data(), seed.size()}).data), pk64_(load_le64(pub_.data())) {}

  const public_key& pub() const noexcept override { return pub_; }
  bytes sign(const hash256& digest) const override {
    bytes sig(modelled_signature_bytes);
    auto d = load_le64(digest.data.data());
    for (std::size_t j = 0; j < modelled_words; ++j)
      store_le64(sig.data() + 8 * j, modelled_word(pk64_, d, j));
    return sig;
  }

private:
  public_key pub_;
  std::uint64_t pk64_;
};

class modelled_single_scheme final : public signature_scheme {
public:
  std::string_view name() const noexcept override { return "modelled"; }
  std::size_t signature_size() const noexcept override { return modelled_signature_bytes; }
  std::unique_ptr<signer> make_signer(const secret_seed& seed) const override {
    return std::make_unique<modelled_signer>(seed);
  }
  bool verify(const public_key& pk, const hash256& digest, byte_view sig,
              crypto_meter& meter) const override {
    if (sig.size() != modelled_signature_bytes) return false;
    ++meter.verifies;
    auto pk64 = load_le64(pk.data());
    auto d = load_le64(digest.data.data());
    bool ok = true;
    for (std::size_t j = 0; j < modelled_words; ++j)
      ok &= load_le64(sig.data() + 8 * j) == modelled_word(pk64, d, j);
    return ok;
  }
};

class modelled_aggregate_scheme final : public certificate_scheme {
public:
  explicit modelled_aggregate_scheme(std::size_t size)
      : size_(size), name_("modelled-aggregate(" + std::to_string(size) + ")") {
    if (size < aggregate_min_bytes)
      throw std::invalid_argument("modelled aggregate signatures need at least " +
                                  std::to_string(aggregate_min_bytes) + " bytes, got " +
                                  std::to_string(size));
  }

  cert_kind kind() const noexcept override { return cert_kind::aggregate; }
  std::string_view name() const noexcept override { return name_; }
  const signature_scheme& votes() const noexcept override { return modelled_scheme(); }

  result<quorum_certificate> build(const validator_set& set, const hash256& digest,
                                   std::span<const indexed_signature> votes) const override {
    auto ordered = detail::order_votes(set, votes, modelled_signature_bytes);
    if (!ordered) return ordered.err();
    quorum_certificate qc;
    qc.digest = digest;
    qc.kind = cert_kind::aggregate;
    qc.signers = signer_bitmap(set.size());
    std::uint64_t tag = 0;
    for (const auto* vote : *ordered) {
      qc.signers.set(vote->signer);
      tag ^= load_le64(vote->signature.data()); // w_0; the caller verified the vote
    }
    qc.signatures.push_back(make_aggregate(tag, ordered->size()));
    return qc;
  }

  result<void> merge(quorum_certificate& into, const quorum_certificate& other) const override {
    if (auto ok = detail::check_mergeable(into, other, cert_kind::aggregate); !ok) return ok;
    if (auto ok = check_aggregate_shape(into); !ok)
      return make_error("merge: target certificate: " + ok.err().message);
    if (auto ok = check_aggregate_shape(other); !ok)
      return make_error("merge: other certificate: " + ok.err().message);
    if (into.signers.intersects(other.signers)) {
      // Aggregates cannot drop a signer's share, so a signer in both would count twice.
      const auto& a = into.signers.words();
      const auto& b = other.signers.words();
      std::size_t first = 0;
      for (std::size_t w = 0; w < a.size(); ++w) {
        if (auto both = a[w] & b[w]; both != 0) {
          first = w * 64 + static_cast<std::size_t>(__builtin_ctzll(both));
          break;
        }
      }
      return make_error("merge: overlapping signers (signer " + std::to_string(first) +
                        " is in both certificates)");
    }
    auto& sig = into.signatures.front();
    const auto& add = other.signatures.front();
    store_le64(sig.data(), load_le64(sig.data()) ^ load_le64(add.data()));
    store_le64(sig.data() + 8, load_le64(sig.data() + 8) + load_le64(add.data() + 8));
    into.signers.merge(other.signers);
    return {};
  }

  result<void> verify(const validator_set& set, const quorum_certificate& qc, std::size_t threshold,
                      crypto_meter& meter) const override {
    if (auto ok = detail::check_shape(set, qc, cert_kind::aggregate); !ok) return ok;
    if (auto ok = check_aggregate_shape(qc); !ok) return ok;
    auto signers = qc.signers.count();
    if (auto ok = detail::check_threshold(signers, threshold); !ok) return ok;
    const auto* sig = qc.signatures.front().data();
    if (auto claimed = load_le64(sig + 8); claimed != signers)
      return make_error("aggregate signature counts " + std::to_string(claimed) +
                        " signers, the bitmap has " + std::to_string(signers));
    for (std::size_t i = aggregate_min_bytes; i < size_; ++i)
      if (sig[i] != 0) return make_error("aggregate signature has non-zero padding");

    ++meter.aggregate_verifies;
    meter.aggregate_signers += signers;
    // No allocation and no bounds checks per signer: this runs over 10,000 signers per
    // certificate in large simulations. Words with more than half their signers set are taken
    // from the per-thread table of whole words, minus their missing signers.
    const public_key* keys = set.keys().data();
    auto d = mix64(load_le64(qc.digest.data.data()) + 0);
    auto value = [&](std::size_t i) { return mix64(load_le64(keys[i].data()) ^ d); };
    thread_local word_tables tables;
    word_tables::table* t = nullptr;
    std::uint64_t tag = 0;
    const auto& words = qc.signers.words();
    const auto n = set.size();
    for (std::size_t w = 0; w < words.size(); ++w) {
      auto bits = words[w];
      if (bits == 0) continue;
      auto base = w * 64;
      if (std::popcount(bits) > 32) {
        if (!t) t = &tables.get(set, d);
        auto valid = n - base >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << (n - base)) - 1;
        if (!(t->known[w / 64] >> (w % 64) & 1)) {
          std::uint64_t x = 0;
          for (auto all = valid; all != 0; all &= all - 1)
            x ^= value(base + static_cast<std::size_t>(std::countr_zero(all)));
          t->full[w] = x;
          t->known[w / 64] |= std::uint64_t{1} << (w % 64);
        }
        auto word_tag = t->full[w];
        for (auto missing = ~bits & valid; missing != 0; missing &= missing - 1)
          word_tag ^= value(base + static_cast<std::size_t>(std::countr_zero(missing)));
        tag ^= word_tag;
      } else {
        for (; bits != 0; bits &= bits - 1)
          tag ^= value(base + static_cast<std::size_t>(std::countr_zero(bits)));
      }
    }
    if (tag != load_le64(sig))
      return make_error("aggregate signature does not match its " + std::to_string(signers) +
                        " signers and digest " + detail::short_hex(qc.digest) + "...");
    return {};
  }

  quorum_certificate merge_disjoint(std::span<const quorum_certificate* const> qcs,
                                    const signer_bitmap& all) const override {
    // Every merge one by one would succeed (same kind, digest and bitmap size, one aggregate of
    // the right size each, disjoint signers): XOR the tags and add the counts, O(1) each.
    // Anything else: merge one by one, skipping the merges that fail.
    // The checks are those of merge() (check_mergeable, check_aggregate_shape) as plain
    // comparisons: this runs over every group's certificate when a super node combines M of them.
    const auto& first = *qcs.front();
    bool simple = all.size() == first.signers.size() && aggregate_shaped(first) &&
                  first.kind == cert_kind::aggregate;
    for (std::size_t i = 1; simple && i < qcs.size(); ++i) {
      const auto& q = *qcs[i];
      simple = q.kind == cert_kind::aggregate && same_digest(q.digest, first.digest) &&
               q.signers.size() == first.signers.size() && aggregate_shaped(q);
    }
    if (!simple) return certificate_scheme::merge_disjoint(qcs, all);
    quorum_certificate merged;
    merged.digest = first.digest;
    merged.kind = cert_kind::aggregate;
    merged.signers = all;
    merged.signatures.push_back(first.signatures.front());
    auto* sig = merged.signatures.front().data();
    auto tag = load_le64(sig);
    auto count = load_le64(sig + 8);
    for (std::size_t i = 1; i < qcs.size(); ++i) {
      const auto* add = qcs[i]->signatures.front().data();
      tag ^= load_le64(add);
      count += load_le64(add + 8);
    }
    store_le64(sig, tag);
    store_le64(sig + 8, count);
    return merged;
  }

private:
  bytes make_aggregate(std::uint64_t tag, std::uint64_t count) const {
    bytes sig(size_, 0);
    store_le64(sig.data(), tag);
    store_le64(sig.data() + 8, count);
    return sig;
  }

  /// a == b by words (the library's compare of 32 bytes is a call).
  static bool same_digest(const hash256& a, const hash256& b) noexcept {
    const auto* x = a.data.data();
    const auto* y = b.data.data();
    return ((load_le64(x) ^ load_le64(y)) | (load_le64(x + 8) ^ load_le64(y + 8)) |
            (load_le64(x + 16) ^ load_le64(y + 16)) | (load_le64(x + 24) ^ load_le64(y + 24))) == 0;
  }
  /// check_aggregate_shape(qc).ok(), without building a result.
  bool aggregate_shaped(const quorum_certificate& qc) const noexcept {
    return qc.signatures.size() == 1 && qc.signatures.front().size() == size_;
  }

  result<void> check_aggregate_shape(const quorum_certificate& qc) const {
    if (qc.signatures.size() != 1)
      return make_error("expected one aggregate signature, found " +
                        std::to_string(qc.signatures.size()));
    if (qc.signatures.front().size() != size_)
      return make_error("aggregate signature has " + std::to_string(qc.signatures.front().size()) +
                        " bytes, expected " + std::to_string(size_));
    return {};
  }

  std::size_t size_;
  std::string name_;
};

} // namespace

const signature_scheme& modelled_scheme() {
  static const modelled_single_scheme scheme;
  return scheme;
}

std::unique_ptr<certificate_scheme> make_modelled_aggregate_scheme(std::size_t aggregate_size) {
  return std::make_unique<modelled_aggregate_scheme>(aggregate_size);
}

} // namespace bystack::crypto
