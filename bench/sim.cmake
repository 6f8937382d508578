add_executable(bystack-sim-bench ${CMAKE_CURRENT_SOURCE_DIR}/sim_bench.cpp)
target_link_libraries(bystack-sim-bench PRIVATE bystack_sim bystack_warnings bystack_fast_malloc)
