#pragma once
/// Helpers shared by the crypto tests.

#include "runtime/base/bytes.hpp"
#include "runtime/crypto/keys.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <unistd.h>

namespace bystack::crypto::test {

/// Decodes hex that the test itself wrote; fails the test on a typo.
inline bytes unhex(std::string_view hex) {
  bytes out;
  EXPECT_TRUE(from_hex(hex, out)) << "bad hex in test: " << hex;
  return out;
}

template <class Array> Array unhex_array(std::string_view hex) {
  auto b = unhex(hex);
  Array out{};
  EXPECT_EQ(b.size(), out.size()) << hex;
  std::copy_n(b.begin(), std::min(b.size(), out.size()), out.begin());
  return out;
}

/// Succeeds if `text` contains `part`; the failure message shows the whole text.
inline ::testing::AssertionResult contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

/// Returns a distinct, fixed seed per validator index.
inline secret_seed seed_of(std::uint32_t index) {
  secret_seed s{};
  std::mt19937_64 gen(0x5eed0000u + index);
  for (auto& b : s)
    b = static_cast<std::uint8_t>(gen());
  return s;
}

/// Returns n bytes from a generator seeded by the caller (deterministic garbage).
inline bytes garbage(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  bytes out(n);
  for (auto& b : out)
    b = static_cast<std::uint8_t>(gen());
  return out;
}

/// Creates a fresh directory for one test and removes it afterwards.
class temp_dir {
public:
  temp_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string{"bystack-crypto-"} + info->test_suite_name() + "-" +
                       info->name() + "-" + std::to_string(::getpid());
    for (auto& c : name)
      if (c == '/') c = '_';
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace bystack::crypto::test
