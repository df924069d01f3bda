"""The schema tells the truth: schemathesis against the served /api/schema/ on gunicorn (PostgreSQL, demo
data), every operation, with a platform token and with a merchant token, a fixed seed and a bounded
number of examples, with all its checks (`--checks all`: no 5xx, every status, header and body as
documented, input the schema calls invalid refused, valid input never refused as malformed, …; the one
setting is in tests/config/schemathesis.toml, decision 0056). Any failure prints schemathesis's report
(with a `curl` to reproduce it).

The same run by hand, against a server on :8000 (`make run`):
    .venv/bin/schemathesis --config-file tests/config/schemathesis.toml run http://127.0.0.1:8000/api/schema/ \
        --checks all --seed 42 --max-examples 5 -H "Authorization: Token <key>"
"""
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bench import load_lists
from tests.config.test_processes import db_url_of_test_database

ROOT = Path(__file__).resolve().parents[2]
SEED = 42
EXAMPLES = 5  # per operation and phase (the coverage phase adds its own cases)
CHECKS = "all"
CONFIG = Path(__file__).with_name("schemathesis.toml")
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def served():
    """gunicorn on a spare port with the demo data, and a merchant and a platform token."""
    merchant, platform = load_lists.seed()
    port = load_lists.free_port()
    server = load_lists.start_server(port=port, database_url=db_url_of_test_database(), workers=2, threads=4,
                                     settings="config.settings.test")
    try:
        yield f"http://127.0.0.1:{port}", {"merchant": merchant, "platform": platform}
    finally:
        server.terminate()
        server.wait(timeout=30)


def operation_count(base: str) -> int:
    for _ in range(4):  # each worker generates the document once (config.api.schema_view): warm them all
        with urllib.request.urlopen(f"{base}/api/schema/?format=json", timeout=60) as response:
            schema = json.load(response)
    return sum(1 for operations in schema["paths"].values() for method in operations
               if method in {"get", "post", "put", "patch", "delete"})


def schemathesis(base: str, token: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(CONFIG), "run", f"{base}/api/schema/",
         "--checks", CHECKS,
         "--seed", str(SEED), "--max-examples", str(EXAMPLES), "--request-timeout", "30",
         "--header", f"Authorization: Token {token}", "--output-truncate", "true", "--warnings", "off"],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_every_operation_answers_as_the_schema_says_to_platform_and_merchant_callers(served, tmp_path):
    base, tokens = served
    total = operation_count(base)
    runs = {}
    for caller, token in tokens.items():  # both at once: the server has threads to spare
        (tmp_path / caller).mkdir()
        runs[caller] = schemathesis(base, token, tmp_path / caller)
    outputs = {caller: proc.communicate(timeout=600)[0] for caller, proc in runs.items()}
    for caller, proc in runs.items():
        failures = outputs[caller].partition("= FAILURES =")[2] or outputs[caller]
        report = f"--- schemathesis with the {caller} token ---\n" + failures[:30000]
        assert proc.returncode == 0, report
        assert re.search(rf"Selected: {total}/{total}\s+Tested: {total}\b", outputs[caller]), report
        assert re.search(r"Test cases:\s+(\d+) generated, \1 passed", outputs[caller]), report
