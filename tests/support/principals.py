"""Principals for tests: people whose names were declared, as `--actor` declares them."""

from __future__ import annotations

from steward.domain.principal import Principal


def who(name: str) -> Principal:
    """The declared principal `name`."""
    return Principal(name, "declared")


# Who reads, in tests of use cases whose reads do not depend on the reader.
READER = who("reader")

# The operating-system login of the machine the tests run on, as Steward establishes it: the
# first admin of a store, who grants the organisation roles a test needs.
ROOT = Principal("root", "os_login")
