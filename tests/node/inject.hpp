#pragma once
// Sends hand-made envelopes to a node's transport over TCP, as a hostile peer would.

#include <cstdint>
#include <string>
#include <vector>

namespace bystack::node::test {

struct injected_envelope {
  std::uint32_t sender = 0;
  std::vector<std::uint8_t> payload;
  std::vector<std::uint8_t> signature;
};

/// Connects to host:port and sends each envelope, then one message of an unexpected type.
/// Returns an empty string on success, else what failed.
std::string inject(const std::string& host, std::uint16_t port,
                   const std::vector<injected_envelope>& envelopes);

} // namespace bystack::node::test
