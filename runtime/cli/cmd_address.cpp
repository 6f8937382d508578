// bystack-cli address: the address and program of a key, a public key or an m-of-n multisig.

#include "runtime/cli/wallet.hpp"

#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view address_usage =
    "usage: bystack-cli address --key FILE [--json]\n"
    "       bystack-cli address --pubkey HEX [--json]\n"
    "       bystack-cli address --multisig M --pubkeys HEX,HEX,... [--json]\n"
    "\n"
    "Prints the address (SHA3-256 of the owner program's canonical encoding) and the program's\n"
    "hex. Outputs name their owner program, not its address: to be paid, give others your\n"
    "public key (single key) or the program hex (multisig), which transfer --to, swap\n"
    "--counterparty and transfer --from-multisig take. The keys of a multisig keep the order\n"
    "given: the same keys in another order are another program and another address.\n";

int run_address(std::span<const std::string_view> args) {
  arguments a(args, {"--key", "--pubkey", "--multisig", "--pubkeys"}, {"--json"});
  int sources = a.has("--key") + a.has("--pubkey") + a.has("--multisig");
  if (sources != 1) throw usage_error("give exactly one of --key, --pubkey or --multisig");
  ledger::control_program p;
  if (const auto* k = a.get("--key")) {
    p = ledger::control_program::single(load_key(*k).pub());
  } else if (const auto* pk = a.get("--pubkey")) {
    p = ledger::control_program::single(parse_pubkey(*pk, "--pubkey"));
  } else {
    auto m = a.number("--multisig", 0);
    const auto& list = a.need("--pubkeys", "the comma-separated public keys of the multisig");
    std::size_t start = 0;
    while (start <= list.size()) {
      auto end = list.find(',', start);
      if (end == std::string::npos) end = list.size();
      p.keys.push_back(
          parse_pubkey(std::string_view(list).substr(start, end - start), "--pubkeys"));
      start = end + 1;
    }
    if (p.keys.size() > ledger::max_multisig_keys)
      throw usage_error("--pubkeys: at most " + std::to_string(ledger::max_multisig_keys) +
                        " keys");
    for (std::size_t i = 0; i < p.keys.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (p.keys[i] == p.keys[j])
          throw usage_error("--pubkeys: key " + std::to_string(i) + " repeats key " +
                            std::to_string(j));
    if (m == 0 || m > p.keys.size())
      throw usage_error("--multisig: expected 1 to " + std::to_string(p.keys.size()) +
                        " (the number of --pubkeys)");
    p.threshold = static_cast<std::uint8_t>(m);
  }
  auto address = p.address().hex();
  if (a.has("--json")) {
    print_json({{"address", address}, {"program", program_hex(p)}, {"owner", program_json(p)}});
  } else {
    std::cout << "address  " << address << '\n'
              << "program  " << program_hex(p) << '\n'
              << "owner    " << describe(p) << '\n';
  }
  return 0;
}

const registration reg{{"address", "print the address and program of a key or a multisig",
                        address_usage, &run_address}};

} // namespace

} // namespace bystack::cli
