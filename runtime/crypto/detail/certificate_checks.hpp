#pragma once
/// Checks shared by the certificate schemes (internal to bystack_crypto, not part of its API).

#include "runtime/crypto/signature_scheme.hpp"

#include <string>
#include <vector>

namespace bystack::crypto::detail {

/// Returns "signature-list" or "aggregate".
std::string_view kind_name(cert_kind kind) noexcept;

/// Returns the first 8 bytes of a digest in hex, enough to tell two digests apart in a message.
std::string short_hex(const hash256& h);

/// Checks votes for build(): every signer inside the set, no signer twice, every signature of
/// `signature_size` bytes. Returns the votes ordered by signer index.
result<std::vector<const indexed_signature*>> order_votes(const validator_set& set,
                                                          std::span<const indexed_signature> votes,
                                                          std::size_t signature_size);

/// Checks what every verify() checks first: the kind and a bitmap sized to the set.
result<void> check_shape(const validator_set& set, const quorum_certificate& qc, cert_kind kind);

/// Checks that two certificates can be merged: both of `kind`, same digest, same bitmap size.
result<void> check_mergeable(const quorum_certificate& into, const quorum_certificate& other,
                             cert_kind kind);

/// Returns the "k signers, threshold t" error if k < t.
result<void> check_threshold(std::size_t signers, std::size_t threshold);

} // namespace bystack::crypto::detail
