"""The one alembic environment of shikaku (see :mod:`service_kit.migrate`)."""
