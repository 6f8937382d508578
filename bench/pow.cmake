bystack_bench(bystack_bench_pow SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_pow.cpp LIBS bystack_pow)
