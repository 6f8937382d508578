#pragma once
/// Typed access to YAML files with errors that name the file, the line and the key.
///
/// yaml-cpp alone reports a bare "bad conversion"; these readers wrap every access so that an
/// error reads like `scenarios/x.yaml:12:5: key 'network.latency.mean_ms': expected a number,
/// got "fast"`. A map_reader remembers which keys were asked for; finish() reports any other key
/// as unknown (a typo must not be silently ignored), in this mapping and in every mapping opened
/// from it. Copies of a reader, and readers opened again for the same key, share that record.
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

namespace detail {
struct reader_state;
} // namespace detail

/// Holds a parsed YAML document and its name (the file path, or a label for parsed text).
class yaml_document {
public:
  /// Loads and parses a file; the error names the file (missing, unreadable, syntax error at line).
  static result<yaml_document> load(const std::filesystem::path& file);
  /// Parses text; `name` stands for the file in error messages.
  static result<yaml_document> parse(const std::string& text, const std::string& name);

  /// Returns the top-level mapping (throws config_error if the document is not a mapping).
  /// Every call, on this document or a copy, shares one record of the keys asked for.
  map_reader root() const;
  const std::string& name() const noexcept { return name_; }

  yaml_document(const yaml_document&);
  yaml_document& operator=(const yaml_document&);
  ~yaml_document();

private:
  yaml_document();
  std::string name_;
  std::unique_ptr<YAML::Node> root_;
  std::shared_ptr<detail::reader_state> root_state_;
};

/// Reads one YAML mapping; `path` is the dotted key path from the document root.
class map_reader {
public:
  map_reader(std::string file, std::string path, const YAML::Node& node);
  map_reader(const map_reader&);
  map_reader& operator=(const map_reader&);
  ~map_reader();

  /// Returns true if the key is present (it is not counted as read).
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

  /// Throws config_error naming every key that was present but never asked for, one per line,
  /// here and in every mapping opened from this one (map, optional_map, list().map_at); also
  /// names keys written twice.
  void finish() const;

  /// Throws config_error for `key` with the given complaint (for checks done by the caller).
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  /// Returns "file:line:col" of the mapping (or of key, when present).
  std::string where(const std::string& key = {}) const;
  const std::string& path() const noexcept { return path_; }

private:
  friend class yaml_document;
  friend class list_reader;
  map_reader(std::string file, std::string path, const YAML::Node& node,
             std::shared_ptr<detail::reader_state> state);

  std::string file_;
  std::string path_;
  std::unique_ptr<YAML::Node> node_;
  std::shared_ptr<detail::reader_state> state_; // keys asked for, and mappings opened from here
};

/// Reads one YAML sequence.
class list_reader {
public:
  list_reader(std::string file, std::string path, const YAML::Node* node);
  list_reader(const list_reader&);
  list_reader& operator=(const list_reader&);
  ~list_reader();

  std::size_t size() const;
  /// Reads element i as a scalar.
  template <class T>
  T at(std::size_t i) const;
  /// Reads element i as a mapping.
  map_reader map_at(std::size_t i) const;
  [[noreturn]] void fail(std::size_t i, const std::string& what) const;

private:
  friend class map_reader;
  list_reader(std::string file, std::string path, const YAML::Node* node,
              std::shared_ptr<detail::reader_state> owner);

  std::string file_;
  std::string path_;
  std::unique_ptr<YAML::Node> node_;            // null when the key was absent
  std::shared_ptr<detail::reader_state> owner_; // the mapping's record, so finish() sees elements
};

// Supported T for required/optional/at: bool, std::int64_t, std::uint64_t, int, std::uint32_t,
// double, std::string. (Explicit instantiations live in yaml_reader.cpp.)
//
// Scalars are read strictly, whatever YAML 1.1 would make of them: a bool is `true` or `false`
// (not yes/no/on/off); an integer is decimal digits with an optional sign (no 0x, no leading
// zero); a number is decimal, optionally with a fraction and exponent. List elements appear in
// key paths as `a.b[3]` (counting from 0).

/// Names a host and a TCP port (node configs: listen, api, peers).
struct endpoint {
  std::string address;
  std::uint16_t port = 0;
};

/// Reads `{address, port}`: a non-empty address and a port in 1..65535.
endpoint read_endpoint(map_reader m);

/// Resolves a path from a config file: absolute as given, relative to the file's directory `base`.
std::filesystem::path resolve_path(const std::filesystem::path& base, const std::string& p);

} // namespace bystack::config
