import pytest
import time_machine

from tests.refunds.factories import T0


@pytest.fixture
def clock():
    """Server time frozen at T0 (Friday 10:00 local); `clock.move_to(...)` travels."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def evidence_dir(settings, tmp_path):
    """The `evidence` storage in a folder of this test's own."""
    folder = tmp_path / "evidence"
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "config.storage.PrivateFileSystemStorage", "OPTIONS": {"location": str(folder)}}}
    return folder
