// bystack-cli sign: adds a key's signatures to the inputs of a transaction file it may sign.

#include "runtime/cli/wallet.hpp"

#include <iostream>

namespace bystack::cli {

namespace {

constexpr std::string_view sign_usage =
    "usage: bystack-cli sign --key FILE --in FILE --out FILE [--json]\n"
    "\n"
    "Signs every input of the transaction file whose program (the spent output's owner, or the\n"
    "issuer of an issue input) holds the key, and writes the file with the signatures added. It\n"
    "needs no node. A signature covers the transaction id, i.e. every input and output: look\n"
    "at the file with `bystack-cli inspect` first. Exit status 1 if the key may sign no input.\n";

int run_sign(std::span<const std::string_view> args) {
  arguments a(args, {"--key", "--in", "--out"}, {"--json"});
  const auto& key_file = a.need("--key", "the signing key file");
  const auto& in = a.need("--in", "the transaction file to sign");
  const auto& out = a.need("--out", "where to write the signed file");
  auto key = load_key(key_file);
  auto f = read_tx_file(in);
  auto signed_inputs = sign_all(f, key);
  if (signed_inputs.empty()) {
    bool holds = false;
    for (const auto& info : f.inputs)
      for (const auto& k : info.program.keys)
        holds = holds || k == key.pub();
    throw std::runtime_error(holds ? "the key has already signed every input it may sign"
                                   : "no input of " + in + " belongs to this key's programs");
  }
  write_tx_file(out, f);
  if (a.has("--json")) {
    print_json({{"id", f.tx.id().hex()}, {"signed_inputs", signed_inputs}, {"out", out}});
  } else {
    std::cout << "signed input" << (signed_inputs.size() == 1 ? " " : "s ");
    for (std::size_t i = 0; i < signed_inputs.size(); ++i)
      std::cout << (i ? "," : "") << signed_inputs[i];
    std::cout << " of " << f.tx.id().hex() << " -> " << out << '\n';
  }
  return 0;
}

const registration reg{
    {"sign", "sign the inputs of a transaction file that a key may sign", sign_usage, &run_sign}};

} // namespace

} // namespace bystack::cli
