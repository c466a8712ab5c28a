"""Files the app reads besides its modules, in a working tree and in an installed wheel.

In the repository, templates and migrations sit at its root; a wheel carries them inside
the package as school/_templates and school/_migrations (setup.py copies them there, and
compiles the translation catalogues, which git does not keep). Without the compiled
catalogues Flask-Babel silently serves English to everyone, so the app refuses to start.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
CATALOGUES = ("ru", "kk")


def folder(name: str) -> Path:
    """`templates` or `migrations`: the packaged copy when installed, else the repository's."""
    packaged = PACKAGE / f"_{name}"
    return packaged if packaged.is_dir() else ROOT / name


def require_catalogues(directory: str | Path, languages=CATALOGUES) -> None:
    """Raise when a compiled catalogue (messages.mo) is missing, saying how to build it."""
    missing = [lang for lang in languages
               if not (Path(directory) / lang / "LC_MESSAGES" / "messages.mo").is_file()]
    if missing:
        raise RuntimeError(
            f"Compiled translations missing for {', '.join(missing)} in {directory}: "
            "in a working tree run `scripts/i18n compile` (scripts/setup does); an installed "
            "package builds them with `pip install .` (setup.py)."
        )


def blank_none(value):
    """Jinja's finalize: `{{ x }}` with x None prints nothing instead of "None"."""
    return "" if value is None else value
