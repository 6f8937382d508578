#pragma once
/// A federation member's durable record of the release it signed for each pegout, so that a
/// restarted member never signs a second, different release for one pegout (docs/federation.md,
/// "Durable state").
///
/// The file is text, one line per pegout: `PEGOUT RELEASE` (64 hex digits each: the sidechain
/// pegout output id and the mainchain release transaction id), sorted, after a header line.
/// Every change rewrites it atomically: a temporary file in the same directory is written and
/// fsync'ed, renamed over the record, and the directory fsync'ed, before the signature leaves the
/// process (member_core's signing guard). A crash leaves the old record or the new one, never a
/// mix; a record that does not parse is an error naming the file and the line (the member must
/// not start without knowing what it signed).

#include "runtime/base/result.hpp"
#include "runtime/crypto/hash.hpp"

#include <filesystem>
#include <map>
#include <optional>

namespace bystack::federation {

class signed_record {
public:
  /// Reads the record (a missing file is an empty record; its directory must exist).
  static result<signed_record> open(const std::filesystem::path& file);

  /// Records that this member signs `release` for `pegout`, durably, before returning. The same
  /// pair again is accepted without a write; another release for a recorded pegout is refused
  /// with an error naming both.
  result<void> sign(const crypto::hash256& pegout, const crypto::hash256& release);

  std::optional<crypto::hash256> find(const crypto::hash256& pegout) const;
  std::size_t size() const noexcept { return signed_.size(); }
  const std::filesystem::path& file() const noexcept { return file_; }

private:
  explicit signed_record(std::filesystem::path f) : file_(std::move(f)) {}
  result<void> save(const std::map<crypto::hash256, crypto::hash256>& all) const;

  std::filesystem::path file_;
  std::map<crypto::hash256, crypto::hash256> signed_;
};

} // namespace bystack::federation
