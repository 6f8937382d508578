bystack_bench(bystack_bench_codec SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_codec.cpp LIBS bystack_codec)
