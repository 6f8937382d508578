#include "runtime/crypto/modelled.hpp"

#include "runtime/crypto/detail/certificate_checks.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

namespace bystack::crypto {

namespace {

constexpr std::size_t modelled_signature_bytes = 64;
constexpr std::size_t modelled_words = modelled_signature_bytes / 8;
/// The aggregate holds the XOR of the signers' tags and the signer count, 8 bytes each.
constexpr std::size_t aggregate_min_bytes = 16;

/// Finalises a 64-bit value like splitmix64: every input bit affects every output bit.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
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
    // certificate in large simulations.
    const public_key* keys = set.keys().data();
    auto d = mix64(load_le64(qc.digest.data.data()) + 0);
    std::uint64_t tag = 0;
    qc.signers.for_each([&](std::size_t i) { tag ^= mix64(load_le64(keys[i].data()) ^ d); });
    if (tag != load_le64(sig))
      return make_error("aggregate signature does not match its " + std::to_string(signers) +
                        " signers and digest " + detail::short_hex(qc.digest) + "...");
    return {};
  }

private:
  bytes make_aggregate(std::uint64_t tag, std::uint64_t count) const {
    bytes sig(size_, 0);
    store_le64(sig.data(), tag);
    store_le64(sig.data() + 8, count);
    return sig;
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
