#include "runtime/crypto/keys.hpp"

#include "tests/crypto/test_util.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace bystack::crypto {
namespace {

using test::contains;

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Writes a file by hand with mode 0600, as an operator with an editor would.
void write_file(const std::filesystem::path& file, std::string_view content) {
  std::ofstream out(file, std::ios::binary);
  out << content;
  out.close();
  std::filesystem::permissions(file, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
}

unsigned mode_of(const std::filesystem::path& file) {
  struct stat st {};
  EXPECT_EQ(::stat(file.c_str(), &st), 0);
  return st.st_mode & 07777;
}

const std::string valid_hex = to_hex(test::seed_of(1));

class key_file : public ::testing::Test {
protected:
  test::temp_dir dir_;
  std::filesystem::path file_ = dir_.path() / "node.key";

  /// Expects load() to fail with an error that names the file and contains `what`.
  void expect_load_error(std::string_view what) {
    auto loaded = key_pair::load(file_);
    ASSERT_FALSE(loaded.ok());
    EXPECT_TRUE(contains(loaded.err().message, file_.string()));
    EXPECT_TRUE(contains(loaded.err().message, std::string{what}));
  }
};

TEST_F(key_file, round_trip) {
  auto kp = key_pair::from_seed(test::seed_of(7));
  ASSERT_TRUE(kp.save(file_).ok());
  EXPECT_EQ(mode_of(file_), 0600u);
  EXPECT_EQ(read_all(file_), to_hex(test::seed_of(7)) + "\n");
  auto loaded = key_pair::load(file_);
  ASSERT_TRUE(loaded.ok()) << loaded.err().message;
  EXPECT_EQ(loaded->seed(), kp.seed());
  EXPECT_EQ(loaded->pub(), kp.pub());
}

TEST_F(key_file, refuses_to_overwrite) {
  auto first = key_pair::from_seed(test::seed_of(1));
  auto second = key_pair::from_seed(test::seed_of(2));
  ASSERT_TRUE(first.save(file_).ok());
  auto again = second.save(file_);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(contains(again.err().message, file_.string()));
  EXPECT_TRUE(contains(again.err().message, "already exists"));
  auto loaded = key_pair::load(file_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->pub(), first.pub());
}

TEST_F(key_file, save_into_a_missing_directory_names_the_file) {
  auto bad = dir_.path() / "no-such-dir" / "node.key";
  auto saved = key_pair::from_seed(test::seed_of(1)).save(bad);
  ASSERT_FALSE(saved.ok());
  EXPECT_TRUE(contains(saved.err().message, bad.string()));
}

TEST_F(key_file, accepts_no_newline_and_upper_case) {
  std::string upper = valid_hex;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  write_file(file_, upper);
  auto loaded = key_pair::load(file_);
  ASSERT_TRUE(loaded.ok()) << loaded.err().message;
  EXPECT_EQ(loaded->seed(), test::seed_of(1));
}

TEST_F(key_file, missing) {
  expect_load_error("does not exist");
}

TEST_F(key_file, empty) {
  write_file(file_, "");
  expect_load_error("expected 64 hex characters, found 0");
}

TEST_F(key_file, odd_hex_length) {
  write_file(file_, valid_hex.substr(0, 63) + "\n");
  expect_load_error("expected 64 hex characters, found 63");
}

TEST_F(key_file, too_long) {
  write_file(file_, valid_hex + "00");
  expect_load_error("expected 64 hex characters, found 66");
}

TEST_F(key_file, two_newlines) {
  write_file(file_, valid_hex + "\n\n");
  expect_load_error("expected 64 hex characters, found 65");
}

TEST_F(key_file, huge) {
  write_file(file_, std::string(100000, 'a'));
  expect_load_error("expected 64 hex characters, found more than");
}

TEST_F(key_file, non_hex) {
  auto text = valid_hex;
  text[10] = 'g';
  write_file(file_, text + "\n");
  expect_load_error("character 0x67 ('g') at position 11 is not a hex digit");
}

TEST_F(key_file, windows_line_ending) {
  write_file(file_, valid_hex.substr(0, 63) + "\r\n");
  expect_load_error("0x0d (carriage return) at position 64");
}

TEST_F(key_file, group_readable_is_rejected) {
  write_file(file_, valid_hex + "\n");
  std::filesystem::permissions(file_, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  expect_load_error("permissions 0640 are too open");
  expect_load_error("chmod 600");
}

TEST_F(key_file, other_readable_is_rejected) {
  write_file(file_, valid_hex + "\n");
  std::filesystem::permissions(file_, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  expect_load_error("permissions 0604 are too open");
}

TEST_F(key_file, directory_is_rejected) {
  std::filesystem::create_directory(file_);
  std::filesystem::permissions(file_, std::filesystem::perms::owner_all);
  expect_load_error("not a regular file");
}

} // namespace
} // namespace bystack::crypto
