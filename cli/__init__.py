"""shikaku's command line: one typer sub-app per role, plus ``keys``, ``vc`` and ``demo``."""
