#pragma once
/// The canonical little-endian encoding shared by the ledger's objects (not part of the API).

#include "runtime/base/bytes.hpp"
#include "runtime/crypto/hash.hpp"

#include <algorithm>
#include <string>

namespace bystack::ledger::detail {

using crypto::hash256;

/// Appends little-endian integers and length-prefixed fields to a buffer.
class writer {
public:
  explicit writer(bytes& out) : out_(out) {}
  void u8(std::uint8_t x) { out_.push_back(x); }
  void u32(std::uint32_t x) {
    for (int i = 0; i < 4; ++i)
      out_.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  }
  void u64(std::uint64_t x) {
    for (int i = 0; i < 8; ++i)
      out_.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  }
  void raw(byte_view b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void hash(const hash256& h) { raw(h.view()); }
  void blob(byte_view b) {
    u32(static_cast<std::uint32_t>(b.size()));
    raw(b);
  }

private:
  bytes& out_;
};

/// Reads what writer wrote, remembering the first failure (which field, why).
class reader {
public:
  explicit reader(byte_view in) : in_(in) {}
  bool ok() const { return err_.empty(); }
  const std::string& err() const { return err_; }
  bool at_end() const { return pos_ == in_.size(); }
  std::size_t pos() const { return pos_; }

  void fail(std::string why) {
    if (err_.empty()) err_ = std::move(why);
  }
  bool need(std::size_t n, const char* field) {
    if (!ok()) return false;
    if (in_.size() - pos_ < n) {
      fail(std::string(field) + ": truncated at byte " + std::to_string(pos_));
      return false;
    }
    return true;
  }
  std::uint8_t u8(const char* field) {
    if (!need(1, field)) return 0;
    return in_[pos_++];
  }
  std::uint32_t u32(const char* field) {
    if (!need(4, field)) return 0;
    std::uint32_t x = 0;
    for (int i = 0; i < 4; ++i)
      x |= std::uint32_t{in_[pos_++]} << (8 * i);
    return x;
  }
  std::uint64_t u64(const char* field) {
    if (!need(8, field)) return 0;
    std::uint64_t x = 0;
    for (int i = 0; i < 8; ++i)
      x |= std::uint64_t{in_[pos_++]} << (8 * i);
    return x;
  }
  hash256 hash(const char* field) {
    hash256 h;
    if (!need(32, field)) return h;
    std::copy_n(in_.begin() + static_cast<std::ptrdiff_t>(pos_), 32, h.data.begin());
    pos_ += 32;
    return h;
  }
  bytes blob(const char* field, std::size_t max) {
    auto n = u32(field);
    if (!ok()) return {};
    if (n > max) {
      fail(std::string(field) + ": " + std::to_string(n) + " bytes exceed the limit of " +
           std::to_string(max));
      return {};
    }
    if (!need(n, field)) return {};
    bytes b(in_.begin() + static_cast<std::ptrdiff_t>(pos_),
            in_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return b;
  }
  std::size_t count(const char* field, std::size_t max) {
    auto n = u32(field);
    if (ok() && n > max) {
      fail(std::string(field) + ": " + std::to_string(n) + " entries exceed the limit of " +
           std::to_string(max));
      return 0;
    }
    return ok() ? n : 0;
  }

private:
  byte_view in_;
  std::size_t pos_ = 0;
  std::string err_;
};

} // namespace bystack::ledger::detail

namespace bystack::ledger {
struct control_program;
struct asset_definition;
struct output;
namespace detail {
void put(writer& w, const control_program& p);
control_program get_program(reader& r, const char* field);
void put(writer& w, const asset_definition& d);
asset_definition get_definition(reader& r);
void put(writer& w, const output& o);
output get_output(reader& r);
} // namespace detail
} // namespace bystack::ledger
