"""service_kit: what every shikaku service shares (ARCHITECTURE.md, "Target layout").

- :mod:`~service_kit.db`: the one engine factory (SQLite in WAL mode, PostgreSQL through
  psycopg 3) and :func:`~service_kit.db.transact`, one unit of work retried whole;
- :mod:`~service_kit.migrate`: alembic migrations per role database, applied under a lock;
- :mod:`~service_kit.nonces`: nonces issued and consumed once, in memory or in SQL;
- :mod:`~service_kit.settings`: the settings every service shares, placeholder secrets refused.

It imports only :mod:`vc_core` and third-party libraries. Import the modules themselves: this
package loads nothing, so a command that needs no database never pays for SQLAlchemy.
"""
