#include "runtime/ledger/utxo.hpp"

#include "runtime/ledger/detail/encoding.hpp"

#include <string_view>

namespace bystack::ledger {

using detail::reader;
using detail::writer;

namespace {
constexpr std::string_view element_domain{"bystack/butxo/utxo\0", 19};
constexpr std::size_t max_delta_entries = 10'000'000;

void put_entry(writer& w, const utxo_entry& e) {
  detail::put(w, e.out);
  w.u64(e.height);
}
utxo_entry get_entry(reader& r) {
  utxo_entry e;
  e.out = detail::get_output(r);
  e.height = r.u64("entry.height");
  return e;
}
} // namespace

bytes encode(const utxo_entry& e) {
  bytes b;
  writer w(b);
  put_entry(w, e);
  return b;
}

result<utxo_entry> decode_utxo_entry(byte_view b) {
  reader r(b);
  auto e = get_entry(r);
  if (!r.ok()) return make_error("utxo entry: " + r.err());
  if (!r.at_end()) return make_error("utxo entry: trailing bytes");
  return e;
}

bytes encode(const asset_definition& d) {
  bytes b;
  writer w(b);
  detail::put(w, d);
  return b;
}

result<asset_definition> decode_asset_definition(byte_view b) {
  reader r(b);
  auto d = detail::get_definition(r);
  if (!r.ok()) return make_error("asset definition: " + r.err());
  if (!r.at_end()) return make_error("asset definition: trailing bytes");
  return d;
}

bytes encode(const block_delta& d) {
  bytes b;
  writer w(b);
  w.u64(d.height);
  auto entries = [&](const std::vector<std::pair<hash256, utxo_entry>>& v) {
    w.u32(static_cast<std::uint32_t>(v.size()));
    for (const auto& [id, e] : v) {
      w.hash(id);
      put_entry(w, e);
    }
  };
  auto amounts = [&](const std::vector<std::pair<asset_id, std::uint64_t>>& v) {
    w.u32(static_cast<std::uint32_t>(v.size()));
    for (const auto& [id, a] : v) {
      w.hash(id);
      w.u64(a);
    }
  };
  entries(d.created);
  entries(d.spent);
  amounts(d.issued);
  w.u32(static_cast<std::uint32_t>(d.new_assets.size()));
  for (const auto& a : d.new_assets)
    detail::put(w, a);
  w.u32(static_cast<std::uint32_t>(d.issuances.size()));
  for (const auto& h : d.issuances)
    w.hash(h);
  amounts(d.retired);
  return b;
}

result<block_delta> decode_block_delta(byte_view b) {
  reader r(b);
  block_delta d;
  d.height = r.u64("delta.height");
  auto entries = [&](std::vector<std::pair<hash256, utxo_entry>>& v, const char* f) {
    auto n = r.count(f, max_delta_entries);
    for (std::size_t i = 0; i < n && r.ok(); ++i) {
      auto id = r.hash(f);
      v.emplace_back(id, get_entry(r));
    }
  };
  auto amounts = [&](std::vector<std::pair<asset_id, std::uint64_t>>& v, const char* f) {
    auto n = r.count(f, max_delta_entries);
    for (std::size_t i = 0; i < n && r.ok(); ++i) {
      auto id = r.hash(f);
      v.emplace_back(id, r.u64(f));
    }
  };
  entries(d.created, "delta.created");
  entries(d.spent, "delta.spent");
  amounts(d.issued, "delta.issued");
  auto na = r.count("delta.new_assets", max_delta_entries);
  for (std::size_t i = 0; i < na && r.ok(); ++i)
    d.new_assets.push_back(detail::get_definition(r));
  auto ni = r.count("delta.issuances", max_delta_entries);
  for (std::size_t i = 0; i < ni && r.ok(); ++i)
    d.issuances.push_back(r.hash("delta.issuances"));
  amounts(d.retired, "delta.retired");
  if (!r.ok()) return make_error("block delta: " + r.err());
  if (!r.at_end()) return make_error("block delta: trailing bytes");
  return d;
}

void set_hash::add(const hash256& e) {
  unsigned carry = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t x = 0;
    std::memcpy(&x, e.data.data() + 8 * i, 8);
    std::uint64_t s;
    unsigned c1 = __builtin_add_overflow(limbs_[i], x, &s);
    unsigned c2 = __builtin_add_overflow(s, std::uint64_t{carry}, &s);
    limbs_[i] = s;
    carry = c1 | c2;
  }
}

void set_hash::remove(const hash256& e) {
  unsigned borrow = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t x = 0;
    std::memcpy(&x, e.data.data() + 8 * i, 8);
    std::uint64_t s;
    unsigned b1 = __builtin_sub_overflow(limbs_[i], x, &s);
    unsigned b2 = __builtin_sub_overflow(s, std::uint64_t{borrow}, &s);
    limbs_[i] = s;
    borrow = b1 | b2;
  }
}

hash256 set_hash::value() const {
  hash256 h;
  std::memcpy(h.data.data(), limbs_.data(), 32);
  return h;
}

hash256 utxo_element_hash(const hash256& id, const utxo_entry& e) {
  crypto::sha3_256_hasher h;
  h.update(as_bytes(element_domain));
  h.update(id);
  auto b = encode(e);
  h.update(byte_view{b.data(), b.size()});
  return h.finish();
}

const utxo_entry* utxo_set::find(const hash256& id) const {
  auto it = utxos_.find(id);
  return it == utxos_.end() ? nullptr : &it->second;
}

const asset_definition* utxo_set::asset(const asset_id& id) const {
  auto it = assets_.find(id);
  return it == assets_.end() ? nullptr : &it->second;
}

std::uint64_t utxo_set::issued(const asset_id& id) const {
  auto it = issued_.find(id);
  return it == issued_.end() ? 0 : it->second;
}

std::uint64_t utxo_set::retired(const asset_id& id) const {
  auto it = retired_.find(id);
  return it == retired_.end() ? 0 : it->second;
}

bool utxo_set::issuance_used(const hash256& id) const {
  return issuances_.count(id) != 0;
}

void utxo_set::define(const asset_definition& d) {
  assets_.emplace(d.id(), d);
}

void block_delta::cache_element_hashes() {
  created_hashes.clear();
  spent_hashes.clear();
  for (const auto& [id, e] : created)
    created_hashes.push_back(utxo_element_hash(id, e));
  for (const auto& [id, e] : spent)
    spent_hashes.push_back(utxo_element_hash(id, e));
}

void utxo_set::apply(const block_delta& d) {
  bool cached = d.created_hashes.size() == d.created.size() &&
                d.spent_hashes.size() == d.spent.size();
  // Creations first: an output created and spent within one block appears in both lists.
  for (std::size_t i = 0; i < d.created.size(); ++i) {
    const auto& [id, e] = d.created[i];
    hash_.add(cached ? d.created_hashes[i] : utxo_element_hash(id, e));
    utxos_.emplace(id, e);
  }
  for (std::size_t i = 0; i < d.spent.size(); ++i) {
    const auto& [id, e] = d.spent[i];
    hash_.remove(cached ? d.spent_hashes[i] : utxo_element_hash(id, e));
    utxos_.erase(id);
  }
  for (const auto& a : d.new_assets)
    assets_.emplace(a.id(), a);
  for (const auto& [id, amount] : d.issued)
    issued_[id] += amount;
  for (const auto& [id, amount] : d.retired)
    retired_[id] += amount;
  for (const auto& h : d.issuances)
    issuances_.insert(h);
  height_ = d.height;
}

void utxo_set::undo(const block_delta& d) {
  for (const auto& [id, e] : d.spent) {
    hash_.add(utxo_element_hash(id, e));
    utxos_.emplace(id, e);
  }
  for (const auto& [id, e] : d.created) {
    hash_.remove(utxo_element_hash(id, e));
    utxos_.erase(id);
  }
  for (const auto& [id, amount] : d.issued)
    if ((issued_[id] -= amount) == 0) issued_.erase(id);
  for (const auto& [id, amount] : d.retired)
    if ((retired_[id] -= amount) == 0) retired_.erase(id);
  for (const auto& h : d.issuances)
    issuances_.erase(h);
  for (const auto& a : d.new_assets)
    assets_.erase(a.id());
  height_ = d.height == 0 ? 0 : d.height - 1;
}

std::map<asset_id, std::uint64_t> utxo_set::supply_by_asset() const {
  std::map<asset_id, std::uint64_t> out;
  for (const auto& [id, e] : utxos_)
    out[e.out.asset] += e.out.amount;
  return out;
}

const utxo_entry* utxo_overlay::find(const hash256& id) const {
  if (auto it = created_.find(id); it != created_.end()) return &it->second;
  if (spent_.count(id) != 0) return nullptr;
  return base_->find(id);
}

const asset_definition* utxo_overlay::asset(const asset_id& id) const {
  if (auto it = assets_.find(id); it != assets_.end()) return &it->second;
  return base_->asset(id);
}

std::uint64_t utxo_overlay::issued(const asset_id& id) const {
  auto it = issued_.find(id);
  return base_->issued(id) + (it == issued_.end() ? 0 : it->second);
}

bool utxo_overlay::issuance_used(const hash256& id) const {
  return issuances_.count(id) != 0 || base_->issuance_used(id);
}

void utxo_overlay::spend(const hash256& id, block_delta& delta) {
  const auto* e = find(id);
  if (e != nullptr) delta.spent.emplace_back(id, *e);
  if (created_.erase(id) == 0) spent_.insert(id);
}

void utxo_overlay::create(const hash256& id, utxo_entry e, block_delta& delta) {
  if (e.out.kind == output_kind::retire) {
    // Retired units leave the supply: recorded, never spendable.
    delta.retired.emplace_back(e.out.asset, e.out.amount);
    return;
  }
  delta.created.emplace_back(id, e);
  created_.emplace(id, std::move(e));
}

void utxo_overlay::issue(const asset_definition& def, std::uint64_t amount,
                         const hash256& issue_input_id, block_delta& delta) {
  auto id = def.id();
  if (asset(id) == nullptr) {
    assets_.emplace(id, def);
    delta.new_assets.push_back(def);
  }
  issued_[id] += amount;
  issuances_.insert(issue_input_id);
  delta.issued.emplace_back(id, amount);
  delta.issuances.push_back(issue_input_id);
}

void utxo_overlay::add_coinbase(const asset_id& native, std::uint64_t amount,
                                block_delta& delta) {
  issued_[native] += amount;
  delta.issued.emplace_back(native, amount);
}

void utxo_overlay::replay(const block_delta& d) {
  for (const auto& [id, e] : d.created)
    created_.emplace(id, e);
  for (const auto& [id, e] : d.spent)
    if (created_.erase(id) == 0) spent_.insert(id);
  for (const auto& a : d.new_assets)
    assets_.emplace(a.id(), a);
  for (const auto& [id, amount] : d.issued)
    issued_[id] += amount;
  for (const auto& h : d.issuances)
    issuances_.insert(h);
}

} // namespace bystack::ledger
