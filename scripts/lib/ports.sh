# Sourced by the scripts that start local clusters.
#   port_free PORT: true when nothing listens on 127.0.0.1:PORT and no socket of any state holds
#   it as its local port (a port in TIME_WAIT, left by a test before, answers no connect but
#   cannot be bound: the node would fail with "cannot listen").
port_free() {
  local hex
  hex=$(printf '%04X' "$1")
  ! grep -qE "^ *[0-9]+: [0-9A-F]+:$hex " /proc/net/tcp /proc/net/tcp6 2>/dev/null &&
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
