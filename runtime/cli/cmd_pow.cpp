// bystack-cli pow: the Tensority hash of a header hash under a seed.

#include "runtime/cli/command.hpp"
#include "runtime/pow/tensority.hpp"

#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view pow_usage =
    "usage: bystack-cli pow --header HEX --seed HEX\n"
    "\n"
    "Prints Bytom's Tensority proof-of-work hash of a 32-byte header hash under a 32-byte seed,\n"
    "as 64 lower-case hex characters. Both arguments are 64 hex characters, in the byte order\n"
    "Bytom prints hashes. Building the seed's matrices takes a good part of a second.\n";

// Reads a required 32-byte hex option; prints why on failure.
bool hash_option(std::span<const std::string_view> args, std::string_view name,
                 crypto::hash256& out) {
  std::string_view value;
  bool missing_value = false;
  if (!find_option(args, name, value, missing_value)) {
    std::cerr << "bystack-cli pow: " << name << (missing_value ? " needs a value" : " is required")
              << " (64 hex characters)\n";
    return false;
  }
  if (!crypto::parse_hash(value, out)) {
    std::cerr << "bystack-cli pow: " << name << " must be 64 hex characters, got '" << value
              << "' (" << value.size() << " characters)\n";
    return false;
  }
  return true;
}

int run_pow(std::span<const std::string_view> args) {
  for (auto a : args)
    if (a.starts_with("--") && !a.starts_with("--header") && !a.starts_with("--seed")) {
      std::cerr << "bystack-cli pow: unknown option '" << a << "'\n" << pow_usage;
      return exit_usage;
    }
  crypto::hash256 header, seed;
  if (!hash_option(args, "--header", header) || !hash_option(args, "--seed", seed))
    return exit_usage;
  std::cout << pow::tensority_hash(header, seed).hex() << '\n';
  return 0;
}

const registration reg{
    {"pow", "compute Bytom's Tensority hash of a header hash under a seed", pow_usage, &run_pow}};

} // namespace

} // namespace bystack::cli
