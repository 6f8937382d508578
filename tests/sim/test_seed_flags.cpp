// The seed range flags of the seeded searches (sim/seed_flags.hpp): values read and the read
// position stepped, other flags left alone, and every malformed value refused with the flag named.

#include "sim/seed_flags.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace bystack::sim;

/// A command line as main receives it.
struct args {
  explicit args(std::vector<std::string> words) : words_(std::move(words)) {
    for (auto& w : words_)
      ptrs_.push_back(w.data());
  }
  int argc() const { return static_cast<int>(ptrs_.size()); }
  char* const* argv() const { return ptrs_.data(); }

private:
  std::vector<std::string> words_;
  std::vector<char*> ptrs_;
};

/// Reads every word from index 1 as a seed range flag; returns the first error, or "" when all
/// were read, or "other: FLAG" for the first word that is no seed range flag.
std::string read_all(const args& a, seed_range& r) {
  for (int i = 1; i < a.argc(); ++i) {
    auto got = read_seed_range_flag(a.argc(), a.argv(), i, r);
    if (!got) return got.err().message;
    if (!*got) return "other: " + std::string(a.argv()[i]);
  }
  return "";
}

TEST(SeedFlags, ReadsTheRangeAndTheThreads) {
  seed_range r;
  EXPECT_EQ(read_all(args({"prog", "--from", "107196", "--count", "5", "--jobs", "3"}), r), "");
  EXPECT_EQ(r.from, 107196u);
  EXPECT_EQ(r.count, 5u);
  EXPECT_EQ(r.jobs, 3u);
}

TEST(SeedFlags, LeavesOtherFlagsAndTheirPosition) {
  seed_range r;
  args a({"prog", "--strict", "--from", "2"});
  int i = 1;
  auto got = read_seed_range_flag(a.argc(), a.argv(), i, r);
  ASSERT_TRUE(got);
  EXPECT_FALSE(*got);
  EXPECT_EQ(i, 1);
  i = 2;
  got = read_seed_range_flag(a.argc(), a.argv(), i, r);
  ASSERT_TRUE(got);
  EXPECT_TRUE(*got);
  EXPECT_EQ(i, 3);
  EXPECT_EQ(r.from, 2u);
  EXPECT_EQ(r.count, seed_range{}.count);
}

TEST(SeedFlags, ABadNumberNamesTheFlag) {
  for (const char* bad : {"x", "12x", "-1", "", "1.5"}) {
    seed_range r;
    EXPECT_EQ(read_all(args({"prog", "--count", bad}), r),
              std::string("--count: '") + bad + "' is not a valid number");
  }
  seed_range r;
  EXPECT_EQ(read_all(args({"prog", "--from", "99999999999999999999"}), r),
            "--from: '99999999999999999999' is not a valid number");
  EXPECT_EQ(read_all(args({"prog", "--jobs", "4294967296"}), r),
            "--jobs: '4294967296' is not a valid number");
}

TEST(SeedFlags, AMissingValueNamesTheFlag) {
  for (const char* flag : {"--from", "--count", "--jobs"}) {
    seed_range r;
    EXPECT_EQ(read_all(args({"prog", flag}), r), std::string(flag) + " needs a value");
  }
}

TEST(SeedFlags, ZeroJobsIsRefused) {
  seed_range r;
  EXPECT_EQ(read_all(args({"prog", "--jobs", "0"}), r),
            "--jobs: 0 threads run nothing; give at least 1");
  unsigned jobs = 2;
  args a({"prog", "--jobs", "0"});
  int i = 1;
  EXPECT_FALSE(read_jobs_flag(a.argc(), a.argv(), i, jobs));
}

TEST(SeedFlags, ANumberFlagReturnsItsText) {
  std::uint32_t nodes = 0;
  args a({"prog", "--nodes", "7"});
  int i = 1;
  auto text = read_flag_number(a.argc(), a.argv(), i, nodes);
  ASSERT_TRUE(text) << text.err().message;
  EXPECT_EQ(*text, "7");
  EXPECT_EQ(nodes, 7u);
  EXPECT_EQ(i, 2);
}

} // namespace
