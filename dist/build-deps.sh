#!/bin/sh
# What building Turnout needs on Debian or Ubuntu, from the distribution's own packages: Java 17
# (openjdk-17-jdk-headless; Debian 12 ships 17.0.x) and Maven (maven; 3.8.7 on Debian 12). The README's first
# command runs it. As root it calls apt-get itself, so it works on a fresh machine without sudo (containers, CI);
# as another user it asks sudo.
set -eu
packages="openjdk-17-jdk-headless maven"
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "build-deps: not root and no sudo; as root, run: apt-get update && apt-get install -y $packages" >&2
  exit 1
fi
echo "build-deps: installing $packages (Java 17 and Maven from Debian's packages)${as_root:+ with sudo}" >&2
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages
