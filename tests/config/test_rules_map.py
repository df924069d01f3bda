"""docs/rules.md maps every SPEC rule to `path/file.py:name`. These tests keep the map true: every
file it names exists, every name imports, every function it names is called somewhere outside the
tests (a rule nothing runs is not the rule), and every rule line either names one or says which
issue will build it."""
import importlib
import inspect
import re
import tokenize
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "rules.md"
REFERENCE = re.compile(r"`([\w./-]+\.py):([\w.]+)`")
TABLE_ROW = re.compile(r"^\|\s*([A-Z0-9]+\.\d+[a-z]?)\s*\|")
NOT_BUILT = re.compile(r"^- ([A-Z0-9]+\.\d+[a-z]?) .*not built yet \(issue \d+\)")


def _lines() -> list[str]:
    return RULES.read_text(encoding="utf-8").splitlines()


def resolve(path: str, name: str):
    """`merchants/credit/services.py`, `evaluate_month` → the object; raises if it is gone."""
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def test_every_name_in_the_rules_map_imports():
    references = [m.groups() for line in _lines() for m in REFERENCE.finditer(line)]
    assert len(references) > 100, "the map should name the functions of well over 100 rules"
    missing = []
    for path, name in references:
        try:
            resolve(path, name)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{path}:{name} ({exc.__class__.__name__}: {exc})")
    assert not missing, "docs/rules.md names functions that do not exist:\n" + "\n".join(missing)


def test_every_file_in_the_rules_map_exists():
    gone = sorted({path for line in _lines() for path, _name in REFERENCE.findall(line) if not (ROOT / path).is_file()})
    assert not gone, "docs/rules.md names files that are gone:\n" + "\n".join(gone)


@cache
def _names_outside_tests() -> dict[str, set[str]]:
    """Per name, the project's files outside the tests (and the virtualenv) that use it: as code
    (not by the `def` that defines it) or as a whole string literal (an admin action, a task
    registered by name). Comments and docstrings do not count: a comment naming a function calls
    nothing."""
    skip = {"tests", ".venv", "node_modules", "var"}
    uses: dict[str, set[str]] = {}
    for file in ROOT.rglob("*.py"):
        relative = file.relative_to(ROOT)
        if skip & set(relative.parts):
            continue
        previous = None
        with file.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                if token.type == tokenize.NAME and previous != "def":
                    uses.setdefault(token.string, set()).add(str(relative))
                elif token.type == tokenize.STRING and re.fullmatch(r"""[rbuf]*(['"])\w+\1""", token.string):
                    uses.setdefault(token.string.strip("'\"rbuf"), set()).add(str(relative))
                if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                    previous = token.string
    return uses


def uses_outside_tests(name: str) -> list[str]:
    """The files outside the tests that use `name` other than by defining it."""
    return sorted(_names_outside_tests().get(name, ()))


def test_every_function_in_the_rules_map_has_a_caller_outside_the_tests():
    """A function the map names but only tests call (once: `paylater/services.py:fee_for`, while
    intake computed the fee by itself) is not where the rule lives."""
    uncalled = []
    for line in _lines():
        for path, name in REFERENCE.findall(line):
            obj = resolve(path, name)
            if "." in name or not inspect.isfunction(obj):
                continue  # classes, constants and methods are used through their owner
            if not uses_outside_tests(name):
                uncalled.append(f"{path}:{name}")
    assert not uncalled, "docs/rules.md names functions nothing but the tests call:\n" + "\n".join(uncalled)


def test_a_function_only_the_tests_call_is_found():
    assert uses_outside_tests("ledger_post")  # the ledger's own function: called by many services
    assert not uses_outside_tests("test_a_function_only_the_tests_call_is_found")
    assert "paylater/services.py" not in uses_outside_tests("fee_for")  # named there by its def and a comment only


def test_a_renamed_function_fails_to_resolve():
    assert callable(resolve("logistics/rules.py", "shipping_deadline"))
    with pytest.raises(AttributeError):
        resolve("logistics/rules.py", "shipping_deadline_renamed")
    with pytest.raises(ImportError):
        resolve("logistics/moved.py", "shipping_deadline")


def test_every_rule_line_names_a_function_or_the_issue_that_builds_it():
    rules, unmapped = [], []
    for line in _lines():
        row = TABLE_ROW.match(line)
        if row:
            rules.append(row.group(1))
            if not REFERENCE.search(line):
                unmapped.append(line)
        elif line.startswith("- ") and re.match(r"^- [A-Z0-9]+\.\d+", line):
            planned = NOT_BUILT.match(line)
            if planned:
                rules.append(planned.group(1))
            else:
                unmapped.append(line)
    assert not unmapped, "rule lines with neither a function nor 'not built yet (issue N)':\n" + "\n".join(unmapped)
    duplicates = sorted({n for n in rules if rules.count(n) > 1})
    assert not duplicates, f"rule numbers used twice: {duplicates}"
    sections = {n.split(".")[0] for n in rules}
    assert {"G", "1", "2", "3", "4", "5", "J", "D", "C"} <= sections


def test_the_17_00_cut_off_is_one_hop_away():
    line = next(line for line in _lines() if "17:00" in line and TABLE_ROW.match(line))
    path, name = REFERENCE.search(line).groups()
    assert resolve(path, name).__doc__ and "17:00" in resolve(path, name).__doc__
