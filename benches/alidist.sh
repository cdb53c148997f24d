#!/usr/bin/env bash
# `distrib import alidist` + `check` + `lock --offline` of O2PDPSuite, against
# `aliBuild deps O2PDPSuite --defaults o2 --no-system`, on the same recipes, in wall time.
#
#   benches/alidist.sh RECIPES [RUNS]
#
# RECIPES is an alidist checkout (../shared/alidist/recipes); aliBuild must be on the PATH
# (`pip install alibuild`), or ALIBUILD names it (a pyenv shim adds a shell script's start to
# every run: name the real one, `pyenv which aliBuild`). The script builds distrib in release
# mode, makes one local bare repository per source of aliBuild's closure
# (tests/data/alidist/closure-o2-slc9_x86-64.tsv) and fetches them once; each timed run then
# imports into a new manifest repository, with a cold parse cache, checks it and locks
# offline. The sides take turns, run after run. It prints the median of RUNS (default 11) for
# each side in wall and CPU time (user + system, which a loaded machine disturbs less), the
# ratios of the medians, and the median of the run-by-run ratios. A third side is aliBuild's
# resolver alone (tests/data/alidist/closure.py: `getPackageList` with every system check
# failing at once), since `aliBuild deps` runs the recipes' `system_requirement_check`s (C
# compiles) even with `--no-system`, work distrib never does. BENCH_TMPDIR chooses the file
# system the runs write to; DISTRIB_BENCH_BIN measures another build of distrib (another
# commit's) instead of building this one.
set -euo pipefail

[ -n "${EPOCHREALTIME:-}" ] || { echo "this script needs bash 5 (EPOCHREALTIME)" >&2; exit 2; }
recipes=$(realpath "$1")
runs=${2:-11}
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${DISTRIB_BENCH_BIN:-}" ]; then
  distrib=$(realpath "$DISTRIB_BENCH_BIN")
else
  cargo build --release --locked --quiet --manifest-path "$here/Cargo.toml"
  distrib=${CARGO_TARGET_DIR:-$here/target}/release/distrib
fi
alibuild=${ALIBUILD:-$(command -v aliBuild || true)}
[ -n "$alibuild" ] || { echo "aliBuild is not on the PATH" >&2; exit 2; }
python=$(head -1 "$alibuild" | sed -n 's/^#!//p')
case $python in *python*) ;; *) python=python3 ;; esac

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
# The clock in microseconds, read without starting a process: a `date` in a timed interval
# adds its own start (about 2 ms here) to the time measured.
now() { now=${EPOCHREALTIME/[.,]/}; }
# The CPU milliseconds (user + system) of every child waited for so far, in `cpu_total`,
# read from the shell's `times` without starting a process (whose time the next reading would
# count).
cpu_now() {
  local _ user system
  times > "$work/times"
  { read -r _ _; read -r user system; } < "$work/times"
  ms "$user"; cpu_total=$ms
  ms "$system"; cpu_total=$((cpu_total + ms))
}
# `1m2.345s` in milliseconds, in `ms`.
ms() {
  local minutes=${1%%m*} seconds=${1#*m}
  seconds=${seconds%s}
  ms=$(( (minutes * 60 + 10#${seconds%.*}) * 1000 + 10#${seconds#*.} ))
}

# The three sides take turns, run after run, so that each sees the machine as it is at that
# moment: on a shared VM the speed of everything drifts over seconds, and runs of one side all
# before the other's would compare two machines.
distrib_times=() import_times=() check_times=() lock_times=() distrib_cpu=()
alibuild_times=() alibuild_cpu=() resolver_times=() resolver_cpu=() ratios=()
for run in $(seq "$runs"); do
  m=$work/run$run
  mkdir -p "$m"
  printf '%s\n' "$config" > "$m/distrib.yaml"
  cpu_now; before=$cpu_total
  now; start=$now
  "$distrib" -C "$m" import alidist "$recipes" 2>/dev/null
  now; imported=$now
  "$distrib" -C "$m" check >/dev/null 2>&1
  now; checked=$now
  "$distrib" -C "$m" lock o2 --kind nightly --date 2026-03-01 --offline >/dev/null 2>&1
  now; locked=$now
  cpu_now; distrib_cpu+=($((cpu_total - before)))
  sequence=$((locked - start))
  distrib_times+=($((sequence / 1000)))
  import_times+=($(( (imported - start) / 1000 )))
  check_times+=($(( (checked - imported) / 1000 )))
  lock_times+=($(( (locked - checked) / 1000 )))
  test -f "$m/locks/o2/d.2026.03.01.lock.yaml"

  cpu_now; before=$cpu_total
  now; start=$now
  # aliBuild deps exits 1 after writing the graph: its status says nothing.
  (cd "$work" && "$alibuild" deps O2PDPSuite --defaults o2 --no-system -a slc9_x86-64 \
    -c "$recipes" --output "$work/deps.dot" >/dev/null 2>&1) || true
  now; alibuild_times+=($(( (now - start) / 1000 )))
  cpu_now; alibuild_cpu+=($((cpu_total - before)))
  grep -q '"O2PDPSuite"' "$work/deps.dot"
  ratios+=($(( (now - start) * 100 / sequence )))

  cpu_now; before=$cpu_total
  now; start=$now
  "$python" "$here/tests/data/alidist/closure.py" "$recipes" O2PDPSuite o2 slc9_x86-64 > "$work/closure.tsv"
  now; resolver_times+=($(( (now - start) / 1000 )))
  cpu_now; resolver_cpu+=($((cpu_total - before)))
  test "$(wc -l < "$work/closure.tsv")" -eq 141
done

m() { printf '%s\n' "$@" | median; }
d=$(m "${distrib_times[@]}") dc=$(m "${distrib_cpu[@]}")
a=$(m "${alibuild_times[@]}") ac=$(m "${alibuild_cpu[@]}")
r=$(m "${resolver_times[@]}") rc=$(m "${resolver_cpu[@]}")
echo "distrib import + check + lock --offline: median ${d} ms wall, ${dc} ms CPU of $runs (${distrib_times[*]})"
echo "  import $(m "${import_times[@]}") ms, check $(m "${check_times[@]}") ms, lock $(m "${lock_times[@]}") ms (wall medians)"
echo "aliBuild deps --no-system:               median ${a} ms wall, ${ac} ms CPU (${alibuild_times[*]})"
echo "aliBuild's resolver alone (closure.py):  median ${r} ms wall, ${rc} ms CPU (${resolver_times[*]})"
p=$(m "${ratios[@]}")
awk -v a="$a" -v d="$d" -v ac="$ac" -v dc="$dc" -v r="$r" -v rc="$rc" -v p="$p" 'BEGIN {
  printf "distrib is %.1fx faster than aliBuild deps in wall time (%.1fx in CPU time)\n", a / d, ac / dc
  printf "  run by run (each aliBuild deps against the distrib sequence just before it): median %.1fx\n", p / 100
  printf "distrib is %.1fx faster than its resolver alone in wall time (%.1fx in CPU time)\n", r / d, rc / dc }'
