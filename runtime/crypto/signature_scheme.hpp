#pragma once
/// Pluggable signature schemes and quorum certificates.
///
/// A `signature_scheme` signs and verifies single messages (proposals, votes). A
/// `certificate_scheme` turns votes into a quorum certificate (QC) and checks one against a
/// validator set and a threshold. Two certificate kinds exist: a signature list (a signer bitmap
/// plus one signature per signer, what Ed25519 gives today) and an aggregate (a signer bitmap plus
/// one constant-size signature, what BLS or MuSig would give). Every verification is counted in a
/// `crypto_meter`, so that the simulator can charge modelled CPU time for it.

#include "runtime/base/bytes.hpp"
#include "runtime/base/result.hpp"
#include "runtime/crypto/hash.hpp"
#include "runtime/crypto/keys.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bystack::crypto {

/// Counts the cryptographic work done while handling one event.
struct crypto_meter {
  std::uint64_t signs = 0;
  std::uint64_t verifies = 0;           ///< single-signature verifications
  std::uint64_t aggregate_verifies = 0; ///< aggregate verifications
  std::uint64_t aggregate_signers = 0;  ///< signers covered by aggregate verifications
  std::uint64_t hashed_bytes = 0;

  void reset() { *this = crypto_meter{}; }
};

/// Holds the ordered public keys of a consensus set; a signer is named by its index.
class validator_set {
public:
  validator_set() = default;
  /// Takes the keys in index order. A key listed twice keeps its lowest index in index_of(); use
  /// make() for keys from outside the process, since a repeated key would let one node count twice
  /// towards a quorum.
  explicit validator_set(std::vector<public_key> keys);
  /// Builds a set, rejecting a key that appears more than once (the error names both indices).
  static result<validator_set> make(std::vector<public_key> keys);

  std::size_t size() const noexcept { return keys_.size(); }
  const public_key& key(std::uint32_t index) const { return keys_.at(index); }
  const std::vector<public_key>& keys() const noexcept { return keys_; }
  /// Returns the index of a key, if it belongs to the set.
  std::optional<std::uint32_t> index_of(const public_key& pk) const;
  /// Returns the smallest count that is more than 2/3 of the set: floor(2N/3) + 1.
  std::size_t quorum() const noexcept { return keys_.size() * 2 / 3 + 1; }
  /// Returns f = floor((N-1)/3), the number of faulty members tolerated.
  std::size_t max_faulty() const noexcept { return keys_.empty() ? 0 : (keys_.size() - 1) / 3; }
  /// Returns a 64-bit digest of the keys in order (computed once): tells sets apart in caches.
  std::uint64_t fingerprint() const noexcept { return fingerprint_; }

private:
  std::vector<public_key> keys_;
  std::uint64_t fingerprint_ = 0;
  std::vector<std::pair<public_key, std::uint32_t>> sorted_; // for index_of
};

/// Holds a set of signer indices over a validator set of known size.
class signer_bitmap {
public:
  signer_bitmap() = default;
  explicit signer_bitmap(std::size_t size) : size_(size), words_((size + 63) / 64, 0) {}

  std::size_t size() const noexcept { return size_; }
  bool test(std::size_t i) const noexcept { return i < size_ && (words_[i / 64] >> (i % 64)) & 1; }
  /// Adds signer i; throws std::out_of_range if i >= size().
  void set(std::size_t i) {
    if (i >= size_) throw std::out_of_range("signer_bitmap::set: index beyond the bitmap size");
    words_[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  std::size_t count() const noexcept;
  bool intersects(const signer_bitmap& other) const noexcept;
  /// Returns how many signers of other are not in this bitmap (word operations, no per-signer
  /// loop); other's words beyond this bitmap's size count in full.
  std::size_t count_new(const signer_bitmap& other) const noexcept;
  /// Adds the signers of other; throws std::invalid_argument if the sizes differ.
  void merge(const signer_bitmap& other);
  /// Like merge(), in the same single pass over the words, and returns how many signers were
  /// not in this bitmap before.
  std::size_t merge_new(const signer_bitmap& other);
  const std::vector<std::uint64_t>& words() const noexcept { return words_; }
  /// Rebuilds a bitmap from words; false if a bit at or beyond size is set or the word count is
  /// off.
  static bool from_words(std::size_t size, std::vector<std::uint64_t> words, signer_bitmap& out);
  /// Calls f(index) for every set bit, in increasing order.
  template <class F> void for_each(F&& f) const {
    for (std::size_t w = 0; w < words_.size(); ++w) {
      auto bits = words_[w];
      while (bits != 0) {
        auto b = static_cast<std::size_t>(__builtin_ctzll(bits));
        f(w * 64 + b);
        bits &= bits - 1;
      }
    }
  }
  bool operator==(const signer_bitmap&) const = default;

private:
  std::size_t size_ = 0;
  std::vector<std::uint64_t> words_;
};

/// Signs with one node's secret key.
class signer {
public:
  virtual ~signer() = default;
  virtual const public_key& pub() const noexcept = 0;
  virtual bytes sign(const hash256& digest) const = 0;
};

/// Signs and verifies single signatures.
class signature_scheme {
public:
  virtual ~signature_scheme() = default;
  virtual std::string_view name() const noexcept = 0;
  /// Returns the size in bytes of one signature.
  virtual std::size_t signature_size() const noexcept = 0;
  /// Creates a signer for the key derived from seed.
  virtual std::unique_ptr<signer> make_signer(const secret_seed& seed) const = 0;
  /// Checks one signature; counts one verification in meter unless the signature has the wrong
  /// size (rejected without any curve work).
  virtual bool verify(const public_key& pk, const hash256& digest, byte_view sig,
                      crypto_meter& meter) const = 0;
};

enum class cert_kind : std::uint8_t { signature_list = 0, aggregate = 1 };

/// Holds a quorum certificate: who signed (bitmap over the validator set), what (a digest) and
/// the signatures (one per signer in bitmap order, or one aggregate).
struct quorum_certificate {
  hash256 digest;
  cert_kind kind = cert_kind::signature_list;
  signer_bitmap signers;
  std::vector<bytes> signatures;

  std::size_t signer_count() const noexcept { return signers.count(); }
  bool operator==(const quorum_certificate&) const = default;
};

/// A list of quorum certificates shared by identity: copying a list copies pointers, not the
/// certificates' bitmaps and signatures. A block certificate under the signature-list scheme holds
/// one certificate per group (M of them), and every super node builds its own block certificate
/// from the same group certificates twice per view; shared, they are held once. The elements are
/// immutable and never null; reading a list reads certificates, as a vector of them would.
class qc_list {
public:
  using ptr = std::shared_ptr<const quorum_certificate>;
  using value_type = quorum_certificate;

  class const_iterator {
  public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = quorum_certificate;
    using difference_type = std::ptrdiff_t;
    using pointer = const quorum_certificate*;
    using reference = const quorum_certificate&;
    const_iterator() = default;
    explicit const_iterator(std::vector<ptr>::const_iterator it) : it_(it) {}
    reference operator*() const noexcept { return **it_; }
    pointer operator->() const noexcept { return it_->get(); }
    reference operator[](difference_type n) const noexcept { return *it_[n]; }
    const_iterator& operator++() noexcept {
      ++it_;
      return *this;
    }
    const_iterator operator++(int) noexcept {
      auto t = *this;
      ++it_;
      return t;
    }
    const_iterator& operator--() noexcept {
      --it_;
      return *this;
    }
    const_iterator operator--(int) noexcept {
      auto t = *this;
      --it_;
      return t;
    }
    const_iterator& operator+=(difference_type n) noexcept {
      it_ += n;
      return *this;
    }
    const_iterator& operator-=(difference_type n) noexcept {
      it_ -= n;
      return *this;
    }
    friend const_iterator operator+(const_iterator a, difference_type n) noexcept { return a += n; }
    friend const_iterator operator+(difference_type n, const_iterator a) noexcept { return a += n; }
    friend const_iterator operator-(const_iterator a, difference_type n) noexcept { return a -= n; }
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) noexcept {
      return a.it_ - b.it_;
    }
    friend auto operator<=>(const const_iterator&, const const_iterator&) = default;

  private:
    std::vector<ptr>::const_iterator it_;
  };
  using iterator = const_iterator;

  qc_list() = default;
  qc_list(std::initializer_list<quorum_certificate> qcs) {
    items_.reserve(qcs.size());
    for (const auto& q : qcs)
      push_back(q);
  }

  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  const quorum_certificate& operator[](std::size_t i) const noexcept { return *items_[i]; }
  const quorum_certificate& front() const noexcept { return *items_.front(); }
  const quorum_certificate& back() const noexcept { return *items_.back(); }
  const_iterator begin() const noexcept { return const_iterator(items_.begin()); }
  const_iterator end() const noexcept { return const_iterator(items_.end()); }
  /// The shared certificate at i, to hold or to put into another list without a copy.
  const ptr& shared(std::size_t i) const noexcept { return items_[i]; }
  /// The address of the list's own storage: an identity for a cache, like a vector's data().
  const void* data() const noexcept { return items_.data(); }

  void reserve(std::size_t n) { items_.reserve(n); }
  void push_back(quorum_certificate qc) {
    items_.push_back(std::make_shared<const quorum_certificate>(std::move(qc)));
  }
  /// Shares qc; throws std::invalid_argument if it is null.
  void push_back(ptr qc) {
    if (!qc) throw std::invalid_argument("qc_list::push_back: null certificate");
    items_.push_back(std::move(qc));
  }

  /// Equal when the certificates are equal in order (shared or not).
  bool operator==(const qc_list& o) const noexcept {
    if (items_.size() != o.items_.size()) return false;
    for (std::size_t i = 0; i < items_.size(); ++i)
      if (items_[i] != o.items_[i] && !(*items_[i] == *o.items_[i])) return false;
    return true;
  }

private:
  std::vector<ptr> items_;
};

/// One vote as collected by a super node: the signer's index and its signature.
struct indexed_signature {
  std::uint32_t signer = 0;
  bytes signature;
};

/// Builds, merges and verifies quorum certificates.
class certificate_scheme {
public:
  virtual ~certificate_scheme() = default;
  virtual cert_kind kind() const noexcept = 0;
  virtual std::string_view name() const noexcept = 0;
  /// Returns the signature scheme that signs the individual votes.
  virtual const signature_scheme& votes() const noexcept = 0;
  /// Builds a certificate from votes that the caller already verified one by one; rejects a
  /// signer index outside the set and a duplicate signer.
  virtual result<quorum_certificate> build(const validator_set& set, const hash256& digest,
                                           std::span<const indexed_signature> votes) const = 0;
  /// Returns the union of two certificates over the same digest (signers already in `into` are
  /// kept once); an aggregate scheme requires disjoint signer sets.
  virtual result<void> merge(quorum_certificate& into, const quorum_certificate& other) const = 0;
  /// Combines certificates whose signer sets are pairwise disjoint and whose union is `all`:
  /// the result equals merging them one by one into a copy of qcs[0], skipping any merge that
  /// fails. The default does exactly that; a scheme may do it without a pass over every
  /// certificate's bitmap. qcs must not be empty.
  virtual quorum_certificate merge_disjoint(std::span<const quorum_certificate* const> qcs,
                                            const signer_bitmap& all) const;
  /// Checks a certificate: known signers only, no duplicates, every signature valid, and at least
  /// `threshold` signers. The error names what failed.
  virtual result<void> verify(const validator_set& set, const quorum_certificate& qc,
                              std::size_t threshold, crypto_meter& meter) const = 0;
  /// Checks several certificates over one digest (the group certificates of a block): each must
  /// be valid on its own, and together they must cover at least `threshold` distinct signers.
  /// The default verifies each with verify(); a caching wrapper may answer a repeat at once, as
  /// long as it adds the same work to meter.
  virtual result<void> verify_all(const validator_set& set, const qc_list& qcs,
                                  const hash256& digest, std::size_t threshold,
                                  crypto_meter& meter) const;
  /// Like verify() and verify_all(), for certificates inside `owner`, an immutable shared object
  /// (a decoded message) that keeps them alive: a caching wrapper may remember the outcome by
  /// the object's identity instead of fingerprinting its contents, as long as it adds the same
  /// work to meter. The defaults call verify() and verify_all().
  virtual result<void> verify_shared(const validator_set& set, const quorum_certificate& qc,
                                     const std::shared_ptr<const void>& owner,
                                     std::size_t threshold, crypto_meter& meter) const;
  virtual result<void> verify_all_shared(const validator_set& set, const qc_list& qcs,
                                         const std::shared_ptr<const void>& owner,
                                         const hash256& digest, std::size_t threshold,
                                         crypto_meter& meter) const;
};

/// Returns the default Ed25519 backend (libsodium: faster, and its verifier rejects malleable
/// signatures; see docs/crypto.md). Every node of one network must use the same verifier.
const signature_scheme& ed25519_scheme();

/// Returns Ed25519 over Botan 2.
const signature_scheme& ed25519_botan_scheme();

/// Returns Ed25519 over libsodium.
const signature_scheme& ed25519_sodium_scheme();

/// Returns a signature-list certificate scheme over the given vote scheme.
std::unique_ptr<certificate_scheme> make_signature_list_scheme(const signature_scheme& votes);

} // namespace bystack::crypto
