"""Policy use cases: validate, apply (a new version per new content), list and show.

A stored policy version never changes. Applying the same content again is a no-op; applying new
content under the same name makes the next version, which governs decisions from then on while
every past decision keeps the version it recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from steward.domain.audit import PendingEvent
from steward.domain.changes import PendingChange
from steward.domain.classify import tier_of
from steward.domain.errors import ConflictError, InvalidInputError, NotFoundError
from steward.domain.governance import StoredPolicy
from steward.domain.policy import Policy
from steward.domain.principal import Principal
from steward.domain.text import required_reason
from steward.domain.weakening import policy_weakenings, tier_weakenings
from steward.services.access import Access
from steward.services.change_requests import request_change
from steward.services.ports import PolicyLoader, ReadSession, Store, WriteSession
from steward.services.use_case import use_case

MAX_POLICY_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class PolicyListing:
    name: str
    title: str
    latest_version: int | None  # None: shipped with Steward, not applied yet
    digest: str
    applied_at: str | None
    applied_by: str | None
    builtin: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "latest_version": self.latest_version,
            "digest": self.digest,
            "applied_at": self.applied_at,
            "applied_by": self.applied_by,
            "builtin": self.builtin,
        }


@dataclass(frozen=True, slots=True)
class AppliedPolicy:
    stored: StoredPolicy
    policy: Policy
    created: bool  # False when the same content was already the newest version


class PolicyResolver:
    """Not a use case: turns policy names into validated policies for the use cases that need
    one, storing a shipped policy on first use, and parses each stored version once."""

    def __init__(self, loader: PolicyLoader) -> None:
        self._loader = loader
        self._parsed: dict[str, Policy] = {}
        self._builtin_texts: dict[str, str] | None = None

    def builtin_texts(self) -> dict[str, str]:
        if self._builtin_texts is None:
            self._builtin_texts = self._loader.builtin()
        return self._builtin_texts

    def parse(self, stored: StoredPolicy) -> Policy:
        """The policy of a stored version (validated once per digest)."""
        policy = self._parsed.get(stored.digest)
        if policy is None:
            policy = Policy.model_validate(stored.document)
            self._parsed[stored.digest] = policy
        return policy

    def validate(self, text: str, source: str) -> Policy:
        if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
            raise InvalidInputError(f"{source}: a policy file may be at most 1 MB")
        return self._loader.load(text, source)

    def resolve_for_write(self, tx: WriteSession, name: str) -> tuple[StoredPolicy, Policy]:
        """The newest stored version of `name`; a shipped policy is stored on first use."""
        stored = tx.policies.get_policy(name, None)
        if stored is not None:
            return stored, self.parse(stored)
        text = self.builtin_texts().get(name)
        if text is None:
            raise NotFoundError(f"unknown policy {name!r}: apply it first (steward policy apply)")
        applied = self.store(
            tx, self.validate(text, f"{name}.yaml"), text, "shipped policy, first use"
        )
        return applied.stored, applied.policy

    def resolve_for_read(self, q: ReadSession, name: str) -> tuple[StoredPolicy | None, Policy]:
        stored, policy = self._newest(q.policies.get_policy(name, None), name)
        if policy is None:
            raise NotFoundError(f"unknown policy {name!r}")
        return stored, policy

    def governing(self, tx: WriteSession, project_id: int | None, default: str) -> Policy | None:
        """The policy that governs a project (its assessed policy's newest version; else the
        default policy), read without storing anything; None if the default is unknown."""
        assessment = None if project_id is None else tx.governance.get_assessment(project_id)
        name = assessment.policy_name if assessment is not None else default
        return self._newest(tx.policies.get_policy(name, None), name)[1]

    def resolve_base(self, q: ReadSession, name: str) -> tuple[StoredPolicy | None, Policy | None]:
        """What a new version of `name` replaces: the newest stored version, else the shipped
        text (which governs until a version is stored), else nothing."""
        return self._newest(q.policies.get_policy(name, None), name)

    def _newest(
        self, stored: StoredPolicy | None, name: str
    ) -> tuple[StoredPolicy | None, Policy | None]:
        """The stored newest version as read, else the shipped text of `name`, else nothing."""
        if stored is not None:
            return stored, self.parse(stored)
        text = self.builtin_texts().get(name)
        return None, None if text is None else self.validate(text, f"{name}.yaml")

    def store(
        self,
        tx: WriteSession,
        policy: Policy,
        text: str,
        reason: str | None,
        change: int | None = None,
    ) -> AppliedPolicy:
        """`policy` as the next version of its name, unless it is the newest already."""
        digest = policy.digest()
        newest = tx.policies.get_policy(policy.name, None)
        if newest is not None and newest.digest == digest:
            return AppliedPolicy(newest, policy, created=False)
        earlier = tx.policies.policy_by_digest(policy.name, digest)
        version = (newest.version if newest else 0) + 1
        stored = tx.policies.add_policy(policy.name, version, digest, text, policy.document())
        self._parsed[digest] = policy
        tx.record(
            PendingEvent(
                "policy.applied",
                "policy",
                policy.name,
                {
                    "version": version,
                    "digest": digest,
                    "same_as_version": earlier.version if earlier else None,
                    **({"change": change} if change is not None else {}),
                },
                (reason or "").strip() or None,
            )
        )
        return AppliedPolicy(stored, policy, created=True)


class PolicyBook:
    """The policy use cases."""

    def __init__(self, store: Store, resolver: PolicyResolver, *, access: Access) -> None:
        self._access = access
        self._store = store
        self._resolver = resolver

    @use_case("policy.read")
    def validate(self, principal: Principal, text: str, source: str) -> Policy:
        """Validate policy text without storing it; raises PolicyInvalidError naming the line
        and the field of the first problem."""
        return self._resolver.validate(text, source)

    @use_case("policy.apply")
    def apply(
        self, principal: Principal, text: str, source: str, reason: str | None = None
    ) -> AppliedPolicy | PendingChange:
        """Store policy text as the next version of its name (a no-op if unchanged). A version
        that removes or loosens a requirement of the one it replaces (or that would move a
        project into a weaker tier) is returned as a pending change for a second person."""
        policy = self._resolver.validate(text, source)
        with self._store.read() as q:
            base_stored, base = self._resolver.resolve_base(q, policy.name)
            weakens = [] if base is None else weakenings(q, base, policy)
        with self._store.write(principal) as tx:
            newest = tx.policies.get_policy(policy.name, None)
            if _version(newest) != _version(base_stored):
                raise ConflictError(
                    f"policy {policy.name!r} changed while it was being applied: apply it again"
                )
            if weakens and (newest is None or newest.digest != policy.digest()):
                why = required_reason(reason, "apply a policy that weakens governance")
                change = request_change(
                    tx,
                    principal,
                    "policy.weaken",
                    None,
                    policy.name,
                    f"apply policy {policy.name} as version {(newest.version if newest else 0) + 1}",
                    weakens,
                    {"text": text, "source": source, "base_version": _version(newest)},
                    why,
                )
                tx.commit()
                return change
            applied = self._resolver.store(tx, policy, text, reason)
            tx.commit()
        return applied

    @use_case("policy.read")
    def listings(self, principal: Principal) -> list[PolicyListing]:
        """Stored policies (newest version each) and the shipped ones not applied yet."""
        with self._store.read() as q:
            stored = q.policies.list_policies()
        newest: dict[str, StoredPolicy] = {}
        for item in stored:
            newest[item.name] = item
        builtin = self._resolver.builtin_texts()
        listings = [
            PolicyListing(
                name,
                self._resolver.parse(p).title,
                p.version,
                p.digest,
                p.applied_at,
                p.applied_by,
                name in builtin,
            )
            for name, p in newest.items()
        ]
        for name, text in builtin.items():
            if name not in newest:
                policy = self._resolver.validate(text, f"{name}.yaml")
                listings.append(
                    PolicyListing(name, policy.title, None, policy.digest(), None, None, True)
                )
        return sorted(listings, key=lambda item: item.name)

    @use_case("policy.read")
    def show(
        self, principal: Principal, name: str, version: int | None = None
    ) -> tuple[StoredPolicy | None, Policy]:
        """The stored version (newest by default), or the shipped text when not applied yet."""
        with self._store.read() as q:
            stored = q.policies.get_policy(name, version)
            if (
                stored is None
                and version is not None
                and q.policies.get_policy(name, None) is not None
            ):
                raise NotFoundError(f"policy {name!r} has no version {version}")
        if stored is not None:
            return stored, self._resolver.parse(stored)
        text = self._resolver.builtin_texts().get(name)
        if text is None or version is not None:
            raise NotFoundError(f"unknown policy {name!r}: see steward policy list")
        return None, self._resolver.validate(text, f"{name}.yaml")

    @use_case("policy.read")
    def history(self, principal: Principal, name: str) -> list[StoredPolicy]:
        """Every stored version of a policy, oldest first."""
        with self._store.read() as q:
            versions = [p for p in q.policies.list_policies() if p.name == name]
        if not versions and name not in self._resolver.builtin_texts():
            raise NotFoundError(f"unknown policy {name!r}: see steward policy list")
        return versions


def weakenings(q: ReadSession, old: Policy, new: Policy) -> list[str]:
    """What `new` gives up against `old`: its requirements, and the projects its questionnaire
    would move into a weaker tier (their stored answers are scored again under it)."""
    found = policy_weakenings(old, new)
    for assessment in q.governance.assessments(None):
        if assessment.policy_name != old.name:
            continue
        before, after = tier_of(old, assessment), tier_of(new, assessment)
        if before is None or after is None or before == after:
            continue
        if tier_weakenings(old, before, new, after):
            found.append(f"project {assessment.project} would move from {before} to {after}")
    return found


def _version(stored: StoredPolicy | None) -> int | None:
    return stored.version if stored is not None else None
