#include "runtime/store/kv_store.hpp"
#include "runtime/store/kv_store_internal.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <system_error>
#include <unordered_map>

namespace bystack::store {

namespace {

rocksdb::Slice to_slice(byte_view b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

byte_view to_view(const rocksdb::Slice& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Returns the smallest key greater than every key with this prefix, or an empty result when
/// there is none (the prefix is empty or all 0xff).
std::string prefix_end(byte_view prefix) {
  std::string end(reinterpret_cast<const char*>(prefix.data()), prefix.size());
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;
}

/// Adds a hint to the errors a person is most likely to meet when opening a store.
std::string describe_open_failure(const rocksdb::Status& s) {
  std::string msg = s.ToString();
  // RocksDB names its lock file in the message: ".../LOCK: Resource temporarily unavailable".
  if (!s.IsIOError() || msg.find("/LOCK: ") == std::string::npos) return msg;
  if (msg.find("current process") != std::string::npos)
    msg += " (another handle in this process has the store open)";
  else
    msg += " (another process has the store open: stop it or use another directory)";
  return msg;
}

/// Wraps a RocksDB database whose columns map one to one onto column families.
class rocksdb_store final : public kv_store {
public:
  rocksdb_store(std::string dir, std::vector<std::string> declared, rocksdb::DB* db,
                std::vector<rocksdb::ColumnFamilyHandle*> handles,
                std::unordered_map<std::string, rocksdb::ColumnFamilyHandle*> by_name)
      : dir_(std::move(dir)), declared_(std::move(declared)), db_(db), handles_(std::move(handles)),
        by_name_(std::move(by_name)) {}

  rocksdb_store(const rocksdb_store&) = delete;
  rocksdb_store& operator=(const rocksdb_store&) = delete;

  ~rocksdb_store() override {
    // RocksDB requires every column family handle to go before the database itself.
    for (auto* h : handles_)
      db_->DestroyColumnFamilyHandle(h);
    // A failed close cannot be reported from a destructor; the write-ahead log still holds
    // every acknowledged write, so the next open recovers it.
    db_->Close().PermitUncheckedError();
    delete db_;
  }

  result<std::optional<bytes>> get(const std::string& column, byte_view key) const override {
    auto* cf = find(column);
    if (cf == nullptr) return fail("get", internal::unknown_column_message(column, declared_));
    rocksdb::PinnableSlice value;
    auto s = db_->Get(rocksdb::ReadOptions(), cf, to_slice(key), &value);
    if (s.IsNotFound()) return std::optional<bytes>{};
    if (!s.ok()) return fail("get from column '" + column + "'", s.ToString());
    auto v = to_view(value);
    return std::optional<bytes>{bytes(v.begin(), v.end())};
  }

  result<void> write(const write_batch& batch, write_options opts) override {
    rocksdb::WriteBatch wb;
    for (const auto& op : batch.ops()) {
      auto* cf = find(op.column);
      if (cf == nullptr)
        return fail("write", internal::unknown_column_message(op.column, declared_));
      auto s = op.value ? wb.Put(cf, to_slice(op.key), to_slice(*op.value))
                        : wb.Delete(cf, to_slice(op.key));
      if (!s.ok()) return fail("write", s.ToString());
    }
    rocksdb::WriteOptions wo;
    wo.sync = opts.sync;
    auto s = db_->Write(wo, &wb);
    if (!s.ok()) return fail("write of " + std::to_string(batch.size()) + " ops", s.ToString());
    return {};
  }

  result<void> scan(const std::string& column, byte_view prefix,
                    const std::function<bool(byte_view, byte_view)>& f) const override {
    auto* cf = find(column);
    if (cf == nullptr) return fail("scan", internal::unknown_column_message(column, declared_));
    // An upper bound lets RocksDB stop at the end of the prefix instead of reading one key past.
    auto end = prefix_end(prefix);
    rocksdb::Slice upper(end);
    rocksdb::ReadOptions ro;
    if (!end.empty()) ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf));
    for (it->Seek(to_slice(prefix)); it->Valid(); it->Next()) {
      auto key = to_view(it->key());
      if (!internal::has_prefix(key, prefix)) break;
      if (!f(key, to_view(it->value()))) break;
    }
    if (!it->status().ok()) return fail("scan of column '" + column + "'", it->status().ToString());
    return {};
  }

  std::vector<std::string> columns() const override { return declared_; }

private:
  rocksdb::ColumnFamilyHandle* find(const std::string& column) const {
    auto it = by_name_.find(column);
    return it == by_name_.end() ? nullptr : it->second;
  }

  error fail(const std::string& what, const std::string& why) const {
    return make_error("rocksdb store '" + dir_ + "': " + what + ": " + why);
  }

  std::string dir_;
  std::vector<std::string> declared_;
  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;                     // every open family
  std::unordered_map<std::string, rocksdb::ColumnFamilyHandle*> by_name_; // declared ones only
};

} // namespace

result<std::unique_ptr<kv_store>> open_rocksdb(const std::filesystem::path& dir,
                                               std::vector<std::string> columns) {
  const std::string name = dir.string();
  auto fail = [&](const std::string& why) {
    return make_error("rocksdb store '" + name + "': cannot open: " + why);
  };
  std::error_code ec;
  auto st = std::filesystem::status(dir, ec);
  if (!ec && std::filesystem::exists(st) && !std::filesystem::is_directory(st))
    return fail("the path exists and is not a directory");

  auto declared = internal::unique_columns(std::move(columns));

  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Each open starts a new info log; without a bound, old ones pile up for ever.
  options.keep_log_file_num = 10;

  // RocksDB refuses to open a database unless every existing family is named, so open the ones
  // on disk too (a newer or older program may have added columns this caller does not know).
  std::vector<std::string> families;
  auto s = rocksdb::DB::ListColumnFamilies(options, name, &families);
  if (!s.ok() && !s.IsPathNotFound()) return fail(describe_open_failure(s));
  if (std::find(families.begin(), families.end(), rocksdb::kDefaultColumnFamilyName) ==
      families.end())
    families.insert(families.begin(), rocksdb::kDefaultColumnFamilyName);
  for (const auto& c : declared)
    if (std::find(families.begin(), families.end(), c) == families.end()) families.push_back(c);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(families.size());
  for (const auto& f : families)
    descriptors.emplace_back(f, rocksdb::ColumnFamilyOptions());

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  s = rocksdb::DB::Open(options, name, descriptors, &handles, &db);
  if (!s.ok()) return fail(describe_open_failure(s));

  std::unordered_map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
  for (std::size_t i = 0; i < families.size(); ++i)
    if (std::find(declared.begin(), declared.end(), families[i]) != declared.end())
      by_name.emplace(families[i], handles[i]);
  return std::unique_ptr<kv_store>(std::make_unique<rocksdb_store>(
      name, std::move(declared), db, std::move(handles), std::move(by_name)));
}

} // namespace bystack::store
