"""Every change of a stored status goes through config.states (one table per model, a 409 on an
illegal move, a history row with who and why). This reads the project's code — every .py
outside tests/ and migrations/ — and fails on a status written anywhere else."""
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELPER = Path("config/states.py")
SKIP_DIRS = {"tests", "migrations", ".venv", "venv", "node_modules", "staticfiles", "__pycache__"}
# Lines that assign an attribute called `status` that is not a model's status.
NOT_A_MODEL_STATUS = {
    (Path("config/api/errors.py"), "self.status = status"),  # the HTTP status of a DomainError
}

# Raw SQL that writes a `status` which is a computed classification, not a state that moves
# (tests/config/test_states.py COMPUTED): the file and the table its statement upserts.
COMPUTED_STATUS_SQL = {
    Path("merchants/risk/services.py"): "{RiskCheck._meta.db_table}",  # the self-check's upsert (SPEC §5)
}

CODE_PATTERNS = {
    "attribute assignment": re.compile(r"\.status\s*(?::[^=]+)?=(?!=)"),
    "QuerySet.update": re.compile(r"\.update\((?:[^()]|\([^()]*\))*?(?:\bstatus\s*=|['\"]status['\"])"),
    "bulk_update": re.compile(r"bulk_update\((?:[^()]|\([^()]*\))*?['\"]status['\"]"),
    "setattr": re.compile(r"setattr\(\s*[^,]+,\s*['\"]status['\"]"),
    "update_or_create defaults": re.compile(r"update_or_create\((?:[^()]|\([^()]*\))*?['\"]status['\"]"),
    "__dict__": re.compile(r"__dict__\[\s*['\"]status['\"]\s*\]\s*="),
}
SQL_UPDATE = re.compile(r"\bUPDATE\b[^;]*?\bSET\b[^;]*?\bstatus\s*=", re.IGNORECASE | re.DOTALL)


def project_files():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIP_DIRS.isdisjoint(relative.parts) and relative != HELPER:
            yield relative


def split_code_and_strings(source: str) -> tuple[str, list[str]]:
    """The code with comments and string literals blanked (so a WHERE clause or a docstring
    mentioning `status =` is no write) except one-word ones such as "status", and the blanked
    literals on their own (for raw SQL)."""
    lines = source.splitlines(keepends=True)
    blank = [list(line) for line in lines]
    strings = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.STRING, tokenize.COMMENT) or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            if tok.type != tokenize.COMMENT:
                if re.fullmatch(r"[rbuRBU]?(['\"])\w+\1", tok.string):
                    continue  # a name such as "status" stays: setattr(obj, "status", …)
                strings.append(tok.string)
            (srow, scol), (erow, ecol) = tok.start, tok.end
            for row in range(srow, erow + 1):
                start = scol + 1 if row == srow else 0
                end = ecol - 1 if row == erow else len(blank[row - 1])
                for col in range(start, max(start, end)):
                    if blank[row - 1][col] != "\n":
                        blank[row - 1][col] = " "
    return "".join("".join(line) for line in blank), strings


def status_writes(relative: Path, source: str) -> list[str]:
    code, strings = split_code_and_strings(source)
    found = []
    for kind, pattern in CODE_PATTERNS.items():
        for match in pattern.finditer(code):
            lineno = code.count("\n", 0, match.start()) + 1
            line = source.splitlines()[lineno - 1].strip()
            if (relative, line) not in NOT_A_MODEL_STATUS:
                found.append(f"{relative}:{lineno}: {kind}: {line}")
    for literal in strings:
        if SQL_UPDATE.search(literal) and COMPUTED_STATUS_SQL.get(relative, "\0") not in literal:
            found.append(f"{relative}: raw SQL UPDATE of a status: {literal[:80]!r}")
    return found


def test_no_status_is_written_outside_config_states():
    files = list(project_files())
    assert Path("refunds/services/core.py") in files and Path("logistics/settlement.py") in files
    found = [hit for path in files for hit in status_writes(path, (ROOT / path).read_text())]
    assert not found, "status written outside config.states:\n" + "\n".join(found)


@pytest.mark.parametrize("snippet", [
    "order.status = Order.Status.CANCELLED\n",
    "self.status: str = 'x'\n",
    "Batch.objects.filter(pk=1).update(\n    error='x', status=Batch.Status.FAILED)\n",
    "qs.update(**{'status': 'done'})\n",
    "Order.objects.bulk_update(orders, ['status'])\n",
    "setattr(order, 'status', target)\n",
    "Order.objects.update_or_create(pk=1, defaults={'status': 'paid'})\n",
    "cursor.execute('UPDATE merchants_order SET fee = 0, status = %s WHERE id = %s', [s, pk])\n",
])
def test_the_check_catches_each_way_of_writing_a_status(snippet):
    assert status_writes(Path("somewhere.py"), snippet)


@pytest.mark.parametrize("snippet", [
    "if order.status == Order.Status.PAID:\n    pass\n",
    "qs.filter(status=Order.Status.PAID).update(fee=0)\n",
    "Order(status=Order.Status.PLACED).save()\n",
    "SQL = 'SELECT 1 FROM v WHERE v.status = %(confirmed)s'\n",
    "# order.status = 'x' only in a comment\n",
    "states.transition(order, Order.Status.CANCELLED, reason='refund')\n",
])
def test_the_check_leaves_reads_creations_and_the_helper_alone(snippet):
    assert not status_writes(Path("somewhere.py"), snippet)
