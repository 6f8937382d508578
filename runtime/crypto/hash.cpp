#include "runtime/crypto/hash.hpp"

#include <botan/hash.h>

#include <stdexcept>
#include <vector>

namespace bystack::crypto {

bool hash256::is_zero() const noexcept {
  for (auto b : data)
    if (b != 0) return false;
  return true;
}

std::string hash256::hex() const { return to_hex(view()); }

bool parse_hash(std::string_view hex, hash256& out) {
  bytes b;
  if (hex.size() != 64 || !from_hex(hex, b)) return false;
  std::copy(b.begin(), b.end(), out.data.begin());
  return true;
}

namespace {

std::unique_ptr<Botan::HashFunction> make(const char* name) {
  auto h = Botan::HashFunction::create(name);
  if (!h) throw std::logic_error(std::string{"Botan lacks hash function "} + name);
  return h;
}

hash256 run(Botan::HashFunction& h, byte_view data) {
  h.update(data.data(), data.size());
  hash256 out;
  h.final(out.data.data());
  return out;
}

} // namespace

hash256 sha3_256(byte_view data) {
  thread_local auto h = make("SHA-3(256)");
  return run(*h, data);
}

hash256 sha256(byte_view data) {
  thread_local auto h = make("SHA-256");
  return run(*h, data);
}

namespace {

// Creating a Botan hash object by name parses the name and allocates, which costs more than
// hashing a transaction; hashers are short-lived and many, so each thread keeps spare objects.
thread_local bool spares_gone = false; // trivially destructible: safe to read at thread exit
struct spare_hashers {
  std::vector<std::unique_ptr<Botan::HashFunction>> v;
  ~spare_hashers() { spares_gone = true; }
};
spare_hashers& spares() {
  thread_local spare_hashers s;
  return s;
}
constexpr std::size_t spare_hashers_max = 32;

} // namespace

struct sha3_256_hasher::impl {
  std::unique_ptr<Botan::HashFunction> h;
  impl() {
    if (!spares_gone && !spares().v.empty()) {
      h = std::move(spares().v.back());
      spares().v.pop_back();
    } else {
      h = make("SHA-3(256)");
    }
  }
  ~impl() {
    if (!h || spares_gone) return;
    h->clear();
    auto& s = spares();
    if (s.v.size() < spare_hashers_max) s.v.push_back(std::move(h));
  }
};

sha3_256_hasher::sha3_256_hasher() : impl_(std::make_unique<impl>()) {}
sha3_256_hasher::~sha3_256_hasher() = default;
sha3_256_hasher::sha3_256_hasher(sha3_256_hasher&&) noexcept = default;
sha3_256_hasher& sha3_256_hasher::operator=(sha3_256_hasher&&) noexcept = default;

sha3_256_hasher& sha3_256_hasher::update(byte_view data) {
  impl_->h->update(data.data(), data.size());
  return *this;
}

sha3_256_hasher& sha3_256_hasher::update_u64(std::uint64_t x) {
  std::uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(x >> (8 * i));
  impl_->h->update(b, 8);
  return *this;
}

hash256 sha3_256_hasher::finish() {
  hash256 out;
  impl_->h->final(out.data.data());
  return out;
}

} // namespace bystack::crypto
