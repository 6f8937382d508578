#include "runtime/store/kv_store.hpp"
#include "runtime/store/kv_store_internal.hpp"

#include <algorithm>
#include <map>

namespace bystack::store {

namespace {

/// Orders keys bytewise, like RocksDB's default comparator, and finds by view without copying.
struct bytes_less {
  using is_transparent = void;
  bool operator()(byte_view a, byte_view b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }
};

using column_map = std::map<bytes, bytes, bytes_less>;

/// Keeps every column in an ordered map; no threads, no clock, so simulation stays
/// deterministic.
class memory_store final : public kv_store {
public:
  explicit memory_store(std::vector<std::string> columns)
      : names_(internal::unique_columns(std::move(columns))) {
    for (const auto& name : names_)
      columns_.emplace(name, column_map{});
  }

  result<std::optional<bytes>> get(const std::string& column, byte_view key) const override {
    auto col = columns_.find(column);
    if (col == columns_.end()) return fail("get", column);
    auto it = col->second.find(key);
    if (it == col->second.end()) return std::optional<bytes>{};
    return std::optional<bytes>{it->second};
  }

  result<void> write(const write_batch& batch, write_options) override {
    // Check every op before touching anything, so that a bad batch leaves no trace.
    std::vector<column_map*> targets;
    targets.reserve(batch.size());
    for (const auto& op : batch.ops()) {
      auto col = columns_.find(op.column);
      if (col == columns_.end()) return fail("write", op.column);
      targets.push_back(&col->second);
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto& op = batch.ops()[i];
      if (op.value)
        (*targets[i])[op.key] = *op.value;
      else
        targets[i]->erase(op.key);
    }
    return {};
  }

  result<void> scan(const std::string& column, byte_view prefix,
                    const std::function<bool(byte_view, byte_view)>& f) const override {
    auto col = columns_.find(column);
    if (col == columns_.end()) return fail("scan", column);
    for (auto it = col->second.lower_bound(prefix);
         it != col->second.end() && internal::has_prefix(it->first, prefix); ++it) {
      if (!f(it->first, it->second)) break;
    }
    return {};
  }

  std::vector<std::string> columns() const override { return names_; }

private:
  error fail(const char* what, const std::string& column) const {
    return make_error(std::string{"memory store: "} + what + ": " +
                      internal::unknown_column_message(column, names_));
  }

  std::vector<std::string> names_;
  std::map<std::string, column_map, std::less<>> columns_;
};

} // namespace

std::unique_ptr<kv_store> make_memory_store(std::vector<std::string> columns) {
  return std::make_unique<memory_store>(std::move(columns));
}

} // namespace bystack::store
