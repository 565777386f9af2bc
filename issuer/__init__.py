"""The qualification board's side of shikaku: issuing, status registry and publishing.

May import ``vc_core``, ``vc_schemas`` and ``jpki_bridge``; never ``holder``, ``verifier`` or
``cli`` (ARCHITECTURE.md, Packages).
"""
