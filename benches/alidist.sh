#!/usr/bin/env bash
# `distrib import alidist` + `check` + `lock --offline` of O2PDPSuite, against
# `aliBuild deps O2PDPSuite --defaults o2 --no-system`, on the same recipes, in wall time.
#
#   benches/alidist.sh RECIPES [RUNS]
#
# RECIPES is an alidist checkout (../shared/alidist/recipes); aliBuild must be on the PATH
# (`pip install alibuild`). The script builds distrib in release mode, makes one local bare
# repository per source of aliBuild's closure (tests/data/alidist/closure-o2-slc9_x86-64.tsv)
# and fetches them once; each timed run then imports into a new manifest repository, with a
# cold parse cache, checks it and locks offline. It prints the median of RUNS (default 11)
# for each side, and the ratio. BENCH_TMPDIR chooses the file system the runs write to.
set -euo pipefail

recipes=$(realpath "$1")
runs=${2:-11}
here=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --locked --quiet --manifest-path "$here/Cargo.toml"
distrib=${CARGO_TARGET_DIR:-$here/target}/release/distrib
command -v aliBuild >/dev/null || { echo "aliBuild is not on the PATH" >&2; exit 2; }

work=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/alidist-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME=$work/home GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"

# One bare repository per source, with each pin as a tag (`master` as the branch).
rewrite="rewrite:"
i=0
while IFS=$'\t' read -r url refs; do
  repo=$work/upstream/$i.git
  git init --bare -q --initial-branch=master "$repo"
  {
    printf 'commit refs/heads/master\nmark :1\ncommitter Release Manager <rm@example.org> 1772366400 +0000\ndata 7\nsources\nM 644 inline README\ndata %d\n%s\n\n' $((${#url} + 1)) "$url"
    for ref in $refs; do
      [ "$ref" = master ] || printf 'reset refs/tags/%s\nfrom :1\n\n' "$ref"
    done
    printf 'done\n'
  } | git --git-dir "$repo" fast-import --quiet --done
  rewrite+=$'\n'"  \"$url\": \"file://$repo\""
  i=$((i + 1))
done < <(awk -F'\t' '$2 != "" { refs[$2] = refs[$2] " " $3 } END { for (u in refs) print u "\t" refs[u] }' \
  "$here/tests/data/alidist/closure-o2-slc9_x86-64.tsv")

config="rules: {}
mirrors: $work/mirrors
$rewrite"
setup=$work/setup
mkdir -p "$setup"
"$distrib" -C "$setup" import alidist "$recipes" 2>/dev/null
printf '%s\n' "$config" > "$setup/distrib.yaml"
"$distrib" -C "$setup" fetch o2 >/dev/null 2>&1

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now() { date +%s%N; }

distrib_times=() import_times=() check_times=() lock_times=()
for run in $(seq "$runs"); do
  m=$work/run$run
  mkdir -p "$m"
  printf '%s\n' "$config" > "$m/distrib.yaml"
  start=$(now)
  "$distrib" -C "$m" import alidist "$recipes" 2>/dev/null
  imported=$(now)
  "$distrib" -C "$m" check >/dev/null 2>&1
  checked=$(now)
  "$distrib" -C "$m" lock o2 --kind nightly --date 2026-03-01 --offline >/dev/null 2>&1
  locked=$(now)
  distrib_times+=($(( (locked - start) / 1000000 )))
  import_times+=($(( (imported - start) / 1000000 )))
  check_times+=($(( (checked - imported) / 1000000 )))
  lock_times+=($(( (locked - checked) / 1000000 )))
  test -f "$m/locks/o2/d.2026.03.01.lock.yaml"
done

alibuild_times=()
for run in $(seq "$runs"); do
  start=$(now)
  # aliBuild deps exits 1 after writing the graph: its status says nothing.
  (cd "$work" && aliBuild deps O2PDPSuite --defaults o2 --no-system -a slc9_x86-64 \
    -c "$recipes" --output "$work/deps.dot" >/dev/null 2>&1) || true
  alibuild_times+=($(( ($(now) - start) / 1000000 )))
  grep -q '"O2PDPSuite"' "$work/deps.dot"
done

d=$(printf '%s\n' "${distrib_times[@]}" | median)
a=$(printf '%s\n' "${alibuild_times[@]}" | median)
echo "distrib import + check + lock --offline: median ${d} ms of $runs (${distrib_times[*]})"
echo "  import $(printf '%s\n' "${import_times[@]}" | median) ms, check $(printf '%s\n' "${check_times[@]}" | median) ms, lock $(printf '%s\n' "${lock_times[@]}" | median) ms (medians)"
echo "aliBuild deps --no-system:               median ${a} ms of $runs (${alibuild_times[*]})"
awk -v a="$a" -v d="$d" 'BEGIN { printf "distrib is %.1fx faster\n", a / d }'
