# The fuzz targets' entry functions, as a library that both the libFuzzer executables
# (tests/fuzz, clang) and the regression replay (tests/fuzz_regressions, any compiler) link.
#
# BYSTACK_FUZZ_TARGETS is the list of targets. Each NAME has tests/fuzz/fuzz_NAME.cpp, an entry
# function and a row in targets() (entries.hpp/.cpp), and a seed corpus in tests/fuzz/corpus/NAME.
# Add new decoders here; a ledger-transaction decoder, for one, goes in as:
#   list(APPEND BYSTACK_FUZZ_TARGETS ledger_tx)   # + fuzz_ledger_tx.cpp, its entry and corpus
set(BYSTACK_FUZZ_TARGETS
  codec_message
  codec_committed
  codec_transaction
  envelope
  tx_request
  node_config
  scenario
  ledger_tx
  ledger_tx_request)

if(NOT TARGET bystack_fuzz_entries)
  # The parsers that live in the node and simulator libraries are compiled in directly: linking
  # bystack_node or bystack_sim would pull CAF, RocksDB and the actor cores into the fuzz build,
  # none of which these parsers use. Their own dependencies are listed here: keep them in step
  # with what those files include.
  add_library(bystack_fuzz_entries STATIC
    ${CMAKE_CURRENT_LIST_DIR}/entries.cpp
    ${PROJECT_SOURCE_DIR}/runtime/node/envelope.cpp
    ${PROJECT_SOURCE_DIR}/runtime/node/tx_request.cpp
    ${PROJECT_SOURCE_DIR}/runtime/node/config.cpp
    ${PROJECT_SOURCE_DIR}/sim/scenario.cpp)
  target_include_directories(bystack_fuzz_entries PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(bystack_fuzz_entries
    PUBLIC bystack_codec bystack_config bystack_genesis bystack_crypto
    PRIVATE bystack_warnings)
endif()
