// bystack-cli keygen: a fresh Ed25519 key file, or a local cluster's development wallet.

#include "runtime/cli/wallet.hpp"

#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view keygen_usage =
    "usage: bystack-cli keygen --out FILE [--json]\n"
    "       bystack-cli keygen --dev-wallet I [--wallet-seed S] --out FILE [--json]\n"
    "\n"
    "Writes a key file (64 hex characters of the secret seed, mode 0600; an existing file is\n"
    "never overwritten) and prints the public key and the single-key address.\n"
    "\n"
    "--dev-wallet I writes the key of development wallet I (0, 1, ...) that the genesis of a\n"
    "local cluster funds (bystackd testnet / bystackd genesis, --wallet-seed defaults to\n"
    "'bystack-loadgen' as there). These keys are public knowledge: use them only on local\n"
    "clusters.\n";

int run_keygen(std::span<const std::string_view> args) {
  arguments a(args, {"--out", "--dev-wallet", "--wallet-seed"}, {"--json"});
  const auto& out = a.need("--out", "the key file to write");
  if (a.has("--wallet-seed") && !a.has("--dev-wallet"))
    throw usage_error("--wallet-seed needs --dev-wallet");
  auto key = a.has("--dev-wallet")
                 ? crypto::key_pair::from_seed(dev_wallet_seed(
                       a.get("--wallet-seed") ? *a.get("--wallet-seed") : "bystack-loadgen",
                       a.number("--dev-wallet", 0)))
                 : crypto::key_pair::generate();
  if (auto r = key.save(out); !r) throw std::runtime_error(r.err().message);
  auto pk = to_hex(byte_view{key.pub().data(), key.pub().size()});
  auto address = ledger::control_program::single(key.pub()).address().hex();
  if (a.has("--json")) {
    print_json({{"file", out}, {"public_key", pk}, {"address", address}});
  } else {
    std::cout << "key file    " << out << " (mode 0600)\n"
              << "public key  " << pk << '\n'
              << "address     " << address << '\n';
  }
  return 0;
}

const registration reg{{"keygen", "write a new key file; print its public key and address",
                        keygen_usage, &run_keygen}};

} // namespace

} // namespace bystack::cli
