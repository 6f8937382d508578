#include "runtime/crypto/keys.hpp"

#include <botan/auto_rng.h>
#include <botan/ed25519.h>
#include <botan/mem_ops.h>
#include <botan/pubkey.h>
#include <botan/rng.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace bystack::crypto {

hash256 node_id_of(const public_key& pk) {
  return sha3_256({pk.data(), pk.size()});
}

struct key_pair::impl {
  Botan::Ed25519_PrivateKey key;

  explicit impl(const secret_seed& seed)
      : key(Botan::secure_vector<std::uint8_t>(seed.begin(), seed.end())) {}
};

key_pair::key_pair(const secret_seed& seed) : impl_(std::make_unique<impl>(seed)), seed_(seed) {
  const auto& pub = impl_->key.get_public_key();
  std::copy(pub.begin(), pub.end(), pub_.begin());
}

key_pair::key_pair(key_pair&&) noexcept = default;
key_pair& key_pair::operator=(key_pair&&) noexcept = default;

key_pair::~key_pair() {
  Botan::secure_scrub_memory(seed_.data(), seed_.size());
}

key_pair key_pair::generate() {
  Botan::AutoSeeded_RNG rng;
  secret_seed seed;
  rng.randomize(seed.data(), seed.size());
  key_pair kp{seed};
  Botan::secure_scrub_memory(seed.data(), seed.size());
  return kp;
}

key_pair key_pair::from_seed(const secret_seed& seed) {
  return key_pair{seed};
}

ed25519_signature key_pair::sign(byte_view message) const {
  // Ed25519 signing is deterministic; the signer never draws from the generator. A PK_Signer per
  // call keeps sign() safe to call from several threads on one key pair.
  Botan::Null_RNG rng;
  Botan::PK_Signer signer(impl_->key, rng, "Pure");
  auto sig = signer.sign_message(message.data(), message.size(), rng);
  ed25519_signature out;
  std::copy(sig.begin(), sig.end(), out.begin());
  return out;
}

namespace {

std::string describe_errno(int err) {
  return std::strerror(err);
}

std::string quoted(const std::filesystem::path& file) {
  return "key file " + file.string();
}

/// Closes a file descriptor on every path out of a function.
class fd_guard {
public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const noexcept { return fd_; }
  /// Closes now and reports the result (a failed close can mean lost data).
  int close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

private:
  int fd_;
};

/// Bounds what load() reads: a valid key file has at most 65 bytes.
constexpr std::size_t key_file_max_bytes = 4096;
constexpr std::size_t key_file_hex_chars = 64;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  out.push_back(digits[u >> 4]);
  out.push_back(digits[u & 0x0f]);
  if (u >= 0x21 && u < 0x7f) {
    out += " ('";
    out.push_back(c);
    out += "')";
  } else if (c == ' ') {
    out += " (space)";
  } else if (c == '\n') {
    out += " (newline)";
  } else if (c == '\r') {
    out += " (carriage return)";
  } else if (c == '\t') {
    out += " (tab)";
  }
  return out;
}

/// Wipes a buffer that held secret material when it goes out of scope.
struct scrub_on_exit {
  std::string& buf;
  ~scrub_on_exit() { Botan::secure_scrub_memory(buf.data(), buf.size()); }
};

} // namespace

result<void> key_pair::save(const std::filesystem::path& file) const {
  // O_EXCL makes the existence check and the creation one step, so a key is never overwritten
  // even by a concurrent writer; mode 0600 applies from the first byte on disk.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST)
      return make_error(quoted(file) + ": already exists; refusing to overwrite a key file");
    return make_error("cannot create " + quoted(file) + ": " + describe_errno(err));
  }
  fd_guard guard{fd};
  std::string text = to_hex({seed_.data(), seed_.size()});
  scrub_on_exit scrub{text};
  text.push_back('\n');

  auto fail = [&](const char* what, int err) -> result<void> {
    if (guard.get() >= 0) guard.close();
    ::unlink(file.c_str()); // a partial key file would only confuse the next load()
    return make_error("cannot " + std::string{what} + " " + quoted(file) + ": " +
                      describe_errno(err));
  };
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("sync", errno);
  if (guard.close() != 0) return fail("close", errno);
  return {};
}

result<key_pair> key_pair::load(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return make_error(quoted(file) + ": does not exist");
    return make_error("cannot open " + quoted(file) + ": " + describe_errno(err));
  }
  fd_guard guard{fd};

  // Check the opened descriptor, not the path, so that the checked file is the one read.
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return make_error("cannot stat " + quoted(file) + ": " + describe_errno(errno));
  if (!S_ISREG(st.st_mode)) return make_error(quoted(file) + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error(quoted(file) + ": permissions " + mode +
                      " are too open (group or other may access a secret key); run `chmod 600 " +
                      file.string() + "`");
  }

  std::string text;
  scrub_on_exit scrub{text};
  text.resize(key_file_max_bytes + 1);
  std::size_t got = 0;
  while (got < text.size()) {
    auto n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("cannot read " + quoted(file) + ": " + describe_errno(errno));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > key_file_max_bytes)
    return make_error(quoted(file) + ": expected " + std::to_string(key_file_hex_chars) +
                      " hex characters, found more than " + std::to_string(key_file_max_bytes) +
                      " bytes");
  std::string_view hex{text.data(), got};
  if (!hex.empty() && hex.back() == '\n') hex.remove_suffix(1);
  if (hex.size() != key_file_hex_chars)
    return make_error(quoted(file) + ": expected " + std::to_string(key_file_hex_chars) +
                      " hex characters, found " + std::to_string(hex.size()));

  secret_seed seed;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      std::size_t at = hi < 0 ? i : i + 1;
      Botan::secure_scrub_memory(seed.data(), seed.size());
      return make_error(quoted(file) + ": character " + describe_char(hex[at]) + " at position " +
                        std::to_string(at + 1) + " is not a hex digit");
    }
    seed[i / 2] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  try {
    key_pair kp{seed};
    Botan::secure_scrub_memory(seed.data(), seed.size());
    return kp;
  } catch (const std::exception& e) {
    Botan::secure_scrub_memory(seed.data(), seed.size());
    return make_error(quoted(file) + ": cannot derive the key: " + e.what());
  }
}

} // namespace bystack::crypto
