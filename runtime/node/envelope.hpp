#pragma once
/// Authenticated envelopes between nodes: every consensus message travels with its sender's index
/// and an Ed25519 signature by that sender's key over (network id, sender, SHA-256 of the bytes).
///
/// Signing every envelope, rather than signing a hello once per connection, ties each message to
/// a key of the configured set whatever carried it: CAF's BASP handshake names a node id that the
/// peer chooses itself, so a per-connection proof would have to be bound to CAF internals. The
/// cost is one signature per send (not per destination) and one verification per receipt; see
/// docs/node.md for the measured figures.

#include "runtime/base/bytes.hpp"
#include "runtime/crypto/signature_scheme.hpp"

#include <cstdint>
#include <string_view>

namespace bystack::node {

/// Names why an envelope was dropped (metrics labels).
enum class drop_reason : std::uint8_t {
  none = 0,
  unknown_sender, ///< sender index outside the consensus set
  bad_signature,  ///< signature does not verify under the sender's key
  malformed,      ///< signature of the wrong size, empty payload
  oversized,      ///< payload above max_message_bytes
};

/// Returns a metrics label for a reason ("unknown_sender", ...).
std::string_view drop_reason_name(drop_reason r);

/// Returns the id of a network: SHA3-256 over the ordered keys of its consensus set, so that an
/// envelope signed for one network does not verify in another.
crypto::hash256 network_id_of(const crypto::validator_set& set);

/// Returns what the sender signs for one payload.
crypto::hash256 envelope_digest(const crypto::hash256& network, std::uint32_t sender,
                                byte_view payload);

/// Checks envelopes received from the network.
class envelope_checker {
public:
  envelope_checker(const crypto::validator_set& set, const crypto::signature_scheme& scheme,
                   std::uint64_t max_message_bytes)
      : set_(set), scheme_(scheme), network_(network_id_of(set)), max_bytes_(max_message_bytes) {}

  /// Returns none if `payload` was signed by node `sender` of the set, else why not.
  drop_reason check(std::uint32_t sender, byte_view payload, byte_view signature) const;
  const crypto::hash256& network() const noexcept { return network_; }

private:
  const crypto::validator_set& set_;
  const crypto::signature_scheme& scheme_;
  crypto::hash256 network_;
  std::uint64_t max_bytes_;
};

} // namespace bystack::node
