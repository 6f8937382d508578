// One behavioural suite for both stores, then what only the RocksDB store promises: durability
// across reopening, the lock, and errors that name the directory.
#include "tests/common/temp_dir.hpp"
#include "runtime/store/kv_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bystack::store {
namespace {

namespace fs = std::filesystem;

using test::temp_dir;

bytes b(std::string_view s) {
  return bytes(s.begin(), s.end());
}
std::string s(byte_view v) {
  return std::string(v.begin(), v.end());
}

/// Returns the value under key, failing the test on an error.
std::optional<std::string> get(const kv_store& st, const std::string& column,
                               std::string_view key) {
  auto r = st.get(column, b(key));
  EXPECT_TRUE(r.ok()) << r.err().message;
  if (!r.ok() || !r.value()) return std::nullopt;
  return s(*r.value());
}

std::vector<std::string> scan_keys(const kv_store& st, const std::string& column, bytes prefix) {
  std::vector<std::string> keys;
  auto r = st.scan(column, prefix, [&](byte_view k, byte_view) {
    keys.push_back(s(k));
    return true;
  });
  EXPECT_TRUE(r.ok()) << r.err().message;
  return keys;
}

// -- both implementations -----------------------------------------------------------------------

struct memory_backend {
  std::unique_ptr<kv_store> open(std::vector<std::string> columns) {
    return make_memory_store(std::move(columns));
  }
};

struct rocksdb_backend {
  temp_dir dir;
  std::unique_ptr<kv_store> open(std::vector<std::string> columns) {
    auto r = open_rocksdb(dir.path() / "db", std::move(columns));
    if (!r) throw std::runtime_error(r.err().message);
    return std::move(r).value();
  }
};

template <class Backend> class store_test : public ::testing::Test {
protected:
  Backend backend_;
  std::unique_ptr<kv_store> store_ = backend_.open({"blocks", "meta"});
};

struct backend_names {
  template <class T> static std::string GetName(int) {
    return std::is_same_v<T, memory_backend> ? "memory" : "rocksdb";
  }
};

using backends = ::testing::Types<memory_backend, rocksdb_backend>;
TYPED_TEST_SUITE(store_test, backends, backend_names);

TYPED_TEST(store_test, put_then_get_returns_the_value) {
  auto& st = *this->store_;
  ASSERT_TRUE(st.put("blocks", b("k1"), b("v1")).ok());
  EXPECT_EQ(get(st, "blocks", "k1"), "v1");
}

TYPED_TEST(store_test, missing_key_is_empty_not_an_error) {
  auto r = this->store_->get("blocks", b("absent"));
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_FALSE(r.value().has_value());
}

TYPED_TEST(store_test, empty_value_differs_from_missing) {
  auto& st = *this->store_;
  ASSERT_TRUE(st.put("blocks", b("k"), bytes{}).ok());
  auto r = st.get("blocks", b("k"));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.value().has_value());
  EXPECT_TRUE(r.value()->empty());
}

TYPED_TEST(store_test, put_overwrites) {
  auto& st = *this->store_;
  ASSERT_TRUE(st.put("blocks", b("k"), b("old")).ok());
  ASSERT_TRUE(st.put("blocks", b("k"), b("new")).ok());
  EXPECT_EQ(get(st, "blocks", "k"), "new");
}

TYPED_TEST(store_test, delete_removes_and_deleting_a_missing_key_is_fine) {
  auto& st = *this->store_;
  ASSERT_TRUE(st.put("blocks", b("k"), b("v")).ok());
  write_batch batch;
  batch.del("blocks", b("k"));
  batch.del("blocks", b("never-written"));
  ASSERT_TRUE(st.write(batch).ok());
  EXPECT_EQ(get(st, "blocks", "k"), std::nullopt);
}

TYPED_TEST(store_test, columns_are_separate) {
  auto& st = *this->store_;
  ASSERT_TRUE(st.put("blocks", b("k"), b("in-blocks")).ok());
  ASSERT_TRUE(st.put("meta", b("k"), b("in-meta")).ok());
  EXPECT_EQ(get(st, "blocks", "k"), "in-blocks");
  EXPECT_EQ(get(st, "meta", "k"), "in-meta");
  EXPECT_EQ(st.columns(), (std::vector<std::string>{"blocks", "meta"}));
}

TYPED_TEST(store_test, unknown_column_is_an_error_naming_it_and_the_declared_ones) {
  auto& st = *this->store_;
  auto g = st.get("blcoks", b("k"));
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.err().message.find("unknown column 'blcoks'"), std::string::npos) << g.err().message;
  EXPECT_NE(g.err().message.find("blocks, meta"), std::string::npos) << g.err().message;
  auto sc = st.scan("blcoks", {}, [](byte_view, byte_view) { return true; });
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.err().message.find("'blcoks'"), std::string::npos) << sc.err().message;
  auto p = st.put("blcoks", b("k"), b("v"));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.err().message.find("'blcoks'"), std::string::npos) << p.err().message;
}

TYPED_TEST(store_test, batch_with_an_unknown_column_applies_nothing) {
  auto& st = *this->store_;
  ASSERT_TRUE(st.put("blocks", b("keep"), b("v")).ok());
  write_batch batch;
  batch.put("blocks", b("a"), b("1"));
  batch.del("blocks", b("keep"));
  batch.put("meta", b("m"), b("2"));
  batch.put("nope", b("x"), b("3"));
  batch.put("blocks", b("c"), b("4"));
  auto r = st.write(batch);
  ASSERT_FALSE(r.ok());
  ::testing::Test::RecordProperty("message", r.err().message);
  EXPECT_NE(r.err().message.find("unknown column 'nope'"), std::string::npos) << r.err().message;
  EXPECT_NE(r.err().message.find("blocks, meta"), std::string::npos) << r.err().message;
  EXPECT_EQ(get(st, "blocks", "a"), std::nullopt);
  EXPECT_EQ(get(st, "blocks", "keep"), "v");
  EXPECT_EQ(get(st, "meta", "m"), std::nullopt);
  EXPECT_EQ(get(st, "blocks", "c"), std::nullopt);
}

TYPED_TEST(store_test, batch_applies_ops_in_order) {
  auto& st = *this->store_;
  write_batch batch;
  batch.put("blocks", b("k"), b("1"));
  batch.del("blocks", b("k"));
  batch.put("blocks", b("j"), b("2"));
  batch.put("blocks", b("j"), b("3"));
  ASSERT_TRUE(st.write(batch, {.sync = true}).ok());
  EXPECT_EQ(get(st, "blocks", "k"), std::nullopt);
  EXPECT_EQ(get(st, "blocks", "j"), "3");
}

TYPED_TEST(store_test, scan_visits_keys_with_the_prefix_in_order) {
  auto& st = *this->store_;
  const std::string ff = "\xff";
  write_batch batch;
  // Written out of order, with 0xff bytes that a naive prefix bound would mishandle.
  for (const std::string& k : std::vector<std::string>{"b", "abd", "a", "ab" + ff + ff, "abc", "ab",
                                                       "a" + ff, "ac", ff, ff + "x"})
    batch.put("blocks", b(k), b("v:" + k));
  batch.put("meta", b("abz"), b("other column"));
  ASSERT_TRUE(st.write(batch).ok());

  EXPECT_EQ(scan_keys(st, "blocks", b("ab")),
            (std::vector<std::string>{"ab", "abc", "abd", "ab" + ff + ff}));
  EXPECT_EQ(scan_keys(st, "blocks", b("a" + ff)), (std::vector<std::string>{"a" + ff}));
  EXPECT_EQ(scan_keys(st, "blocks", b(ff)), (std::vector<std::string>{ff, ff + "x"}));
  EXPECT_EQ(scan_keys(st, "blocks", b("zz")), std::vector<std::string>{});
  EXPECT_EQ(scan_keys(st, "blocks", {}),
            (std::vector<std::string>{"a", "ab", "abc", "abd", "ab" + ff + ff, "ac", "a" + ff, "b",
                                      ff, ff + "x"}));

  std::vector<std::string> values;
  ASSERT_TRUE(st.scan("blocks", b("abc"), [&](byte_view, byte_view v) {
                  values.push_back(s(v));
                  return true;
                }).ok());
  EXPECT_EQ(values, std::vector<std::string>{"v:abc"});
}

TYPED_TEST(store_test, scan_stops_when_the_callback_returns_false) {
  auto& st = *this->store_;
  for (const char* k : {"p1", "p2", "p3", "p4"})
    ASSERT_TRUE(st.put("blocks", b(k), b("v")).ok());
  std::vector<std::string> seen;
  auto r = st.scan("blocks", b("p"), [&](byte_view k, byte_view) {
    seen.push_back(s(k));
    return seen.size() < 2;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"p1", "p2"}));
}

TYPED_TEST(store_test, be64_keys_scan_in_numeric_order) {
  auto& st = *this->store_;
  std::vector<std::uint64_t> numbers = {0,
                                        1,
                                        255,
                                        256,
                                        65535,
                                        65536,
                                        1000,
                                        1ull << 32,
                                        (1ull << 32) - 1,
                                        std::numeric_limits<std::uint64_t>::max()};
  std::vector<std::uint64_t> shuffled = numbers;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(7));
  write_batch batch;
  for (auto n : shuffled) {
    bytes key = b("h/");
    auto enc = be64(n);
    key.insert(key.end(), enc.begin(), enc.end());
    batch.put("blocks", key, be64(n * 3));
  }
  ASSERT_TRUE(st.write(batch).ok());

  std::vector<std::uint64_t> seen;
  ASSERT_TRUE(st.scan("blocks", b("h/"), [&](byte_view k, byte_view v) {
                  auto n = read_be64(k.subspan(2));
                  EXPECT_EQ(read_be64(v), n * 3);
                  seen.push_back(n);
                  return true;
                }).ok());
  std::sort(numbers.begin(), numbers.end());
  EXPECT_EQ(seen, numbers);
}

// -- key encoding -------------------------------------------------------------------------------

TEST(be64, encodes_big_endian_and_round_trips) {
  EXPECT_EQ(be64(0x0102030405060708ull), (bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  for (std::uint64_t x : {0ull, 1ull, 0xffull, 0x1234567890abcdefull, ~0ull})
    EXPECT_EQ(read_be64(be64(x)), x);
}

TEST(be64, read_rejects_short_input_and_reads_the_first_eight_bytes) {
  bytes seven(7, 0);
  EXPECT_THROW((void)read_be64(seven), std::out_of_range);
  bytes nine = be64(42);
  nine.push_back(0xff);
  EXPECT_EQ(read_be64(nine), 42u);
}

// -- RocksDB only -------------------------------------------------------------------------------

std::unique_ptr<kv_store> open_or_fail(const fs::path& dir, std::vector<std::string> columns) {
  auto r = open_rocksdb(dir, std::move(columns));
  if (!r) ADD_FAILURE() << r.err().message;
  return r ? std::move(r).value() : nullptr;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(rocksdb_store, synced_writes_survive_close_and_reopen_in_two_columns) {
  temp_dir tmp;
  const auto dir = tmp.path() / "db";
  {
    auto st = open_or_fail(dir, {"blocks", "meta"});
    ASSERT_NE(st, nullptr);
    for (std::uint64_t round = 0; round < 10; ++round) {
      write_batch batch;
      for (std::uint64_t i = 0; i < 20; ++i) {
        auto n = round * 20 + i;
        batch.put("blocks", be64(n), b("block-" + std::to_string(n)));
      }
      batch.put("meta", b("height"), be64(round));
      ASSERT_TRUE(st->write(batch, {.sync = true}).ok());
    }
    write_batch drop;
    drop.del("blocks", be64(7));
    ASSERT_TRUE(st->write(drop, {.sync = true}).ok());
  }
  auto st = open_or_fail(dir, {"blocks", "meta"});
  ASSERT_NE(st, nullptr);
  for (std::uint64_t n = 0; n < 200; ++n) {
    auto v = st->get("blocks", be64(n));
    ASSERT_TRUE(v.ok()) << v.err().message;
    if (n == 7) {
      EXPECT_FALSE(v.value().has_value());
    } else {
      ASSERT_TRUE(v.value().has_value()) << n;
      EXPECT_EQ(s(*v.value()), "block-" + std::to_string(n));
    }
  }
  auto h = st->get("meta", b("height"));
  ASSERT_TRUE(h.ok() && h.value());
  EXPECT_EQ(read_be64(*h.value()), 9u);
  EXPECT_EQ(scan_keys(*st, "blocks", {}).size(), 199u);
}

TEST(rocksdb_store, reopening_with_fewer_columns_keeps_the_others_on_disk) {
  temp_dir tmp;
  const auto dir = tmp.path() / "db";
  {
    auto st = open_or_fail(dir, {"blocks", "meta"});
    ASSERT_NE(st, nullptr);
    ASSERT_TRUE(st->put("blocks", b("k"), b("b")).ok());
    ASSERT_TRUE(st->put("meta", b("k"), b("m")).ok());
  }
  {
    auto st = open_or_fail(dir, {"blocks"});
    ASSERT_NE(st, nullptr);
    EXPECT_EQ(st->columns(), std::vector<std::string>{"blocks"});
    EXPECT_EQ(get(*st, "blocks", "k"), "b");
    auto m = st->get("meta", b("k"));
    ASSERT_FALSE(m.ok());
    EXPECT_TRUE(contains(m.err().message, "unknown column 'meta'")) << m.err().message;
  }
  auto st = open_or_fail(dir, {"meta", "blocks"});
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(get(*st, "meta", "k"), "m");
}

TEST(rocksdb_store, second_handle_in_the_same_process_fails_on_the_lock) {
  temp_dir tmp;
  const auto dir = tmp.path() / "db";
  auto first = open_or_fail(dir, {"blocks"});
  ASSERT_NE(first, nullptr);
  auto second = open_rocksdb(dir, {"blocks"});
  ASSERT_FALSE(second.ok());
  const auto& msg = second.err().message;
  ::testing::Test::RecordProperty("message", msg);
  EXPECT_TRUE(contains(msg, dir.string())) << msg;
  EXPECT_TRUE(contains(msg, "lock")) << msg;
  EXPECT_TRUE(contains(msg, "has the store open")) << msg;
  // The failed attempt must not have disturbed the first handle.
  EXPECT_TRUE(first->put("blocks", b("k"), b("v")).ok());
}

TEST(rocksdb_store, another_process_holding_the_lock_makes_open_fail) {
  temp_dir tmp;
  const auto dir = tmp.path() / "db";
  int to_child[2];
  int from_child[2];
  ASSERT_EQ(::pipe(to_child), 0);
  ASSERT_EQ(::pipe(from_child), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  posix_spawn_file_actions_addclose(&actions, to_child[1]);
  posix_spawn_file_actions_addclose(&actions, from_child[0]);
  std::string program = BYSTACK_LOCK_HOLDER;
  std::string dir_arg = dir.string();
  char* argv[] = {program.data(), dir_arg.data(), nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(to_child[0]);
  ::close(from_child[1]);
  ASSERT_EQ(rc, 0) << "cannot start " << program;

  // Blocks until the child has the store open (or has exited).
  std::string line;
  char c = 0;
  while (::read(from_child[0], &c, 1) == 1 && c != '\n')
    line.push_back(c);
  ::close(from_child[0]);
  bool child_ready = line == "ready";

  std::string msg;
  if (child_ready) {
    auto r = open_rocksdb(dir, {"blocks"});
    msg = r.ok() ? "" : r.err().message;
  }
  ::close(to_child[1]); // lets the child exit
  int status = 0;
  ::waitpid(pid, &status, 0);

  ASSERT_TRUE(child_ready) << "lock holder said '" << line << "'";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_FALSE(msg.empty()) << "open succeeded while another process held the lock";
  ::testing::Test::RecordProperty("message", msg);
  EXPECT_TRUE(contains(msg, dir.string())) << msg;
  EXPECT_TRUE(contains(msg, "LOCK")) << msg;
  EXPECT_TRUE(contains(msg, "has the store open")) << msg;

  // Once the other process is gone, the store opens.
  EXPECT_NE(open_or_fail(dir, {"blocks"}), nullptr);
}

TEST(rocksdb_store, a_regular_file_as_directory_gives_an_error_naming_it) {
  temp_dir tmp;
  const auto file = tmp.path() / "not-a-dir";
  std::ofstream(file) << "x";
  auto r = open_rocksdb(file, {"blocks"});
  ASSERT_FALSE(r.ok());
  ::testing::Test::RecordProperty("message", r.err().message);
  EXPECT_TRUE(contains(r.err().message, file.string())) << r.err().message;
  EXPECT_TRUE(contains(r.err().message, "not a directory")) << r.err().message;
}

TEST(rocksdb_store, corruption_is_reported_with_rocksdbs_reason) {
  temp_dir tmp;
  const auto dir = tmp.path() / "db";
  {
    auto st = open_or_fail(dir, {"blocks"});
    ASSERT_NE(st, nullptr);
    ASSERT_TRUE(st->put("blocks", b("k"), b("v"), {.sync = true}).ok());
  }
  std::ofstream(dir / "CURRENT", std::ios::trunc) << "garbage";
  auto r = open_rocksdb(dir, {"blocks"});
  ASSERT_FALSE(r.ok());
  ::testing::Test::RecordProperty("message", r.err().message);
  EXPECT_TRUE(contains(r.err().message, dir.string())) << r.err().message;
  EXPECT_TRUE(contains(r.err().message, "Corruption")) << r.err().message;
}

TEST(rocksdb_store, a_missing_parent_directory_gives_an_error_naming_the_path) {
  temp_dir tmp;
  const auto dir = tmp.path() / "no" / "such" / "db";
  auto r = open_rocksdb(dir, {"blocks"});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.err().message, dir.string())) << r.err().message;
}

} // namespace
} // namespace bystack::store
