"""How the code base is laid out, measured: ``python -m tests.structure`` prints the numbers, the layering tests in
``tests/unit/test_layering.py`` hold the targets.

- the longest production files (``bot/``, ``cogs/``, ``db/``);
- imports from one feature package in ``cogs/`` into another (features talk through the bot's services);
- ``TYPE_CHECKING`` imports that close an import cycle (a cycle hidden instead of removed);
- rule modules in ``bot/`` that import ``discord`` (rules know nothing of Discord);
- with the ``duplicates`` tool on PATH: the pairs of repeated blocks inside production code.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ("bot", "cogs", "db")
# The modules of bot/ that are the composition root or talk to Discord on purpose; every other one is a rule module.
# A production file longer than this has grown more than one job (the cog layer's target is ~400 lines).
LONGEST_FILE = 420
DISCORD_FACING = (
    "bot.client",
    "bot.__main__",
    "bot.checks",
    "bot.errors",
    "bot.translator",
    "bot.services",
    "bot.setup_discord",
    "bot.setup_wizard",
)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def lines(self) -> int:
        return len(self.path.read_text(encoding="utf-8").splitlines())


def production_modules() -> list[Module]:
    found = []
    for package in PRODUCTION:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append(Module(name, path, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(module: Module, *, type_checking: bool) -> Iterator[str]:
    """Absolute names a module imports at run time (or, with ``type_checking``, only under ``TYPE_CHECKING``)."""

    def walk(nodes: list[ast.stmt], guarded: bool) -> Iterator[str]:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node):
                yield from walk(node.body, True)
                yield from walk(node.orelse, guarded)
            elif isinstance(node, ast.Import) and guarded == type_checking:
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and guarded == type_checking and node.module and not node.level:
                yield node.module
                yield from (f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If | ast.Try):
                yield from walk(node.body, guarded)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not type_checking:
                yield from walk(node.body, guarded)  # a deferred import still ties two modules together

    yield from walk(module.tree.body, False)


def _known(name: str, names: set[str]) -> str | None:
    while name and name not in names:
        name = name.rpartition(".")[0]
    return name or None


def feature_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "cogs" and not parts[1].startswith("_") else None


def cross_feature_imports(modules: list[Module]) -> list[str]:
    names = {module.name for module in modules}
    found = set()
    for module in modules:
        own = feature_of(module.name)
        for name in set(imports(module, type_checking=False)) | set(imports(module, type_checking=True)):
            target = _known(name, names)
            other = feature_of(target) if target else None
            if own is not None and other is not None and other != own:
                found.add(f"{module.name} → {target}")
    return sorted(found)


def type_checking_cycles(modules: list[Module]) -> list[str]:
    names = {module.name for module in modules}
    runtime = {
        module.name: {t for t in (_known(i, names) for i in imports(module, type_checking=False)) if t}
        for module in modules
    }

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(runtime.get(current, ()))
                # Importing a package's module runs the package's __init__ too.
                parent = current.rpartition(".")[0]
                if parent in names:
                    todo.append(parent)
        return False

    cycles = []
    for module in modules:
        for target in {_known(i, names) for i in imports(module, type_checking=True)} - {None}:
            assert target is not None
            if reaches(target, module.name):
                cycles.append(f"{module.name} ⇢ {target}")
    return sorted(cycles)


def rule_modules_importing_discord(modules: list[Module]) -> list[str]:
    """Rule modules of bot/ that reach ``discord`` through their run-time imports, directly or through others."""
    names = {module.name for module in modules}
    direct = {
        module.name
        for module in modules
        if any(name == "discord" or name.startswith("discord.") for name in imports(module, type_checking=False))
    }
    runtime = {
        module.name: {t for t in (_known(i, names) for i in imports(module, type_checking=False)) if t}
        for module in modules
    }

    def reaches_discord(start: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current in direct:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(runtime.get(current, ()))
        return False

    return sorted(
        module.name
        for module in modules
        if module.name.startswith("bot") and not module.name.startswith(DISCORD_FACING) and reaches_discord(module.name)
    )


def production_duplicates() -> list[str] | None:
    """Pairs the ``duplicates`` tool reports with both sides in production code; None if the tool is missing."""
    tool = shutil.which("duplicates")
    if tool is None:
        return None
    output = subprocess.run(
        [tool, "--most", "200", "--repo", str(ROOT)], capture_output=True, text=True, check=False, timeout=300
    ).stdout
    inside = tuple(f"{package}/" for package in PRODUCTION)
    pairs = []
    for line in output.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == "~" and fields[1].startswith(inside) and fields[3].startswith(inside):
            pairs.append(line)
    return pairs


def findings() -> dict[str, list[str]]:
    """What the layering tests check, as plain data."""
    modules = production_modules()
    return {
        "cross_feature_imports": cross_feature_imports(modules),
        "type_checking_cycles": type_checking_cycles(modules),
        "rule_modules_importing_discord": rule_modules_importing_discord(modules),
        "long_files": [f"{module.name} ({module.lines} lines)" for module in modules if module.lines > LONGEST_FILE],
    }


def main() -> int:
    if "--json" in sys.argv[1:]:
        print(json.dumps(findings()))
        return 0
    modules = production_modules()
    longest = sorted(modules, key=lambda module: module.lines, reverse=True)[:5]
    print("longest production files:")
    for module in longest:
        print(f"  {module.lines:5d}  {module.path.relative_to(ROOT)}")
    for title, found in (
        ("cross-feature imports", cross_feature_imports(modules)),
        ("TYPE_CHECKING imports that close a cycle", type_checking_cycles(modules)),
        ("rule modules in bot/ importing discord", rule_modules_importing_discord(modules)),
    ):
        print(f"{title}: {len(found)}")
        for entry in found:
            print(f"  {entry}")
    duplicates = production_duplicates()
    if duplicates is None:
        print("duplicate blocks in production code: (the duplicates tool is not on PATH)")
    else:
        print(f"duplicate blocks in production code: {len(duplicates)}")
        for line in duplicates:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
