#include "runtime/mainchain/node.hpp"

#include "actors/miner/miner_core.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <iostream>
#include <random>
#include <sstream>

namespace bystack::mainchaind {

using namespace std::chrono_literals;
using mainchain::peer_id;

namespace {

/// Announces the tip to every peer this often, so that a lost announcement or a restarted peer
/// costs at most one period of delay.
constexpr auto beacon_period = 2s;
/// Bounds the bytes queued towards one peer; beyond it messages are dropped (and counted).
constexpr std::size_t link_queue_max_bytes = 64u << 20;

void log_line(const node_config& cfg, const std::string& what) {
  std::ostringstream s;
  s << "[" << cfg.name << "] " << what << '\n';
  std::cerr << s.str();
}

bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    auto w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_exact(int fd, std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    auto r = ::recv(fd, p, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bytes frame(const message& m) {
  auto body = encode_message(m);
  auto n = static_cast<std::uint32_t>(body.size());
  bytes out(body.size() + 4);
  for (std::size_t i = 0; i < 4; ++i)
    out[i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
  std::copy(body.begin(), body.end(), out.begin() + 4);
  return out;
}

/// Reads one frame; an error names what was wrong (closed, oversized, malformed).
result<message> read_frame(int fd, const wire_limits& lim) {
  std::uint8_t len[4];
  if (!read_exact(fd, len, 4)) return make_error("closed");
  std::uint32_t n = (std::uint32_t{len[0]} << 24) | (std::uint32_t{len[1]} << 16) |
                    (std::uint32_t{len[2]} << 8) | std::uint32_t{len[3]};
  if (n == 0 || n > lim.max_message_bytes) return make_error("oversized");
  bytes body(n);
  if (!read_exact(fd, body.data(), n)) return make_error("closed");
  return decode_message(body, lim);
}

int dial(const endpoint& e) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(e.address.c_str(), std::to_string(e.port).c_str(), &hints, &res) != 0)
    return -1;
  int fd = -1;
  for (auto* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

/// Returns the CPU time of the calling thread in microseconds.
std::uint64_t thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

mainchain::node_config core_config(const node_config& c, mainchain::pow_checker& pow) {
  mainchain::node_config k;
  k.consensus = c.consensus;
  k.genesis = c.genesis;
  k.genesis_time_ms = c.genesis_time_ms;
  for (std::size_t i = 0; i < c.peers.size(); ++i)
    k.peers.push_back(static_cast<peer_id>(i));
  k.pow = &pow;
  k.scheme = &crypto::ed25519_scheme();
  k.pool.max_txs = c.max_pool_txs;
  return k;
}

} // namespace

struct node::peer_link {
  peer_id id = 0;
  peer_config cfg;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<const bytes>> queue;
  std::size_t queued_bytes = 0;
  bool up = false;
  std::thread thread;
};

node::node(node_config cfg) : cfg_(std::move(cfg)) {
  limits_.max_message_bytes = cfg_.max_message_bytes;
  core_ = std::make_unique<mainchain::mainchain_core>(core_config(cfg_, pow_));
  genesis_ = core_->genesis_header();
  genesis_hash_ = core_->hash_at(0);
}

node::~node() {
  stop();
}

std::int64_t node::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// -- start, restore, stop ------------------------------------------------------------------------

result<void> node::start() {
  auto s = block_store::open(cfg_.data_dir, genesis_hash_, cfg_.sync_writes);
  if (!s) return s.err();
  store_ = std::move(s).value();
  if (auto r = restore(); !r) return r;

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) return make_error("cannot create the peer socket");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(cfg_.listen.port);
  if (::inet_pton(AF_INET, cfg_.listen.address.c_str(), &a.sin_addr) != 1)
    return make_error("node.listen.address: expected an IPv4 address, got '" + cfg_.listen.address +
                      "'");
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 64) != 0)
    return make_error("cannot listen for peers on " + cfg_.listen.address + ":" +
                      std::to_string(cfg_.listen.port) + ": " + std::strerror(errno));

  next_beacon_ = std::chrono::steady_clock::now() + beacon_period;
  loop_thread_ = std::thread([this] { loop(); });
  listen_thread_ = std::thread([this] { listen_loop(); });
  for (std::size_t i = 0; i < cfg_.peers.size(); ++i) {
    auto l = std::make_unique<peer_link>();
    l->id = static_cast<peer_id>(i);
    l->cfg = cfg_.peers[i];
    links_.push_back(std::move(l));
  }
  for (auto& l : links_)
    l->thread = std::thread([this, p = l.get()] { link_loop(*p); });
  if (cfg_.mining.enabled) {
    miner_thread_ = std::thread([this] { miner_loop(); });
    post([this] {
      core_->on_template_request(local_miner_id, cfg_.mining.payout, now_ms());
      flush();
    });
  }
  log_line(cfg_, "started at height " + std::to_string(chain_.size() - 1) + ", tip " +
                     core_->tip_hash().hex().substr(0, 16) + ", peers " +
                     std::to_string(cfg_.peers.size()) + (cfg_.mining.enabled ? ", mining" : ""));
  return {};
}

result<void> node::restore() {
  auto stored_tip = store_->tip();
  if (!stored_tip) return stored_tip.err();
  auto blocks = store_->load(limits_);
  if (!blocks) return blocks.err();
  pow_.trust(true);
  auto now = now_ms();
  for (const auto& b : *blocks) {
    core_->on_block(mainchain::self_peer, b, now);
    stored_.insert(b->hash());
    (void)core_->take_effects();
  }
  pow_.trust(false);
  counters_.blocks_replayed = blocks->size();
  sync_chain(false);
  if (*stored_tip) {
    const auto& t = **stored_tip;
    if (t.tip != core_->tip_hash() || t.height != core_->height() ||
        t.utxo_hash != core_->state().hash())
      return make_error(cfg_.data_dir.string() + ": replaying " + std::to_string(blocks->size()) +
                        " stored blocks reached height " + std::to_string(core_->height()) +
                        " tip " + core_->tip_hash().hex() + ", but the store recorded height " +
                        std::to_string(t.height) + " tip " + t.tip.hex() +
                        " (a damaged data directory)");
  }
  return {};
}

void node::stop() {
  if (stopping_.exchange(true)) return;
  cv_.notify_all();
  miner_cv_.notify_all();
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  {
    std::lock_guard lock(fds_mu_);
    for (int fd : inbound_fds_)
      ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& l : links_)
    l->cv.notify_all();
  if (listen_thread_.joinable()) listen_thread_.join();
  for (auto& l : links_)
    if (l->thread.joinable()) l->thread.join();
  {
    std::lock_guard lock(fds_mu_);
    for (int fd : inbound_fds_)
      ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : reader_threads_)
    if (t.joinable()) t.join();
  if (miner_thread_.joinable()) miner_thread_.join();
  if (loop_thread_.joinable()) loop_thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

// -- the loop
// --------------------------------------------------------------------------------------

void node::post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void node::loop() {
  while (true) {
    std::deque<std::function<void()>> batch;
    bool timer_due = false, beacon_due = false;
    {
      std::unique_lock lock(mu_);
      auto until = next_beacon_;
      if (timer_ && *timer_ < until) until = *timer_;
      cv_.wait_until(lock, until, [&] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      batch.swap(tasks_);
      auto now = std::chrono::steady_clock::now();
      if (timer_ && *timer_ <= now) {
        timer_.reset();
        timer_due = true;
      }
      if (next_beacon_ <= now) {
        next_beacon_ = now + beacon_period;
        beacon_due = true;
      }
    }
    for (auto& t : batch)
      t();
    if (timer_due) {
      core_->on_timer(now_ms());
      flush();
    }
    if (beacon_due) announce_tip();
  }
}

void node::announce_tip() {
  if (core_->height() == 0) return;
  message m;
  m.type = msg_type::headers;
  m.headers.push_back(core_->tip_header());
  for (std::size_t i = 0; i < links_.size(); ++i)
    send(static_cast<peer_id>(i), m);
}

void node::flush() {
  bool moved = false;
  for (auto& e : core_->take_effects()) {
    std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, mainchain::send_headers>) {
            message m;
            m.type = msg_type::headers;
            m.headers = std::move(x.headers);
            send(x.to, m);
          } else if constexpr (std::is_same_v<T, mainchain::request_headers>) {
            message m;
            m.type = msg_type::get_headers;
            m.hashes = std::move(x.locator);
            send(x.to, m);
          } else if constexpr (std::is_same_v<T, mainchain::request_blocks>) {
            message m;
            m.type = msg_type::get_blocks;
            m.hashes = std::move(x.hashes);
            send(x.to, m);
          } else if constexpr (std::is_same_v<T, mainchain::send_blocks>) {
            message m;
            m.type = msg_type::blocks;
            m.blocks = std::move(x.blocks);
            send(x.to, m);
          } else if constexpr (std::is_same_v<T, mainchain::send_tx>) {
            message m;
            m.type = msg_type::tx;
            m.tx = x.tx;
            send(x.to, m);
          } else if constexpr (std::is_same_v<T, mainchain::template_ready>) {
            if (x.miner == local_miner_id) give_template(x);
            if (x.miner == api_miner_id) api_template_ = std::move(x);
          } else if constexpr (std::is_same_v<T, mainchain::tip_changed>) {
            moved = true;
            if (x.disconnected > 0)
              log_line(cfg_, "reorganisation: " + std::to_string(x.disconnected) +
                                 " blocks undone, tip " + x.tip.hex().substr(0, 16) +
                                 " at height " + std::to_string(x.height));
          } else if constexpr (std::is_same_v<T, mainchain::set_timer>) {
            std::lock_guard lock(mu_);
            timer_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(x.delay_ms);
          } else if constexpr (std::is_same_v<T, mainchain::rejected>) {
            if (x.from == mainchain::self_peer) submit_rejections_.push_back(x.reason);
          }
        },
        e);
  }
  if (moved) sync_chain(true);
}

void node::sync_chain(bool write) {
  auto top = core_->height();
  std::uint64_t fork = 0;
  if (!chain_.empty()) {
    fork = std::min<std::uint64_t>(chain_.size() - 1, top);
    while (fork > 0 && chain_[fork]->hash() != core_->hash_at(fork))
      --fork;
    while (chain_.size() - 1 > fork) {
      const auto& b = chain_.back();
      for (const auto& t : b->txs())
        tx_height_.erase(t->id());
      height_of_.erase(b->hash());
      chain_.pop_back();
    }
  } else {
    chain_.push_back(core_->block_at(0));
    height_of_[chain_[0]->hash()] = 0;
  }
  std::vector<mainchain::block_ptr> fresh;
  for (auto h = fork + 1; h <= top; ++h) {
    auto b = core_->block_at(h);
    chain_.push_back(b);
    height_of_[b->hash()] = h;
    for (const auto& t : b->txs())
      tx_height_[t->id()] = h;
    if (stored_.insert(b->hash()).second) fresh.push_back(b);
  }
  if (!write) return;
  auto r = store_->append(fresh, tip_record{core_->tip_hash(), top, core_->state().hash()});
  if (!r) {
    log_line(cfg_, "FATAL: cannot write the block store: " + r.err().message);
    std::_Exit(3);
  }
}

// -- peers
// -----------------------------------------------------------------------------------------

void node::send(peer_id to, const message& m) {
  if (to >= links_.size()) return;
  auto& l = *links_[to];
  auto f = std::make_shared<const bytes>(frame(m));
  const char* type = msg_type_name(m.type);
  {
    std::lock_guard lock(l.mu);
    if (!l.up || l.queued_bytes + f->size() > link_queue_max_bytes) {
      counters_.count(counters_.dropped, l.up ? "queue_full" : "peer_down");
      return;
    }
    l.queued_bytes += f->size();
    l.queue.push_back(f);
  }
  counters_.count(counters_.messages_out, type);
  l.cv.notify_one();
}

void node::on_peer_up(peer_id p) {
  // Tell the peer where this node is; if it lacks the tip's parent it asks for headers.
  if (core_->height() == 0) return;
  message m;
  m.type = msg_type::headers;
  m.headers.push_back(core_->tip_header());
  send(p, m);
}

void node::on_message(peer_id from, message m) {
  auto now = now_ms();
  switch (m.type) {
  case msg_type::hello:
    break;
  case msg_type::headers:
    core_->on_headers(from, m.headers, now);
    break;
  case msg_type::get_headers:
    core_->on_request_headers(from, m.hashes);
    break;
  case msg_type::get_blocks:
    core_->on_request_blocks(from, m.hashes);
    break;
  case msg_type::blocks:
    for (const auto& b : m.blocks)
      core_->on_block(from, b, now);
    break;
  case msg_type::tx:
    core_->on_tx(from, m.tx, now);
    break;
  }
  flush();
}

void node::listen_loop() {
  while (!stopping_) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      if (stopping_) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      std::this_thread::sleep_for(50ms);
      continue;
    }
    std::lock_guard lock(fds_mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    inbound_fds_.insert(fd);
    reader_threads_.emplace_back([this, fd] { reader_loop(fd); });
  }
}

void node::reader_loop(int fd) {
  auto close_fd = [&] {
    std::lock_guard lock(fds_mu_);
    inbound_fds_.erase(fd);
    ::close(fd);
  };
  auto hello = read_frame(fd, limits_);
  if (!hello || hello->type != msg_type::hello) {
    counters_.count(counters_.dropped, hello ? "no_hello" : "malformed");
    return close_fd();
  }
  if (hello->network != genesis_hash_.prefix64()) {
    counters_.count(counters_.dropped, "other_network");
    log_line(cfg_, "refused peer '" + hello->name + "': another genesis block");
    return close_fd();
  }
  std::optional<peer_id> from;
  for (std::size_t i = 0; i < cfg_.peers.size(); ++i)
    if (cfg_.peers[i].name == hello->name) from = static_cast<peer_id>(i);
  if (!from) {
    counters_.count(counters_.dropped, "unknown_peer");
    log_line(cfg_, "refused peer '" + hello->name + "': not in this node's peers list");
    return close_fd();
  }
  // The peer (re)connected: tell it our tip over our own link to it.
  post([this, p = *from] { on_peer_up(p); });
  while (!stopping_) {
    auto m = read_frame(fd, limits_);
    if (!m) {
      if (m.err().message != "closed") {
        counters_.count(counters_.dropped, "malformed");
        log_line(cfg_, "dropped peer '" + hello->name + "': " + m.err().message);
      }
      break;
    }
    counters_.count(counters_.messages_in, msg_type_name(m->type));
    post(
        [this, p = *from, msg = std::move(m).value()]() mutable { on_message(p, std::move(msg)); });
  }
  close_fd();
}

void node::link_loop(peer_link& l) {
  message hello;
  hello.type = msg_type::hello;
  hello.name = cfg_.name;
  hello.network = genesis_hash_.prefix64();
  auto hello_frame = frame(hello);
  while (!stopping_) {
    int fd = dial(l.cfg.addr);
    if (fd < 0 || !write_all(fd, hello_frame.data(), hello_frame.size())) {
      if (fd >= 0) ::close(fd);
      std::unique_lock lock(l.mu);
      l.cv.wait_for(lock, std::chrono::milliseconds(cfg_.reconnect_ms),
                    [&] { return stopping_.load(); });
      continue;
    }
    {
      std::lock_guard lock(l.mu);
      l.up = true;
    }
    ++counters_.peers_connected;
    log_line(cfg_, "connected to " + l.cfg.name);
    post([this, p = l.id] { on_peer_up(p); });
    bool broken = false;
    while (!stopping_ && !broken) {
      std::shared_ptr<const bytes> f;
      {
        std::unique_lock lock(l.mu);
        l.cv.wait_for(lock, 200ms, [&] { return stopping_ || !l.queue.empty(); });
        if (!l.queue.empty()) {
          f = l.queue.front();
          l.queue.pop_front();
          l.queued_bytes -= f->size();
        }
      }
      if (f) {
        broken = !write_all(fd, f->data(), f->size());
        continue;
      }
      // Idle: the peer never writes on this connection, so readable means closed.
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 0) > 0) broken = true;
    }
    ::close(fd);
    {
      std::lock_guard lock(l.mu);
      l.up = false;
      l.queue.clear();
      l.queued_bytes = 0;
    }
    --counters_.peers_connected;
    if (!stopping_) log_line(cfg_, "lost " + l.cfg.name);
  }
}

// -- mining
// ----------------------------------------------------------------------------------------

void node::give_template(const mainchain::template_ready& t) {
  {
    std::lock_guard lock(miner_mu_);
    miner_template_ = t;
    ++miner_generation_;
  }
  miner_cv_.notify_all();
}

void node::miner_loop() {
  pow::seed_cache caches;
  std::random_device rd;
  std::mt19937_64 rng((std::uint64_t{rd()} << 32) ^ rd());
  std::uint64_t done = 0; // the generation a block was found for
  while (!stopping_) {
    mainchain::template_ready t;
    std::uint64_t gen = 0;
    {
      std::unique_lock lock(miner_mu_);
      bool fresh = miner_cv_.wait_for(
          lock, 5s, [&] { return stopping_ || (miner_template_ && miner_generation_ != done); });
      if (stopping_) return;
      if (!fresh) {
        // Found a block and no new template came: the block was refused; ask again.
        lock.unlock();
        post([this] {
          core_->on_template_request(local_miner_id, cfg_.mining.payout, now_ms());
          flush();
        });
        continue;
      }
      t = *miner_template_;
      gen = miner_generation_;
    }
    auto builds = caches.builds();
    auto cache = caches.get(t.hdr.seed);
    counters_.seed_builds += caches.builds() - builds;
    mainchain::header h = t.hdr;
    h.nonce = rng();
    while (!stopping_) {
      {
        std::lock_guard lock(miner_mu_);
        if (miner_generation_ != gen) break;
      }
      h.timestamp_ms =
          std::max<std::uint64_t>(t.hdr.timestamp_ms, static_cast<std::uint64_t>(now_ms()));
      auto wall0 = std::chrono::steady_clock::now();
      auto cpu0 = thread_cpu_us();
      auto found = miner::mine_header(h, *cache, cfg_.mining.batch_hashes);
      counters_.hashes += found ? found->nonce - h.nonce + 1 : cfg_.mining.batch_hashes;
      counters_.miner_cpu_us += thread_cpu_us() - cpu0;
      counters_.mining_us +=
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::steady_clock::now() - wall0)
                                         .count());
      if (found) {
        auto b = std::make_shared<const mainchain::block>(*found, t.txs);
        ++counters_.blocks_mined;
        post([this, b] {
          core_->on_block_mined(b, now_ms());
          flush();
        });
        done = gen;
        break;
      }
      h.nonce += cfg_.mining.batch_hashes;
    }
  }
}

// -- API helpers (loop thread) -------------------------------------------------------------------

std::optional<block_info> node::find_tx(const crypto::hash256& id) const {
  auto it = tx_height_.find(id);
  if (it == tx_height_.end()) return std::nullopt;
  return block_info{chain_[it->second], it->second, chain_.size() - it->second};
}

std::optional<block_info> node::find_block(const crypto::hash256& h) const {
  auto it = height_of_.find(h);
  if (it == height_of_.end()) return std::nullopt;
  return block_info{chain_[it->second], it->second, chain_.size() - it->second};
}

std::optional<std::string> node::submit_block(const mainchain::block_ptr& b) {
  if (b->hdr().tx_root != mainchain::tx_root(b->txs())) return std::string("bad-tx-root");
  submit_rejections_.clear();
  auto before = core_->stats().rejected_total();
  core_->on_block_mined(b, now_ms());
  flush();
  if (!submit_rejections_.empty()) return submit_rejections_.front();
  if (core_->stats().rejected_total() != before) return std::string("rejected");
  // Transactions are checked when the block is connected: a block that is known but not on the
  // best chain either lost to more work or was refused (counted above).
  return std::nullopt;
}

std::optional<mainchain::template_ready>
node::external_template(const ledger::control_program& payout) {
  api_template_.reset();
  core_->on_template_request(api_miner_id, payout, now_ms());
  flush();
  return api_template_;
}

std::string node::render_metrics() {
  struct snap {
    mainchain::node_stats stats;
    std::uint64_t height = 0, orphans = 0, pool = 0, utxos = 0, index = 0;
    std::uint64_t bits = 0;
  };
  auto s = call([](mainchain::mainchain_core& c) {
    return snap{c.stats(),        c.height(),     c.orphan_count(),   c.pool().size(),
                c.state().size(), c.index_size(), c.tip_header().bits};
  });
  std::ostringstream o;
  auto metric = [&](const char* name, const char* type, const char* help, auto value) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
      << name << ' ' << value << '\n';
  };
  if (s) {
    const auto& st = s->stats;
    metric("bystack_mainchain_height", "gauge", "Height of the best chain.", s->height);
    metric("bystack_mainchain_blocks_received_total", "counter",
           "Blocks received from peers (and replayed from the store).", st.blocks_received);
    metric("bystack_mainchain_blocks_connected_total", "counter",
           "Blocks connected to the best chain.", st.blocks_connected);
    metric("bystack_mainchain_blocks_disconnected_total", "counter",
           "Blocks undone by reorganisations.", st.blocks_disconnected);
    metric("bystack_mainchain_reorgs_total", "counter",
           "Tip changes that undid at least one block.", st.reorgs);
    metric("bystack_mainchain_reorg_depth_max", "gauge", "Deepest reorganisation seen.",
           st.max_reorg_depth);
    metric("bystack_mainchain_orphans", "gauge", "Blocks waiting for their parent.", s->orphans);
    metric("bystack_mainchain_orphans_added_total", "counter",
           "Blocks that arrived before their parent.", st.orphans_added);
    metric("bystack_mainchain_orphans_evicted_total", "counter",
           "Orphans dropped from the full pool.", st.orphans_evicted);
    metric("bystack_mainchain_duplicates_total", "counter", "Blocks received twice.",
           st.duplicates);
    metric("bystack_mainchain_pool_txs", "gauge", "Transactions in the pool.", s->pool);
    metric("bystack_mainchain_utxos", "gauge", "Unspent outputs.", s->utxos);
    metric("bystack_mainchain_index_blocks", "gauge", "Headers in the block index.", s->index);
    metric("bystack_mainchain_difficulty_bits", "gauge", "Compact bits of the tip.", s->bits);
    o << "# HELP bystack_mainchain_rejected_total Refused blocks, headers and transactions.\n"
         "# TYPE bystack_mainchain_rejected_total counter\n";
    for (const auto& [reason, n] : st.rejected)
      o << "bystack_mainchain_rejected_total{reason=\"" << reason << "\"} " << n << '\n';
  }
  auto hashes = counters_.hashes.load();
  auto us = counters_.mining_us.load();
  auto cpu = counters_.miner_cpu_us.load();
  metric("bystack_mainchain_hashes_total", "counter", "Tensority hashes computed by the miner.",
         hashes);
  metric("bystack_mainchain_hash_rate", "gauge",
         "Miner hashes per wall-clock second, averaged over its time hashing.",
         us > 0 ? static_cast<double>(hashes) * 1e6 / static_cast<double>(us) : 0.0);
  metric("bystack_mainchain_miner_cpu_seconds_total", "counter",
         "CPU time of the miner thread (hashes_total over it: hashes per second per core).",
         static_cast<double>(cpu) / 1e6);
  metric("bystack_mainchain_blocks_mined_total", "counter", "Blocks this node's miner found.",
         counters_.blocks_mined.load());
  metric("bystack_mainchain_blocks_replayed", "gauge", "Blocks replayed from the store at start.",
         counters_.blocks_replayed.load());
  metric("bystack_mainchain_peers_connected", "gauge", "Peers this node's links reach.",
         counters_.peers_connected.load());
  {
    std::lock_guard lock(counters_.mu);
    auto labelled = [&](const char* name, const char* help, const char* label,
                        const std::map<std::string, std::uint64_t>& m) {
      o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n";
      for (const auto& [k, v] : m)
        o << name << '{' << label << "=\"" << k << "\"} " << v << '\n';
    };
    labelled("bystack_mainchain_messages_in_total", "Peer messages received.", "type",
             counters_.messages_in);
    labelled("bystack_mainchain_messages_out_total", "Peer messages queued.", "type",
             counters_.messages_out);
    labelled("bystack_mainchain_dropped_total", "Peer messages or connections dropped.", "reason",
             counters_.dropped);
  }
  return o.str();
}

} // namespace bystack::mainchaind
