bystack_bench(bystack_bench_store
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_store.cpp
  LIBS bystack_store bystack_store_rocksdb)
