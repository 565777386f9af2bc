"""vc_core: the standards primitives shikaku is built on.

Pure functions and small types, no I/O beyond what the caller passes in:
errors, codecs, keys and the ``Signer`` protocol, DIDs, the offline JSON-LD
loader, RDFC-1.0 canonicalization, and the Data Integrity cryptosuites.
"""
