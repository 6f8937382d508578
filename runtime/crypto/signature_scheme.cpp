#include "runtime/crypto/signature_scheme.hpp"

#include "runtime/crypto/detail/certificate_checks.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

namespace bystack::crypto {

// --- validator_set ---------------------------------------------------------------------------

validator_set::validator_set(std::vector<public_key> keys) : keys_(std::move(keys)) {
  std::uint64_t fp = 0x9e3779b97f4a7c15ULL ^ keys_.size();
  for (const auto& k : keys_) {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, k.data(), 8);
    std::memcpy(&b, k.data() + 8, 8);
    fp = (fp ^ a) * 0xbf58476d1ce4e5b9ULL;
    fp = (fp ^ (fp >> 29) ^ b) * 0x94d049bb133111ebULL;
  }
  fingerprint_ = fp ^ (fp >> 31);
  sorted_.reserve(keys_.size());
  for (std::uint32_t i = 0; i < keys_.size(); ++i)
    sorted_.emplace_back(keys_[i], i);
  // Sorting by (key, index) makes index_of() return the lowest index of a repeated key.
  std::sort(sorted_.begin(), sorted_.end());
}

result<validator_set> validator_set::make(std::vector<public_key> keys) {
  validator_set set{std::move(keys)};
  for (std::size_t i = 1; i < set.sorted_.size(); ++i) {
    if (set.sorted_[i].first == set.sorted_[i - 1].first) {
      const auto& key = set.sorted_[i].first;
      return make_error("validator set: the key at index " + std::to_string(set.sorted_[i].second) +
                        " repeats the key at index " + std::to_string(set.sorted_[i - 1].second) +
                        " (" + to_hex({key.data(), 8}) + "...)");
    }
  }
  return set;
}

std::optional<std::uint32_t> validator_set::index_of(const public_key& pk) const {
  auto it =
      std::lower_bound(sorted_.begin(), sorted_.end(), pk,
                       [](const auto& entry, const public_key& k) { return entry.first < k; });
  if (it == sorted_.end() || it->first != pk) return std::nullopt;
  return it->second;
}

// --- signer_bitmap ---------------------------------------------------------------------------

std::size_t signer_bitmap::count() const noexcept {
  std::size_t n = 0;
  for (auto w : words_)
    n += static_cast<std::size_t>(std::popcount(w));
  return n;
}

bool signer_bitmap::intersects(const signer_bitmap& other) const noexcept {
  auto n = std::min(words_.size(), other.words_.size());
  for (std::size_t i = 0; i < n; ++i)
    if ((words_[i] & other.words_[i]) != 0) return true;
  return false;
}

std::size_t signer_bitmap::count_new(const signer_bitmap& other) const noexcept {
  std::size_t n = 0;
  const auto* a = words_.data();
  const auto* b = other.words_.data();
  auto common = std::min(words_.size(), other.words_.size());
  for (std::size_t i = 0; i < common; ++i)
    n += static_cast<std::size_t>(std::popcount(b[i] & ~a[i]));
  for (std::size_t i = common; i < other.words_.size(); ++i)
    n += static_cast<std::size_t>(std::popcount(b[i]));
  return n;
}

void signer_bitmap::merge(const signer_bitmap& other) {
  if (other.size_ != size_)
    throw std::invalid_argument("signer_bitmap::merge: bitmaps of " + std::to_string(size_) +
                                " and " + std::to_string(other.size_) + " signers");
  for (std::size_t i = 0; i < words_.size(); ++i)
    words_[i] |= other.words_[i];
}

std::size_t signer_bitmap::merge_new(const signer_bitmap& other) {
  if (other.size_ != size_)
    throw std::invalid_argument("signer_bitmap::merge: bitmaps of " + std::to_string(size_) +
                                " and " + std::to_string(other.size_) + " signers");
  std::size_t n = 0;
  auto* a = words_.data();
  const auto* b = other.words_.data();
  for (std::size_t i = 0; i < words_.size(); ++i) {
    n += static_cast<std::size_t>(std::popcount(b[i] & ~a[i]));
    a[i] |= b[i];
  }
  return n;
}

bool signer_bitmap::from_words(std::size_t size, std::vector<std::uint64_t> words,
                               signer_bitmap& out) {
  if (words.size() != (size + 63) / 64) return false;
  if (size % 64 != 0 && !words.empty()) {
    auto used = std::uint64_t{1} << (size % 64);
    if ((words.back() & ~(used - 1)) != 0) return false;
  }
  out.size_ = size;
  out.words_ = std::move(words);
  return true;
}

// --- checks shared with the modelled aggregate scheme ----------------------------------------

namespace detail {

std::string_view kind_name(cert_kind kind) noexcept {
  switch (kind) {
  case cert_kind::signature_list:
    return "signature-list";
  case cert_kind::aggregate:
    return "aggregate";
  }
  return "unknown-kind";
}

std::string short_hex(const hash256& h) {
  return to_hex({h.data.data(), 8});
}

result<std::vector<const indexed_signature*>> order_votes(const validator_set& set,
                                                          std::span<const indexed_signature> votes,
                                                          std::size_t signature_size) {
  signer_bitmap seen(set.size());
  std::vector<const indexed_signature*> ordered;
  ordered.reserve(votes.size());
  for (const auto& vote : votes) {
    if (vote.signer >= set.size())
      return make_error("unknown signer " + std::to_string(vote.signer) + " (set has " +
                        std::to_string(set.size()) + ")");
    if (seen.test(vote.signer))
      return make_error("duplicate signer " + std::to_string(vote.signer));
    if (vote.signature.size() != signature_size)
      return make_error("signer " + std::to_string(vote.signer) + ": signature has " +
                        std::to_string(vote.signature.size()) + " bytes, expected " +
                        std::to_string(signature_size));
    seen.set(vote.signer);
    ordered.push_back(&vote);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto* a, const auto* b) { return a->signer < b->signer; });
  return ordered;
}

result<void> check_shape(const validator_set& set, const quorum_certificate& qc, cert_kind kind) {
  if (qc.kind != kind)
    return make_error(std::string{kind == cert_kind::aggregate ? "expected an " : "expected a "} +
                      std::string{kind_name(kind)} + " certificate, got " +
                      std::string{kind_name(qc.kind)});
  if (qc.signers.size() != set.size())
    return make_error("signer bitmap covers " + std::to_string(qc.signers.size()) +
                      " validators, the set has " + std::to_string(set.size()));
  return {};
}

result<void> check_mergeable(const quorum_certificate& into, const quorum_certificate& other,
                             cert_kind kind) {
  if (into.kind != kind || other.kind != kind)
    return make_error("merge: expected two " + std::string{kind_name(kind)} +
                      " certificates, got " + std::string{kind_name(into.kind)} + " and " +
                      std::string{kind_name(other.kind)});
  if (into.digest != other.digest)
    return make_error("merge: the certificates sign different digests (" + short_hex(into.digest) +
                      "... and " + short_hex(other.digest) + "...)");
  if (into.signers.size() != other.signers.size())
    return make_error("merge: signer bitmaps cover " + std::to_string(into.signers.size()) +
                      " and " + std::to_string(other.signers.size()) + " validators");
  return {};
}

result<void> check_threshold(std::size_t signers, std::size_t threshold) {
  if (signers < threshold)
    return make_error(std::to_string(signers) + " signers, threshold " + std::to_string(threshold));
  return {};
}

} // namespace detail

// --- signature-list certificates -------------------------------------------------------------

namespace {

/// Returns an error unless a signature list holds one signature per signer.
result<void> check_signature_count(const quorum_certificate& qc, std::size_t signers) {
  if (qc.signatures.size() != signers)
    return make_error(std::to_string(qc.signatures.size()) + " signatures for " +
                      std::to_string(signers) + " signers");
  return {};
}

class signature_list_scheme final : public certificate_scheme {
public:
  explicit signature_list_scheme(const signature_scheme& votes)
      : votes_(votes), name_("signature-list(" + std::string{votes.name()} + ")") {}

  cert_kind kind() const noexcept override { return cert_kind::signature_list; }
  std::string_view name() const noexcept override { return name_; }
  const signature_scheme& votes() const noexcept override { return votes_; }

  result<quorum_certificate> build(const validator_set& set, const hash256& digest,
                                   std::span<const indexed_signature> votes) const override {
    auto ordered = detail::order_votes(set, votes, votes_.signature_size());
    if (!ordered) return ordered.err();
    quorum_certificate qc;
    qc.digest = digest;
    qc.kind = cert_kind::signature_list;
    qc.signers = signer_bitmap(set.size());
    qc.signatures.reserve(ordered->size());
    for (const auto* vote : *ordered) {
      qc.signers.set(vote->signer);
      qc.signatures.push_back(vote->signature);
    }
    return qc;
  }

  result<void> merge(quorum_certificate& into, const quorum_certificate& other) const override {
    if (auto ok = detail::check_mergeable(into, other, cert_kind::signature_list); !ok) return ok;
    auto into_count = into.signers.count();
    if (auto ok = check_signature_count(into, into_count); !ok)
      return make_error("merge: target certificate: " + ok.err().message);
    if (auto ok = check_signature_count(other, other.signers.count()); !ok)
      return make_error("merge: other certificate: " + ok.err().message);

    signer_bitmap merged = into.signers;
    merged.merge(other.signers);
    if (merged.count() == into_count) return {}; // other adds nobody
    std::vector<bytes> signatures;
    signatures.reserve(merged.count());
    std::size_t a = 0;
    std::size_t b = 0;
    merged.for_each([&](std::size_t i) {
      bool in_into = into.signers.test(i);
      bool in_other = other.signers.test(i);
      if (in_into) {
        signatures.push_back(std::move(into.signatures[a++]));
      } else {
        signatures.push_back(other.signatures[b]);
      }
      if (in_other) ++b;
    });
    into.signers = std::move(merged);
    into.signatures = std::move(signatures);
    return {};
  }

  result<void> verify(const validator_set& set, const quorum_certificate& qc, std::size_t threshold,
                      crypto_meter& meter) const override {
    if (auto ok = detail::check_shape(set, qc, cert_kind::signature_list); !ok) return ok;
    auto signers = qc.signers.count();
    if (auto ok = check_signature_count(qc, signers); !ok) return ok;
    // Cheap checks first: a certificate that cannot reach the threshold or has a malformed
    // signature is rejected before any curve arithmetic.
    if (auto ok = detail::check_threshold(signers, threshold); !ok) return ok;
    auto expected_size = votes_.signature_size();
    std::size_t n = 0;
    std::optional<std::size_t> bad_size; // signer index
    std::size_t bad_size_bytes = 0;
    qc.signers.for_each([&](std::size_t i) {
      if (!bad_size && qc.signatures[n].size() != expected_size) {
        bad_size = i;
        bad_size_bytes = qc.signatures[n].size();
      }
      ++n;
    });
    if (bad_size)
      return make_error("signer " + std::to_string(*bad_size) + ": signature has " +
                        std::to_string(bad_size_bytes) + " bytes, expected " +
                        std::to_string(expected_size));
    n = 0;
    std::optional<std::size_t> bad_signer;
    qc.signers.for_each([&](std::size_t i) {
      if (!bad_signer && !votes_.verify(set.key(static_cast<std::uint32_t>(i)), qc.digest,
                                        qc.signatures[n], meter))
        bad_signer = i;
      ++n;
    });
    if (bad_signer) return make_error("signer " + std::to_string(*bad_signer) + ": bad signature");
    return {};
  }

private:
  const signature_scheme& votes_;
  std::string name_;
};

} // namespace

std::unique_ptr<certificate_scheme> make_signature_list_scheme(const signature_scheme& votes) {
  return std::make_unique<signature_list_scheme>(votes);
}

} // namespace bystack::crypto
