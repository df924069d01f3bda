"""docs/rules.md maps every SPEC rule to `path/file.py:name`. These tests keep the map true: every
name it gives imports, and every rule line either names one or says which issue will build it."""
import importlib
import re
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
