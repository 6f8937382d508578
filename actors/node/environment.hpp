#pragma once
/// What a node actor asks of the world it runs in. The simulator (sim/) and the production node
/// (runtime/node) each implement it; the actor code is the same in both.

#include "actors/common/effects.hpp"
#include "runtime/base/bytes.hpp"
#include "runtime/base/result.hpp"
#include "runtime/crypto/signature_scheme.hpp"

#include <cstdint>

namespace bystack::bbft {

class node_env {
public:
  virtual ~node_env() = default;
  /// Returns the time at which `node` starts handling its current event, in microseconds
  /// (virtual in simulation, where a busy CPU makes it later than the arrival).
  virtual std::int64_t now_us(std::uint32_t node) = 0;
  /// Decodes bytes received from the network (the simulator may share one decoding among all
  /// receivers of one buffer).
  virtual result<msg_ptr> decode(const shared_bytes& bytes) = 0;
  /// Accounts the work of one handled event: bytes decoded and cryptographic operations.
  virtual void charge(std::uint32_t node, std::size_t decoded_bytes,
                      const crypto::crypto_meter& meter) = 0;
  /// Carries one message to its destinations.
  virtual void send(std::uint32_t from, const send_effect& e) = 0;
  /// Schedules a timer; it comes back to the node as a timer message.
  virtual void set_timer(std::uint32_t node, const timer_effect& t) = 0;
  /// Observes the node's certification, commit and rejection events.
  virtual void on_certified(std::uint32_t node, const certified_effect& e) = 0;
  virtual void on_commit(std::uint32_t node, const commit_effect& e) = 0;
  virtual void on_reject(std::uint32_t node, const reject_effect& e, const std::string& detail) = 0;
  /// send and on_commit handing the effect over: the caller (flush_effects) has no further use
  /// for it, so an environment that keeps it can move it instead of copying its receiver list
  /// and taking references to a message or block that every node shares. By default the calls
  /// above.
  virtual void send_owned(std::uint32_t from, send_effect&& e) { send(from, e); }
  virtual void on_commit_owned(std::uint32_t node, commit_effect&& e) { on_commit(node, e); }
};

} // namespace bystack::bbft
