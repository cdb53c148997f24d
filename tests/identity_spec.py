#!/usr/bin/env python3
"""A second implementation of docs/identity.md, written from that document alone.

Usage: identity_spec.py MANIFEST_ROOT LOCKFILE

Recomputes, from the lockfile's inputs and the product files' `build` recipes, the environment
digest, every package identity, every canonical recipe and the content digest, and prints them
as JSON. It shares nothing with distrib but the document: its YAML reader is PyYAML (without
any schema), its encoding is written here from the document's words.
"""

import hashlib
import json
import pathlib
import sys

import yaml


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Encoding:
    """header LF, then per field: key SP length ":" value LF (length in bytes)."""

    def __init__(self, header: str):
        self.data = bytearray(header.encode() + b"\n")

    def field(self, key: str, value: str):
        raw = value.encode("utf-8")
        self.data += key.encode() + b" " + str(len(raw)).encode() + b":" + raw + b"\n"

    def digest(self) -> str:
        return digest(bytes(self.data))


def byte_key(text: str) -> bytes:
    return text.encode("utf-8")


# Repository URLs: `host/path`, host in lower case, without scheme, user, password, port,
# trailing `/` or `.git`; local repositories: `file://` and the path.
def normalize_url(url: str) -> str:
    url = url.strip()
    if url.startswith("file://") or url.startswith("/"):
        path = url[len("file://"):] if url.startswith("file://") else url
        while "//" in path:
            path = path.replace("//", "/")
        path = path.rstrip("/")
        if path.endswith(".git"):
            path = path[: -len(".git")]
        return "file://" + path.rstrip("/")
    if "://" in url:
        _, rest = url.split("://", 1)
        authority, _, path = rest.partition("/")
    else:  # scp-like `user@host:path`
        authority, _, path = url.partition(":")
    host = authority.rsplit("@", 1)[-1]
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit():
        host = name
    path = path.rstrip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    return host.lower() + "/" + path.strip("/")


# Sub-tree paths: split at `/`, drop empty and `.` segments, join with `/`.
def normalize_path(path) -> str:
    if path is None:
        return ""
    return "/".join(s for s in path.split("/") if s not in ("", "."))


# The canonical recipe: YAML's syntax only, every scalar the string written, tags ignored,
# aliases copied, `<<` merge keys applied, keys compared as strings.
def tree(node):
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [tree(item) for item in node.value]
    own = []
    merged = []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.style is None and key.value == "<<":
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            merged.extend(tree(source) for source in sources)
            continue
        own.append((tree(key), tree(value)))
    result = {}
    for key, value in own:
        if key in result:
            raise SystemExit(f"two keys `{key}` in one mapping: check refuses this recipe")
        result[key] = value
    for mapping in merged:  # an earlier mapping wins over a later one, own keys over all
        for key, value in mapping.items():
            result.setdefault(key, value)
    return result


def json_string(text: str) -> str:
    out = ['"']
    named = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
    for c in text:
        if c in named:
            out.append(named[c])
        elif ord(c) < 0x20:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def canonical(value) -> str:
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    members = sorted(value.items(), key=lambda kv: byte_key(kv[0]))
    return "{" + ",".join(json_string(k) + ":" + canonical(v) for k, v in members) + "}"


def recipe_of(root: pathlib.Path, name: str) -> str:
    files = [p for p in (root / "products").rglob(name + ".yaml")]
    if not files:
        return ""
    document = yaml.compose(files[0].read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    for key, value in document.value:
        if key.value == "build":
            if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null", "Null", "NULL") and value.style is None:
                return ""  # `build:` empty: no recipe
            return canonical(tree(value))
    return ""


def main():
    root, lock_path = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    # No schema for the lock either: every scalar is a string.
    lock = yaml.load(lock_path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    if lock.get("identity_version") != "2":
        raise SystemExit("this implementation covers identity version 2")

    environment = Encoding("distrib-environment/1")
    environment.field("purpose", lock["environment"]["purpose"])
    packages = lock["environment"].get("packages") or {}
    for name in sorted(packages, key=byte_key):
        environment.field("package", name)
        environment.field("version", packages[name])
    environment = environment.digest()

    variables = lock.get("variables") or {}
    inputs = sorted(lock.get("inputs") or [], key=byte_key)
    products = {p["name"]: p for p in lock["products"]}
    recipes = {name: recipe_of(root, name) for name in products}
    identities = {}

    def identity(name):
        if name in identities:
            return identities[name]
        product = products[name]
        encoding = Encoding("distrib-identity/2")
        encoding.field("product", name)
        encoding.field("platform", lock["platform"])
        encoding.field("environment", environment)
        for input_name in inputs:
            encoding.field("input", input_name)
            encoding.field("value", variables[input_name])
        encoding.field("recipe", recipes[name])
        sources = sorted(
            {
                (normalize_url(r["url"]), normalize_path(r.get("path")), r["tree"])
                for r in product.get("repositories") or []
            },
            key=lambda s: tuple(byte_key(x) for x in s),
        )
        for url, path, tree_id in sources:
            encoding.field("repository", url)
            encoding.field("path", path)
            encoding.field("tree", tree_id)
        dependencies = set(product.get("depends") or []) | set(product.get("build_depends") or [])
        for dependency in sorted(dependencies, key=byte_key):
            encoding.field("dependency", dependency)
            encoding.field("identity", identity(dependency))
        identities[name] = encoding.digest()
        return identities[name]

    for name in products:
        identity(name)

    content = Encoding("distrib-content/2")
    for name in sorted(products, key=byte_key):
        content.field("product", name)
        content.field("identity", identities[name])

    json.dump(
        {
            "environment": environment,
            "recipes": recipes,
            "identities": identities,
            "content": content.digest(),
        },
        sys.stdout,
        indent=1,
        sort_keys=True,
    )


main()
