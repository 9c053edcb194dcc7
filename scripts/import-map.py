#!/usr/bin/env python3
"""The workspace's import map, checked against its layers.

Usage: python3 scripts/import-map.py [--quiet]

Prints which hooklake crate depends on which, and which module of each crate
uses which other module of it (`crate::x`, `super::x`, `x::` of a child
module; comments and doc tests left out). Exits 1 when:

- a crate depends on a crate of a higher layer (LAYERS below, lowest
  first; a crate's folder is its place in it), or on one not listed;
- two modules of a crate use each other, directly or round a longer cycle.

No Rust tool does both without a build (cargo-modules needs one per crate,
cargo-depgraph only the crate level), and this runs in a second on a fresh
checkout, so it is a short script.
"""
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The floors, lowest first: each crate may depend only on crates below it.
LAYERS = [
    ("schema", "hooklake-schema"),
    ("github", "hooklake-github"),
    ("ingest", "hooklake-ingest"),
    ("maintain", "hooklake-maintain"),
    ("aws", "hooklake-aws"),
    ("lambda", "hooklake-lambda"),
    ("edge/core", "hooklake-edge"),
    ("edge/webcrypto", "hooklake-edge-webcrypto"),
    ("edge/worker", "hooklake-edge-worker"),
    ("cli", "hooklake"),
]
# Test and benchmark support: above everything, never depended on by product
# code (only as a dev-dependency).
SUPPORT = [("tests", "hooklake-tests"), ("bench", "hooklake-bench"),
           ("bench/edge/wasm", "hooklake-edge-bench-wasm")]


def crate_deps(folder):
    manifest = tomllib.loads((ROOT / folder / "Cargo.toml").read_text())
    deps = set()
    tables = [manifest.get("dependencies", {})]
    for target in manifest.get("target", {}).values():
        tables.append(target.get("dependencies", {}))
    for table in tables:
        for name, spec in table.items():
            package = spec.get("package", name) if isinstance(spec, dict) else name
            if package.startswith("hooklake"):
                deps.add(package)
    return deps


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def modules_of(src):
    """Module path (e.g. `serve::queue`) → file, for every .rs under src."""
    modules = {}
    for path in sorted(src.rglob("*.rs")):
        rel = path.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[0] == "bin" or parts in (["lib"], ["main"]):
            continue
        if parts[-1] == "mod":
            parts = parts[:-1]
        modules["::".join(parts)] = path
    return modules


def module_edges(src):
    modules = modules_of(src)
    edges = {m: set() for m in modules}
    for module, path in modules.items():
        text = strip_comments(path.read_text())
        parent = module.rsplit("::", 1)[0] if "::" in module else ""
        targets = set()
        for match in re.finditer(r"\bcrate::((?:\w+::)*\w+)", text):
            targets.add(match.group(1))
        for match in re.finditer(r"\bsuper::((?:\w+::)*\w+)", text):
            targets.add(f"{parent}::{match.group(1)}" if parent else match.group(1))
        for match in re.finditer(r"(?<![\w:])(?:self::)?(\w+)::", text):
            child = f"{module}::{match.group(1)}"
            if child in modules:
                targets.add(child)
        for target in targets:
            parts = target.split("::")
            # The longest prefix that is a module: `crate::a::b::Item` → a::b.
            for n in range(len(parts), 0, -1):
                candidate = "::".join(parts[:n])
                if candidate in modules:
                    if candidate != module:
                        edges[module].add(candidate)
                    break
    return edges


def cycles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main():
    quiet = "--quiet" in sys.argv
    problems = []
    floor = {name: i for i, (_, name) in enumerate(LAYERS)}
    members = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["members"]
    known = {folder for folder, _ in LAYERS + SUPPORT}
    for member in members:
        if member not in known:
            problems.append(f"{member}: a workspace crate with no place in LAYERS")
    for folder, name in LAYERS:
        deps = crate_deps(folder)
        if not quiet:
            print(f"{folder} ({name}) -> {', '.join(sorted(deps)) or '-'}")
        for dep in sorted(deps):
            if dep not in floor:
                problems.append(f"{name} depends on {dep}, which is not a product layer")
            elif floor[dep] >= floor[name]:
                problems.append(f"{name} depends on {dep}, a crate of its own or a higher layer")
        for src in [ROOT / folder / "src"]:
            edges = module_edges(src)
            if not quiet:
                for module in sorted(edges):
                    if edges[module]:
                        print(f"  {module} -> {', '.join(sorted(edges[module]))}")
            for cycle in cycles(edges):
                problems.append(f"{name}: modules use each other: {' <-> '.join(cycle)}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"import map: {len(LAYERS)} layers, no upward import, no module cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
