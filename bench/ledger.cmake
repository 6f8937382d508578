bystack_bench(bystack_bench_ledger
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_ledger.cpp
  LIBS bystack_ledger bystack_store_rocksdb)
