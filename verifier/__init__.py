"""The employer's side of shikaku: verification pipelines of named checks, status checking.

May import ``vc_core``, ``vc_schemas`` and ``jpki_bridge``; never ``issuer``, ``holder`` or
``cli`` (ARCHITECTURE.md, Packages). httpx only at the edge that fetches status lists.
"""
