"""Alembic migrations of Steward's schema."""
