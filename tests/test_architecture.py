"""Imports between feature packages go one way: the direction written in ARCHITECTURE.md.

Every import in school/ counts, including those inside functions, under TYPE_CHECKING and in
demo.py files: a lower package that needs a higher one to act sends a signal or fills a
registry instead (ARCHITECTURE.md says how). The order is read from the document, so the
document and the test cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHOOL = ROOT / "school"
DOCUMENT = ROOT / "ARCHITECTURE.md"


def documented_order() -> list[str]:
    """The packages of the first code block under the "Direction of imports" heading,
    bottom first (`core < audit < …`, possibly over several lines)."""
    text = DOCUMENT.read_text(encoding="utf-8")
    section = re.search(r"^##+ [^\n]*direction of imports[^\n]*\n(.*?)(?=^##+ |\Z)", text,
                        re.M | re.S | re.I)
    assert section, "ARCHITECTURE.md has no 'Direction of imports' section"
    block = re.search(r"```[^\n]*\n(.*?)```", section.group(1), re.S)
    assert block, "the 'Direction of imports' section has no code block with the order"
    names = [name.strip() for name in block.group(1).replace("\n", " ").split("<")]
    assert all(re.fullmatch(r"[a-z_]+", n) for n in names), f"unreadable order: {names}"
    assert len(names) == len(set(names)), f"a package named twice: {names}"
    return names


def shared_packages() -> set[str]:
    """Packages the document names on its "Shared packages:" line: used by every feature,
    they may import `core` and the features' models, nothing else of theirs."""
    line = re.search(r"^Shared packages:(.*)$", DOCUMENT.read_text(encoding="utf-8"), re.M)
    return set(re.findall(r"`([a-z_]+)`", line.group(1))) if line else set()


def feature_packages() -> set[str]:
    return {p.parent.name for p in SCHOOL.glob("*/__init__.py")} - shared_packages()


def _imported_modules(tree: ast.AST, module: str, is_package: bool):
    """(line, dotted name) of every module an import statement anywhere in `tree` names;
    `from school import x` names school.x too, since x may be a package."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:
                yield node.lineno, f"{target}.{alias.name}"


def upward_imports(order: list[str]) -> list[str]:
    rank = {name: i for i, name in enumerate(order)}
    found: dict[tuple[str, int, str], str] = {}  # (file, line, package above) -> module
    for path in sorted(SCHOOL.rglob("*.py")):
        relative = path.relative_to(ROOT)
        parts = relative.with_suffix("").parts
        if len(parts) < 3 or parts[1] not in rank:  # top-level modules are shared by all
            continue
        source = parts[1]
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in _imported_modules(tree, module, is_package):
            bits = name.split(".")
            if len(bits) < 2 or bits[0] != "school" or bits[1] not in rank:
                continue
            if rank[bits[1]] <= rank[source] or (len(bits) > 2 and _is_attribute(name)):
                continue
            key = (str(relative), line, bits[1])
            if len(name) > len(found.get(key, "")):  # the module, not its package
                found[key] = name
    return [f"{path}:{line} imports {name} ({Path(path).parts[1]} is below {target})"
            for (path, line, target), name in sorted(found.items())]


def _is_attribute(dotted: str) -> bool:
    """school.catalog.services.enroll is a name inside a module, not a module."""
    bits = dotted.split(".")
    as_path = SCHOOL.joinpath(*bits[1:])
    return not (as_path.with_suffix(".py").exists() or (as_path / "__init__.py").exists())


def test_every_feature_package_has_a_place_in_the_order():
    order = documented_order()
    assert sorted(feature_packages() - set(order)) == [], \
        "packages of school/ missing from ARCHITECTURE.md's direction of imports"
    assert sorted(set(order) - feature_packages()) == [], \
        "ARCHITECTURE.md names packages that school/ does not have"


def test_no_feature_imports_a_feature_above_it():
    found = upward_imports(documented_order())
    assert found == [], (
        f"{len(found)} import(s) against ARCHITECTURE.md's direction (send a signal, fill a "
        "registry, or move the module up):\n" + "\n".join(found))


def test_shared_packages_import_only_the_features_models():
    features = feature_packages()
    found = []
    for package in sorted(shared_packages()):
        for path in sorted((SCHOOL / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            module = ".".join(parts[:-1] if is_package else parts)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, name in _imported_modules(tree, module, is_package):
                bits = name.split(".")
                if len(bits) > 2 and bits[0] == "school" and bits[1] in features - {"core"} \
                        and bits[2] != "models" and not _is_attribute(".".join(bits[:3])):
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert shared_packages() <= {p.parent.name for p in SCHOOL.glob("*/__init__.py")}
    assert found == [], "a shared package imports more than a feature's models:\n" + \
        "\n".join(found)


def test_the_walk_sees_imports_inside_functions(tmp_path):
    # The checker must not be fooled by an import hidden in a function body.
    source = "def f():\n    from school.api import problems\n    import school.planning.x\n"
    names = {name for _, name in _imported_modules(ast.parse(source), "school.core.m", False)}
    assert {"school.api", "school.api.problems", "school.planning.x"} <= names
    relative = "from ..enrollment.models import Enrollment\nfrom . import seats\n"
    names = {name for _, name in _imported_modules(ast.parse(relative), "school.catalog.x",
                                                   False)}
    assert "school.enrollment.models" in names and "school.catalog.seats" in names
