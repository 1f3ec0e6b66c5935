#!/usr/bin/env bash
# Installs, when missing, the real servers and tools Turnout's tests start: dante-server (SOCKS5), openssh-server, coturn (STUN), tinyproxy
# (HTTP CONNECT), dnsmasq and unbound (upstream DNS, plain and encrypted), iperf3, curl, dig, iproute2; chromium and playwright-core for the
# browser test; systemd-analyze (the service unit test); a GeoIP2-Country database for the GEOIP tests. Run by
# `mvn verify` before any test; does nothing
# when everything is there.
#
# A developer without root (or without a tool) gets a warning, and the tests that need it skip. Under CI
# (CI=true) that would leave the build green with the end-to-end tests unrun, so there a tool that is still
# missing after the install, or not being root, fails here, naming what is missing; the tests fail the same
# way (dev.turnout.api.testing.Required).
set -u
ci=false
[ "${CI:-}" = "true" ] && ci=true
# An executable file on the PATH or in /usr/sbin (where dante and dnsmasq are, off a normal user's PATH).
have() {
  local p
  p=$(command -v "$1" 2>/dev/null) && [ -f "$p" ] && [ -x "$p" ] && return 0
  [ -f "/usr/sbin/$1" ] && [ -x "/usr/sbin/$1" ]
}
# tool:package, for every tool a test runs.
tools=(danted:dante-server tinyproxy:tinyproxy dnsmasq:dnsmasq-base iperf3:iperf3 curl:curl dig:dnsutils
       systemd-analyze:systemd
       ip:iproute2 chromium:chromium node:nodejs npm:npm openssl:openssl)
# Shadowsocks server for plugins/shadowsocks' tests and ShadowsocksIT (Debian runs it as a service: stopped below).
tools+=(ss-server:shadowsocks-libev obfs-server:simple-obfs ss-v2ray-plugin:shadowsocks-v2ray-plugin) # the ss plugin's obfs and v2ray-plugin tests
# The trojan plugin's servers: trojan-gfw, and v2ray for Trojan over WebSocket (their services stopped below).
tools+=(trojan:trojan v2ray:v2ray)
# v2ray (4.34 on Debian) is also the vmess and vless plugins' server.
tools+=(stunnel4:stunnel4) # TLS in front of dante and tinyproxy (UpstreamTlsIT)
tools+=(unbound:unbound) # DNS over TLS and over HTTPS (HTTP/2) upstream (EncryptedNameserverTest, EncryptedDnsIT)
tools+=(python3:python3) # small test servers and clients (ControllerUnixSocketIT connects as another user with it)
tools+=(iptables:iptables) # a REDIRECT in a test's own network namespace, for redir-port (RedirPortIT)
tools+=(sshd:openssh-server ssh-keygen:openssh-client) # the ssh plugin's server (its tests, SshIT)
tools+=(turnserver:coturn turnutils_natdiscovery:coturn) # a STUN server and RFC 5780's NAT discovery (FullConeNatIT)
missing() {
  local out=() t
  for t in "${tools[@]}"; do have "${t%%:*}" || out+=("$t"); done
  echo "${out[@]}"
}
packages() { local t out=(); for t in "$@"; do out+=("${t#*:}"); done; echo "${out[*]}"; }
need=($(missing))
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: not root, cannot install $(packages "${need[@]}"); tests that need them will skip" >&2
  else
    echo "test-deps: installing $(packages "${need[@]}")" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || echo "test-deps: apt-get update failed" >&2
    # shellcheck disable=SC2046
    apt-get install -y -qq --no-install-recommends $(packages "${need[@]}") >/dev/null 2>&1 \
      || echo "test-deps: apt-get install $(packages "${need[@]}") failed" >&2
  fi
fi
# The installed daemons must not run on their own: tests start their own instances with their own configs.
for svc in danted tinyproxy dnsmasq unbound; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
done
if command -v systemctl >/dev/null 2>&1; then systemctl stop shadowsocks-libev >/dev/null 2>&1 || true; fi
for svc in trojan v2ray ssh coturn; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
done
# Without systemd, openssh-server's install may have started sshd through its init script: stopped the same way.
if [ -x /etc/init.d/ssh ] && ! command -v systemctl >/dev/null 2>&1; then /etc/init.d/ssh stop >/dev/null 2>&1 || true; fi
# sshd's privilege separation folder, which its service would make at start: the tests start sshd themselves.
if have sshd && [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then mkdir -p -m 0755 /run/sshd; fi
# playwright-core for the browser test, in a cache folder of its own (never the repository).
pw_dir="${TURNOUT_PW_DIR:-$HOME/.cache/turnout-playwright}"
if have npm && [ ! -d "$pw_dir/node_modules/playwright-core" ]; then
  mkdir -p "$pw_dir" && (cd "$pw_dir" && npm install --silent --no-audit --no-fund playwright-core@1 >/dev/null 2>&1) \
    || echo "test-deps: npm install playwright-core failed" >&2
fi
# A real GeoIP2-Country database for the GEOIP tests (.ci/country-mmdb.sh builds it once, outside the repository);
# the tests also write tiny databases with the same writer (perl's MaxMind::DB::Writer).
perl_writer() { perl -MMaxMind::DB::Writer::Tree -e 1 >/dev/null 2>&1; }
if ! perl_writer && [ "$(id -u)" -eq 0 ]; then
  echo "test-deps: installing libmaxmind-db-writer-perl" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libmaxmind-db-writer-perl \
    >/dev/null 2>&1 || echo "test-deps: apt-get install libmaxmind-db-writer-perl failed" >&2
fi
geo_db=$("$(dirname "$0")/country-mmdb.sh") || geo_db=""
# What is still missing now is what the tests will skip for (or, under CI, fail for).
problems=()
perl_writer || problems+=("perl's MaxMind::DB::Writer (package libmaxmind-db-writer-perl)")
[ -n "$geo_db" ] || problems+=("the GEOIP tests' country database (.ci/country-mmdb.sh said why above)")
for t in $(missing); do problems+=("${t%%:*} (package ${t#*:})"); done
[ -d "$pw_dir/node_modules/playwright-core" ] || problems+=("playwright-core (npm, in $pw_dir)")
[ "$(id -u)" -eq 0 ] || problems+=("root (the end-to-end tests need network namespaces and TUN)")
[ -e /dev/net/tun ] || problems+=("/dev/net/tun (TUN support)")
if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do echo "test-deps: missing: $p" >&2; done
  if $ci; then
    echo "test-deps: CI=true: failing, because the tests that need these would not run" >&2
    exit 1
  fi
  echo "test-deps: the tests that need these will skip" >&2
fi
exit 0
