"""The wallet's protocol flows as plain steps over an HTTP client the caller injects.

``httpx.Client`` in the CLI, the apps' ``TestClient`` in tests: the same code runs against the
board's and the employer's services in-process and over the network.
"""
