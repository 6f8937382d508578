#pragma once
/// The mainchain node's HTTP API (cpp-httplib, JSON); docs/mainchain.md lists every route. The
/// wallet routes (GET /status, GET /utxo, GET /balance, GET /tx, POST /tx) answer in the same
/// form as the sidechain node's (runtime/node/api.cpp), so that bystack-cli's wallet commands
/// work against either chain.

#include "runtime/base/result.hpp"

#include <memory>
#include <thread>

namespace httplib {
class Server;
}

namespace bystack::mainchaind {

class node;

class api_server {
public:
  explicit api_server(node& n);
  ~api_server();
  result<void> start();
  void stop();

private:
  node& node_;
  std::unique_ptr<httplib::Server> srv_;
  std::thread thread_;
};

} // namespace bystack::mainchaind
