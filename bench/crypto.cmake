bystack_bench(bystack_bench_crypto SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_crypto.cpp LIBS bystack_crypto)
