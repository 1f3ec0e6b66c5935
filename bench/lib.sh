# Pieces the bench scripts share; sourced, not run.

# danted_conf DIR ADDRESS: a no-auth, CONNECT-only dante config in DIR/danted.conf that listens on ADDRESS:1080,
# leaves from ADDRESS and logs to DIR/danted.log.
danted_conf() {
  cat >"$1/danted.conf" <<CONF
logoutput: $1/danted.log
internal: $2 port = 1080
external: $2
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {
  from: 0.0.0.0/0 to: 0.0.0.0/0
}
socks pass {
  from: 0.0.0.0/0 to: 0.0.0.0/0
  command: connect
}
CONF
}

# Deletes network namespace $1. A Turnout killed inside it leaves its instance-lock files in /run/turnout, named
# after the namespace's inode; with the namespace gone nothing can hold them, so they go too.
del_netns() {
  local inode
  inode=$(stat -L -c %i "/run/netns/$1" 2>/dev/null) || inode=
  ip netns del "$1" 2>/dev/null || true
  [ -n "$inode" ] && rm -f /run/turnout/turnout-net-"$inode"-*.lock
  return 0
}
