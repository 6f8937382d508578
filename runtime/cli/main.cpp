// bystack-cli: command-line tools, one subcommand per cmd_*.cpp (see command.hpp).

#include "runtime/cli/command.hpp"

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>

namespace bystack::cli {

namespace {

// A function-local table, so that registrations in other translation units can run first.
std::vector<command>& table() {
  static std::vector<command> t;
  return t;
}

void print_help(std::ostream& out) {
  out << "usage: bystack-cli COMMAND [ARGS...]\n"
         "       bystack-cli COMMAND --help\n\ncommands:\n";
  for (const auto& c : commands())
    out << "  " << c.name << std::string(c.name.size() < 12 ? 12 - c.name.size() : 1, ' ')
        << c.summary << '\n';
}

} // namespace

std::vector<command> commands() {
  auto t = table();
  std::sort(t.begin(), t.end(), [](const command& a, const command& b) { return a.name < b.name; });
  return t;
}

registration::registration(const command& c) {
  table().push_back(c);
}

bool find_option(std::span<const std::string_view> args, std::string_view name,
                 std::string_view& value, bool& missing_value) {
  missing_value = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto a = args[i];
    if (a == name) {
      if (i + 1 >= args.size()) {
        missing_value = true;
        return false;
      }
      value = args[i + 1];
      return true;
    }
    if (a.size() > name.size() && a.substr(0, name.size()) == name && a[name.size()] == '=') {
      value = a.substr(name.size() + 1);
      return true;
    }
  }
  return false;
}

} // namespace bystack::cli

int main(int argc, char** argv) {
  using namespace bystack::cli;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help(std::cerr);
    return exit_usage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help(std::cout);
    return 0;
  }
  for (const auto& c : commands()) {
    if (c.name != args[0]) continue;
    std::span<const std::string_view> rest{args.data() + 1, args.size() - 1};
    if (std::find(rest.begin(), rest.end(), "--help") != rest.end()) {
      std::cout << c.usage;
      return 0;
    }
    try {
      return c.run(rest);
    } catch (const usage_error& e) {
      std::cerr << "bystack-cli " << c.name << ": " << e.what() << " (see bystack-cli " << c.name
                << " --help)\n";
      return exit_usage;
    } catch (const std::exception& e) {
      std::cerr << "bystack-cli " << c.name << ": " << e.what() << '\n';
      return 1;
    }
  }
  std::cerr << "bystack-cli: unknown command '" << args[0] << "' (see bystack-cli --help)\n";
  return exit_usage;
}
