"""When two names are one person: normalised identities for separation of duties.

Separation of duties is only as strong as the comparison of names. `Ana`, `ANA`, `ana.`, `ana`
with a zero-width space, `ana` in fullwidth letters and `ana` with a Cyrillic `a` all look like
ana to a reader, so
Steward compares identity keys, not raw text, and refuses a name that would pass for someone
it already knows:

- the key of a name drops invisible characters (zero-width, soft hyphen, other format and
  control characters), applies Unicode NFKC (fullwidth and compatibility forms become plain
  letters), case-folds, and trims surrounding whitespace and dots, dashes and underscores;
- a name that mixes letters of two scripts (a Latin `n` beside a Cyrillic `a`) is refused:
  no real name needs it, and it is the classic way to forge a look-alike;
- a name whose key equals a known person's, but is written differently, is refused, naming the
  person to act as; so is one whose look-alike skeleton (confusable letters of other scripts
  mapped to Latin) matches a known person's while its key does not;
- an alias (a login, an e-mail address) is mapped to one person by an admin and then acts as
  that person.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from steward.domain.errors import InvalidInputError

_INVISIBLE = {"\u00ad", "\u034f", "\u061c", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u180e"}
_TRIM = " \t._-"
_HIDDEN = (
    "Cf",
    "Cc",
    "Cs",
    "Co",
    "Cn",
)  # format (zero-width), control, surrogate, private, unassigned
# Letters of other scripts that read as Latin ones (a subset of Unicode's confusables: the
# Cyrillic, Greek and Armenian look-alikes of the Latin alphabet).
_CONFUSABLE = str.maketrans(
    {
        "\u0430": "a", "\u0432": "b", "\u0441": "c", "\u0501": "d", "\u0435": "e", "\u0451": "e",
        "\u04bb": "h", "\u0456": "i", "\u0457": "i", "\u0458": "j", "\u043a": "k", "\u04cf": "l",
        "\u043c": "m", "\u043f": "n", "\u043e": "o", "\u0440": "p", "\u051b": "q", "\u0455": "s",
        "\u0442": "t", "\u03c5": "u", "\u0475": "v", "\u051d": "w", "\u0445": "x", "\u0443": "y",
        "\u03b1": "a", "\u03b2": "b", "\u03f2": "c", "\u03b5": "e", "\u03b7": "n", "\u03b9": "i",
        "\u03ba": "k", "\u03bc": "u", "\u03bd": "v", "\u03bf": "o", "\u03c1": "p", "\u03c4": "t",
        "\u03c7": "x", "\u03b3": "y", "\u03c9": "w", "\u0461": "w", "\u0251": "a", "\u0261": "g",
        "\u0585": "o", "\u057d": "u", "\u0578": "n", "\u0581": "g", "\u0570": "h", "\u0566": "q",
        "\u0131": "i", "\u0237": "j", "\u2113": "l",
    }
)  # fmt: skip


def identity_key(name: str) -> str:
    """The form two names of one person share."""
    composed = unicodedata.normalize("NFKC", name)
    visible = "".join(
        ch for ch in composed if ch not in _INVISIBLE and unicodedata.category(ch) not in _HIDDEN
    )
    return unicodedata.normalize("NFKC", visible).casefold().strip(_TRIM)


def skeleton(key: str) -> str:
    """What a key looks like to a reader: accents dropped, and confusable letters of other
    scripts read as the Latin ones they resemble."""
    bare = "".join(
        ch for ch in unicodedata.normalize("NFD", key) if unicodedata.category(ch) != "Mn"
    )
    return bare.translate(_CONFUSABLE)


def scripts(name: str) -> list[str]:
    """The scripts of the letters in a name (LATIN, CYRILLIC, GREEK, ...), in order of use."""
    found: dict[str, None] = {}
    for ch in unicodedata.normalize("NFKC", name):
        if ch.isalpha():
            found.setdefault(unicodedata.name(ch, "UNKNOWN").split(" ")[0], None)
    return list(found)


@dataclass(frozen=True, slots=True)
class KnownPeople:
    """The people a store knows (anyone who acted, holds a role or has an alias) and the
    aliases an admin mapped to them (alias key -> person)."""

    names: frozenset[str]
    aliases: Mapping[str, str]

    def resolve(self, name: str, what: str = "person") -> str:
        """The person `name` stands for: itself when new or known as written, the person an
        alias maps to; InvalidInputError when it would pass for someone else."""
        used = scripts(name)
        if len(used) > 1:
            raise InvalidInputError(
                f"{what} {name!r} mixes {' and '.join(s.title() for s in used)} letters: "
                "write the name in one script"
            )
        key = identity_key(name)
        if not key:
            raise InvalidInputError(f"invalid {what} {name!r}: it has no visible characters")
        aliased = self.aliases.get(key)
        if aliased is not None:
            return aliased
        same = sorted(n for n in self.names if identity_key(n) == key)
        if name in same:
            return name
        if same:
            raise InvalidInputError(
                f"{what} {name!r} is the known person {same[0]!r} written differently: "
                f"use {same[0]!r}"
            )
        look = skeleton(key)
        alike = sorted(n for n in self.names if skeleton(identity_key(n)) == look)
        if alike:
            raise InvalidInputError(
                f"{what} {name!r} looks like the known person {alike[0]!r}: use {alike[0]!r}, "
                "or a name that cannot be mistaken for it"
            )
        return name


def known(names: Iterable[str], aliases: Mapping[str, str] | None = None) -> KnownPeople:
    return KnownPeople(frozenset(names), dict(aliases or {}))
