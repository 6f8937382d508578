#include "runtime/cli/node_client.hpp"

#include <httplib.h>

#include <charconv>
#include <cstdlib>

namespace bystack::cli {

namespace {

/// Bounds how long one request may wait for a node, so that a stopped node fails fast.
constexpr int request_timeout_s = 15;

result<node_reply> to_reply(const httplib::Result& r, const std::string& what,
                            const std::string& where) {
  if (!r)
    return error{"cannot reach the node at " + where + " (" + httplib::to_string(r.error()) +
                 "); start one or pass --node HOST:PORT"};
  node_reply out;
  out.status = r->status;
  out.body = json::parse(r->body, nullptr, false);
  if (out.body.is_discarded())
    return error{what + " on " + where + " answered HTTP " + std::to_string(r->status) +
                 " without JSON: " + r->body.substr(0, 200)};
  return out;
}

} // namespace

result<node_client> node_client::make(std::string_view host_port) {
  auto s = host_port;
  if (s.starts_with("http://")) s.remove_prefix(7);
  while (!s.empty() && s.back() == '/')
    s.remove_suffix(1);
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return error{"--node: expected HOST:PORT, got '" + std::string(host_port) + "'"};
  int port = 0;
  auto p = s.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc{} || end != p.data() + p.size() || port <= 0 || port > 65535)
    return error{"--node: expected a port from 1 to 65535, got '" + std::string(p) + "'"};
  return node_client{std::string(s.substr(0, colon)), port};
}

namespace {

/// Sends one request per attempt through `send` while the node answers 503.
template <class Send>
result<node_reply> retried(const http_retry& policy, const std::string& what,
                           const std::string& where, Send&& send) {
  int tries = 1;
  std::chrono::milliseconds waited{0};
  auto r = with_http_retry(
      policy, [&] { return to_reply(send(), what, where); },
      [](const result<node_reply>& x) { return x ? x->status : 0; }, &tries, &waited);
  if (!r) return r;
  r->attempts = tries;
  if (r->status == 503 && tries > 1) {
    std::string msg;
    if (r->body.is_object() && r->body.contains("error")) {
      const auto& e = r->body["error"];
      msg = e.is_object() ? e.value("message", e.dump()) : e.dump();
    }
    return error{what + " on " + where + " " + http_retry_summary(tries, waited) +
                 (msg.empty() ? "" : " (" + msg + ")") +
                 ": the node is overloaded; try again later (BYSTACK_CLI_RETRIES sets the "
                 "attempts)"};
  }
  return r;
}

} // namespace

result<node_reply> node_client::get(const std::string& path) const {
  auto where = host_ + ":" + std::to_string(port_);
  return retried(retry_, "GET " + path, where, [&] {
    httplib::Client c(host_, port_);
    c.set_connection_timeout(request_timeout_s);
    c.set_read_timeout(request_timeout_s);
    return c.Get(path.c_str());
  });
}

result<node_reply> node_client::post(const std::string& path, const json& body) const {
  auto where = host_ + ":" + std::to_string(port_);
  auto text = body.dump();
  return retried(retry_, "POST " + path, where, [&] {
    httplib::Client c(host_, port_);
    c.set_connection_timeout(request_timeout_s);
    c.set_read_timeout(request_timeout_s);
    return c.Post(path.c_str(), text, "application/json");
  });
}

std::string node_address(const std::string* flag) {
  if (flag) return *flag;
  if (const char* env = std::getenv("BYSTACK_NODE"); env && *env) return env;
  return std::string(default_node);
}

} // namespace bystack::cli
