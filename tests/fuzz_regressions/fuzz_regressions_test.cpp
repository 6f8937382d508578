#include "tests/fuzz/entries.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace bystack;
namespace fs = std::filesystem;

const fs::path fuzz_dir{BYSTACK_FUZZ_DIR};

// Bounds the mutations tried per corpus file, so that the suite stays a few seconds long.
constexpr std::size_t mutations_per_file = 64;
constexpr std::size_t garbage_inputs_per_target = 500;
constexpr std::size_t garbage_max_bytes = 512;

bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Returns the files of one target's folder under corpus/ or crashes/, sorted for a stable order.
std::vector<fs::path> inputs_of(const std::string& kind, std::string_view target) {
  std::vector<fs::path> files;
  auto dir = fuzz_dir / kind / std::string{target};
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Runs one input and reports, against the file it came from, anything but a clean verdict.
void expect_clean(const fuzz::target& t, byte_view input, const std::string& what) {
  fuzz::verdict v;
  EXPECT_NO_THROW(v = t.run(input)) << t.name << ": " << what;
  EXPECT_TRUE(v.violation.empty()) << t.name << ": " << what << ": " << v.violation;
}

std::vector<std::string> target_names() {
  std::vector<std::string> names;
  for (const auto& t : fuzz::targets())
    names.emplace_back(t.name);
  return names;
}

class fuzz_target : public testing::TestWithParam<std::string> {
protected:
  const fuzz::target& target() const {
    auto t = fuzz::find_target(GetParam());
    if (t == nullptr) throw std::logic_error("no fuzz target " + GetParam());
    return *t;
  }
};

TEST_P(fuzz_target, has_a_seed_corpus) {
  EXPECT_FALSE(inputs_of("corpus", GetParam()).empty())
      << "tests/fuzz/corpus/" << GetParam() << " is missing or empty";
}

TEST_P(fuzz_target, replays_corpus_and_crashes_cleanly) {
  const auto& t = target();
  for (const char* kind : {"corpus", "crashes"})
    for (const auto& f : inputs_of(kind, GetParam()))
      expect_clean(t, read_file(f), f.string());
}

TEST_P(fuzz_target, refuses_damaged_corpus_inputs_without_throwing) {
  const auto& t = target();
  std::mt19937_64 rng(42);
  for (const auto& f : inputs_of("corpus", GetParam())) {
    auto input = read_file(f);
    if (input.empty()) continue;
    for (std::size_t i = 0; i < mutations_per_file; ++i) {
      auto damaged = input;
      switch (rng() % 3) {
      case 0: // truncate
        damaged.resize(rng() % damaged.size());
        break;
      case 1: // flip a bit
        damaged[rng() % damaged.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      default: // overwrite a word with random bytes
        for (std::size_t k = 0, at = rng() % damaged.size(); k < 8 && at + k < damaged.size(); ++k)
          damaged[at + k] = static_cast<std::uint8_t>(rng());
        break;
      }
      expect_clean(t, damaged, f.string() + " mutation " + std::to_string(i));
    }
  }
}

TEST_P(fuzz_target, refuses_random_bytes) {
  const auto& t = target();
  std::mt19937_64 rng(7);
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < garbage_inputs_per_target; ++i) {
    bytes input(rng() % garbage_max_bytes);
    for (auto& b : input)
      b = static_cast<std::uint8_t>(rng());
    fuzz::verdict v;
    EXPECT_NO_THROW(v = t.run(input)) << t.name << ": random input " << i;
    EXPECT_TRUE(v.violation.empty()) << t.name << ": random input " << i << ": " << v.violation;
    accepted += v.accepted ? 1 : 0;
  }
  // Random bytes are not a valid message, transaction request or config.
  EXPECT_EQ(accepted, 0u);
}

INSTANTIATE_TEST_SUITE_P(all, fuzz_target, testing::ValuesIn(target_names()),
                         [](const testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(fuzz_folders, every_folder_names_a_target) {
  for (const char* kind : {"corpus", "crashes"}) {
    auto dir = fuzz_dir / kind;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_directory()) continue;
      EXPECT_NE(fuzz::find_target(e.path().filename().string()), nullptr)
          << e.path() << " names no fuzz target (tests/fuzz/entries.cpp)";
    }
  }
}

} // namespace
