// Every error must say where: the file, the line and the key path. The files are written to a
// temp directory so that load() is exercised exactly as with scenario files.
#include "tests/common/temp_dir.hpp"
#include "runtime/config/yaml_reader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <stdlib.h>

namespace bystack::config {
namespace {

namespace fs = std::filesystem;

using test::temp_dir;

class yaml_reader_test : public ::testing::Test {
protected:
  /// Writes text to a file in the temp directory and returns its path.
  fs::path write(const std::string& text, const std::string& name = "scenario.yaml") {
    auto p = dir_.path() / name;
    std::ofstream(p) << text;
    return p;
  }

  /// Loads the file, failing the test on an error.
  yaml_document load(const fs::path& p) {
    auto r = yaml_document::load(p);
    if (!r) throw std::runtime_error(r.err().message);
    return std::move(r).value();
  }

  /// Returns the message of the config_error that f throws; fails the test if it throws
  /// anything else or nothing.
  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const config_error& e) {
      // Kept in the XML report (--gtest_output=xml) so that real messages can be quoted.
      RecordProperty("message_" + std::to_string(++errors_seen_), e.what());
      return e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw something else than config_error: " << e.what();
      return {};
    }
    ADD_FAILURE() << "did not throw";
    return {};
  }

  temp_dir dir_;
  int errors_seen_ = 0;
};

#define EXPECT_HAS(msg, part)                                                                      \
  EXPECT_NE((msg).find(part), std::string::npos) << "'" << (part) << "' not in:\n" << (msg)

TEST_F(yaml_reader_test, reads_a_valid_file_fully) {
  auto file = write(R"(# a two-level network
name: two-level
seed: 42
enabled: true
verbose: false
ratio: 0.25
rate: -1.5e3
big: 18446744073709551615
small: -9223372036854775808
port: 8080
network:
  latency_ms: 20
  bandwidth_mbps: 100
  model: lognormal
  jitter: 0.5
nodes:
  - id: 1
    role: leader
  - id: 2
    role: validator
tags: [a, b, "c d"]
empty_list: []
)");
  auto doc = load(file);
  EXPECT_EQ(doc.name(), file.string());
  auto root = doc.root();
  EXPECT_EQ(root.required<std::string>("name"), "two-level");
  EXPECT_EQ(root.required<std::int64_t>("seed"), 42);
  EXPECT_EQ(root.required<int>("seed"), 42);
  EXPECT_TRUE(root.required<bool>("enabled"));
  EXPECT_FALSE(root.optional<bool>("verbose", true));
  EXPECT_DOUBLE_EQ(root.required<double>("ratio"), 0.25);
  EXPECT_DOUBLE_EQ(root.required<double>("rate"), -1500.0);
  EXPECT_EQ(root.required<std::uint64_t>("big"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(root.required<std::int64_t>("small"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(root.required<std::uint32_t>("port"), 8080u);
  EXPECT_EQ(root.required_int("port", 1, 65535), 8080);
  EXPECT_EQ(root.optional<std::string>("absent", "fallback"), "fallback");
  EXPECT_EQ(root.optional_int("absent_int", 7, 0, 10), 7);
  EXPECT_FALSE(root.has("absent"));
  EXPECT_TRUE(root.has("seed"));

  auto net = root.map("network");
  EXPECT_EQ(net.path(), "network");
  EXPECT_EQ(net.required<int>("latency_ms"), 20);
  EXPECT_EQ(net.optional_int("bandwidth_mbps", 10, 1, 100000), 100);
  EXPECT_EQ(net.optional_choice("model", "fixed", {"fixed", "lognormal"}), "lognormal");
  EXPECT_DOUBLE_EQ(net.optional_double("jitter", 0.0, 0.0, 1.0), 0.5);
  EXPECT_FALSE(root.optional_map("faults").has_value());

  auto nodes = root.list("nodes", true);
  ASSERT_EQ(nodes.size(), 2u);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto n = nodes.map_at(i);
    EXPECT_EQ(n.required<int>("id"), static_cast<int>(i + 1));
    (void)n.required<std::string>("role");
  }
  auto tags = root.list("tags");
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags.at<std::string>(2), "c d");
  EXPECT_EQ(root.list("empty_list").size(), 0u);
  EXPECT_EQ(root.list("no_such_list").size(), 0u);

  EXPECT_NO_THROW(root.finish());
}

TEST_F(yaml_reader_test, wrong_type_names_file_line_and_key) {
  auto file = write("name: x\nnetwork:\n  latency:\n    mean_ms: fast\n  peers: {a: 1}\n");
  auto root = load(file).root();
  auto latency = root.map("network").map("latency");
  auto msg = error_of([&] { (void)latency.required<double>("mean_ms"); });
  EXPECT_EQ(msg, file.string() + ":4:14: key 'network.latency.mean_ms': expected a number, got "
                                 "'fast'");

  msg = error_of([&] { (void)root.map("network").required<std::string>("peers"); });
  EXPECT_HAS(msg, file.string() + ":5:");
  EXPECT_HAS(msg, "key 'network.peers': expected a string, found a mapping");

  msg = error_of([&] { (void)root.required<int>("name"); });
  EXPECT_EQ(msg, file.string() + ":1:7: key 'name': expected an integer, got 'x'");

  msg = error_of([&] { (void)root.map("name"); });
  EXPECT_HAS(msg, file.string() + ":1:");
  EXPECT_HAS(msg, "key 'name': expected a mapping, found 'x'");

  msg = error_of([&] { (void)root.list("network"); });
  EXPECT_HAS(msg, file.string() + ":2:");
  EXPECT_HAS(msg, "key 'network': expected a list, found a mapping");
}

TEST_F(yaml_reader_test, a_list_or_null_where_a_scalar_belongs_is_an_error_not_an_exception) {
  auto file = write("seed: [1, 2]\nname:\n");
  auto root = load(file).root();
  auto msg = error_of([&] { (void)root.required<int>("seed"); });
  EXPECT_HAS(msg, file.string() + ":1:");
  EXPECT_HAS(msg, "key 'seed': expected an integer, found a list");
  msg = error_of([&] { (void)root.optional<std::string>("name", "n"); });
  EXPECT_HAS(msg, file.string() + ":2:1: key 'name': expected a string, found nothing (null)");
}

TEST_F(yaml_reader_test, missing_required_key_points_at_the_enclosing_mapping) {
  auto file = write("name: x\nnetwork:\n  bandwidth_mbps: 100\n");
  auto root = load(file).root();
  auto net = root.map("network");
  auto msg = error_of([&] { (void)net.required<int>("latency_ms"); });
  EXPECT_EQ(msg, file.string() + ":3:3: key 'network.latency_ms': missing (required)");

  msg = error_of([&] { (void)root.map("workload"); });
  EXPECT_EQ(msg, file.string() + ":1:1: key 'workload': missing (required)");
  msg = error_of([&] { (void)root.list("nodes", true); });
  EXPECT_EQ(msg, file.string() + ":1:1: key 'nodes': missing (required)");
}

TEST_F(yaml_reader_test, finish_lists_every_unknown_key_on_its_own_line) {
  auto file = write(R"(name: x
network:
  latency: 5
  latncy: 6
  bandwidth_mbps: 100
  colour: red
extra: 1
)");
  auto root = load(file).root();
  (void)root.required<std::string>("name");
  auto net = root.map("network");
  (void)net.required<int>("latency");
  (void)net.optional<int>("bandwidth_mbps", 10);
  (void)net.optional<std::string>("model", "fixed");
  auto msg = error_of([&] { root.finish(); });
  const std::string expected =
      file.string() +
      ":4:3: key 'network.latncy': unknown key 'latncy', did you mean 'latency'? "
      "(known keys: latency, bandwidth_mbps, model)\n" +
      file.string() +
      ":6:3: key 'network.colour': unknown key 'colour' (known keys: latency, "
      "bandwidth_mbps, model)\n" +
      file.string() + ":7:1: key 'extra': unknown key 'extra' (known keys: name, network)";
  EXPECT_EQ(msg, expected);

  // The nested reader on its own reports only its own keys.
  msg = error_of([&] { net.finish(); });
  EXPECT_HAS(msg, ":4:3: key 'network.latncy'");
  EXPECT_EQ(msg.find("extra"), std::string::npos) << msg;
}

TEST_F(yaml_reader_test, finish_sees_keys_read_through_another_root_or_a_reopened_map) {
  auto file = write("a:\n  x: 1\n  y: 2\nb: 3\n");
  auto doc = load(file);
  (void)doc.root().map("a").required<int>("x");
  (void)doc.root().map("a").required<int>("y");
  (void)doc.root().required<int>("b");
  EXPECT_NO_THROW(doc.root().finish());
}

TEST_F(yaml_reader_test, finish_reports_unknown_keys_in_list_elements_and_duplicates) {
  auto file = write("nodes:\n  - id: 1\n  - id: 2\n    rol: leader\nseed: 1\nseed: 2\n");
  auto root = load(file).root();
  auto nodes = root.list("nodes");
  for (std::size_t i = 0; i < nodes.size(); ++i)
    (void)nodes.map_at(i).required<int>("id");
  (void)root.required<int>("seed");
  auto msg = error_of([&] { root.finish(); });
  EXPECT_HAS(msg, file.string() + ":4:5: key 'nodes[1].rol': unknown key 'rol' (known keys: id)");
  EXPECT_HAS(msg, file.string() + ":6:1: key 'seed': duplicate key 'seed' (first at line 5)");
}

TEST_F(yaml_reader_test, yaml_1_1_booleans_are_rejected) {
  auto file = write("enabled: yes\nverbose: off\nfast: 1\nflag: true\n");
  auto root = load(file).root();
  auto msg = error_of([&] { (void)root.required<bool>("enabled"); });
  EXPECT_HAS(msg, file.string() + ":1:10: key 'enabled': expected true or false, got 'yes'");
  EXPECT_HAS(msg, "write true or false");
  msg = error_of([&] { (void)root.optional<bool>("verbose", false); });
  EXPECT_HAS(msg, file.string() + ":2:10: key 'verbose'");
  EXPECT_HAS(msg, "write true or false");
  msg = error_of([&] { (void)root.required<bool>("fast"); });
  EXPECT_EQ(msg, file.string() + ":3:7: key 'fast': expected true or false, got '1'");
  EXPECT_TRUE(root.required<bool>("flag"));
}

TEST_F(yaml_reader_test, integers_out_of_range_or_not_decimal_are_rejected) {
  auto file = write(R"(port: 70000
count: -1
wide: 3000000000
huge: 99999999999999999999
octal: 010
hex: 0x10
real: 1.5
ratio: 1.5
)");
  auto root = load(file).root();
  auto msg = error_of([&] { (void)root.required_int("port", 1, 65535); });
  EXPECT_EQ(msg, file.string() + ":1:7: key 'port': expected an integer in [1, 65535], got 70000");
  msg = error_of([&] { (void)root.required<std::uint32_t>("count"); });
  EXPECT_EQ(msg,
            file.string() + ":2:8: key 'count': expected an integer in [0, 4294967295], got -1");
  msg = error_of([&] { (void)root.required<int>("wide"); });
  EXPECT_EQ(msg, file.string() +
                     ":3:7: key 'wide': expected an integer in [-2147483648, 2147483647], got "
                     "3000000000");
  msg = error_of([&] { (void)root.required<std::int64_t>("huge"); });
  EXPECT_HAS(msg, file.string() + ":4:7: key 'huge': expected an integer in [");
  msg = error_of([&] { (void)root.required<int>("octal"); });
  EXPECT_HAS(msg, file.string() + ":5:8: key 'octal': expected an integer without leading zeros");
  msg = error_of([&] { (void)root.required<int>("hex"); });
  EXPECT_EQ(msg, file.string() + ":6:6: key 'hex': expected an integer written in decimal digits, "
                                 "got '0x10'");
  msg = error_of([&] { (void)root.required<int>("real"); });
  EXPECT_EQ(msg, file.string() + ":7:7: key 'real': expected an integer, got '1.5'");
  msg = error_of([&] { (void)root.optional_double("ratio", 0.5, 0.0, 1.0); });
  EXPECT_EQ(msg, file.string() + ":8:8: key 'ratio': expected a number in [0, 1], got 1.5");
}

TEST_F(yaml_reader_test, numbers_reject_words_that_yaml_or_cpp_would_take) {
  auto file = write("a: .inf\nb: nan\nc: 0x1p3\nd: 1e400\ne: 5.\n");
  auto root = load(file).root();
  for (const char* key : {"a", "b", "c"}) {
    auto msg = error_of([&] { (void)root.required<double>(key); });
    EXPECT_HAS(msg, std::string("key '") + key + "': expected a number, got");
  }
  auto msg = error_of([&] { (void)root.required<double>("d"); });
  EXPECT_HAS(msg, file.string() + ":4:4: key 'd': expected a number that fits a double");
  EXPECT_DOUBLE_EQ(root.required<double>("e"), 5.0);
}

TEST_F(yaml_reader_test, choice_outside_the_list_names_the_choices) {
  auto file = write("transport: udp\n");
  auto root = load(file).root();
  auto msg = error_of([&] { (void)root.optional_choice("transport", "sim", {"sim", "tcp"}); });
  EXPECT_EQ(msg, file.string() + ":1:12: key 'transport': expected one of: sim, tcp; got 'udp'");
}

TEST_F(yaml_reader_test, list_element_errors_name_the_index) {
  auto file = write(R"(x:
  - y: 1
  - y: 2
  - y: abc
weights: [1, 2, heavy]
)");
  auto root = load(file).root();
  auto x = root.list("x");
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(x.map_at(0).required<int>("y"), 1);
  auto msg = error_of([&] { (void)x.map_at(2).required<int>("y"); });
  EXPECT_EQ(msg, file.string() + ":4:8: key 'x[2].y': expected an integer, got 'abc'");

  auto w = root.list("weights");
  msg = error_of([&] { (void)w.at<double>(2); });
  EXPECT_EQ(msg, file.string() + ":5:17: key 'weights[2]': expected a number, got 'heavy'");
  msg = error_of([&] { (void)w.map_at(0); });
  EXPECT_EQ(msg, file.string() + ":5:11: key 'weights[0]': expected a mapping, found '1'");
  msg = error_of([&] { (void)w.at<int>(3); });
  EXPECT_HAS(msg, "key 'weights[3]': no such element (the list has 3)");
  msg = error_of([&] { w.fail(1, "must not repeat"); });
  EXPECT_EQ(msg, file.string() + ":5:14: key 'weights[1]': must not repeat");
  msg = error_of([&] { x.map_at(1).fail("y", "must be odd"); });
  EXPECT_EQ(msg, file.string() + ":3:8: key 'x[1].y': must be odd");
}

TEST_F(yaml_reader_test, syntax_error_names_file_and_line) {
  auto file = write("name: x\nnodes: [1, 2\nseed: 3\n");
  auto r = yaml_document::load(file);
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.err().message, file.string() + ":3:");
  EXPECT_HAS(r.err().message, ": YAML syntax error: ");
  RecordProperty("message", r.err().message);

  file = write("a: 1\n  b: 2\n", "indent.yaml");
  r = yaml_document::load(file);
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.err().message, file.string() + ":2:");
  EXPECT_HAS(r.err().message, "YAML syntax error");
}

TEST_F(yaml_reader_test, missing_file_says_so) {
  auto file = dir_.path() / "absent.yaml";
  auto r = yaml_document::load(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().message, file.string() + ": cannot open (No such file or directory)");
}

TEST_F(yaml_reader_test, directory_instead_of_file_says_so) {
  auto r = yaml_document::load(dir_.path());
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.err().message, dir_.path().string() + ": cannot ");
  EXPECT_HAS(r.err().message, "Is a directory");
}

TEST_F(yaml_reader_test, top_level_must_be_a_mapping) {
  auto list = write("- 1\n- 2\n", "list.yaml");
  auto msg = error_of([&] { (void)load(list).root(); });
  EXPECT_EQ(msg, list.string() + ":1:1: expected a mapping at the top level, found a list");
  auto empty = write("# nothing\n", "empty.yaml");
  msg = error_of([&] { (void)load(empty).root(); });
  EXPECT_EQ(msg, empty.string() + ":1:1: expected a mapping at the top level, found an empty "
                                  "document");
}

TEST_F(yaml_reader_test, parse_uses_the_given_name) {
  auto r = yaml_document::parse("a: b\n", "<inline>");
  ASSERT_TRUE(r.ok());
  auto root = r.value().root();
  auto msg = error_of([&] { (void)root.required<int>("a"); });
  EXPECT_EQ(msg, "<inline>:1:4: key 'a': expected an integer, got 'b'");
  EXPECT_EQ(root.where("a"), "<inline>:1:4");
  EXPECT_EQ(root.where(), "<inline>:1:1");
}

} // namespace
} // namespace bystack::config
