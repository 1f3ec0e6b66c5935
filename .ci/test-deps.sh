#!/usr/bin/env bash
# Installs, when missing, the real servers and tools Turnout's tests start: dante-server (SOCKS5), tinyproxy
# (HTTP CONNECT), dnsmasq (upstream DNS), iperf3, curl, dig, iproute2; chromium and playwright-core for the
# browser test. Run by `mvn verify` before any test; does nothing when everything is there.
set -u
need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
have danted    || need+=(dante-server)
have tinyproxy || need+=(tinyproxy)
have dnsmasq   || need+=(dnsmasq-base)
have iperf3    || need+=(iperf3)
have curl      || need+=(curl)
have dig       || need+=(dnsutils)
have ip        || need+=(iproute2)
have chromium  || need+=(chromium)
have node      || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: not root, cannot install ${need[*]}; tests that need them will skip" >&2
  else
    echo "test-deps: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
      || echo "test-deps: apt-get install ${need[*]} failed; dependent tests will skip" >&2
  fi
fi
# The installed daemons must not run on their own: tests start their own instances with their own configs.
for svc in danted tinyproxy dnsmasq; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
done
# playwright-core for the browser test, in a cache folder of its own (never the repository).
pw_dir="${TURNOUT_PW_DIR:-$HOME/.cache/turnout-playwright}"
if have node && [ ! -d "$pw_dir/node_modules/playwright-core" ]; then
  mkdir -p "$pw_dir" && (cd "$pw_dir" && npm install --silent --no-audit --no-fund playwright-core@1 >/dev/null 2>&1) \
    || echo "test-deps: npm install playwright-core failed; the browser test will skip" >&2
fi
exit 0
