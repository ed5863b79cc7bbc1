"""Steward's domain: entities, rules and the audit chain. Standard library and pydantic only."""
