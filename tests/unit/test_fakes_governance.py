"""The fake store's governance methods, through the same scenarios the SQL store runs in
tests/integration/test_governance_store.py: the fakes must answer as the database does."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fakes import FakeClock, FakeStore
from tests.governance_store_scenarios import SCENARIOS, World, scenario_id


@pytest.mark.parametrize("scenario", SCENARIOS, ids=scenario_id)
def test_fake_store(scenario: Callable[[World], None]) -> None:
    scenario(World(FakeStore(FakeClock())))
