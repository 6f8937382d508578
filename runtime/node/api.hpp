#pragma once
/// The node's HTTP API (cpp-httplib, JSON via nlohmann-json): POST /tx, GET /status,
/// GET /block/{height}, GET /metrics; in BUTXO mode also GET /tx/{id}, GET /utxo?owner=,
/// GET /balance/{owner}, GET /asset/{id}; with a DPoS genesis also GET /election. Handlers run on
/// the server's threads and reach the node actor only through node_runtime's message calls.

#include "runtime/base/result.hpp"
#include "runtime/ledger/block.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/tx_request.hpp"

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
struct Response;
} // namespace httplib

namespace bystack::node {

class node_runtime;

class api_server {
public:
  api_server(node_runtime& rt, const node_config& cfg);
  ~api_server();
  /// Binds the API address and serves on a background thread.
  result<void> start();
  void stop();
  /// Adds routes served next to the node's own (e.g. the federation's read-only views); call
  /// before start().
  void add_routes(std::function<void(httplib::Server&)> f) { extra_.push_back(std::move(f)); }

private:
  /// Answers POST /tx in BUTXO mode (see docs/node.md for the contract).
  void post_ledger_tx(const std::string& body, httplib::Response& res);
  /// Reads an owner given as an address or a public key (hex) and returns the address.
  result<crypto::hash256> owner_address(const std::string& hex) const;

  node_runtime& rt_;
  node_config cfg_;
  std::unique_ptr<httplib::Server> srv_;
  std::thread thread_;
  std::vector<std::function<void(httplib::Server&)>> extra_;
};

} // namespace bystack::node
