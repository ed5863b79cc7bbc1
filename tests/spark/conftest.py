"""One local Spark session for the Spark tests, stopped at the end.

Where pyspark is not installed the tests that need it are skipped, unless
STEWARD_REQUIRE_SPARK=1 (as in CI): then they fail, so a missing install step cannot pass
unnoticed.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    if importlib.util.find_spec("pyspark") is None:
        message = "pyspark is not installed (pip install -e '.[spark]')"
        if os.environ.get("STEWARD_REQUIRE_SPARK") == "1":
            pytest.fail(f"{message} and STEWARD_REQUIRE_SPARK=1", pytrace=False)
        pytest.skip(f"{message}; set STEWARD_REQUIRE_SPARK=1 to fail instead")

    from steward.adapters.spark import local_session

    session = local_session("steward-tests")
    # Small Arrow batches give every partition several, so merging within a partition is
    # exercised as well as merging across partitions on the driver.
    session.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "97")
    yield session
    session.stop()
