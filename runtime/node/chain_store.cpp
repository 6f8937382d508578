#include "runtime/node/chain_store.hpp"

#include "runtime/codec/codec.hpp"

namespace bystack::node {

namespace {
const std::string blocks_col = "blocks";
const std::string meta_col = "meta";
const std::string utxo_col = "utxo";           // output id -> encoded utxo_entry
const std::string undo_col = "undo";           // be64(height) -> encoded block_delta
const std::string assets_col = "assets";       // asset id -> encoded asset_definition
const std::string supply_col = "supply";       // asset id -> be64(issued) be64(retired)
const std::string issuances_col = "issuances"; // used issue input id -> (empty)
const std::string owners_col = "owners";       // address | output id -> (empty)
const std::string pending_col = "pending";     // be64(seq) -> encoded BUTXO tx accepted here
const std::string txs_col = "txs";             // BUTXO tx id -> be64(height) encoded tx
const std::string headers_col = "headers";     // be64(height) -> header record (restarts)
const std::string elections_col = "elections"; // be64(height) -> election record (DPoS)
const std::string host_col = "host_records";   // be64(height) -> the host's record
const bytes head_key = {'h', 'e', 'a', 'd'};
const bytes utxo_hash_key = {'u', 't', 'x', 'o'}; // set hash, be64(count), be64(height)
const bytes genesis_key = {'g', 'e', 'n', 'e', 's', 'i', 's'};
const bytes rules_key = {'r', 'u', 'l', 'e', 's'}; // the host's chain rules under the marker

bytes key_of(const crypto::hash256& h) {
  return bytes(h.data.begin(), h.data.end());
}

bytes owner_key(const crypto::hash256& address, const crypto::hash256& id) {
  bytes k = key_of(address);
  k.insert(k.end(), id.data.begin(), id.data.end());
  return k;
}

bool hash_from(byte_view b, crypto::hash256& out) {
  if (b.size() != out.data.size()) return false;
  std::copy(b.begin(), b.end(), out.data.begin());
  return true;
}

bytes concat(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// Adds the UTXO changes of a delta to a batch: creations first, since an output created and
/// spent in one block appears in both lists and the batch applies in order.
void put_delta(store::write_batch& batch, const ledger::block_delta& d) {
  for (const auto& [id, e] : d.created) {
    batch.put(utxo_col, key_of(id), ledger::encode(e));
    if (e.out.kind == ledger::output_kind::control)
      batch.put(owners_col, owner_key(e.out.owner.address(), id), {});
  }
  for (const auto& [id, e] : d.spent) {
    batch.del(utxo_col, key_of(id));
    if (e.out.kind == ledger::output_kind::control)
      batch.del(owners_col, owner_key(e.out.owner.address(), id));
  }
  for (const auto& a : d.new_assets)
    batch.put(assets_col, key_of(a.id()), ledger::encode(a));
  for (const auto& h : d.issuances)
    batch.put(issuances_col, key_of(h), {});
}

void put_utxo_meta(store::write_batch& batch, const crypto::hash256& hash, std::uint64_t count,
                   std::uint64_t height) {
  batch.put(meta_col, utxo_hash_key,
            concat(concat(key_of(hash), store::be64(count)), store::be64(height)));
}

/// A height's header and what its certificate certifies, in a fixed layout of 160 bytes (numbers
/// as be64, hashes as their 32 bytes): what a restart walks below the chain window instead of
/// the whole stored block.
constexpr std::size_t header_record_bytes = 8 * 8 + 3 * 32;

result<codec::stored_header> read_header_record(const bytes& b) {
  if (b.size() != header_record_bytes)
    return make_error("header record of " + std::to_string(b.size()) + " bytes, not " +
                      std::to_string(header_record_bytes));
  byte_view at(b);
  auto number = [&] {
    auto x = store::read_be64(at);
    at = at.subspan(8);
    return x;
  };
  auto hash = [&] {
    crypto::hash256 h;
    hash_from(at.first(32), h);
    at = at.subspan(32);
    return h;
  };
  codec::stored_header s;
  s.header.height = number();
  s.header.view = number();
  s.header.parent_view = number();
  s.header.parent = hash();
  s.header.tx_root = hash();
  s.header.timestamp_ms = number();
  s.header.proposer = static_cast<std::uint32_t>(number());
  s.header.tx_count = static_cast<std::uint32_t>(number());
  s.cert_height = number();
  s.cert_view = number();
  s.cert_block_hash = hash();
  return s;
}

} // namespace

bytes header_record(const ledger::block_header& h, const proto::block_certificate& c) {
  bytes out;
  out.reserve(header_record_bytes);
  auto add = [&](const bytes& x) { out.insert(out.end(), x.begin(), x.end()); };
  for (auto x : {h.height, h.view, h.parent_view})
    add(store::be64(x));
  add(key_of(h.parent));
  add(key_of(h.tx_root));
  for (std::uint64_t x :
       {h.timestamp_ms, std::uint64_t{h.proposer}, std::uint64_t{h.tx_count}, c.height, c.view})
    add(store::be64(x));
  add(key_of(c.block_hash));
  return out;
}

std::vector<std::string> chain_store::columns() {
  return {blocks_col, meta_col, utxo_col,    undo_col,    assets_col,    supply_col, issuances_col,
          owners_col, txs_col,  pending_col, headers_col, elections_col, host_col};
}

result<std::unique_ptr<chain_store>> chain_store::open(const std::filesystem::path& dir,
                                                       bool sync_writes) {
  auto kv = store::open_rocksdb(dir, columns());
  if (!kv) return kv.err();
  return std::make_unique<chain_store>(std::move(*kv), sync_writes);
}

std::unique_ptr<chain_store> chain_store::in_memory() {
  return std::make_unique<chain_store>(store::make_memory_store(columns()), false);
}

result<void> chain_store::append(const proto::committed_block& b, const ledger_changes* ledger) {
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
  batch.put(headers_col, store::be64(h), header_record(b.block->header, b.cert));
  if (ledger) {
    put_delta(batch, ledger->delta);
    batch.put(undo_col, store::be64(h), ledger::encode(ledger->delta));
    for (const auto& s : ledger->supply)
      batch.put(supply_col, key_of(s.asset), concat(store::be64(s.issued), store::be64(s.retired)));
    for (const auto& [id, raw] : ledger->txs)
      batch.put(txs_col, key_of(id), concat(store::be64(h), raw));
    put_utxo_meta(batch, ledger->utxo_hash, ledger->utxo_count, h);
    if (ledger->host_record) batch.put(host_col, store::be64(h), *ledger->host_record);
    if (ledger->election)
      batch.put(elections_col, store::be64(h), ledger::dpos::encode(*ledger->election));
  }
  batch.put(meta_col, head_key, store::be64(h));
  if (auto w = kv_->write(batch, {.sync = sync_}); !w)
    return make_error("chain store: cannot write block " + std::to_string(h) + ": " +
                      w.err().message);
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
    auto b = block_at(i);
    if (!b) return b.err();
    if (!*b)
      return make_error("chain store: block at height " + std::to_string(i) +
                        " is missing below the head " + std::to_string(*h));
    chain.push_back(std::move(**b));
  }
  return chain;
}

result<std::optional<codec::stored_header>> chain_store::header_at(std::uint64_t i,
                                                                   const codec::limits& lim) const {
  auto where = [&] { return "chain store: block at height " + std::to_string(i); };
  // A header record (160 bytes, written with the block), or, in a store written before records
  // were kept, the block's header and certificate read without its transactions.
  auto rec = kv_->get(headers_col, store::be64(i));
  if (!rec) return make_error(where() + ": " + rec.err().message);
  std::optional<bytes> raw;
  if (!*rec) {
    auto r = raw_at(i);
    if (!r) return make_error(where() + ": " + r.err().message);
    if (!*r) return std::optional<codec::stored_header>{};
    raw = std::move(*r);
  }
  auto sh = *rec ? read_header_record(**rec) : codec::decode_committed_header(*raw, lim);
  if (!sh) return make_error(where() + " does not decode: " + sh.err().message);
  return std::optional<codec::stored_header>{std::move(*sh)};
}

result<stored_chain> chain_store::load_for_restart(std::uint64_t keep,
                                                   const crypto::hash256& genesis,
                                                   const codec::limits& lim,
                                                   std::uint64_t proposers_top,
                                                   std::uint64_t check_top) const {
  auto h = head();
  if (!h) return h.err();
  stored_chain out;
  out.head = *h;
  out.head_hash = genesis;
  out.proposers_from = proposers_top >= *h ? 1 : *h - proposers_top + 1;
  out.proposers.reserve(*h - out.proposers_from + 1);
  const std::uint64_t first_full = keep == 0 || keep >= *h ? 1 : *h - keep + 1;
  out.top.reserve(*h - first_full + 1);
  // The first height walked: 1, or the top check_top heights (never fewer than the heights
  // decoded or whose proposers are kept). Above 1 the walk also reads the height below them, for
  // the hash it starts from: that one is checked like the others but for its parent.
  auto first = check_top >= *h ? 1 : *h - check_top + 1;
  first = std::min({first, first_full, out.proposers_from});
  const std::uint64_t start = first > 1 ? first - 1 : 1;
  for (std::uint64_t i = start; i <= *h; ++i) {
    auto where = [&] { return "chain store: block at height " + std::to_string(i); };
    // What the walk reads: in the top, the stored block, decoded in full; below it, the height's
    // header (header_at).
    ledger::block_header hd;
    crypto::hash256 certified;
    if (i >= first_full) {
      auto raw = raw_at(i);
      if (!raw) return make_error(where() + ": " + raw.err().message);
      if (!*raw) return make_error(where() + " is missing below the head " + std::to_string(*h));
      auto b = codec::decode_committed(**raw, lim);
      if (!b) return make_error(where() + " does not decode: " + b.err().message);
      hd = b->block->header;
      certified = b->cert.block_hash;
      out.top.push_back(std::move(*b));
    } else {
      auto sh = header_at(i, lim);
      if (!sh) return sh.err();
      if (!*sh) return make_error(where() + " is missing below the head " + std::to_string(*h));
      hd = (*sh)->header;
      certified = (*sh)->cert_block_hash;
    }
    if (hd.height != i) return make_error(where() + " holds height " + std::to_string(hd.height));
    auto hash = hd.hash();
    if (certified != hash) return make_error(where() + ": its certificate is for another block");
    if ((i > start || start == 1) && hd.parent != out.head_hash)
      return make_error(where() + " does not extend the block below it");
    if (i >= out.proposers_from) out.proposers.push_back(hd.proposer);
    out.head_hash = hash;
    ++out.checked;
  }
  return out;
}

result<std::vector<std::uint32_t>> chain_store::proposers(std::uint64_t from, std::uint64_t to,
                                                          const codec::limits& lim) const {
  std::vector<std::uint32_t> out;
  for (auto i = from; i <= to; ++i) {
    auto sh = header_at(i, lim);
    if (!sh) return sh.err();
    if (!*sh)
      return make_error("chain store: block at height " + std::to_string(i) + " is missing");
    out.push_back((*sh)->header.proposer);
  }
  return out;
}

result<std::optional<proto::committed_block>>
chain_store::block_at(std::uint64_t height, const codec::limits& lim) const {
  auto raw = raw_at(height);
  if (!raw) return raw.err();
  if (!*raw) return std::optional<proto::committed_block>{};
  auto b = codec::decode_committed(**raw, lim);
  if (!b)
    return make_error("chain store: block at height " + std::to_string(height) +
                      " does not decode: " + b.err().message);
  return std::optional<proto::committed_block>{std::move(*b)};
}

result<void> chain_store::write_ledger_genesis(const ledger::utxo_set& genesis,
                                               const crypto::hash256& marker,
                                               const std::string& rules) {
  auto h = head();
  if (!h) return h.err();
  if (*h != 0)
    return make_error("chain store: cannot write the ledger genesis under a chain of height " +
                      std::to_string(*h));
  ledger::block_delta d;
  for (const auto& [id, e] : genesis.entries())
    d.created.emplace_back(id, e);
  for (const auto& [id, def] : genesis.assets())
    d.new_assets.push_back(def);
  store::write_batch batch;
  put_delta(batch, d);
  for (const auto& [id, def] : genesis.assets())
    batch.put(supply_col, key_of(id),
              concat(store::be64(genesis.issued(id)), store::be64(genesis.retired(id))));
  put_utxo_meta(batch, genesis.hash(), genesis.size(), 0);
  batch.put(meta_col, genesis_key, key_of(marker));
  if (!rules.empty()) batch.put(meta_col, rules_key, bytes(rules.begin(), rules.end()));
  if (auto w = kv_->write(batch, {.sync = true}); !w)
    return make_error("chain store: cannot write the ledger genesis: " + w.err().message);
  return {};
}

result<std::optional<crypto::hash256>> chain_store::ledger_genesis() const {
  auto v = kv_->get(meta_col, genesis_key);
  if (!v) return v.err();
  if (!*v) return std::optional<crypto::hash256>{};
  crypto::hash256 m;
  if (!hash_from(**v, m)) return make_error("chain store: genesis marker is not 32 bytes");
  return std::optional<crypto::hash256>{m};
}

result<std::optional<std::string>> chain_store::ledger_rules() const {
  auto v = kv_->get(meta_col, rules_key);
  if (!v) return v.err();
  if (!*v) return std::optional<std::string>{};
  return std::optional<std::string>{std::string((*v)->begin(), (*v)->end())};
}

result<ledger::utxo_set> chain_store::load_ledger() const {
  auto h = head();
  if (!h) return h.err();
  auto meta = kv_->get(meta_col, utxo_hash_key);
  if (!meta) return meta.err();
  if (!*meta || (*meta)->size() != 48)
    return make_error("chain store: no UTXO set hash stored (a store written without a ledger?)");
  crypto::hash256 want;
  hash_from(byte_view{(*meta)->data(), 32}, want);
  auto want_count = store::read_be64(byte_view{(*meta)->data() + 32, 8});
  auto at = store::read_be64(byte_view{(*meta)->data() + 40, 8});
  if (at != *h)
    return make_error("chain store: the UTXO set was written at height " + std::to_string(at) +
                      ", the head is " + std::to_string(*h));

  // Rebuild the set as one delta on an empty set: apply() adds every entry to the set hash.
  ledger::block_delta d;
  d.height = *h;
  std::string bad;
  auto scan = [&](const std::string& col, const std::function<bool(byte_view, byte_view)>& f) {
    return kv_->scan(col, {}, f);
  };
  auto r = scan(utxo_col, [&](byte_view k, byte_view v) {
    crypto::hash256 id;
    auto e = ledger::decode_utxo_entry(v);
    if (!hash_from(k, id) || !e) {
      bad = "unspent output " + to_hex(k) + ": " + (e ? "bad key" : e.err().message);
      return false;
    }
    d.created.emplace_back(id, std::move(*e));
    return true;
  });
  if (!r) return r.err();
  if (bad.empty())
    r = scan(assets_col, [&](byte_view k, byte_view v) {
      auto a = ledger::decode_asset_definition(v);
      crypto::hash256 id;
      if (!hash_from(k, id) || !a || a->id() != id) {
        bad = "asset " + to_hex(k) + ": " + (a ? "id does not match" : a.err().message);
        return false;
      }
      d.new_assets.push_back(std::move(*a));
      return true;
    });
  if (!r) return r.err();
  if (bad.empty())
    r = scan(supply_col, [&](byte_view k, byte_view v) {
      crypto::hash256 id;
      if (!hash_from(k, id) || v.size() != 16) {
        bad = "supply record " + to_hex(k) + " is malformed";
        return false;
      }
      auto issued = store::read_be64(v);
      auto retired = store::read_be64(v.subspan(8));
      if (issued) d.issued.emplace_back(id, issued);
      if (retired) d.retired.emplace_back(id, retired);
      return true;
    });
  if (!r) return r.err();
  if (bad.empty())
    r = scan(issuances_col, [&](byte_view k, byte_view) {
      crypto::hash256 id;
      if (!hash_from(k, id)) {
        bad = "issuance record " + to_hex(k) + " is malformed";
        return false;
      }
      d.issuances.push_back(id);
      return true;
    });
  if (!r) return r.err();
  if (!bad.empty()) return make_error("chain store: " + bad);
  ledger::utxo_set s;
  s.apply(d);
  s.set_height(*h);
  if (s.size() != want_count || s.hash() != want)
    return make_error("chain store: the stored UTXO set (" + std::to_string(s.size()) +
                      " outputs, hash " + s.hash().hex() +
                      ") does not match the hash recorded at "
                      "height " +
                      std::to_string(*h) + " (" + std::to_string(want_count) + " outputs, hash " +
                      want.hex() + ")");
  return s;
}

result<std::vector<std::pair<std::uint64_t, bytes>>>
chain_store::by_height(const std::string& column, const char* what) const {
  std::vector<std::pair<std::uint64_t, bytes>> out;
  std::optional<std::size_t> bad_key; // the size of a key that is no be64 height
  auto r = kv_->scan(column, {}, [&](byte_view k, byte_view v) {
    if (k.size() != 8) {
      bad_key = k.size();
      return false;
    }
    out.emplace_back(store::read_be64(k), bytes(v.begin(), v.end()));
    return true;
  });
  if (!r) return r.err();
  if (bad_key)
    return make_error("chain store: " + std::string(what) + " under a key of " +
                      std::to_string(*bad_key) + " bytes");
  return out;
}

result<std::vector<ledger::dpos::election_record>> chain_store::election_records() const {
  auto raw = by_height(elections_col, "an election record");
  if (!raw) return raw.err();
  std::vector<ledger::dpos::election_record> out;
  for (const auto& [h, v] : *raw) {
    auto e = ledger::dpos::decode_election_record(v);
    if (!e)
      return make_error("chain store: the election record of height " + std::to_string(h) + ": " +
                        e.err().message);
    if (e->height != h)
      return make_error("chain store: the election record under height " + std::to_string(h) +
                        " is for height " + std::to_string(e->height));
    out.push_back(std::move(*e));
  }
  return out;
}

result<void>
chain_store::backfill_records(const std::vector<ledger::dpos::election_record>& elections,
                              const std::vector<std::pair<std::uint64_t, bytes>>& host) {
  store::write_batch batch;
  for (const auto& r : elections)
    batch.put(elections_col, store::be64(r.height), ledger::dpos::encode(r));
  for (const auto& [h, raw] : host)
    batch.put(host_col, store::be64(h), raw);
  if (auto w = kv_->write(batch, {.sync = sync_}); !w)
    return make_error("chain store: cannot write the rebuilt records: " + w.err().message);
  return {};
}

result<std::vector<std::pair<std::uint64_t, bytes>>> chain_store::host_records() const {
  return by_height(host_col, "a host record");
}

result<std::optional<bytes>> chain_store::undo_at(std::uint64_t height) const {
  return kv_->get(undo_col, store::be64(height));
}

result<std::optional<ledger::utxo_entry>> chain_store::utxo(const crypto::hash256& id) const {
  auto v = kv_->get(utxo_col, key_of(id));
  if (!v) return v.err();
  if (!*v) return std::optional<ledger::utxo_entry>{};
  auto e = ledger::decode_utxo_entry(**v);
  if (!e) return make_error("chain store: unspent output " + id.hex() + ": " + e.err().message);
  return std::optional<ledger::utxo_entry>{std::move(*e)};
}

result<std::vector<std::pair<crypto::hash256, ledger::utxo_entry>>>
chain_store::utxos_of(const crypto::hash256& address, std::size_t max, bool* more) const {
  std::vector<crypto::hash256> ids;
  bool truncated = false;
  auto r = kv_->scan(owners_col, key_of(address), [&](byte_view k, byte_view) {
    if (ids.size() >= max) {
      truncated = true;
      return false;
    }
    crypto::hash256 id;
    if (k.size() == 64 && hash_from(k.subspan(32), id)) ids.push_back(id);
    return true;
  });
  if (!r) return r.err();
  if (more) *more = truncated;
  std::vector<std::pair<crypto::hash256, ledger::utxo_entry>> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto e = utxo(id);
    if (!e) return e.err();
    // A block committed between the index scan and this read may have spent it.
    if (*e) out.emplace_back(id, std::move(**e));
  }
  return out;
}

result<bool> chain_store::has_owner(const crypto::hash256& address) const {
  bool found = false;
  auto r = kv_->scan(owners_col, key_of(address), [&](byte_view, byte_view) {
    found = true;
    return false;
  });
  if (!r) return r.err();
  return found;
}

result<std::optional<asset_record>> chain_store::asset(const ledger::asset_id& id) const {
  auto v = kv_->get(assets_col, key_of(id));
  if (!v) return v.err();
  if (!*v) return std::optional<asset_record>{};
  auto d = ledger::decode_asset_definition(**v);
  if (!d) return make_error("chain store: asset " + id.hex() + ": " + d.err().message);
  asset_record a;
  a.definition = std::move(*d);
  auto s = kv_->get(supply_col, key_of(id));
  if (!s) return s.err();
  if (*s && (*s)->size() == 16) {
    a.issued = store::read_be64(**s);
    a.retired = store::read_be64(byte_view{**s}.subspan(8));
  }
  return std::optional<asset_record>{std::move(a)};
}

result<std::uint64_t> chain_store::issued(const ledger::asset_id& id) const {
  auto s = kv_->get(supply_col, key_of(id));
  if (!s) return s.err();
  if (*s && (*s)->size() == 16) return store::read_be64(**s);
  return std::uint64_t{0};
}

result<bool> chain_store::issuance_used(const crypto::hash256& issue_input_id) const {
  auto v = kv_->get(issuances_col, key_of(issue_input_id));
  if (!v) return v.err();
  return v->has_value();
}

result<std::optional<tx_record>> chain_store::committed_tx(const crypto::hash256& id) const {
  auto v = kv_->get(txs_col, key_of(id));
  if (!v) return v.err();
  if (!*v) return std::optional<tx_record>{};
  if ((*v)->size() < 8)
    return make_error("chain store: transaction record " + id.hex() + " is short");
  tx_record t;
  t.height = store::read_be64(**v);
  t.tx.assign((*v)->begin() + 8, (*v)->end());
  return std::optional<tx_record>{std::move(t)};
}

result<void> chain_store::put_pending(const std::vector<std::pair<std::uint64_t, bytes>>& txs) {
  if (txs.empty()) return {};
  store::write_batch batch;
  for (const auto& [seq, tx] : txs)
    batch.put(pending_col, store::be64(seq), tx);
  return kv_->write(batch, {.sync = sync_});
}

result<void> chain_store::erase_pending(const std::vector<std::uint64_t>& seqs) {
  if (seqs.empty()) return {};
  store::write_batch batch;
  for (auto seq : seqs)
    batch.del(pending_col, store::be64(seq));
  return kv_->write(batch);
}

result<std::vector<std::pair<std::uint64_t, bytes>>> chain_store::load_pending() const {
  std::vector<std::pair<std::uint64_t, bytes>> out;
  std::string bad;
  auto r = kv_->scan(pending_col, {}, [&](byte_view k, byte_view v) {
    if (k.size() != 8) {
      bad = "pending: a key of " + std::to_string(k.size()) + " bytes (expected 8)";
      return false;
    }
    std::uint64_t seq = 0;
    for (auto b : k)
      seq = seq << 8 | b;
    out.emplace_back(seq, bytes(v.begin(), v.end()));
    return true;
  });
  if (!r) return r.err();
  if (!bad.empty()) return make_error(bad);
  return out;
}

std::optional<proto::committed_block> store_archive::committed_block_at(std::uint64_t h) const {
  auto b = store_.block_at(h, lim_);
  if (b && !*b) return std::nullopt; // above the stored head
  if (!b || !(*b)->block || (*b)->block->header.height != h) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  reads_.fetch_add(1, std::memory_order_relaxed);
  return std::move(*b);
}

} // namespace bystack::node
