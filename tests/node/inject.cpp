#include "tests/node/inject.hpp"

#include "runtime/node/wire.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <thread>

namespace bystack::node::test {

std::string inject(const std::string& host, std::uint16_t port,
                   const std::vector<injected_envelope>& envelopes) {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.add_message_type<std::vector<std::uint8_t>>("bytes");
  caf::actor_system sys{cfg};
  auto peer = sys.middleman().remote_actor(host, port);
  if (!peer)
    return "cannot reach " + host + ":" + std::to_string(port) + ": " + sys.render(peer.error());
  for (const auto& e : envelopes)
    caf::anon_send(*peer, envelope_atom::value, e.sender, e.payload, e.signature);
  caf::anon_send(*peer, std::string("hello, I am not a node"));
  // The middleman sends in the background: give it time before the system shuts it down.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  return {};
}

} // namespace bystack::node::test
