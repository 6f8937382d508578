#pragma once
/// Byte buffers shared between the codec, the transports and the simulator.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bystack {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

/// An immutable buffer that many receivers can hold without copying (one encoding, many sends).
using shared_bytes = std::shared_ptr<const bytes>;

inline shared_bytes make_shared_bytes(bytes b) {
  return std::make_shared<const bytes>(std::move(b));
}

/// Views the characters of a string as bytes.
inline byte_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Renders bytes as lower-case hex.
std::string to_hex(byte_view data);

/// Parses lower- or upper-case hex; returns false on odd length or a non-hex character.
bool from_hex(std::string_view hex, bytes& out);

} // namespace bystack
