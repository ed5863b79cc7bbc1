"""Tag use cases of the inventory: a version's tags are its only mutable labels."""

from __future__ import annotations

from collections.abc import Iterable

from steward.domain.audit import PendingEvent
from steward.domain.entities import Version
from steward.domain.errors import InvalidInputError, NotFoundError
from steward.domain.inputs import TagsInput, tag_pairs
from steward.domain.naming import VersionRef, as_version_ref, check_tag_key, check_tags
from steward.domain.principal import Principal
from steward.services.access import Access
from steward.services.inventory_inputs import check_reason
from steward.services.lookup import version_for_write
from steward.services.ports import Store
from steward.services.use_case import use_case


class TagCases:
    """Mixed into Inventory."""

    _access: Access
    _store: Store

    def _version_read(self, ref: VersionRef) -> Version:
        raise NotImplementedError

    @use_case("version.tag")
    def set_tags(
        self,
        principal: Principal,
        ref: str | VersionRef,
        tags: TagsInput,
        reason: str | None = None,
    ) -> Version:
        ref = as_version_ref(ref)
        checked = check_tags(dict(tag_pairs(tags)))
        if not checked:
            raise InvalidInputError("no tags given: expected one or more key=value")
        with self._store.write(principal) as tx:
            handle = version_for_write(tx, ref)
            current = tx.registry.tags(handle.id)
            changed = {k: v for k, v in checked.items() if current.get(k) != v}
            for key, value in changed.items():
                tx.registry.set_tag(handle.id, key, value)
            if changed:
                tx.record(
                    PendingEvent(
                        "version.tagged",
                        "version",
                        handle.ref,
                        {
                            "tags": changed,
                            "previous": {k: current[k] for k in changed if k in current},
                        },
                        check_reason(reason, False),
                    )
                )
            tx.commit()
        return self._version_read(ref)

    @use_case("version.tag")
    def remove_tags(
        self,
        principal: Principal,
        ref: str | VersionRef,
        keys: Iterable[str],
        reason: str | None = None,
    ) -> Version:
        ref = as_version_ref(ref)
        keys = [keys] if isinstance(keys, str) else list(keys)
        if not keys:
            raise InvalidInputError("no tag keys given: name one or more tags to remove")
        for key in keys:
            check_tag_key(key)
        with self._store.write(principal) as tx:
            handle = version_for_write(tx, ref)
            current = tx.registry.tags(handle.id)
            missing = [k for k in keys if k not in current]
            if missing:
                raise NotFoundError(f"version {ref} has no tag {missing[0]!r}")
            for key in keys:
                tx.registry.remove_tag(handle.id, key)
            tx.record(
                PendingEvent(
                    "version.untagged",
                    "version",
                    handle.ref,
                    {"removed": {k: current[k] for k in keys}},
                    check_reason(reason, False),
                )
            )
            tx.commit()
        return self._version_read(ref)
