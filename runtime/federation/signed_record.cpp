#include "runtime/federation/signed_record.hpp"

#include "runtime/base/bytes.hpp"

#include <algorithm>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace bystack::federation {

namespace {

constexpr std::string_view header = "# bystack-federationd signed releases: pegout release";

std::optional<crypto::hash256> parse_hash(std::string_view s) {
  bytes b;
  if (s.size() != 64 || !from_hex(s, b) || b.size() != 32) return std::nullopt;
  crypto::hash256 h;
  std::copy(b.begin(), b.end(), h.data.begin());
  return h;
}

std::string errno_text(int e) {
  return std::strerror(e);
}

/// Writes all of `text` to fd, retrying short writes.
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace

result<signed_record> signed_record::open(const std::filesystem::path& file) {
  signed_record r(file);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
    if (!std::filesystem::is_directory(dir, ec))
      return make_error(file.string() + ": directory " + dir.string() + " does not exist");
    return r;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error("cannot read " + file.string() + ": " + errno_text(errno));
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto where = file.string() + ":" + std::to_string(n) + ": ";
    if (n == 1) {
      if (line != header) return make_error(where + "not a signed-release record");
      continue;
    }
    if (line.size() != 129 || line[64] != ' ')
      return make_error(where + "expected 'PEGOUT RELEASE' (64 hex digits each)");
    auto p = parse_hash(std::string_view(line).substr(0, 64));
    auto t = parse_hash(std::string_view(line).substr(65));
    if (!p || !t) return make_error(where + "expected 'PEGOUT RELEASE' (64 hex digits each)");
    if (!r.signed_.emplace(*p, *t).second)
      return make_error(where + "pegout " + p->hex() + " is recorded twice");
  }
  if (n == 0) return make_error(file.string() + ": empty (a record has at least its header)");
  return r;
}

std::optional<crypto::hash256> signed_record::find(const crypto::hash256& pegout) const {
  auto it = signed_.find(pegout);
  if (it == signed_.end()) return std::nullopt;
  return it->second;
}

result<void> signed_record::sign(const crypto::hash256& pegout, const crypto::hash256& release) {
  if (auto it = signed_.find(pegout); it != signed_.end()) {
    if (it->second == release) return {};
    return make_error("refusing to sign release " + release.hex() + " for pegout " + pegout.hex() +
                      ": release " + it->second.hex() + " was signed for it (" + file_.string() +
                      ")");
  }
  auto all = signed_;
  all.emplace(pegout, release);
  if (auto ok = save(all); !ok) return ok.err();
  signed_ = std::move(all);
  return {};
}

result<void> signed_record::save(const std::map<crypto::hash256, crypto::hash256>& all) const {
  std::string text(header);
  text += '\n';
  for (const auto& [p, t] : all)
    text += p.hex() + ' ' + t.hex() + '\n';
  auto tmp = file_;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error("cannot create " + tmp.string() + ": " + errno_text(errno));
  if (!write_all(fd, text) || ::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return make_error("cannot write " + tmp.string() + ": " + errno_text(e));
  }
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return make_error("cannot close " + tmp.string() + ": " + errno_text(e));
  }
  if (::rename(tmp.c_str(), file_.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return make_error("cannot rename " + tmp.string() + " to " + file_.string() + ": " +
                      errno_text(e));
  }
  // The rename is durable once the directory is.
  auto dir = file_.parent_path().empty() ? std::filesystem::path(".") : file_.parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return make_error("cannot open directory " + dir.string() + ": " + errno_text(errno));
  int rc = ::fsync(dfd);
  int e = errno;
  ::close(dfd);
  if (rc != 0) return make_error("cannot sync directory " + dir.string() + ": " + errno_text(e));
  return {};
}

} // namespace bystack::federation
