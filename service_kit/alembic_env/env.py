"""Alembic environment: runs one folder's revisions on the connection service_kit.migrate opened.

The revisions are recorded in the folder's own version table, so one database can hold the
tables of several folders (the service kit's nonces, a role's own) and migrate each apart.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

connection = context.config.attributes.get("connection")
version_table = context.config.attributes.get("version_table")
if not isinstance(connection, Connection) or not isinstance(version_table, str):
    raise RuntimeError("run shikaku's migrations through service_kit.migrate.upgrade()")
context.configure(
    connection=connection,
    version_table=version_table,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
