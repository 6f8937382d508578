#pragma once
/// A key-value store with column families and atomic write batches. RocksDB backs it in
/// production; an in-memory map backs it in simulation and tests.

#include "runtime/base/bytes.hpp"
#include "runtime/base/result.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bystack::store {

/// Collects puts and deletes that commit together or not at all.
class write_batch {
public:
  struct op {
    std::string column;
    bytes key;
    std::optional<bytes> value; ///< nullopt: delete
  };
  void put(std::string column, bytes key, bytes value) {
    ops_.push_back({std::move(column), std::move(key), std::move(value)});
  }
  void del(std::string column, bytes key) {
    ops_.push_back({std::move(column), std::move(key), std::nullopt});
  }
  const std::vector<op>& ops() const noexcept { return ops_; }
  bool empty() const noexcept { return ops_.empty(); }
  std::size_t size() const noexcept { return ops_.size(); }

private:
  std::vector<op> ops_;
};

struct write_options {
  bool sync = false; ///< fsync the write-ahead log before returning
};

/// Stores bytes under (column, key). Every column must be declared when the store is opened;
/// naming another one is an error, not a silent creation.
class kv_store {
public:
  virtual ~kv_store() = default;
  virtual result<std::optional<bytes>> get(const std::string& column, byte_view key) const = 0;
  virtual result<void> write(const write_batch& batch, write_options opts = {}) = 0;
  /// Calls f(key, value) for keys with the given prefix in increasing key order (bytewise), until
  /// f returns false. f must not write to the store while the scan runs.
  virtual result<void> scan(const std::string& column, byte_view prefix,
                            const std::function<bool(byte_view, byte_view)>& f) const = 0;
  /// Returns the declared column names.
  virtual std::vector<std::string> columns() const = 0;

  result<void> put(const std::string& column, byte_view key, byte_view value,
                   write_options opts = {}) {
    write_batch b;
    b.put(column, bytes(key.begin(), key.end()), bytes(value.begin(), value.end()));
    return write(b, opts);
  }
};

/// Creates an in-memory store with the given columns.
std::unique_ptr<kv_store> make_memory_store(std::vector<std::string> columns);

/// Opens (creating if missing) a RocksDB store in dir with the given columns; errors name the
/// directory and RocksDB's reason (corruption, lock held, disk full, ...).
result<std::unique_ptr<kv_store>> open_rocksdb(const std::filesystem::path& dir,
                                               std::vector<std::string> columns);

/// Encodes an integer as 8 big-endian bytes, so that keys sort by number.
bytes be64(std::uint64_t x);
/// Decodes the first 8 bytes of b as written by be64; throws std::out_of_range if b is shorter.
std::uint64_t read_be64(byte_view b);

} // namespace bystack::store
