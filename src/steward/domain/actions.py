"""The named actions a use case declares. The permission model (who may do which action, in
which project) is decided against these names; a use case that declares none cannot land
(tests/unit/test_use_cases.py)."""

from __future__ import annotations

ACTIONS: frozenset[str] = frozenset(
    {
        # Registry
        "project.create",
        "project.members.change",
        "project.classify",
        "project.owner.change",
        "model.create",
        "version.register",
        "version.tag",
        "stage.move",
        "inventory.read",
        # Policies and governance
        "policy.apply",
        "policy.read",
        "evidence.attest",
        "evidence.compute",
        "signoff.give",
        "waiver.grant",
        "waiver.revoke",
        "request.withdraw",
        "version.recertify",
        "governance.read",
        "change.approve",
        "change.withdraw",
        # Monitoring
        "monitor.configure",
        "monitor.ingest",
        "monitor.read",
        "review.close",
        "webhook.manage",
        # Analyses that read only the caller's own files
        "data.analyse",
        # Audit
        "audit.read",
        "audit.checkpoint",
        # The organisation: its roles, and administration
        "roles.read",
        "admin",
    }
)
