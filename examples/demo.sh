#!/usr/bin/env bash
# The whole flow of distrib on a bundled example, with no network: the product repositories
# the example names are created as local git repositories, and `rewrite:` points the example
# at them. Then: check, fetch, lock, verify, lock --check.
#
#   examples/demo.sh [lsst|alice]
#
# Set DISTRIB_DEMO_DIR to keep the work folder somewhere (default: a new temporary folder), and
# DISTRIB_BIN to use a distrib binary already built.
set -euo pipefail

example=${1:-lsst}
top=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$top/examples/$example" ] || { echo "no example \`$example\`: use lsst or alice" >&2; exit 2; }
work=${DISTRIB_DEMO_DIR:-$(mktemp -d)}
mkdir -p "$work"

if [ -n "${DISTRIB_BIN:-}" ]; then
    distrib=$DISTRIB_BIN
else
    cargo build --release --quiet --manifest-path "$top/Cargo.toml"
    distrib="$top/target/release/distrib"
fi

# Fixed identities and dates: the same script gives the same commits, so the same lockfile.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME="Release Manager" GIT_AUTHOR_EMAIL=rm@example.org
export GIT_COMMITTER_NAME="Release Manager" GIT_COMMITTER_EMAIL=rm@example.org
export GIT_AUTHOR_DATE=2026-11-16T09:00:00Z GIT_COMMITTER_DATE=2026-11-16T09:00:00Z

rm -rf "$work/manifests" "$work/upstream"
cp -R "$top/examples/$example" "$work/manifests"

echo "== creating the example's product repositories under $work/upstream" >&2
find "$work/manifests/products" -name '*.yaml' | sort | while read -r file; do
    url=$(sed -n 's/^ *- url: *//p' "$file" | head -n 1)
    [ -n "$url" ] || continue
    tag=$(sed -n 's/^tag: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$file")
    branch=$(sed -n 's/^ *ref: *//p' "$file" | head -n 1)
    sub=$(sed -n 's/^ *path: *//p' "$file" | head -n 1)
    repo="$work/upstream/${url#https://}"
    [ -d "$repo" ] && continue
    git init -q -b "${branch:-main}" "$repo"
    mkdir -p "$repo/${sub:-.}"
    echo "$(basename "$file" .yaml)" > "$repo/${sub:-.}/README"
    git -C "$repo" add -A
    git -C "$repo" commit -q -m "Initial version"
    if [ -n "$tag" ]; then git -C "$repo" tag -a -m "Release $tag" "$tag"; fi
    echo "DM-1234: work after the release" >> "$repo/${sub:-.}/README"
    git -C "$repo" commit -q -am "DM-1234: work after the release"
done

cat >> "$work/manifests/distrib.yaml" <<YAML
# Added by examples/demo.sh: the repositories are local copies.
rewrite:
  "https://github.com/": "file://$work/upstream/github.com/"
  "https://gitlab.com/": "file://$work/upstream/gitlab.com/"
YAML
export DISTRIB_MIRRORS="$work/mirrors"
distribution=$(basename "$(find "$work/manifests/distributions" -name '*.yaml' | head -n 1)" .yaml)

cd "$work/manifests"
run() { echo "== distrib $*" >&2; "$distrib" "$@"; }
run check
run fetch
run lock "$distribution" --kind weekly --date 2026-11-19
run verify
run lock "$distribution" --check --offline
echo "== the lockfile" >&2
cat locks/"$distribution"/*.lock.yaml
