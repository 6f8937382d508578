/// jemalloc's options for the simulation tools (compiled into each tool that links
/// bystack_fast_malloc; the MALLOC_CONF environment variable still overrides them).
///
/// thp:always: jemalloc asks the kernel for transparent huge pages (2 MiB) for its heap
/// (madvise; a kernel whose THP setting is "never" ignores it, one set to "madvise", Debian's
/// default, follows it). A simulation walks a heap of hundreds of MiB at random, one node's
/// state after another, and each first touch of a 4 KiB page is a fault (about 7 us each on the
/// 2-vCPU virtual machine measured); fewer, larger pages also mean fewer TLB misses.
/// Measured on the complexity sweep's largest point (N = M = 1,024 flat voting, list
/// certificates, 3 rounds, `bystack-sweep --scenario scenarios/study-law.yaml --nodes 1024
/// --supers 1024 --rounds 3`, 2 vCPUs): 7.58 and 7.92 wall s, 412,000 page faults without;
/// 5.00 and 5.42 s, 123,000 faults with (docs/simulator.md, "Huge pages"). Outcomes and trace
/// hashes are the same either way; the resident set is a few percent larger. Larger networks
/// ran slower on them: a run above 100,000 nodes switches them off (sim/huge_pages.hpp).
extern "C" {
// NOLINTNEXTLINE: the name and type jemalloc looks for.
const char* malloc_conf = "thp:always";
}
