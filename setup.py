"""Packaging hook (the project's metadata is in pyproject.toml).

A wheel must carry what the app reads at run time besides its modules: the compiled
translation catalogues (built here from the .po files: *.mo are not kept in git), and the
templates and migrations that live at the repository root (copied into the package as
school/_templates and school/_migrations; school/__init__.py prefers them when present).
An editable install (scripts/setup) reads them in place and skips all this.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
ROOT_FOLDERS = {"templates": "_templates", "migrations": "_migrations"}


def compile_catalogues(source: Path, target: Path) -> list[Path]:
    """Compile every <lang>/LC_MESSAGES/messages.po under `source` into `target`."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        lang = po.parent.parent.name
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        mo = target / lang / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(mo)
    if not written:
        raise SystemExit(f"no translation catalogues under {source}")
    return written


class BuildWithCatalogues(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "school"
        compile_catalogues(HERE / "school" / "translations", package / "translations")
        for folder, name in ROOT_FOLDERS.items():
            target = package / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / folder, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithCatalogues})
