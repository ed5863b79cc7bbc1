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
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return format_ts(moment)
    text = value.strip()
    if text.lower() == "now":
        return format_ts(datetime.now(UTC))
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None:
        clock = time.max if date_means == "end" else time.min
        return format_ts(datetime.combine(day, clock, tzinfo=UTC))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"malformed time {value!r}: expected ISO 8601 such as 2026-11-23T14:30:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_ts(moment)


def how_read(value: datetime | str) -> str:
    """How `to_utc_text` (with a date meaning the end of its day) read `value`, in words a
    reader of the answer needs: a bare date is easy to mistake for its start."""
    if isinstance(value, datetime):
        return "given with a zone" if value.tzinfo else "taken as UTC (no zone given)"
    text = value.strip()
    if text.lower() == "now":
        return "now"
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None:
        return f"the end of {day.isoformat()} in UTC: a date means its whole day"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        return "taken as UTC (no zone given)"
    offset = moment.utcoffset()
    if not offset:
        return "in UTC"
    return f"given in UTC{moment.strftime('%z')[:3]}:{moment.strftime('%z')[3:]}, shown in UTC"
