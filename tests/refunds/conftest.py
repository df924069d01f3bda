import pytest
import time_machine

from tests.refunds.factories import T0


@pytest.fixture
def clock():
    """Server time frozen at T0 (Friday 10:00 local); `clock.move_to(...)` travels."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller
