#include "runtime/mainchain/wire.hpp"

#include "actors/mainchain/header_codec.hpp"
#include "runtime/ledger/tx.hpp"

namespace bystack::mainchaind {

namespace {

class writer {
public:
  void u8(std::uint8_t x) { out.push_back(x); }
  void u16(std::uint16_t x) { be(x, 2); }
  void u32(std::uint32_t x) { be(x, 4); }
  void u64(std::uint64_t x) { be(x, 8); }
  void hash(const crypto::hash256& h) { out.insert(out.end(), h.data.begin(), h.data.end()); }
  void raw(byte_view b) { out.insert(out.end(), b.begin(), b.end()); }
  bytes out;

private:
  void be(std::uint64_t x, int n) {
    for (int i = n - 1; i >= 0; --i)
      out.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  }
};

/// Reads big-endian fields; every read checks the bytes left and records the first shortfall.
class reader {
public:
  explicit reader(byte_view b) : b_(b) {}
  bool need(std::size_t n, const char* what) {
    if (!err_.empty()) return false;
    if (b_.size() - pos_ < n) {
      err_ = std::string("truncated ") + what;
      return false;
    }
    return true;
  }
  std::uint64_t be(int n, const char* what) {
    if (!need(static_cast<std::size_t>(n), what)) return 0;
    std::uint64_t x = 0;
    for (int i = 0; i < n; ++i)
      x = (x << 8) | b_[pos_++];
    return x;
  }
  crypto::hash256 hash(const char* what) {
    crypto::hash256 h;
    if (!need(32, what)) return h;
    std::copy(b_.begin() + static_cast<std::ptrdiff_t>(pos_),
              b_.begin() + static_cast<std::ptrdiff_t>(pos_ + 32), h.data.begin());
    pos_ += 32;
    return h;
  }
  byte_view take(std::size_t n, const char* what) {
    if (!need(n, what)) return {};
    auto v = b_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  std::size_t left() const { return b_.size() - pos_; }
  bool failed() const { return !err_.empty(); }
  void fail(std::string e) {
    if (err_.empty()) err_ = std::move(e);
  }
  const std::string& err() const { return err_; }

private:
  byte_view b_;
  std::size_t pos_ = 0;
  std::string err_;
};

/// A header travels in its canonical encoding (actors/mainchain/header_codec.hpp).
void put_header(writer& w, const header& h) {
  ledger::detail::writer canonical(w.out);
  mainchain::put(canonical, h);
}

header get_header(reader& r) {
  auto b = r.take(mainchain::header_bytes, "header");
  if (r.failed()) return {};
  ledger::detail::reader canonical(b);
  return mainchain::get_header(canonical); // exactly header_bytes: nothing can fall short
}

void put_block(writer& w, const mainchain::block& b) {
  put_header(w, b.hdr());
  w.u32(static_cast<std::uint32_t>(b.txs().size()));
  for (const auto& t : b.txs()) {
    auto e = ledger::encode(*t);
    w.u32(static_cast<std::uint32_t>(e.size()));
    w.raw(e);
  }
}

block_ptr get_block(reader& r, const wire_limits& lim) {
  auto h = get_header(r);
  auto n = r.be(4, "block tx count");
  if (r.failed()) return nullptr;
  if (n > lim.max_block_txs || n > r.left() / 4) {
    r.fail("block claims " + std::to_string(n) + " transactions");
    return nullptr;
  }
  std::vector<tx_ptr> txs;
  txs.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    auto len = r.be(4, "tx length");
    auto raw = r.take(len, "tx");
    if (r.failed()) return nullptr;
    auto t = ledger::decode_tx(raw);
    if (!t) {
      r.fail("block tx " + std::to_string(i) + ": " + t.err().message);
      return nullptr;
    }
    txs.push_back(std::make_shared<const ledger::tx>(std::move(t).value()));
  }
  return std::make_shared<const mainchain::block>(h, std::move(txs));
}

std::uint64_t get_count(reader& r, const wire_limits& lim, std::size_t min_item_bytes,
                        const char* what) {
  auto n = r.be(4, what);
  if (r.failed()) return 0;
  if (n > lim.max_items || n > r.left() / min_item_bytes) {
    r.fail(std::string(what) + " " + std::to_string(n) + " exceeds the limit or the message");
    return 0;
  }
  return n;
}

} // namespace

const char* msg_type_name(msg_type t) {
  switch (t) {
  case msg_type::hello:
    return "hello";
  case msg_type::headers:
    return "headers";
  case msg_type::get_headers:
    return "get_headers";
  case msg_type::get_blocks:
    return "get_blocks";
  case msg_type::blocks:
    return "blocks";
  case msg_type::tx:
    return "tx";
  }
  return "unknown";
}

bytes encode_header(const header& h) {
  writer w;
  put_header(w, h);
  return std::move(w.out);
}

result<header> decode_header(byte_view b) {
  reader r(b);
  auto h = get_header(r);
  if (r.failed()) return make_error(r.err());
  if (r.left() != 0) return make_error("trailing bytes after a header");
  return h;
}

bytes encode_block(const mainchain::block& b) {
  writer w;
  put_block(w, b);
  return std::move(w.out);
}

result<block_ptr> decode_block(byte_view b, const wire_limits& lim) {
  reader r(b);
  auto blk = get_block(r, lim);
  if (r.failed()) return make_error(r.err());
  if (r.left() != 0) return make_error("trailing bytes after a block");
  return blk;
}

bytes encode_message(const message& m) {
  writer w;
  w.u8(static_cast<std::uint8_t>(m.type));
  switch (m.type) {
  case msg_type::hello:
    w.u16(static_cast<std::uint16_t>(m.name.size()));
    w.raw(as_bytes(m.name));
    w.u64(m.network);
    break;
  case msg_type::headers:
    w.u32(static_cast<std::uint32_t>(m.headers.size()));
    for (const auto& h : m.headers)
      put_header(w, h);
    break;
  case msg_type::get_headers:
  case msg_type::get_blocks:
    w.u32(static_cast<std::uint32_t>(m.hashes.size()));
    for (const auto& h : m.hashes)
      w.hash(h);
    break;
  case msg_type::blocks:
    w.u32(static_cast<std::uint32_t>(m.blocks.size()));
    for (const auto& b : m.blocks)
      put_block(w, *b);
    break;
  case msg_type::tx: {
    auto e = ledger::encode(*m.tx);
    w.u32(static_cast<std::uint32_t>(e.size()));
    w.raw(e);
    break;
  }
  }
  return std::move(w.out);
}

result<message> decode_message(byte_view b, const wire_limits& lim) {
  if (b.size() > lim.max_message_bytes)
    return make_error("message of " + std::to_string(b.size()) + " bytes exceeds the limit");
  reader r(b);
  message m;
  auto type = r.be(1, "message type");
  if (r.failed()) return make_error(r.err());
  if (type < 1 || type > 6) return make_error("unknown message type " + std::to_string(type));
  m.type = static_cast<msg_type>(type);
  switch (m.type) {
  case msg_type::hello: {
    auto len = r.be(2, "hello name length");
    auto name = r.take(len, "hello name");
    m.name.assign(name.begin(), name.end());
    m.network = r.be(8, "hello network");
    break;
  }
  case msg_type::headers: {
    auto n = get_count(r, lim, mainchain::header_bytes, "header count");
    for (std::uint64_t i = 0; i < n && !r.failed(); ++i)
      m.headers.push_back(get_header(r));
    break;
  }
  case msg_type::get_headers:
  case msg_type::get_blocks: {
    auto n = get_count(r, lim, 32, "hash count");
    for (std::uint64_t i = 0; i < n && !r.failed(); ++i)
      m.hashes.push_back(r.hash("hash"));
    break;
  }
  case msg_type::blocks: {
    auto n = get_count(r, lim, mainchain::header_bytes + 4, "block count");
    for (std::uint64_t i = 0; i < n && !r.failed(); ++i)
      if (auto blk = get_block(r, lim)) m.blocks.push_back(std::move(blk));
    break;
  }
  case msg_type::tx: {
    auto len = r.be(4, "tx length");
    auto raw = r.take(len, "tx");
    if (r.failed()) break;
    auto t = ledger::decode_tx(raw);
    if (!t) return make_error("tx: " + t.err().message);
    m.tx = std::make_shared<const ledger::tx>(std::move(t).value());
    break;
  }
  }
  if (r.failed()) return make_error(std::string(msg_type_name(m.type)) + ": " + r.err());
  if (r.left() != 0) return make_error(std::string(msg_type_name(m.type)) + ": trailing bytes");
  return m;
}

} // namespace bystack::mainchaind
