// libFuzzer target ledger_tx; the body lives in entries.cpp, shared with the regression replay.
#include "tests/fuzz/entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return bystack::fuzz::run_libfuzzer(bystack::fuzz::ledger_tx, data, size);
}
