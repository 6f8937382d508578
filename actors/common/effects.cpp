#include "actors/common/effects.hpp"

namespace bystack::bbft {

const char* phase_name(phase p) {
  switch (p) {
  case phase::propose:
    return "T0 propose";
  case phase::forward:
    return "T1 forward";
  case phase::vote:
    return "T2 vote";
  case phase::group_cert:
    return "T3 group-cert";
  case phase::commit_cert:
    return "T4 commit-cert";
  case phase::view_change:
    return "view-change";
  case phase::sync:
    return "sync";
  case phase::tx:
    return "tx";
  case phase::gossip:
    return "gossip";
  case phase::fetch:
    return "fetch";
  }
  return "?";
}

} // namespace bystack::bbft
