"""Times as users type them, turned into the chain's fixed-width UTC text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from steward.domain.audit import format_ts
from steward.domain.errors import InvalidInputError


def to_utc_text(value: datetime | str, *, date_means: str = "end") -> str:
    """Accept ISO 8601 ('2026-11-23', '2026-11-23T10:00', with 'Z' or an offset) or 'now'.

    A time without a zone is taken as UTC. A bare date means the end of that day by default, so
    that 'what held production on 2026-11-23' or '--until 2026-11-23' include the whole day;
    pass date_means="start" where it opens a range ('--since 2026-11-23')."""
    return format_ts(_read(value, date_means)[0])


def how_read(value: datetime | str) -> str:
    """How `to_utc_text` (with a date meaning the end of its day) read `value`, in words a
    reader of the answer needs: a bare date is easy to mistake for its start."""
    return _read(value, "end")[1]


def _read(value: datetime | str, date_means: str) -> tuple[datetime, str]:
    """The moment `value` names, in UTC, and how it was read."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC), _NO_ZONE
        return value, "given with a zone"
    text = value.strip()
    if text.lower() == "now":
        return datetime.now(UTC), "now"
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None:
        clock = time.max if date_means == "end" else time.min
        moment = datetime.combine(day, clock, tzinfo=UTC)
        return moment, f"the {date_means} of {day.isoformat()} in UTC: a date means its whole day"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"malformed time {value!r}: expected ISO 8601 such as 2026-11-23T14:30:00Z"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC), _NO_ZONE
    offset = moment.strftime("%z")  # +0200
    if offset in ("+0000", "-0000"):
        return moment, "in UTC"
    return moment, f"given in UTC{offset[:3]}:{offset[3:]}, shown in UTC"


_NO_ZONE = "taken as UTC (no zone given)"
