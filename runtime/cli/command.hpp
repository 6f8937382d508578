#pragma once
/// The subcommand table of bystack-cli. Each subcommand lives in its own cmd_*.cpp, which
/// registers itself with a static `registration` object; main.cpp only dispatches.

#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace bystack::cli {

/// Exit status for malformed arguments (as many Unix tools use).
inline constexpr int exit_usage = 2;

/// Signals malformed arguments; main() prints it with a pointer to the help and exits with
/// exit_usage. Any other exception a subcommand throws is a refusal: exit status 1.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Describes one subcommand.
struct command {
  std::string_view name;
  std::string_view summary; ///< One line for `bystack-cli --help`.
  std::string_view usage;   ///< The full help text for `bystack-cli NAME --help`.
  /// Runs the subcommand on the arguments after its name; returns the exit status.
  int (*run)(std::span<const std::string_view> args);
};

/// Returns every registered subcommand, sorted by name.
std::vector<command> commands();

/// Registers a subcommand at static initialisation (define one per cmd_*.cpp).
struct registration {
  explicit registration(const command& c);
};

/// Finds the value of `--name VALUE` or `--name=VALUE`; returns false when absent, and sets
/// `missing_value` when the flag is the last argument.
bool find_option(std::span<const std::string_view> args, std::string_view name,
                 std::string_view& value, bool& missing_value);

} // namespace bystack::cli
