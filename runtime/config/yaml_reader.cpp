#include "runtime/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <limits>
#include <map>
#include <system_error>
#include <tuple>
#include <type_traits>

namespace bystack::config {

namespace detail {

/// Records what a mapping was asked for; shared by every reader of that mapping.
struct reader_state {
  std::string file;
  std::string path;
  YAML::Node node;
  std::set<std::string> known;             // keys asked for, present or not
  std::vector<std::string> known_in_order; // the same, in the order asked, for messages
  std::map<std::string, std::shared_ptr<reader_state>> children; // by path: a.b, a.l[2]
};

} // namespace detail

namespace {

using detail::reader_state;

std::string format_mark(const std::string& file, const YAML::Mark& m) {
  if (m.is_null()) return file;
  return file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

std::string join_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string element_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

[[noreturn]] void throw_at(const std::string& file, const YAML::Mark& m, const std::string& path,
                           const std::string& what) {
  std::string msg = format_mark(file, m) + ": ";
  if (!path.empty()) msg += "key '" + path + "': ";
  throw config_error(msg + what);
}

/// Describes what a node holds, for "expected X, found Y".
std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
  case YAML::NodeType::Map:
    return "a mapping";
  case YAML::NodeType::Sequence:
    return "a list";
  case YAML::NodeType::Scalar:
    return "'" + n.Scalar() + "'";
  case YAML::NodeType::Null:
    return "nothing (null)";
  case YAML::NodeType::Undefined:
    break;
  }
  return "nothing";
}

/// Points at a scalar value itself, but at the key for anything else: a nested mapping or list
/// starts on the next line, and an empty value has no place of its own.
YAML::Mark entry_mark(const YAML::Node& key, const YAML::Node& value) {
  if (value.IsScalar() && !value.Mark().is_null()) return value.Mark();
  return key.Mark();
}

struct entry {
  YAML::Node key;
  YAML::Node value;
};

/// Finds the first entry with this key; iterating (rather than operator[]) gives the key's own
/// position and never creates a node.
std::optional<entry> find_entry(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return entry{it->first, it->second};
  }
  return std::nullopt;
}

/// A value being read, with enough context to say where it came from.
struct located {
  const std::string& file;
  std::string path;
  YAML::Node node;
  YAML::Mark mark;

  [[noreturn]] void fail(const std::string& what) const { throw_at(file, mark, path, what); }
};

template <class T> std::string to_text(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
  } else {
    return std::to_string(v);
  }
}

template <class T> std::string range_text(T lo, T hi) {
  return "[" + to_text(lo) + ", " + to_text(hi) + "]";
}

template <class T> constexpr const char* noun() {
  if constexpr (std::is_same_v<T, bool>)
    return "true or false";
  else if constexpr (std::is_integral_v<T>)
    return "an integer";
  else if constexpr (std::is_floating_point_v<T>)
    return "a number";
  else
    return "a string";
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool read_bool(const located& v) {
  const auto& s = v.node.Scalar();
  if (s == "true") return true;
  if (s == "false") return false;
  static const char* const yaml11[] = {"yes",  "no",    "on",   "off",   "y",   "n",
                                       "True", "False", "TRUE", "FALSE", "Yes", "No",
                                       "On",   "Off",   "YES",  "NO",    "ON",  "OFF"};
  for (const char* w : yaml11) {
    if (s == w)
      v.fail("expected true or false, got '" + s +
             "' (YAML 1.1 words such as yes/no/on/off are not accepted here: write true or "
             "false)");
  }
  v.fail("expected true or false, got '" + s + "'");
}

template <class T> T read_integer(const located& v) {
  const std::string& s = v.node.Scalar();
  std::string_view text = s;
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  const auto lo = std::numeric_limits<T>::min();
  const auto hi = std::numeric_limits<T>::max();
  if (!all_digits(text)) {
    if (text.size() > 1 && text[0] == '0' &&
        (text[1] == 'x' || text[1] == 'X' || text[1] == 'o' || text[1] == 'b'))
      v.fail("expected an integer written in decimal digits, got '" + s + "'");
    v.fail("expected an integer, got '" + s + "'");
  }
  if (text.size() > 1 && text[0] == '0')
    v.fail("expected an integer without leading zeros, got '" + s +
           "' (YAML 1.1 would read it as octal)");
  auto out_of_range = [&] {
    v.fail("expected an integer in " + range_text<T>(lo, hi) + ", got " + s);
  };
  if constexpr (std::is_signed_v<T>) {
    // Parse with the sign attached so that the most negative value fits.
    std::int64_t x = 0;
    std::string signed_text = (negative ? "-" : "") + std::string(text);
    auto r = std::from_chars(signed_text.data(), signed_text.data() + signed_text.size(), x);
    if (r.ec != std::errc() || x < lo || x > hi) out_of_range();
    return static_cast<T>(x);
  } else {
    std::uint64_t x = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), x);
    if (r.ec != std::errc() || x > hi) out_of_range();
    if (negative && x != 0) out_of_range();
    return static_cast<T>(x);
  }
}

/// Accepts [+-]digits[.digits][(e|E)[+-]digits] (digits on at least one side of the point);
/// rejects what from_chars would also take (inf, nan, hex) so that YAML and C++ agree.
bool is_decimal_number(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
      ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t int_start = i;
  std::size_t int_digits = digits();
  if (int_digits > 1 && s[int_start] == '0') return false;
  std::size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    frac_digits = digits();
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

double read_double(const located& v) {
  const std::string& s = v.node.Scalar();
  if (!is_decimal_number(s)) v.fail("expected a number, got '" + s + "'");
  std::string_view text = s;
  if (text[0] == '+') text.remove_prefix(1);
  double x = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), x);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size())
    v.fail("expected a number that fits a double, got '" + s + "'");
  return x;
}

template <class T> T decode(const located& v) {
  if (!v.node.IsScalar())
    v.fail(std::string("expected ") + noun<T>() + ", found " + describe(v.node));
  if constexpr (std::is_same_v<T, bool>)
    return read_bool(v);
  else if constexpr (std::is_integral_v<T>)
    return read_integer<T>(v);
  else if constexpr (std::is_floating_point_v<T>)
    return read_double(v);
  else
    return v.node.Scalar();
}

/// Runs f, turning any yaml-cpp exception into a config_error that names the place; callers
/// must never see YAML::Exception or YAML::BadConversion.
template <class F>
decltype(auto) guarded(const std::string& file, const YAML::Node* node, const std::string& path,
                       F&& f) {
  try {
    return f();
  } catch (const YAML::Exception& e) {
    YAML::Mark m = YAML::Mark::null_mark();
    try {
      if (node != nullptr) m = node->Mark();
    } catch (const YAML::Exception&) {
    }
    throw_at(file, m, path, std::string("YAML error: ") + e.what());
  }
}

std::shared_ptr<reader_state> make_state(const std::string& file, const std::string& path,
                                         const YAML::Node& node) {
  auto s = std::make_shared<reader_state>();
  s->file = file;
  s->path = path;
  s->node = node;
  return s;
}

/// Returns the state recorded under path in owner (creating it), so that opening one mapping
/// twice shares what was read.
std::shared_ptr<reader_state> child_state(const std::shared_ptr<reader_state>& owner,
                                          const std::string& file, const std::string& path,
                                          const YAML::Node& node) {
  if (!owner) return make_state(file, path, node);
  auto& slot = owner->children[path];
  if (!slot) slot = make_state(file, path, node);
  return slot;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

struct finding {
  int line;
  int column;
  std::string message;
};

void collect_findings(const reader_state& s, std::vector<finding>& out) {
  if (s.node.IsMap()) {
    std::map<std::string, YAML::Mark> seen;
    for (auto it = s.node.begin(); it != s.node.end(); ++it) {
      // A copy: the iterator hands out a proxy, so a reference to it->first would dangle.
      const YAML::Node key = it->first;
      const std::string name = key.IsScalar() ? key.Scalar() : "<" + describe(key) + ">";
      const YAML::Mark m = key.Mark();
      auto add = [&](const std::string& what) {
        out.push_back(
            {m.line, m.column,
             format_mark(s.file, m) + ": key '" + join_path(s.path, name) + "': " + what});
      };
      if (auto [pos, fresh] = seen.emplace(name, m); !fresh) {
        add("duplicate key '" + name + "' (first at line " + std::to_string(pos->second.line + 1) +
            ")");
        continue;
      }
      if (key.IsScalar() && s.known.count(name) != 0) continue;
      std::string what = "unknown key '" + name + "'";
      std::string best;
      std::size_t best_distance = 3; // suggest only close matches
      for (const auto& k : s.known_in_order) {
        auto d = edit_distance(name, k);
        if (d < best_distance && d < k.size()) {
          best = k;
          best_distance = d;
        }
      }
      if (!best.empty()) what += ", did you mean '" + best + "'?";
      if (s.known_in_order.empty()) {
        what += " (no keys are read here)";
      } else {
        what += " (known keys: ";
        for (std::size_t i = 0; i < s.known_in_order.size(); ++i)
          what += (i > 0 ? ", " : "") + s.known_in_order[i];
        what += ")";
      }
      add(what);
    }
  }
  for (const auto& [path, child] : s.children)
    collect_findings(*child, out);
}

} // namespace

// -- yaml_document ------------------------------------------------------------------------------

yaml_document::yaml_document() : root_(std::make_unique<YAML::Node>()) {}

yaml_document::yaml_document(const yaml_document& other)
    : name_(other.name_), root_(std::make_unique<YAML::Node>(*other.root_)),
      root_state_(other.root_state_) {}

yaml_document& yaml_document::operator=(const yaml_document& other) {
  if (this != &other) {
    name_ = other.name_;
    root_ = std::make_unique<YAML::Node>(*other.root_);
    root_state_ = other.root_state_;
  }
  return *this;
}

yaml_document::~yaml_document() = default;

result<yaml_document> yaml_document::load(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::FILE* f = std::fopen(name.c_str(), "rb");
  if (f == nullptr)
    return make_error(name + ": cannot open (" + std::generic_category().message(errno) + ")");
  std::string text;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    text.append(buf, n);
  // fopen succeeds on a directory; the read is what fails (EISDIR).
  int read_errno = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (read_errno != 0)
    return make_error(name + ": cannot read (" + std::generic_category().message(read_errno) + ")");
  return parse(text, name);
}

result<yaml_document> yaml_document::parse(const std::string& text, const std::string& name) {
  yaml_document doc;
  doc.name_ = name;
  try {
    *doc.root_ = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return make_error(format_mark(name, e.mark) + ": YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    return make_error(format_mark(name, e.mark) + ": YAML error: " + e.msg);
  }
  doc.root_state_ = make_state(name, "", *doc.root_);
  return doc;
}

map_reader yaml_document::root() const {
  if (root_->IsNull() || !root_->IsDefined())
    throw config_error(name_ +
                       ":1:1: expected a mapping at the top level, found an empty document");
  if (!root_->IsMap())
    throw_at(name_, root_->Mark(), "",
             "expected a mapping at the top level, found " + describe(*root_));
  return map_reader(name_, "", *root_, root_state_);
}

// -- map_reader ---------------------------------------------------------------------------------

map_reader::map_reader(std::string file, std::string path, const YAML::Node& node)
    : map_reader(file, path, node, make_state(file, path, node)) {}

map_reader::map_reader(std::string file, std::string path, const YAML::Node& node,
                       std::shared_ptr<detail::reader_state> state)
    : file_(std::move(file)), path_(std::move(path)), node_(std::make_unique<YAML::Node>(node)),
      state_(std::move(state)) {
  if (!node_->IsMap()) {
    const auto m = node_->IsDefined() ? node_->Mark() : YAML::Mark::null_mark();
    throw_at(file_, m, path_, "expected a mapping, found " + describe(*node_));
  }
}

map_reader::map_reader(const map_reader& other)
    : file_(other.file_), path_(other.path_), node_(std::make_unique<YAML::Node>(*other.node_)),
      state_(other.state_) {}

map_reader& map_reader::operator=(const map_reader& other) {
  if (this != &other) {
    file_ = other.file_;
    path_ = other.path_;
    node_ = std::make_unique<YAML::Node>(*other.node_);
    state_ = other.state_;
  }
  return *this;
}

map_reader::~map_reader() = default;

bool map_reader::has(const std::string& key) const {
  return guarded(file_, node_.get(), path_, [&] { return find_entry(*node_, key).has_value(); });
}

namespace {

/// Records key as asked for, so that finish() accepts it and can list it.
void note_key(reader_state& s, const std::string& key) {
  if (s.known.insert(key).second) s.known_in_order.push_back(key);
}

} // namespace

template <class T> T map_reader::required(const std::string& key) {
  return guarded(file_, node_.get(), join_path(path_, key), [&]() -> T {
    note_key(*state_, key);
    auto e = find_entry(*node_, key);
    if (!e) throw_at(file_, node_->Mark(), join_path(path_, key), "missing (required)");
    return decode<T>(located{file_, join_path(path_, key), e->value, entry_mark(e->key, e->value)});
  });
}

template <class T> T map_reader::optional(const std::string& key, T fallback) {
  return guarded(file_, node_.get(), join_path(path_, key), [&]() -> T {
    note_key(*state_, key);
    auto e = find_entry(*node_, key);
    if (!e) return fallback;
    return decode<T>(located{file_, join_path(path_, key), e->value, entry_mark(e->key, e->value)});
  });
}

std::int64_t map_reader::required_int(const std::string& key, std::int64_t lo, std::int64_t hi) {
  auto v = required<std::int64_t>(key);
  if (v < lo || v > hi)
    fail(key, "expected an integer in " + range_text(lo, hi) + ", got " + to_text(v));
  return v;
}

std::int64_t map_reader::optional_int(const std::string& key, std::int64_t fallback,
                                      std::int64_t lo, std::int64_t hi) {
  if (!has(key)) {
    note_key(*state_, key);
    return fallback;
  }
  return required_int(key, lo, hi);
}

double map_reader::optional_double(const std::string& key, double fallback, double lo, double hi) {
  if (!has(key)) {
    note_key(*state_, key);
    return fallback;
  }
  auto v = required<double>(key);
  // Written so that NaN fails too.
  if (!(v >= lo && v <= hi))
    fail(key, "expected a number in " + range_text(lo, hi) + ", got " + to_text(v));
  return v;
}

std::string map_reader::optional_choice(const std::string& key, const std::string& fallback,
                                        const std::vector<std::string>& choices) {
  auto v = optional<std::string>(key, fallback);
  if (!has(key) || std::find(choices.begin(), choices.end(), v) != choices.end()) return v;
  std::string list;
  for (std::size_t i = 0; i < choices.size(); ++i)
    list += (i > 0 ? ", " : "") + choices[i];
  fail(key, "expected one of: " + list + "; got '" + v + "'");
}

map_reader map_reader::map(const std::string& key) {
  auto m = optional_map(key);
  if (!m) throw_at(file_, node_->Mark(), join_path(path_, key), "missing (required)");
  return *std::move(m);
}

std::optional<map_reader> map_reader::optional_map(const std::string& key) {
  const auto path = join_path(path_, key);
  return guarded(file_, node_.get(), path, [&]() -> std::optional<map_reader> {
    note_key(*state_, key);
    auto e = find_entry(*node_, key);
    if (!e) return std::nullopt;
    if (!e->value.IsMap())
      throw_at(file_, entry_mark(e->key, e->value), path,
               "expected a mapping, found " + describe(e->value));
    return map_reader(file_, path, e->value, child_state(state_, file_, path, e->value));
  });
}

list_reader map_reader::list(const std::string& key, bool required) {
  const auto path = join_path(path_, key);
  return guarded(file_, node_.get(), path, [&]() -> list_reader {
    note_key(*state_, key);
    auto e = find_entry(*node_, key);
    if (!e) {
      if (required) throw_at(file_, node_->Mark(), path, "missing (required)");
      return list_reader(file_, path, nullptr, state_);
    }
    if (!e->value.IsSequence())
      throw_at(file_, entry_mark(e->key, e->value), path,
               "expected a list, found " + describe(e->value));
    return list_reader(file_, path, &e->value, state_);
  });
}

void map_reader::finish() const {
  std::vector<finding> found;
  guarded(file_, node_.get(), path_, [&] { collect_findings(*state_, found); });
  if (found.empty()) return;
  std::stable_sort(found.begin(), found.end(), [](const finding& a, const finding& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  std::string msg;
  for (const auto& f : found) {
    if (!msg.empty()) msg += '\n';
    msg += f.message;
  }
  throw config_error(msg);
}

void map_reader::fail(const std::string& key, const std::string& what) const {
  throw config_error(where(key) + ": key '" + join_path(path_, key) + "': " + what);
}

std::string map_reader::where(const std::string& key) const {
  return guarded(file_, node_.get(), path_, [&] {
    if (!key.empty()) {
      if (auto e = find_entry(*node_, key)) return format_mark(file_, entry_mark(e->key, e->value));
    }
    return format_mark(file_, node_->Mark());
  });
}

// -- list_reader --------------------------------------------------------------------------------

list_reader::list_reader(std::string file, std::string path, const YAML::Node* node)
    : list_reader(std::move(file), std::move(path), node, nullptr) {}

list_reader::list_reader(std::string file, std::string path, const YAML::Node* node,
                         std::shared_ptr<detail::reader_state> owner)
    : file_(std::move(file)), path_(std::move(path)),
      node_(node != nullptr ? std::make_unique<YAML::Node>(*node) : nullptr),
      owner_(std::move(owner)) {
  if (node_ && !node_->IsSequence())
    throw_at(file_, node_->Mark(), path_, "expected a list, found " + describe(*node_));
}

list_reader::list_reader(const list_reader& other)
    : file_(other.file_), path_(other.path_),
      node_(other.node_ ? std::make_unique<YAML::Node>(*other.node_) : nullptr),
      owner_(other.owner_) {}

list_reader& list_reader::operator=(const list_reader& other) {
  if (this != &other) {
    file_ = other.file_;
    path_ = other.path_;
    node_ = other.node_ ? std::make_unique<YAML::Node>(*other.node_) : nullptr;
    owner_ = other.owner_;
  }
  return *this;
}

list_reader::~list_reader() = default;

std::size_t list_reader::size() const {
  return node_ ? node_->size() : 0;
}

template <class T> T list_reader::at(std::size_t i) const {
  const auto path = element_path(path_, i);
  if (i >= size())
    throw_at(file_, node_ ? node_->Mark() : YAML::Mark::null_mark(), path,
             "no such element (the list has " + std::to_string(size()) + ")");
  return guarded(file_, node_.get(), path, [&]() -> T {
    const YAML::Node& list = *node_;
    YAML::Node e = list[i];
    return decode<T>(located{file_, path, e, e.Mark()});
  });
}

map_reader list_reader::map_at(std::size_t i) const {
  const auto path = element_path(path_, i);
  if (i >= size())
    throw_at(file_, node_ ? node_->Mark() : YAML::Mark::null_mark(), path,
             "no such element (the list has " + std::to_string(size()) + ")");
  return guarded(file_, node_.get(), path, [&] {
    const YAML::Node& list = *node_;
    YAML::Node e = list[i];
    if (!e.IsMap()) throw_at(file_, e.Mark(), path, "expected a mapping, found " + describe(e));
    return map_reader(file_, path, e, child_state(owner_, file_, path, e));
  });
}

void list_reader::fail(std::size_t i, const std::string& what) const {
  const auto path = element_path(path_, i);
  YAML::Mark m = YAML::Mark::null_mark();
  if (node_) {
    const YAML::Node& list = *node_;
    m = guarded(file_, node_.get(), path,
                [&] { return i < list.size() ? list[i].Mark() : list.Mark(); });
  }
  throw_at(file_, m, path, what);
}

// -- explicit instantiations --------------------------------------------------------------------

#define BYSTACK_CONFIG_INSTANTIATE(T)                                                              \
  template T map_reader::required<T>(const std::string&);                                          \
  template T map_reader::optional<T>(const std::string&, T);                                       \
  template T list_reader::at<T>(std::size_t) const;

BYSTACK_CONFIG_INSTANTIATE(bool)
BYSTACK_CONFIG_INSTANTIATE(int)
BYSTACK_CONFIG_INSTANTIATE(std::int64_t)
BYSTACK_CONFIG_INSTANTIATE(std::uint64_t)
BYSTACK_CONFIG_INSTANTIATE(std::uint32_t)
BYSTACK_CONFIG_INSTANTIATE(double)
BYSTACK_CONFIG_INSTANTIATE(std::string)

#undef BYSTACK_CONFIG_INSTANTIATE

endpoint read_endpoint(map_reader m) {
  endpoint e;
  e.address = m.required<std::string>("address");
  if (e.address.empty()) m.fail("address", "must not be empty");
  e.port = static_cast<std::uint16_t>(m.required_int("port", 1, 65535));
  return e;
}

std::filesystem::path resolve_path(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  return path.is_absolute() ? path : base / path;
}

} // namespace bystack::config
