#pragma once
/// A small simulated network for tests: n nodes, m super nodes, 4 rounds, modelled crypto,
/// list certificates, 10 ms constant latency, 5 synthetic transactions per block.

#include "sim/scenario.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace bystack::sim::test {

inline scenario small_scenario(std::uint32_t n, std::uint32_t m,
                               std::vector<std::uint32_t> groups = {}) {
  scenario s;
  s.name = "test";
  s.source = "test";
  s.seed = 11;
  s.nodes = n;
  s.supers = m;
  s.group_sizes = std::move(groups);
  s.rounds = 4;
  s.crypto = "modelled";
  s.certificates = "list";
  s.network.latency.model = latency_model::kind::constant;
  s.network.latency.ms = 10;
  s.protocol.synthetic_txs_per_block = 5;
  return s;
}

} // namespace bystack::sim::test
