#pragma once
/// The node's HTTP API (cpp-httplib, JSON via nlohmann-json): POST /tx, GET /status,
/// GET /block/{height}, GET /metrics. Handlers run on the server's threads and reach the node
/// actor only through node_runtime's message calls.

#include "runtime/base/result.hpp"
#include "runtime/ledger/block.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/tx_request.hpp"

#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace bystack::node {

class node_runtime;

class api_server {
public:
  api_server(node_runtime& rt, const node_config& cfg);
  ~api_server();
  /// Binds the API address and serves on a background thread.
  result<void> start();
  void stop();

private:
  node_runtime& rt_;
  node_config cfg_;
  std::unique_ptr<httplib::Server> srv_;
  std::thread thread_;
};

} // namespace bystack::node
