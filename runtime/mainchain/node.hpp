#pragma once
/// A real mainchain node: the pure core of actors/mainchain on one event-loop thread, a TCP peer
/// transport, a RocksDB block store, and a miner thread that runs real Tensority through
/// actors/miner's mine_header. Everything that touches the core runs on the loop thread; other
/// threads (transport, miner, HTTP API) post tasks to it.

#include "actors/mainchain/mainchain_core.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/mainchain/block_store.hpp"
#include "runtime/mainchain/config.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>

namespace bystack::mainchaind {

/// Counters kept outside the core (transport and miner), safe from any thread.
struct runtime_counters {
  std::atomic<std::uint64_t> hashes{0};
  std::atomic<std::uint64_t> mining_us{0};    ///< wall time the miner spent hashing
  std::atomic<std::uint64_t> miner_cpu_us{0}; ///< CPU time of the miner thread
  std::atomic<std::uint64_t> blocks_mined{0};
  std::atomic<std::uint64_t> peers_connected{0};
  std::atomic<std::uint64_t> blocks_replayed{0};
  std::atomic<std::uint64_t> seed_builds{0};
  std::mutex mu;
  std::map<std::string, std::uint64_t> messages_in, messages_out, dropped;
  void count(std::map<std::string, std::uint64_t>& m, const std::string& k, std::uint64_t n = 1) {
    std::lock_guard lock(mu);
    m[k] += n;
  }
};

/// A pow_checker that can be told to trust headers: only while the node replays blocks from its
/// own store, whose proof of work it checked before writing them.
class replay_pow final : public mainchain::pow_checker {
public:
  bool check(const mainchain::header& h) override { return trusting_ || real_.check(h); }
  void trust(bool on) { trusting_ = on; }

private:
  mainchain::tensority_pow real_;
  bool trusting_ = false;
};

/// What a block lookup returns.
struct block_info {
  mainchain::block_ptr blk;
  std::uint64_t height = 0;
  std::uint64_t confirmations = 0;
};

class node {
public:
  node(node_config cfg);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Opens the store, replays it, binds the peer port and starts every thread.
  result<void> start();
  /// Stops every thread (idempotent).
  void stop();

  /// Runs f(core) on the loop thread and returns its result, or an error after `timeout`.
  template <class F>
  auto call(F f, std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000))
      -> result<decltype(f(std::declval<mainchain::mainchain_core&>()))> {
    using R = decltype(f(std::declval<mainchain::mainchain_core&>()));
    auto p = std::make_shared<std::promise<R>>();
    auto fut = p->get_future();
    post([this, p, f = std::move(f)]() mutable {
      p->set_value(f(*core_));
      flush();
    });
    if (fut.wait_for(timeout) != std::future_status::ready)
      return make_error("the node did not answer in time");
    return fut.get();
  }

  const node_config& config() const noexcept { return cfg_; }
  runtime_counters& counters() noexcept { return counters_; }
  const mainchain::header& genesis_header() const noexcept { return genesis_; }
  std::int64_t now_ms() const;

  // -- loop-thread helpers for the API (call them inside call()) -------------------------------

  /// Returns the best-chain block holding a transaction, or nothing.
  std::optional<block_info> find_tx(const crypto::hash256& id) const;
  /// Returns the best-chain block with this hash, or nothing.
  std::optional<block_info> find_block(const crypto::hash256& h) const;
  /// Handles a block from the API's mining submit; returns the rejection reason, if any.
  std::optional<std::string> submit_block(const mainchain::block_ptr& b);
  /// Builds a mining template paying `payout` for an external miner.
  std::optional<mainchain::template_ready> external_template(const ledger::control_program& payout);
  /// Renders the Prometheus metrics (runs the core part on the loop).
  std::string render_metrics();

private:
  struct peer_link;

  void post(std::function<void()> task);
  void loop();
  /// Dispatches the core's effects and persists tip changes.
  void flush();
  void send(mainchain::peer_id to, const message& m);
  void on_message(mainchain::peer_id from, message m);
  void on_peer_up(mainchain::peer_id p);
  void announce_tip();
  void sync_chain(bool write);
  void listen_loop();
  void reader_loop(int fd);
  void link_loop(peer_link& l);
  void miner_loop();
  void give_template(const mainchain::template_ready& t);
  result<void> restore();

  node_config cfg_;
  replay_pow pow_;
  std::unique_ptr<mainchain::mainchain_core> core_;
  mainchain::header genesis_;
  crypto::hash256 genesis_hash_;
  std::unique_ptr<block_store> store_;
  wire_limits limits_;
  runtime_counters counters_;

  // loop
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::optional<std::chrono::steady_clock::time_point> timer_;
  std::chrono::steady_clock::time_point next_beacon_;
  std::thread loop_thread_;
  std::atomic<bool> stopping_{false};

  // best chain as persisted (loop thread only)
  std::vector<mainchain::block_ptr> chain_; ///< by height; [0] is null (genesis)
  std::unordered_map<crypto::hash256, std::uint64_t> height_of_;
  std::unordered_map<crypto::hash256, std::uint64_t> tx_height_;
  std::set<crypto::hash256> stored_;
  std::optional<mainchain::template_ready> api_template_;
  std::vector<std::string> submit_rejections_;

  // transport
  int listen_fd_ = -1;
  std::thread listen_thread_;
  std::mutex fds_mu_;
  std::set<int> inbound_fds_;
  std::vector<std::thread> reader_threads_;
  std::vector<std::unique_ptr<peer_link>> links_;

  // miner
  std::thread miner_thread_;
  std::mutex miner_mu_;
  std::condition_variable miner_cv_;
  std::optional<mainchain::template_ready> miner_template_;
  std::uint64_t miner_generation_ = 0;
};

/// The miner id the node's own mining thread uses with the core.
inline constexpr std::uint32_t local_miner_id = 1;
/// The miner id of templates handed out by the API.
inline constexpr std::uint32_t api_miner_id = 2;

} // namespace bystack::mainchaind
