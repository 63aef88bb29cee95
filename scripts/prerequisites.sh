#!/usr/bin/env bash
# Everything `npm test` needs from the machine (Debian 12), checked before any test starts.
#
#   bash scripts/prerequisites.sh [--check] [--postgresql-server] [--bench]
#
# As root, installs the missing Debian packages with apt-get, then checks again. Otherwise (or with
# --check) prints one message naming exactly what is missing and the apt-get command that installs
# it, and exits 1. The suite itself must run as root: the SFTP/FTPS tests start the machine's sshd
# and vsftpd under temporary local accounts, and the full-disk test mounts a tmpfs.
#
#   --check              never install, only report
#   --postgresql-server  also a local PostgreSQL server (.ci/run's second pass), unless one answers
#                        on 127.0.0.1:5432 already
#   --bench              also what `npm run bench` needs beyond the suite: sshpass (the password for the
#                        reference sftp) and lftp (the second reference FTPS client)
#
# scripts/test-all.sh (npm test) runs it first; .ci/run runs it with --postgresql-server.
# PREREQUISITES_PRETEND_MISSING="vsftpd putty-tools" treats those packages as missing (to see the message).
set -euo pipefail
cd "$(dirname "$0")/.."

install=yes
postgresql_server=no
bench=no
for argument in "$@"; do
  case "$argument" in
    --check) install=no ;;
    --postgresql-server) postgresql_server=yes ;;
    --bench) bench=yes ;;
    *) echo "usage: bash scripts/prerequisites.sh [--check] [--postgresql-server] [--bench]" >&2; exit 2 ;;
  esac
done

# sshd, vsftpd, useradd… live in sbin, which a non-root PATH often lacks.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
root=no
[ "$(id -u)" -eq 0 ] && root=yes

packages=()   # missing Debian packages, each once
declare -A why=()
missing() { # package reason
  if [ -z "${why[$1]:-}" ]; then packages+=("$1"); why[$1]=$2; else why[$1]="${why[$1]}; $2"; fi
}
pretended() { [[ " ${PREREQUISITES_PRETEND_MISSING:-} " == *" $1 "* ]]; }
has() { command -v "$1" >/dev/null 2>&1; }
need_command() { # package reason command...
  local package=$1 reason=$2 command
  shift 2
  if pretended "$package"; then missing "$package" "$reason"; return; fi
  for command in "$@"; do
    if ! has "$command"; then missing "$package" "$reason"; return; fi
  done
}
need_file() { # package reason file
  if pretended "$1" || [ ! -e "$3" ]; then missing "$1" "$2"; fi
}

chromium_found() {
  local candidate
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && return 0
  done
  # Or Playwright's own download (npx playwright install chromium).
  [ -d node_modules/playwright-core ] &&
    node -e 'process.exit(require("fs").existsSync(require("playwright-core").chromium.executablePath()) ? 0 : 1)' 2>/dev/null
}

check() {
  packages=()
  why=()
  if pretended chromium || ! chromium_found; then missing chromium "the end-to-end tests (Playwright) drive Chromium"; fi
  need_command openssh-server "the SFTP tests run the real sshd" sshd
  need_file openssh-server "sshd's group-exchange primes (/etc/ssh/moduli) for the legacy payer tests" /etc/ssh/moduli
  need_command openssh-client "ssh-keygen (host keys, fingerprints), ssh and sftp (the published client commands)" ssh-keygen ssh sftp
  need_command vsftpd "the FTPS tests run the real vsftpd" vsftpd
  need_command putty-tools "puttygen: PuTTY .ppk key tests" puttygen
  need_command openssl "test certificates (FTPS, webhooks) and the key corpus" openssl
  need_command curl "the production server smoke test" curl
  need_command postgresql-client "pg_dump: the vault's raw-dump test on PostgreSQL" pg_dump
  need_command python3 "the unanswered-port fixture (a listener that never accepts)" python3
  need_command passwd "useradd, chpasswd, userdel, groupdel: the real servers' temporary accounts" useradd chpasswd userdel groupdel
  need_command mount "mount, umount: the full-disk test's tmpfs" mount umount
  need_command util-linux "unshare: keeps sshd's failed-login records out of /var/log/btmp" unshare
  if [ "$bench" = yes ]; then
    need_command sshpass "npm run bench: gives the password to the reference sftp client" sshpass
    need_command lftp "npm run bench: the second reference FTPS client" lftp
  fi
  if [ "$postgresql_server" = yes ]; then
    if pretended postgresql || { ! has pg_ctlcluster && ! { has pg_isready && pg_isready -h 127.0.0.1 -p 5432 -q; }; }; then
      missing postgresql "the PostgreSQL pass of .ci/run"
    fi
  fi
}

# Node.js comes from nodejs.org or NodeSource (Debian 12's own is 18): not installed here.
node_problem=""
wanted_node=$(sed -n 's/.*"node": *">=\([0-9.]*\)".*/\1/p' package.json | head -n 1)
if ! has node; then
  node_problem="Node.js ${wanted_node} or later (nodejs.org or NodeSource; Debian 12's nodejs package is too old)"
elif ! node -e '
  const want = process.argv[1].split(".").map(Number), have = process.versions.node.split(".").map(Number);
  process.exit(have[0] > want[0] || (have[0] === want[0] && (have[1] ?? 0) >= (want[1] ?? 0)) ? 0 : 1);' "${wanted_node:-20.19}"; then
  node_problem="Node.js ${wanted_node} or later (this is $(node --version); nodejs.org or NodeSource)"
fi

check
if [ ${#packages[@]} -gt 0 ] && [ "$install" = yes ] && [ "$root" = yes ] && has apt-get; then
  echo "prerequisites: installing ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}"
  PREREQUISITES_PRETEND_MISSING=""
  check
fi

if [ ${#packages[@]} -eq 0 ] && [ -z "$node_problem" ] && [ "$root" = yes ]; then
  echo "prerequisites: everything the test suite needs is here."
  exit 0
fi

{
  echo "npm test cannot start on this machine:"
  for package in "${packages[@]}"; do printf '  - missing Debian package %s (%s)\n' "$package" "${why[$package]}"; done
  if [ -n "$node_problem" ]; then echo "  - missing $node_problem"; fi
  if [ "$root" = no ]; then
    echo "  - not root: the SFTP/FTPS tests start the machine's sshd and vsftpd under temporary local accounts"
    echo "    (useradd/userdel, a PAM file in /etc/pam.d) and the full-disk test mounts a tmpfs: run npm test as root"
  fi
  if [ ${#packages[@]} -gt 0 ]; then
    echo "Install the packages with:"
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages[*]}"
    echo "(or run bash scripts/prerequisites.sh as root: it installs them itself)"
    if [ "$root" = yes ] && [ "$install" = yes ]; then
      if has apt-get; then echo "apt-get ran as root, but they are still missing: see its output above."; else echo "apt-get is not available here: install the equivalent packages by hand."; fi
    fi
  fi
} >&2
exit 1
