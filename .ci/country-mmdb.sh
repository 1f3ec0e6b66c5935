#!/usr/bin/env bash
# Builds, when it is not there yet, a real GeoIP2-Country database from public data (the GeoLite2 country CSVs of
# the npm package @ip-location-db/geolite2-country, pinned) with MaxMind's own writer (Debian
# libmaxmind-db-writer-perl) and ../shared/tools/geoip2-country-mmdb.pl, as ../shared/peers/README.md describes;
# cached outside the repository. Prints its path; exits 1, saying why, when it cannot be built.
# Used by .ci/test-deps.sh (the GEOIP tests) and bench/peers.sh (Clash 1.18 will not start without one).
set -u
geo_dir="${TURNOUT_GEO_DIR:-$HOME/.cache/turnout-geo}"
geo_version=2.3.2026061719
geo_db="$geo_dir/Country-$geo_version.mmdb"
geo_tool="$(cd "$(dirname "$0")/.." && pwd)/../shared/tools/geoip2-country-mmdb.pl"
if [ -s "$geo_db" ]; then echo "$geo_db"; exit 0; fi
[ -f "$geo_tool" ] || { echo "country-mmdb: $geo_tool is missing" >&2; exit 1; }
perl_writer() { perl -MMaxMind::DB::Writer::Tree -e 1 >/dev/null 2>&1; }
wanted=()
perl_writer || wanted+=(libmaxmind-db-writer-perl)
command -v npm >/dev/null 2>&1 || wanted+=(npm)
if [ ${#wanted[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ]; then
  echo "country-mmdb: installing ${wanted[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 \
         && apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null 2>&1; } \
    || echo "country-mmdb: apt-get install ${wanted[*]} failed" >&2
fi
perl_writer || { echo "country-mmdb: perl's MaxMind::DB::Writer is missing (package libmaxmind-db-writer-perl)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "country-mmdb: npm is missing" >&2; exit 1; }
echo "country-mmdb: building $geo_db" >&2
geo_tmp=$(mktemp -d)
trap 'rm -rf "$geo_tmp"' EXIT
(cd "$geo_tmp" && npm pack --silent "@ip-location-db/geolite2-country@$geo_version" >/dev/null \
  && tar xzf ip-location-db-geolite2-country-*.tgz \
  && perl "$geo_tool" package/geolite2-country-ipv4.csv package/geolite2-country-ipv6.csv Country.mmdb \
  && mkdir -p "$geo_dir" && mv Country.mmdb "$geo_db.part" && mv "$geo_db.part" "$geo_db") \
  || { echo "country-mmdb: building $geo_db failed" >&2; exit 1; }
echo "$geo_db"
