add_executable(bystack-restart-bench ${CMAKE_CURRENT_LIST_DIR}/restart_bench.cpp)
target_link_libraries(bystack-restart-bench PRIVATE bystack_node bystack_warnings)

add_executable(bystack-elections-restart-bench ${CMAKE_CURRENT_LIST_DIR}/elections_restart_bench.cpp)
target_link_libraries(bystack-elections-restart-bench PRIVATE bystack_node bystack_warnings)
