"""Side-by-side benchmarks of the Grok integrations against raw httpx and the alternatives.

Run ``python -m benchmarks`` from the repository root; ``--smoke`` runs a seconds-long version
that the test suite uses so the harness cannot rot. See ``benchmarks/RESULTS.md``.
"""
