"""Alembic revisions of the status registry (run through :func:`issuer.status.db.migrate`)."""
