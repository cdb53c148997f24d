"""Compute aliBuild's package closure of a package, as `aliBuild deps --no-system` does, with
every system check failing, so that nothing is taken from the host and the result does not
depend on the machine it runs on.

    python3 closure.py RECIPES PACKAGE DEFAULTS ARCHITECTURE > closure-o2-slc9_x86-64.tsv

Needs aliBuild (`pip install alibuild==1.17.48`). Prints one line per package of the closure
(`defaults-release` left out), sorted: name, source, tag, version, then its run-time and its
build-time dependencies (each sorted, comma-separated), separated by tabs.
"""

import sys

from alibuild_helpers.utilities import (
    getPackageList,
    parseDefaults,
    readDefaults,
    validateDefaults,
)

recipes, package, defaults, architecture = sys.argv[1:5]


def fail(message, *args):
    sys.exit(message % args if args else message)


def no_system(spec, command):
    # `track_env` commands run through the same hook: their output is not part of the closure.
    if command.startswith("REQUESTED_VERSION=") or command is spec.get("system_requirement_check"):
        return (1, "")
    return (0, "")


def requirement_fails(spec, command):
    return (1, "")


disable = []
_, overrides, taps = parseDefaults(
    disable, lambda: readDefaults(recipes, defaults, fail, architecture), lambda *a: None
)
specs = {}
getPackageList(
    packages=[package],
    specs=specs,
    configDir=recipes,
    preferSystem=False,
    noSystem="*",
    architecture=architecture,
    disable=disable,
    defaults=defaults,
    performPreferCheck=no_system,
    performRequirementCheck=requirement_fails,
    performValidateDefaults=lambda spec: validateDefaults(spec, defaults),
    overrides=overrides,
    taps=taps,
    log=lambda *a: None,
)
for name in sorted(specs):
    if name == "defaults-release":
        continue
    spec = specs[name]
    # Its dependencies on the architecture: what `getPackageList` leaves of `requires` and
    # `build_requires` once conditions and `disable` are applied, without `defaults-release`.
    runtime = sorted(set(spec["runtime_requires"]))
    build = sorted(set(spec["build_requires"]) - {"defaults-release"})
    print("\t".join([name, spec.get("source", ""), str(spec["tag"]), spec["version"],
                     ",".join(runtime), ",".join(build)]))
