#pragma once
/// The wallet commands' HTTP client for a node's API (runtime/node/api.cpp): GET and POST with
/// JSON bodies. The only file of bystack-cli that includes cpp-httplib.

#include "runtime/base/http_retry.hpp"
#include "runtime/base/result.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace bystack::cli {

using json = nlohmann::json;

/// Holds a node's answer: the HTTP status and the parsed JSON body.
struct node_reply {
  int status = 0;
  json body;
  int attempts = 1; ///< requests made: more than one when the node answered 503 before
};

/// Talks to one node's API at HOST:PORT.
class node_client {
public:
  /// Takes "HOST:PORT" (an "http://" prefix is accepted); the error names what is wrong.
  static result<node_client> make(std::string_view host_port);

  /// Sends GET path; the error says when the node cannot be reached or answers no JSON. A 503
  /// (a busy node) is retried as `retry()` says (http_retry::cli(): 6 attempts, backing off to
  /// 4 s); still 503 after the last attempt, the error says so.
  result<node_reply> get(const std::string& path) const;
  /// Sends POST path with a JSON body, retried like get. A POST /tx the node answered 503 may
  /// have reached its pool: a retry refused as a duplicate means an earlier attempt got in.
  result<node_reply> post(const std::string& path, const json& body) const;

  const http_retry& retry() const noexcept { return retry_; }
  void set_retry(http_retry r) noexcept { retry_ = r; }

  const std::string& host() const noexcept { return host_; }
  int port() const noexcept { return port_; }

private:
  node_client(std::string host, int port) : host_(std::move(host)), port_(port) {}
  std::string host_;
  int port_ = 0;
  http_retry retry_ = http_retry::cli();
};

/// Default node API address when neither --node nor BYSTACK_NODE says otherwise.
inline constexpr std::string_view default_node = "127.0.0.1:7101";

/// Returns the node address: `flag` (the value of --node) when given, else the BYSTACK_NODE
/// environment variable, else default_node.
std::string node_address(const std::string* flag);

} // namespace bystack::cli
