"""Alembic revisions of the service kit's own tables (see ``KIT_MIGRATIONS``)."""
