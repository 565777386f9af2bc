"""Alembic revisions of the verifier's own tables (run through :meth:`SqlTrustRegistry.create`)."""
