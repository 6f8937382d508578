#include "sim/huge_pages.hpp"

#if defined(__linux__)
#include <sys/prctl.h>
#endif

namespace bystack::sim {

bool huge_pages_for_run(std::uint64_t nodes) {
#if defined(__linux__) && defined(PR_SET_THP_DISABLE) && defined(PR_GET_THP_DISABLE)
  if (nodes > huge_pages_max_nodes) (void)prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  return prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1;
#else
  (void)nodes;
  return false;
#endif
}

} // namespace bystack::sim
