"""Which models the local server serves: the catalogue's, as xAI resolves them, plus a test's own.

The real API answers a model it does not serve with a 404 (docs/wire.md, "Errors": "The model …
does not exist or your team … does not have access to it"), so a typo in a model name must fail
offline too. A name is served when the catalogue (grok_transport/_catalogue.py) knows it for the
dialect, by name, alias or dated suffix, exactly as :func:`~grok_transport._catalogue.lookup`
resolves it; retired models stay served, as the recordings made while they were live name them,
but are not listed. The proxies' dialects serve every catalogued name (they forward to xAI).
``GrokTestServer(models=[...])`` adds names (a fine-tune, a model released after this catalogue),
served and listed.
"""

from __future__ import annotations

from collections.abc import Collection

from .._catalogue import lookup

__all__ = ["not_served", "serves"]


def serves(dialect: str, name: str, extra: Collection[str]) -> bool:
    """Whether a server of ``dialect`` answers requests for ``name``."""
    if name in extra:
        return True
    info = lookup(name, dialect)
    return info.known and (dialect != "xai" or info.provider == "xai")


def not_served(name: str) -> str:
    """The 404 message xAI gives for a model it does not serve."""
    return f"The model {name} does not exist or your team does not have access to it."
