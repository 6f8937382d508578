// Writes the seed corpus of the binary fuzz targets: one small valid input per message kind, so
// that the fuzzer starts from the inside of each decoder rather than from its first length check.
//   bystack-fuzz-seeds tests/fuzz/corpus
#include "runtime/codec/codec.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/node/envelope.hpp"
#include "runtime/node/tx_request.hpp"
#include "tests/codec/fixtures.hpp"
#include "tests/fuzz/entries.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

using namespace bystack;
using namespace bystack::codec_test;
namespace fs = std::filesystem;

constexpr std::size_t seed_payload_bytes = 16;

void write(const fs::path& dir, const std::string& name, byte_view data) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

void write_text(const fs::path& dir, const std::string& name, const std::string& text) {
  write(dir, name, as_bytes(text));
}

ledger::transaction signed_tx(std::uint64_t nonce) {
  auto signer = crypto::ed25519_scheme().make_signer(fuzz::envelope_seed(0));
  ledger::transaction tx;
  tx.sender = signer->pub();
  tx.nonce = nonce;
  tx.payload = make_sig(seed_payload_bytes, nonce);
  tx.signature = signer->sign(tx.id());
  return tx;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bystack-fuzz-seeds CORPUS_DIR\n");
    return 2;
  }
  fs::path root = argv[1];

  auto small_block = [](std::uint64_t height, std::size_t txs) {
    return make_block_ptr(height, txs, seed_payload_bytes);
  };
  proto::proposal proposal = make_proposal(0, true);
  proposal.block = small_block(7, 2);
  proto::proposal bare = make_proposal(0, false);
  proto::vote vote{7, 2, hash_of(3), 4, make_sig(64, 4)};
  proto::commit_certificate commit{1, make_block_cert(7, 2, 2)};
  proto::committed_block committed{small_block(5, 1), make_block_cert(5, 6, 1)};
  proto::sync_response sync{2, {committed}};
  proto::tx_batch batch{3, {make_tx(1, seed_payload_bytes), make_tx(2, 0)}};
  proto::timeout_certificate tc{9, {make_view_change(0, true), make_view_change(1, false)}};

  const std::pair<const char*, proto::message> messages[] = {
      {"proposal", proposal},
      {"proposal_bare", bare},
      {"vote", vote},
      {"group_certificate_list", make_group_cert(crypto::cert_kind::signature_list, 3)},
      {"group_certificate_aggregate", make_group_cert(crypto::cert_kind::aggregate, 3)},
      {"commit_certificate", commit},
      {"view_change", make_view_change(2, false)},
      {"view_change_high_qc", make_view_change(3, true)},
      {"sync_request", proto::sync_request{1, 5, 16}},
      {"sync_response", sync},
      {"tx_batch", batch},
      {"timeout_certificate", tc},
  };
  for (const auto& [name, m] : messages)
    write(root / "codec_message", name, codec::encode(m));

  write(root / "codec_committed", "one_tx", codec::encode_committed(committed));
  write(
      root / "codec_committed", "empty_block",
      codec::encode_committed(proto::committed_block{small_block(1, 0), make_block_cert(1, 2, 2)}));

  write(root / "codec_transaction", "payload", codec::encode_transaction(make_tx(1, 16)));
  write(root / "codec_transaction", "empty_payload", codec::encode_transaction(make_tx(2, 0)));

  // Envelopes: signed by the entry (reaches the decoder), signed here (the same, through the
  // signature bytes), and the refusals the transport counts.
  auto env = root / "envelope";
  auto vote_bytes = codec::encode(vote);
  auto commit_bytes = codec::encode(commit);
  write(env, "signed_vote", fuzz::envelope_input(true, 1, {}, vote_bytes));
  write(env, "signed_commit", fuzz::envelope_input(true, 2, {}, commit_bytes));
  {
    auto signer = crypto::ed25519_scheme().make_signer(fuzz::envelope_seed(3));
    std::vector<crypto::public_key> keys;
    for (std::uint32_t i = 0; i < fuzz::envelope_set_size; ++i)
      keys.push_back(crypto::ed25519_scheme().make_signer(fuzz::envelope_seed(i))->pub());
    auto network = node::network_id_of(crypto::validator_set(std::move(keys)));
    auto sig = signer->sign(node::envelope_digest(network, 3, vote_bytes));
    write(env, "given_signature", fuzz::envelope_input(false, 3, sig, vote_bytes));
    write(env, "bad_signature", fuzz::envelope_input(false, 2, sig, vote_bytes));
  }
  write(env, "unknown_sender", fuzz::envelope_input(false, 77, make_sig(64, 1), vote_bytes));
  write(env, "short_signature", fuzz::envelope_input(false, 0, make_sig(10, 1), vote_bytes));

  auto txr = root / "tx_request";
  auto one = node::transaction_to_json_text(signed_tx(1));
  auto two = node::transaction_to_json_text(signed_tx(2));
  write_text(txr, "single", one);
  write_text(txr, "batch", "{\"txs\":[" + one + "," + two + "]}");
  write_text(txr, "batch_mixed",
             "{\"txs\":[" + one +
                 ",{\"sender\":\"zz\",\"nonce\":1,\"payload\":\"\",\"signature\":\"\"},"
                 "{\"sender\":\"" +
                 std::string(64, 'a') + "\",\"payload\":\"00\",\"signature\":\"00\"},7]}");
  write_text(txr, "txs_not_list", "{\"txs\":{\"a\":1}}");
  write_text(txr, "negative_nonce",
             "{\"sender\":\"" + std::string(64, '0') +
                 "\",\"nonce\":-1,\"payload\":\"\",\"signature\":\"\"}");
  return 0;
}
