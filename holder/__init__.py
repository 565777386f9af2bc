"""The holder's side of shikaku: the wallet — choosing disclosures, presenting credentials.

May import ``vc_core``, ``vc_schemas`` and ``jpki_bridge``; never ``issuer``, ``verifier`` or
``cli`` (ARCHITECTURE.md, Packages).
"""
