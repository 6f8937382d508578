#include "runtime/node/chain_store.hpp"

#include "runtime/codec/codec.hpp"

namespace bystack::node {

namespace {
const std::string blocks_col = "blocks";
const std::string meta_col = "meta";
const bytes head_key = {'h', 'e', 'a', 'd'};
} // namespace

result<std::unique_ptr<chain_store>> chain_store::open(const std::filesystem::path& dir,
                                                       bool sync_writes) {
  auto kv = store::open_rocksdb(dir, {blocks_col, meta_col});
  if (!kv) return kv.err();
  return std::make_unique<chain_store>(std::move(*kv), sync_writes);
}

std::unique_ptr<chain_store> chain_store::in_memory() {
  return std::make_unique<chain_store>(store::make_memory_store({blocks_col, meta_col}), false);
}

result<void> chain_store::append(const proto::committed_block& b) {
  if (!b.block) return make_error("chain store: committed block without a block");
  auto h = b.block->header.height;
  if (!head_) {
    auto cur = head();
    if (!cur) return cur.err();
    head_ = *cur;
  }
  if (h != *head_ + 1)
    return make_error("chain store: block at height " + std::to_string(h) +
                      " does not follow the head " + std::to_string(*head_));
  store::write_batch batch;
  batch.put(blocks_col, store::be64(h), codec::encode_committed(b));
  batch.put(meta_col, head_key, store::be64(h));
  if (auto w = kv_->write(batch, {.sync = sync_}); !w) return w.err();
  head_ = h;
  return {};
}

result<std::uint64_t> chain_store::head() const {
  auto v = kv_->get(meta_col, head_key);
  if (!v) return v.err();
  if (!*v) return std::uint64_t{0};
  if ((*v)->size() != 8) return make_error("chain store: head record is not 8 bytes");
  return store::read_be64(**v);
}

result<std::optional<bytes>> chain_store::raw_at(std::uint64_t height) const {
  return kv_->get(blocks_col, store::be64(height));
}

result<std::vector<proto::committed_block>> chain_store::load_all() const {
  auto h = head();
  if (!h) return h.err();
  std::vector<proto::committed_block> chain;
  chain.reserve(*h);
  for (std::uint64_t i = 1; i <= *h; ++i) {
    auto raw = raw_at(i);
    if (!raw) return raw.err();
    if (!*raw)
      return make_error("chain store: block at height " + std::to_string(i) +
                        " is missing below the head " + std::to_string(*h));
    auto b = codec::decode_committed(**raw);
    if (!b)
      return make_error("chain store: block at height " + std::to_string(i) +
                        " does not decode: " + b.err().message);
    chain.push_back(std::move(*b));
  }
  return chain;
}

} // namespace bystack::node
