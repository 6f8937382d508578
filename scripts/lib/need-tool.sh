# Sourced by the scripts that draw plots: installs a Debian package once, when its command is
# missing (another installer may hold the apt lock for a while, so it retries for five minutes).
#   need_tool COMMAND PACKAGE
need_tool() {
  command -v "$1" >/dev/null && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  for _ in $(seq 1 60); do
    if $sudo apt-get install -y "$2" >/dev/null 2>&1; then return 0; fi
    $sudo apt-get update >/dev/null 2>&1 || true
    sleep 5
  done
  echo "$(basename "$0"): could not install $2" >&2
  exit 1
}
