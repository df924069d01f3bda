"""Every error `code` the API can answer, for the schema's `ErrorCodeEnum` (issue 26).

The codes are read from the code that raises them, so a code added anywhere appears in the schema
without a list to keep in step: the first argument of `DomainError(...)`, `StateConflict(...)` (and
their subclasses) and `error_body(...)`, a `code=`/`conflict_code=` keyword given as a literal (the
state tables pass their code that way), and the keys of module-level `*_TEXT`/`*REFUSAL*` dicts
(refusals chosen by a function and raised with `DomainError(code, TEXT[code])`), plus the codes
config/api/errors.py maps DRF's exceptions and Django's statuses to."""
import ast
import functools
import os
import re
from pathlib import Path

from django.conf import settings

from . import errors

RAISERS = {"DomainError", "StateConflict", "error_body"}
CODE_KEYWORDS = {"code", "conflict_code"}
NOT_API = {"ValidationError", "ImproperlyConfigured"}  # form/model validation: answered as `invalid`
SNAKE = re.compile(r"[a-z][a-z0-9_]*")
SKIPPED_DIRS = {".venv", "tests", "migrations", "bench", "node_modules", "var", "static", "staticfiles"}
MENTIONS = re.compile(r"DomainError|StateConflict|error_body|code=|_TEXT\b|REFUSAL")
ALWAYS = {"invalid", "error", "server_error", "parse_error", "bad_request", "not_found"}


def _sources():
    for folder, dirs, files in os.walk(settings.BASE_DIR):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        yield from (Path(folder) / name for name in files if name.endswith(".py"))


def _name(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literal(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and SNAKE.fullmatch(node.value):
        return node.value
    return None


def codes_in(tree: ast.AST) -> set[str]:
    raisers = set(RAISERS)
    for node in ast.walk(tree):  # subclasses defined in this module
        if isinstance(node, ast.ClassDef) and any(_name(base) in RAISERS for base in node.bases):
            raisers.add(node.name)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = _name(node.func)
            if called in raisers and node.args and _literal(node.args[0]):
                found.add(_literal(node.args[0]))
            if called not in NOT_API:
                found.update(_literal(k.value) for k in node.keywords if k.arg in CODE_KEYWORDS and _literal(k.value))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if any(n.endswith("_TEXT") or "REFUSAL" in n for n in names):
                found.update(_literal(k) for k in node.value.keys if _literal(k))
    return found


@functools.lru_cache(maxsize=1)
def all_codes() -> list[str]:
    codes = set(ALWAYS) | set(errors._CODES.values()) | set(errors._STATUS_CODES.values())
    for path in _sources():
        try:
            text = path.read_text(encoding="utf-8")
            if MENTIONS.search(text):
                codes |= codes_in(ast.parse(text))
        except (SyntaxError, UnicodeDecodeError):
            continue
    return sorted(codes)
