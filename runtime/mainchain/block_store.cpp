#include "runtime/mainchain/block_store.hpp"

namespace bystack::mainchaind {

namespace {

const std::string blocks_col = "blocks";
const std::string meta_col = "meta";
const bytes genesis_key{'g', 'e', 'n', 'e', 's', 'i', 's'};
const bytes tip_key{'t', 'i', 'p'};

bytes hash_bytes(const crypto::hash256& h) {
  return bytes(h.data.begin(), h.data.end());
}

crypto::hash256 hash_of(byte_view b) {
  crypto::hash256 h;
  std::copy(b.begin(), b.begin() + 32, h.data.begin());
  return h;
}

} // namespace

result<std::unique_ptr<block_store>> block_store::open(const std::filesystem::path& dir,
                                                       const crypto::hash256& genesis_hash,
                                                       bool sync) {
  auto kv = store::open_rocksdb(dir, {blocks_col, meta_col});
  if (!kv) return kv.err();
  std::unique_ptr<block_store> s(new block_store(std::move(kv).value(), sync));
  if (auto r = s->init(genesis_hash); !r) return make_error(dir.string() + ": " + r.err().message);
  return s;
}

result<std::unique_ptr<block_store>> block_store::in_memory(const crypto::hash256& genesis_hash) {
  std::unique_ptr<block_store> s(
      new block_store(store::make_memory_store({blocks_col, meta_col}), false));
  if (auto r = s->init(genesis_hash); !r) return r.err();
  return s;
}

result<void> block_store::init(const crypto::hash256& genesis_hash) {
  auto g = kv_->get(meta_col, genesis_key);
  if (!g) return g.err();
  if (*g) {
    const auto& v = **g;
    if (v.size() != 32 || hash_of(v) != genesis_hash)
      return make_error("the data directory belongs to another network (genesis block " +
                        (v.size() == 32 ? hash_of(v).hex() : std::string("malformed")) +
                        ", this config's is " + genesis_hash.hex() + ")");
  } else {
    if (auto r = kv_->put(meta_col, genesis_key, hash_bytes(genesis_hash), {true}); !r) return r;
  }
  auto t = tip();
  if (!t) return t.err();
  std::uint64_t count = 0;
  auto r = kv_->scan(blocks_col, {}, [&](byte_view, byte_view) {
    ++count;
    return true;
  });
  if (!r) return r;
  next_ = count;
  return {};
}

result<std::vector<block_ptr>> block_store::load(const wire_limits& lim) const {
  std::vector<block_ptr> out;
  std::string err;
  auto r = kv_->scan(blocks_col, {}, [&](byte_view key, byte_view value) {
    auto b = decode_block(value, lim);
    if (!b) {
      err = "stored block " + std::to_string(key.size() == 8 ? store::read_be64(key) : 0) + ": " +
            b.err().message;
      return false;
    }
    out.push_back(std::move(b).value());
    return true;
  });
  if (!r) return r.err();
  if (!err.empty()) return make_error(err);
  return out;
}

result<std::optional<tip_record>> block_store::tip() const {
  auto v = kv_->get(meta_col, tip_key);
  if (!v) return v.err();
  if (!*v) return std::optional<tip_record>{};
  const auto& b = v->value();
  if (b.size() != 72)
    return make_error("stored tip record has " + std::to_string(b.size()) + " bytes, expected 72");
  tip_record t;
  t.tip = hash_of(byte_view(b).subspan(0, 32));
  t.height = store::read_be64(byte_view(b).subspan(32, 8));
  t.utxo_hash = hash_of(byte_view(b).subspan(40, 32));
  return std::optional<tip_record>{t};
}

result<void> block_store::append(const std::vector<block_ptr>& blocks, const tip_record& t) {
  store::write_batch batch;
  auto seq = next_;
  for (const auto& b : blocks)
    batch.put(blocks_col, store::be64(seq++), encode_block(*b));
  bytes rec = hash_bytes(t.tip);
  auto h = store::be64(t.height);
  rec.insert(rec.end(), h.begin(), h.end());
  auto u = hash_bytes(t.utxo_hash);
  rec.insert(rec.end(), u.begin(), u.end());
  batch.put(meta_col, tip_key, std::move(rec));
  if (auto r = kv_->write(batch, {sync_}); !r) return r;
  next_ = seq;
  return {};
}

} // namespace bystack::mainchaind
