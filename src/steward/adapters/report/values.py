"""Reading untrusted report data and turning values into display text.

Details arrive as JSON-ready dicts written by other modules (or read back from storage), so any
field may be missing, null or of an unexpected type. The readers here never raise: a value of
the wrong kind reads as absent, and the report shows "n/a" for it. Every function that returns
text for the page returns it HTML-escaped.
"""

from __future__ import annotations

import html
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

NA = "n/a"
SIGNIFICANT_DIGITS = 4
# Fixed notation between these powers of ten; scientific outside, so a value never prints as a
# long run of zeros.
_FIXED_MIN_EXPONENT = -3
_FIXED_MAX_EXPONENT = 7
# Default reprs carry a memory address, which would make two renders of the same data differ.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

METRIC_LABELS: Mapping[str, str] = {
    "auc": "ROC AUC",
    "pr_auc": "PR AUC (average precision)",
    "accuracy": "Accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "f1": "F1 score",
    "log_loss": "Log loss",
    "brier": "Brier score",
    "rmse": "RMSE",
    "mae": "MAE",
    "mape": "MAPE",
    "r2": "R²",
    "demographic_parity_difference": "Demographic parity difference",
    "demographic_parity_ratio": "Demographic parity ratio",
    "equalized_odds_difference": "Equalized odds difference",
    "equal_opportunity_difference": "Equal opportunity difference",
}


# ---- reading ---------------------------------------------------------------------------------


def as_mapping(value: object) -> Mapping[str, Any]:
    """`value` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[Any]:
    """`value` as a list if it is a list or tuple (not a string), else an empty list."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return []


def as_float(value: object) -> float | None:
    """A finite number, or None for null, NaN, infinities, booleans and non-numbers."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def as_floats(value: object) -> list[float | None]:
    return [as_float(item) for item in as_list(value)]


def as_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


# ---- display text (escaped) ------------------------------------------------------------------


def esc(value: str) -> str:
    """Escape text for HTML content and attribute values alike."""
    return html.escape(value, quote=True)


def number(value: object, digits: int = SIGNIFICANT_DIGITS) -> str:
    """A number with `digits` significant digits; whole numbers in full. "n/a" if not a number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return NA
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return NA
    if math.isnan(x):
        return NA
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return significant(x, digits)


def significant(x: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """`x` rounded to `digits` significant digits, trailing zeros dropped."""
    if x == 0:
        return "0"
    mantissa = f"{x:.{digits - 1}e}"
    rounded = float(mantissa)
    if rounded == 0:
        return "0"
    exponent = math.floor(math.log10(abs(rounded)))
    if _FIXED_MIN_EXPONENT <= exponent < _FIXED_MAX_EXPONENT:
        decimals = max(0, digits - 1 - exponent)
        text = f"{rounded:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    head, _, power = mantissa.partition("e")
    if "." in head:
        head = head.rstrip("0").rstrip(".")
    return f"{head}e{power}"


def percent(value: object, digits: int = 3) -> str:
    """A share in [0, 1] as a percentage."""
    share = as_float(value)
    return NA if share is None else f"{significant(share * 100.0, digits)}%"


def byte_size(value: object) -> str:
    """A size in bytes with a decimal unit (kB, MB, GB)."""
    size = as_float(value)
    if size is None:
        return NA
    for unit, factor in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(size) >= factor:
            return f"{significant(size / factor, 3)} {unit}"
    return f"{number(int(size)) if size.is_integer() else significant(size)} B"


def text(value: object) -> str:
    """Any value as escaped display text: numbers formatted, null as "n/a", never raising."""
    if value is None:
        return NA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Real):
        return number(value)
    if isinstance(value, str):
        return esc(value)
    return esc(plain(value))


def plain(value: object) -> str:
    """`str(value)` without memory addresses; a placeholder if `str` itself fails."""
    try:
        shown = str(value)
    except Exception:  # a broken __str__ must not lose the report
        shown = f"<{type(value).__name__}>"
    return _ADDRESS.sub("", shown)


def metric_name(name: object) -> str:
    """A metric's usual name (plain text), e.g. "ROC AUC" for "auc"; others unchanged."""
    key = name if isinstance(name, str) else plain(name)
    return METRIC_LABELS.get(key, key)


def label(name: object) -> str:
    """`metric_name`, escaped."""
    return esc(metric_name(name))


def interval(low: object, high: object) -> str:
    """A confidence interval as "[low, high]", or "n/a" when either end is missing."""
    a, b = as_float(low), as_float(high)
    if a is None or b is None:
        return NA
    return f"[{significant(a)}, {significant(b)}]"


def truncate(value: str, limit: int) -> str:
    """`value` cut to `limit` characters with an ellipsis (unescaped in, unescaped out)."""
    return value if len(value) <= limit else value[: max(1, limit - 1)] + "…"


def dedupe(items: Sequence[str]) -> list[str]:
    """`items` without repeats, first occurrence kept."""
    return list(dict.fromkeys(items))
