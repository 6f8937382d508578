# bystack-sweep: the complexity study's sweep over N and M (docs/complexity.md). A plain program,
# not a Google Benchmark: each point is a whole simulation run.
add_executable(bystack-sweep ${CMAKE_CURRENT_LIST_DIR}/sweep.cpp)
target_link_libraries(bystack-sweep PRIVATE bystack_sim bystack_warnings Threads::Threads bystack_fast_malloc)
