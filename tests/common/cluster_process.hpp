#pragma once
/// What the real-process cluster tests share: free loopback ports, polling with a deadline, and
/// starting and stopping node processes.

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bystack::test {

inline bool port_free(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

/// Picks a base port whose `ports` ports are free; random so that parallel runs rarely even try
/// the same range, probed so that they never share one.
inline int pick_base_port(int ports) {
  std::mt19937 rng(
      static_cast<unsigned>(::getpid()) ^
      static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int attempt = 0; attempt < 200; ++attempt) {
    // Below Linux's ephemeral range (32768-60999): an outgoing connection cannot take a port
    // between the probe and the bind.
    int base = 20000 + static_cast<int>(rng() % 1200) * 10;
    bool ok = true;
    for (int p = base; p < base + ports && ok; ++p)
      ok = port_free(p);
    if (ok) return base;
  }
  throw std::runtime_error("no free port range found");
}

/// Polls `pred` every 200 ms until it holds or `limit` has passed; returns its last answer.
inline bool poll_until(std::chrono::seconds limit, const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return pred();
}

/// Starts `exe --config cfg` with stdout and stderr appended to `log`; returns the pid (-1 when
/// fork fails). `in_child` runs in the child before exec (e.g. to set an environment variable).
inline pid_t spawn_node(const char* exe, const std::string& cfg, const std::string& log,
                        const std::function<void()>& in_child = {}) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  if (in_child) in_child();
  ::execl(exe, exe, "--config", cfg.c_str(), static_cast<char*>(nullptr));
  ::_exit(127);
}

/// Sends `sig` and waits up to 20 s for the process to end (then kills it). Returns an empty
/// string on success, otherwise what went wrong: it did not stop, or a SIGTERM did not end in a
/// clean exit.
inline std::string stop_process(pid_t pid, int sig) {
  ::kill(pid, sig);
  int status = 0;
  bool gone =
      poll_until(std::chrono::seconds(20), [&] { return ::waitpid(pid, &status, WNOHANG) == pid; });
  if (!gone) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return "did not stop on signal " + std::to_string(sig);
  }
  if (sig == SIGTERM && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    return "exited with status " + std::to_string(status) + " after SIGTERM";
  return {};
}

} // namespace bystack::test
