"""The README and docs/ point newcomers at files, commands and make targets: each must exist."""
import re
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([ROOT / "README.md", ROOT / "bench" / "README.md", *(ROOT / "docs").rglob("*.md")])
TOP_LEVEL = ("config/", "merchants/", "paylater/", "refunds/", "logistics/", "tests/", "bench/", "docs/",
             "requirements/", "templates/", ".ci/")
BACKTICKED = re.compile(r"`([^`\s]+)`")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
COMMAND = re.compile(r"manage\.py ([a-z_]+)")
MAKE_TARGET = re.compile(r"`(?:[A-Z_]+=\S+ )*make ([a-z-]+)")


def _repo_path(token: str) -> str | None:
    """`merchants/credit/services.py:evaluate_month` → `merchants/credit/services.py`; None for
    what is not a path in this repository (API routes, placeholders, the shared folder)."""
    path = token.split(":")[0].rstrip(".,;")
    if not path.startswith(TOP_LEVEL) and path not in ("Makefile", "Procfile", "pyproject.toml", "manage.py"):
        return None
    if any(c in path for c in "{}<>*…"):
        return None
    return path


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_a_document_names_exists(document):
    text = document.read_text(encoding="utf-8")
    paths = {p for p in map(_repo_path, BACKTICKED.findall(text)) if p}
    missing = [p for p in sorted(paths) if not (ROOT / p).exists()]
    links = [link for link in MARKDOWN_LINK.findall(text) if not link.startswith(("http:", "https:", "../../shared",
                                                                                   "../shared"))]
    missing += [link for link in links if not (document.parent / link).exists()]
    assert not missing, f"{document.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_every_manage_py_command_in_the_documents_exists():
    commands = set(get_commands())
    named = {c for doc in DOCUMENTS for c in COMMAND.findall(doc.read_text(encoding="utf-8"))}
    assert named, "the documents should name the management commands"
    assert not named - commands, f"unknown management commands: {sorted(named - commands)}"


def test_every_make_target_in_the_documents_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z-]+):", makefile, flags=re.MULTILINE))
    named = {t for doc in DOCUMENTS for t in MAKE_TARGET.findall(doc.read_text(encoding="utf-8"))}
    assert {"run", "test"} <= named
    assert not named - targets, f"unknown make targets: {sorted(named - targets)}"
