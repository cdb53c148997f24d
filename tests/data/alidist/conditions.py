"""Write conditions.tsv: every platform condition the recipes' `requires` and `build_requires`
write (the defaults' `overrides` included), with the architectures on which Python's
`re.match(condition, architecture)` matches, as aliBuild evaluates them.

    python3 conditions.py RECIPES > conditions.tsv
"""

import glob
import re
import sys

import yaml

ARCHITECTURES = """slc5_x86-64 slc6_x86-64 slc7_x86-64 slc8_x86-64 slc9_x86-64 slc9_aarch64
slc7_ppc64le ubuntu1804_x86-64 ubuntu2004_x86-64 ubuntu2204_x86-64 ubuntu2404_x86-64
ubuntu2404_aarch64 osx_x86-64 osx_arm64 fedora39_x86-64 fedora40_aarch64 alma9_x86-64 os
osxx_arm64 oss_x86-64""".split()


def entries(spec):
    for field in ("requires", "build_requires"):
        yield from spec.get(field) or []
    for override in (spec.get("overrides") or {}).values():
        yield from entries(override or {})


conditions = set()
for path in glob.glob(sys.argv[1] + "/*.sh"):
    header = open(path).read().split("---", 1)[0]
    for entry in entries(yaml.safe_load(header)):
        if ":" in entry and not entry.split(":", 1)[1].startswith("defaults="):
            conditions.add(entry.split(":", 1)[1])
print("# condition, then the architectures it matches (Python `re.match`), tab-separated")
for condition in sorted(conditions):
    matching = [a for a in ARCHITECTURES if re.match(condition, a)]
    print(condition + "\t" + " ".join(matching))
