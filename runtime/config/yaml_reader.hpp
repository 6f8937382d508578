#pragma once
/// Typed access to YAML files with errors that name the file, the line and the key.
///
/// yaml-cpp alone reports a bare "bad conversion"; these readers wrap every access so that an
/// error reads like `scenarios/x.yaml:12:5: key 'network.latency.mean_ms': expected a number,
/// got "fast"`. A map_reader remembers which keys were read; finish() reports any other key as
/// unknown (a typo must not be silently ignored).
///
/// Readers throw config_error internally; load functions catch it at the boundary and return
/// result<T>.

#include "runtime/base/result.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace bystack::config {

/// Thrown by readers; what() is the full message with file, line and key.
class config_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class map_reader;
class list_reader;

/// Holds a parsed YAML document and its name (the file path, or a label for parsed text).
class yaml_document {
public:
  /// Loads and parses a file; the error names the file (missing, unreadable, syntax error at line).
  static result<yaml_document> load(const std::filesystem::path& file);
  /// Parses text; `name` stands for the file in error messages.
  static result<yaml_document> parse(const std::string& text, const std::string& name);

  /// Returns the top-level mapping (throws config_error if the document is not a mapping).
  map_reader root() const;
  const std::string& name() const noexcept { return name_; }

  yaml_document(const yaml_document&);
  yaml_document& operator=(const yaml_document&);
  ~yaml_document();

private:
  yaml_document();
  std::string name_;
  std::unique_ptr<YAML::Node> root_;
};

/// Reads one YAML mapping; `path` is the dotted key path from the document root.
class map_reader {
public:
  map_reader(std::string file, std::string path, const YAML::Node& node);
  map_reader(const map_reader&);
  map_reader& operator=(const map_reader&);
  ~map_reader();

  bool has(const std::string& key) const;

  /// Reads a required scalar (bool, integers, double, std::string).
  template <class T>
  T required(const std::string& key);
  /// Reads an optional scalar, returning fallback when the key is absent.
  template <class T>
  T optional(const std::string& key, T fallback);
  /// Reads an integer and checks lo <= value <= hi.
  std::int64_t required_int(const std::string& key, std::int64_t lo, std::int64_t hi);
  std::int64_t optional_int(const std::string& key, std::int64_t fallback, std::int64_t lo,
                            std::int64_t hi);
  /// Reads a number and checks lo <= value <= hi.
  double optional_double(const std::string& key, double fallback, double lo, double hi);
  /// Reads a string that must be one of choices.
  std::string optional_choice(const std::string& key, const std::string& fallback,
                              const std::vector<std::string>& choices);

  map_reader map(const std::string& key);
  std::optional<map_reader> optional_map(const std::string& key);
  /// Reads a sequence (absent key: empty list unless required).
  list_reader list(const std::string& key, bool required = false);

  /// Throws config_error naming every key that was present but never read.
  void finish() const;

  /// Throws config_error for `key` with the given complaint (for checks done by the caller).
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  /// Returns "file:line:col" of the mapping (or of key, when present).
  std::string where(const std::string& key = {}) const;
  const std::string& path() const noexcept { return path_; }

private:
  std::string file_;
  std::string path_;
  std::unique_ptr<YAML::Node> node_;
  std::shared_ptr<std::set<std::string>> read_keys_;
};

/// Reads one YAML sequence.
class list_reader {
public:
  list_reader(std::string file, std::string path, const YAML::Node* node);
  list_reader(const list_reader&);
  ~list_reader();

  std::size_t size() const;
  /// Reads element i as a scalar.
  template <class T>
  T at(std::size_t i) const;
  /// Reads element i as a mapping.
  map_reader map_at(std::size_t i) const;
  [[noreturn]] void fail(std::size_t i, const std::string& what) const;

private:
  std::string file_;
  std::string path_;
  std::unique_ptr<YAML::Node> node_; // null when the key was absent
};

// Supported T for required/optional/at: bool, std::int64_t, std::uint64_t, int, std::uint32_t,
// double, std::string. (Explicit instantiations live in yaml_reader.cpp.)

} // namespace bystack::config
