#include "runtime/federation/fed_config.hpp"

#include "actors/federation/address.hpp"
#include "actors/mainchain/mainchain_core.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/mainchain/config.hpp"
#include "runtime/node/config.hpp"

#include <algorithm>
#include <limits>

namespace bystack::federation {

namespace {

template <class F> auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const config::config_error& e) {
    return make_error(e.what());
  }
}

crypto::public_key read_key(const config::list_reader& l, std::size_t i) {
  auto text = l.at<std::string>(i);
  crypto::hash256 h;
  if (!crypto::parse_hash(text, h)) l.fail(i, "expected a public key (64 hex characters)");
  crypto::public_key k;
  std::copy(h.data.begin(), h.data.end(), k.begin());
  return k;
}

federation_setup read_federation(config::map_reader root, const std::filesystem::path& base) {
  federation_setup s;
  auto members = root.list("members", true);
  for (std::size_t i = 0; i < members.size(); ++i)
    s.members.push_back(read_key(members, i));
  s.threshold = static_cast<std::uint8_t>(root.required_int("threshold", 1, 255));
  auto prog = federation_program(s.members, s.threshold);
  if (!prog) root.fail("threshold", prog.err().message);
  auto mc = root.required<std::string>("mainchain_config");
  if (mc.empty()) root.fail("mainchain_config", "must not be empty");
  s.mainchain_config = config::resolve_path(base, mc);
  auto mcfg = mainchaind::load_config(s.mainchain_config);
  if (!mcfg) root.fail("mainchain_config", mcfg.err().message);
  s.mainchain_genesis = mcfg->genesis;
  auto& p = s.params;
  p.federation = *prog;
  p.consensus = mcfg->consensus;
  p.mainchain = ledger::params_of(mcfg->genesis).chain;
  p.mainchain_native = ledger::params_of(mcfg->genesis).native;
  {
    // The genesis header every mainchain node of that config computes.
    mainchain::modelled_pow unused;
    mainchain::node_config k;
    k.consensus = mcfg->consensus;
    k.genesis = mcfg->genesis;
    k.genesis_time_ms = mcfg->genesis_time_ms;
    k.pow = &unused;
    k.scheme = &crypto::ed25519_scheme();
    p.genesis = mainchain::mainchain_core(k).genesis_header();
  }
  p.pegin_confirmations =
      static_cast<std::uint64_t>(root.optional_int("pegin_confirmations", 6, 1, 10'000));
  p.release_confirmations =
      static_cast<std::uint64_t>(root.optional_int("release_confirmations", 6, 1, 10'000));
  // A run of headers travels in one extension input, which the ledger bounds to
  // ledger::max_ext_input_bytes (60 KiB: 4 bytes of count and 132 per header would allow 465);
  // the sidechain's rules take at most 64 per input. The default is lower: every node checks
  // each header's Tensority proof of work (about 71 ms per hash on the reference machine,
  // docs/mainchain.md) when it admits the transaction and again when it validates the block,
  // so a run of 64 costs seconds of validation per node and makes views time out; a run of 7
  // costs about half a second.
  const auto headers_fit = std::min<std::int64_t>(
      64, static_cast<std::int64_t>((ledger::max_ext_input_bytes - 4) / mainchain::header_bytes));
  constexpr std::int64_t headers_default = 7;
  p.headers_per_input_max = static_cast<std::size_t>(root.optional_int(
      "headers_per_input_max", std::min(headers_default, headers_fit), 1, headers_fit));
  p.grace_blocks = static_cast<std::uint64_t>(root.optional_int("grace_blocks", 0, 0, 10'000));
  // Each migration transaction's mainchain fee, paid from the fee reserve (outputs to the
  // federation carrying fee_reserve_memo(), funded with `bystack-cli pegin --fee-reserve`).
  p.migration_fee = static_cast<std::uint64_t>(
      root.optional_int("migration_fee", 0, 0, std::numeric_limits<std::int64_t>::max()));
  if (auto e = root.optional_map("election")) {
    // Elected federations take the threshold threshold_for(n, (n - 1) / 2); the genesis one must
    // too, or re-electing the same members would change the program (and the address).
    auto n = s.members.size();
    auto want = threshold_for(n, n == 0 ? 0 : (n - 1) / 2);
    if (s.threshold != want)
      root.fail("threshold", "with an election section the threshold of " + std::to_string(n) +
                                 " members must be " + std::to_string(want) +
                                 " (threshold_for(n, (n - 1) / 2), as elected federations have)");
    federation_election_params ep;
    ep.epoch_blocks = static_cast<std::uint64_t>(e->required_int("epoch_blocks", 2, 1'000'000));
    ep.seats = static_cast<std::uint32_t>(
        e->optional_int("seats", static_cast<std::int64_t>(n), 1,
                        static_cast<std::int64_t>(ledger::max_multisig_keys)));
    ep.collectors = static_cast<std::uint32_t>(e->optional_int("collectors", 1, 1, 64));
    ep.min_votes = static_cast<std::uint64_t>(
        e->optional_int("min_votes", 1, 1, std::numeric_limits<std::int64_t>::max()));
    ep.activation_margin_blocks =
        static_cast<std::uint64_t>(e->optional_int("activation_margin_blocks", 6, 0, 10'000));
    ep.grace_blocks = p.grace_blocks;
    auto gc = e->list("genesis_collectors");
    for (std::size_t i = 0; i < gc.size(); ++i)
      s.genesis_collectors.push_back(read_key(gc, i));
    e->finish();
    s.election = ep;
  }
  root.finish();
  s.source = root.where();
  return s;
}

federationd_config read_federationd(config::map_reader root, const std::filesystem::path& base) {
  federationd_config c;
  c.name = root.required<std::string>("name");
  auto key = root.required<std::string>("key_file");
  if (key.empty()) root.fail("key_file", "must not be empty");
  c.key_file = config::resolve_path(base, key);
  auto roles = root.list("roles", true);
  for (std::size_t i = 0; i < roles.size(); ++i) {
    auto r = roles.at<std::string>(i);
    if (r == "collector")
      c.collector = true;
    else if (r == "member")
      c.member = true;
    else
      roles.fail(i, "expected 'collector' or 'member', got '" + r + "'");
  }
  if (!c.collector && !c.member) root.fail("roles", "name at least one role");
  auto sc = root.required<std::string>("sidechain_config");
  if (sc.empty()) root.fail("sidechain_config", "must not be empty");
  c.sidechain_config = config::resolve_path(base, sc);
  c.sidechain_api = root.required<std::string>("sidechain_api");
  c.mainchain_api = root.required<std::string>("mainchain_api");
  if (c.member) c.api = config::read_endpoint(root.map("api"));
  auto peers = root.list("peers");
  for (std::size_t i = 0; i < peers.size(); ++i)
    c.peers.push_back(peers.at<std::string>(i));
  c.poll_ms = static_cast<std::uint64_t>(root.optional_int("poll_ms", 250, 10, 60'000));
  auto record = root.optional<std::string>("signed_record", "");
  c.signed_record = record.empty() ? std::filesystem::path(c.key_file.string() + ".signed")
                                   : config::resolve_path(base, record);
  root.finish();
  return c;
}

std::filesystem::path dir_of(const std::filesystem::path& file) {
  return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

} // namespace

result<void> check_elections(const federation_setup& s, const node::node_config& sidechain) {
  if (!s.election) return {};
  if (!sidechain.dpos)
    return make_error(s.source.string() + ": election: the sidechain of " +
                      sidechain.source.string() +
                      " has no 'dpos' section in its genesis: federation elections count DPoS "
                      "registrations and votes");
  return {};
}

std::vector<std::pair<std::string, std::string>> chain_rules_of(const federation_setup& s) {
  auto keys = [](const std::vector<crypto::public_key>& ks) {
    std::string out = "[";
    for (std::size_t i = 0; i < ks.size(); ++i)
      out += (i ? "," : "") + to_hex(byte_view{ks[i].data(), ks[i].size()});
    return out + "]";
  };
  auto num = [](auto v) { return std::to_string(v); };
  const auto& p = s.params;
  const auto& c = p.consensus;
  std::vector<std::pair<std::string, std::string>> r;
  r.emplace_back("members", keys(s.members));
  r.emplace_back("threshold", num(s.threshold));
  r.emplace_back("mainchain_config",
                 "genesis " + p.genesis.hash().hex() + " chain " + p.mainchain.hex() + " native " +
                     p.mainchain_native.hex() + " consensus " + num(c.target_block_ms) + " " +
                     num(c.retarget_blocks) + " " + num(c.max_adjust_factor) + " " +
                     num(c.pow_limit_bits) + " " + num(c.genesis_bits) + " " +
                     num(c.median_time_blocks) + " " + num(c.max_future_drift_ms) + " " +
                     num(c.version) + " " + num(static_cast<int>(c.rule)));
  r.emplace_back("pegin_confirmations", num(p.pegin_confirmations));
  r.emplace_back("release_confirmations", num(p.release_confirmations));
  r.emplace_back("headers_per_input_max", num(p.headers_per_input_max));
  r.emplace_back("grace_blocks", num(p.grace_blocks));
  if (s.election) {
    const auto& e = *s.election;
    r.emplace_back("election.epoch_blocks", num(e.epoch_blocks));
    r.emplace_back("election.seats", num(e.seats));
    r.emplace_back("election.collectors", num(e.collectors));
    r.emplace_back("election.min_votes", num(e.min_votes));
    r.emplace_back("election.activation_margin_blocks", num(e.activation_margin_blocks));
    r.emplace_back("election.genesis_collectors", keys(s.genesis_collectors));
  } else {
    r.emplace_back("election", "none");
  }
  return r;
}

federation_term genesis_term_of(const federation_setup& s) {
  federation_term t;
  t.members = s.members;
  t.program = s.params.federation;
  t.collectors = s.genesis_collectors;
  return t;
}

result<federation_setup> load_federation(const std::filesystem::path& file) {
  auto doc = config::yaml_document::load(file);
  if (!doc) return doc.err();
  return guarded([&]() -> result<federation_setup> {
    auto s = read_federation(doc->root(), dir_of(file));
    s.source = file;
    return s;
  });
}

result<federation_setup> parse_federation(const std::string& text, const std::string& name,
                                          const std::filesystem::path& base_dir) {
  auto doc = config::yaml_document::parse(text, name);
  if (!doc) return doc.err();
  return guarded(
      [&]() -> result<federation_setup> { return read_federation(doc->root(), base_dir); });
}

result<federationd_config> load_federationd_config(const std::filesystem::path& file) {
  auto doc = config::yaml_document::load(file);
  if (!doc) return doc.err();
  return guarded([&]() -> result<federationd_config> {
    auto c = read_federationd(doc->root(), dir_of(file));
    c.source = file;
    return c;
  });
}

result<federationd_config> parse_federationd_config(const std::string& text,
                                                    const std::string& name,
                                                    const std::filesystem::path& base_dir) {
  auto doc = config::yaml_document::parse(text, name);
  if (!doc) return doc.err();
  return guarded(
      [&]() -> result<federationd_config> { return read_federationd(doc->root(), base_dir); });
}

} // namespace bystack::federation
