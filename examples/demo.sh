#!/usr/bin/env bash
# The whole flow of distrib on a bundled example, with no network: the product repositories
# the example names are created as local git repositories, and `rewrite:` points the example
# at them. Then: check, fetch, lock, verify, lock --check; and the example's release cycle:
# DMTN-106's candidates, final and patch for lsst, O2's nightlies, manual build and deployment
# for alice.
#
#   examples/demo.sh [lsst|alice]
#
# Set DISTRIB_DEMO_DIR to keep the work folder somewhere (default: a new temporary folder,
# removed at the end), and DISTRIB_BIN to use a distrib binary already built.
set -euo pipefail

example=${1:-lsst}
top=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$top/examples/$example" ] || { echo "no example \`$example\`: use lsst or alice" >&2; exit 2; }
if [ -n "${DISTRIB_DEMO_DIR:-}" ]; then
    work=$DISTRIB_DEMO_DIR
    kept=yes
else
    work=$(mktemp -d)
    kept=
    # What the demo made is removed however it ends.
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
echo "== the $example demo, working in $work${kept:+ (kept)}" >&2

if [ -n "${DISTRIB_BIN:-}" ]; then
    distrib=$DISTRIB_BIN
else
    echo "== building distrib with cargo (a first build takes a few minutes; cargo shows its progress)" >&2
    cargo build --release --locked --manifest-path "$top/Cargo.toml"
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
case $example in
alice) distribution=O2PDPSuite ;;
*) distribution=$(basename "$(find "$work/manifests/distributions" -name '*.yaml' | head -n 1)" .yaml) ;;
esac

cd "$work/manifests"
# The manifest folder is a git repository, as a real one is: each lock records the commit of
# the manifests it was made from (`manifest_commit`).
git init -q -b main .
git add -A
git commit -q -m "The $example manifests"
commit() { git add -A && git commit -q -m "$1"; }
run() { echo "== distrib $*" >&2; "$distrib" "$@"; }
run check
run fetch
run lock "$distribution" --kind weekly --date 2026-11-19
weekly=$(ls locks/"$distribution"/*.lock.yaml)
# The per-repository lines of `distrib tag` and `distrib branch` go with the other messages.
release_tag() { run tag "$distribution/$1" --push >&2; }
run verify
run lock "$distribution" --check --offline

# A commit of a product repository, made as a developer would.
work_on() { # REPO BRANCH MESSAGE
    local repo="$work/upstream/$1"
    git -C "$repo" checkout -q "$2"
    echo "$3" >> "$repo/README"
    git -C "$repo" commit -q -am "$3"
}

case $example in
lsst)
    echo "== DMTN-106 §4: candidates from the weekly and the release branch, then the final" >&2
    echo "== DMTN-106 §4.2: the weekly is a tag in every repository" >&2
    release_tag "$(basename "$weekly" .lock.yaml)"
    # §4.4: the weekly's build completed; `gates: { candidate: [build] }` refuses rc1 without it.
    run record "$(basename "$weekly" .lock.yaml)" build --result pass --by Jenkins --url https://ci.example.org/job/weekly/8467 --date 2026-11-19T12:00
    run release candidate lsst_distrib 29.0.0 --from "$(basename "$weekly" .lock.yaml)" --date 2026-11-20
    release_tag v29.0.0.rc1
    echo "== DMTN-106 §4.7: the release branch, for the one package to fix" >&2
    run branch lsst_distrib/v29.0.0.rc1 afw --push >&2
    work_on github.com/lsst/afw v29.0.x "DM-4321: fix the PSF normalisation (backport)"
    run release candidate lsst_distrib 29.0.0 --date 2026-11-24
    release_tag v29.0.0.rc2
    # §4.6: the validation campaign of the last candidate (`gates: { final: [validation] }`).
    if run release final lsst_distrib 29.0.0 --date 2026-11-26; then echo "the gate let a final without its validation through" >&2; exit 1; fi
    run record v29.0.0.rc2 validation --result pass --by "DM science validation" --date 2026-11-25
    run release final lsst_distrib 29.0.0 --date 2026-11-26
    release_tag 29.0.0
    echo "== DMTN-106 §5: a patch from the release branch" >&2
    work_on github.com/lsst/afw v29.0.x "DM-4400: fix a crash on empty exposures (backport)"
    run release patch lsst_distrib 29.0.1 --date 2026-12-03
    release_tag v29.0.1.rc1
    run record v29.0.1.rc1 validation --result pass --by "DM science validation" --date 2026-12-04
    run release final lsst_distrib 29.0.1 --date 2026-12-04
    release_tag 29.0.1
    run tag lsst_distrib/29.0.1 --verify >&2
    echo "== git tag of afw, and its branches" >&2
    git -C "$work/upstream/github.com/lsst/afw" tag -n1 >&2
    git -C "$work/upstream/github.com/lsst/afw" branch --list >&2
    notes=(29.0.0 29.0.1)
    ;;
alice)
    lock_new() { # distrib lock DIST ARGS..., then the name of the release it made
        run lock "$@" --format json | sed -n 's/^    "release": "\(.*\)",$/\1/p'
    }
    thursday=$(basename "$weekly" .lock.yaml)
    echo "== the FLP suite installed on the FLP farm: 0.40.0" >&2
    flp_weekly=$(lock_new flp-suite --kind weekly --date 2026-11-12)
    run release candidate flp-suite 0.40.0 --from "$flp_weekly" --date 2026-11-12
    run release final flp-suite 0.40.0 --date 2026-11-13
    run deploy add flp 0.40.0 --support official --requested-by FLP
    run deploy set-default flp 0.40.0
    commit "flp: install the FLP suite 0.40.0"
    echo "== O2 §3, §6: the Thursday weekly passes the Full System Test" >&2
    run record "$thursday" fst --result pass --by FST --url https://alice-fst.example.org/runs/1119 --date 2026-11-19T20:00
    echo "== O2 §5, §7: Friday's nightlies against the installed FLP suite; the second gets the time" >&2
    lock_new O2PDPSuite --kind nightly --date 2026-11-20T02:00 --var flp_suite=@installed:flp >/dev/null
    work_on github.com/AliceO2Group/AliceO2 dev "O2-4711: TPC calibration fix"
    nightly=$(lock_new O2PDPSuite --kind nightly --date 2026-11-20T14:00 --var flp_suite=@installed:flp)
    echo "== O2 §5: a manual build based on the weekly, with DataDistribution overridden" >&2
    git -C "$work/upstream/github.com/AliceO2Group/DataDistribution" tag -a -m "Release v1.6.6" v1.6.6
    manual=$(lock_new O2PDPSuite --kind manual --date 2026-11-21 --from "$thursday" --set DataDistribution=v1.6.6)
    echo "== the FLP suite 0.41.0 is released (not installed yet)" >&2
    work_on github.com/AliceO2Group/FLPSuite master "OCTRL-900: readout buffer sizes"
    flp_next=$(lock_new flp-suite --kind weekly --date 2026-11-21)
    run release candidate flp-suite 0.41.0 --from "$flp_next" --date 2026-11-21
    run release final flp-suite 0.41.0 --date 2026-11-22
    echo "== O2 §6: Monday's nightly is built against the newest FLP suite" >&2
    monday=$(lock_new O2PDPSuite --kind nightly --date 2026-11-23T02:00 --var flp_suite=@newest:flp-suite)
    echo "== O2 §8, §9: the default moves on Monday, once the workout passed; gated until then" >&2
    run deploy add epn "$thursday" --support official --requested-by "Run Coordination" --note "Weekly release of Thursday 19 November."
    if run deploy set-default epn "$thursday"; then echo "the gate let a release without its workout through" >&2; exit 1; fi
    run record "$thursday" workout --result pass --by "EPN shifter" --date 2026-11-23T10:00
    run deploy set-default epn "$thursday"
    echo "== O2 §8: a partition runs the manual test build" >&2
    run deploy add epn "$manual" --support test --requested-by TPC --note "DataDistribution v1.6.6"
    run deploy set-partition epn physics_1 "$manual"
    echo "== O2 §6: the newest nightly, as alternative version" >&2
    run deploy add epn --newest nightly --support internal --requested-by PDP
    run deploy set-alternative epn "$monday"
    run deploy add epn "$nightly" --support internal --requested-by PDP
    commit "epn: the Thursday weekly is the default; physics_1 runs the manual build"
    echo "== a week later: the next weekly, its FST and workout, and the default moves to it" >&2
    work_on github.com/AliceO2Group/AliceO2 dev "O2-4800: faster track seeding"
    next=$(lock_new O2PDPSuite --kind weekly --date 2026-11-26 --var flp_suite=@installed:flp)
    run record "$next" fst --result pass --by FST --date 2026-11-26T20:00
    run record "$next" workout --result pass --by "EPN shifter" --date 2026-11-30T10:00
    run deploy add epn "$next" --support official --requested-by "Run Coordination"
    run deploy set-default epn "$next"
    commit "epn: the weekly of 26 November is the default"
    run deploy export epn --format json
    cat deployments/epn.yaml >&2
    notes=("$thursday" "$next")
    ;;
esac
run check
run verify
run list "$distribution"
run notes "${notes[@]}"
echo "== the weekly's lockfile" >&2
cat "$weekly"
{
    echo "== done: what to try next"
    if [ -n "$kept" ]; then
        echo "  cd $work/manifests"
    else
        echo "  (the work folder is removed now: run again with DISTRIB_DEMO_DIR=DIR to keep it, then cd DIR/manifests)"
    fi
    echo "  distrib list $distribution                 # every release, by lineage"
    echo "  distrib notes ${notes[*]}   # what changed between two releases"
    echo "  distrib site public                        # a static site of releases and deployments"
    echo "  Your own repository: distrib init DIR, then README.md, \"Your own manifest repository\""
} >&2
