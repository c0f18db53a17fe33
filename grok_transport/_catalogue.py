"""The model catalogue: what each Grok model accepts, returns and holds.

Every model the three providers document is here (docs/wire.md, "Models" and "Grok Inc and grokapi.io").
The catalogue is advice, never a gate: an unknown model name (a new release, a proxy alias) gets
safe defaults from :func:`lookup` instead of an exception, because a stale table must not stop a
user from calling a model the server knows.

What the catalogue is for, in the order it matters on the wire:

* ``rejected_params``: parameters the real API answers with HTTP 400 for this model
  (``reasoning_effort``, ``stop``, ``presence_penalty``, ``frequency_penalty``). The client drops
  them with a warning instead of spending a round trip on an error.
* ``context_window`` / ``max_output_tokens``: what the frameworks size prompts with.
* capabilities: vision, tools, structured output, whether ``reasoning_content`` text comes back,
  and which ``reasoning_effort`` levels are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grok_transport._params import rejected_by
from grok_transport._providers import provider_named

__all__ = ["ModelInfo", "lookup", "known_models", "DEFAULT_MODELS"]

_REASONING_REJECTS = rejected_by("reasoning")
_ALL_REJECTS = rejected_by("fixed-reasoning")
"""Which parameters each group rejects is declared on the parameter (grok_transport/_params.py)."""


_AGENTIC_FAMILY = re.compile(r"grok-(?:[4-9]|\d\d)")


@dataclass(frozen=True)
class ModelInfo:
    """What one model is known to do. Instances are shared and immutable."""

    name: str
    provider: str = "xai"
    context_window: int = 131_072
    max_output_tokens: int = 8_192
    vision: bool = False
    tools: bool = True
    structured_output: bool = True
    reasoning: bool = False
    """The model thinks before answering (reasoning tokens are counted)."""
    reasoning_content: bool = False
    """The reasoning text comes back as ``reasoning_content`` (only some reasoning models)."""
    reasoning_effort_levels: tuple[str, ...] = ()
    rejected_params: frozenset[str] = field(default_factory=frozenset)
    image_generation: bool = False
    aliases: tuple[str, ...] = ()
    retired: str | None = None
    """ISO date the provider retired the model, if it did (calls may 404)."""
    known: bool = True
    """False for the safe defaults handed out for a name the catalogue does not hold."""

    def accepts(self, param: str) -> bool:
        """Whether the model takes ``param`` without a 400."""
        return param not in self.rejected_params

    @property
    def documents(self) -> bool:
        """Whether attached files (PDF, text) reach the model.

        xAI reads them with its server-side document search on the Responses API (docs/wire.md,
        "Files"), an agentic tool its grok-4 family and later run; Grok Inc and grokapi.io have
        no Files API.
        """
        return (
            provider_named(self.provider).files_api and self.tools and bool(_AGENTIC_FAMILY.match(self.name))
        )


def _m(name: str, **kw: object) -> ModelInfo:
    return ModelInfo(name=name, **kw)  # type: ignore[arg-type]


_XAI: tuple[ModelInfo, ...] = (
    _m("grok-beta", context_window=131_072, retired="2025-09-15"),
    _m("grok-vision-beta", context_window=8_192, vision=True, retired="2025-09-15"),
    _m("grok-2-1212", aliases=("grok-2", "grok-2-latest"), context_window=131_072),
    _m(
        "grok-2-vision-1212",
        aliases=("grok-2-vision", "grok-2-vision-latest"),
        context_window=32_768,
        vision=True,
    ),
    _m(
        "grok-2-image-1212",
        aliases=("grok-2-image-latest",),
        context_window=8_000,
        tools=False,
        structured_output=False,
        image_generation=True,
    ),
    _m(
        "grok-3",
        aliases=("grok-3-latest", "grok-3-beta"),
        context_window=131_072,
        max_output_tokens=16_384,
        rejected_params=rejected_by("grok-3"),
        retired="2026-05-15",
    ),
    _m(
        "grok-3-mini",
        aliases=("grok-3-mini-latest", "grok-3-mini-beta", "grok-3-mini-high"),
        context_window=131_072,
        max_output_tokens=16_384,
        reasoning=True,
        reasoning_content=True,
        reasoning_effort_levels=("low", "high"),
        rejected_params=_REASONING_REJECTS,
    ),
    _m(
        "grok-4-0709",
        aliases=("grok-4", "grok-4-latest"),
        context_window=256_000,
        max_output_tokens=64_000,
        vision=True,
        reasoning=True,
        rejected_params=_ALL_REJECTS,
        retired="2026-05-15",
    ),
    _m(
        "grok-4-fast-reasoning",
        aliases=("grok-4-fast",),
        context_window=2_000_000,
        max_output_tokens=30_000,
        vision=True,
        reasoning=True,
        rejected_params=_ALL_REJECTS,
        retired="2026-05-15",
    ),
    _m(
        "grok-4-fast-non-reasoning",
        context_window=2_000_000,
        max_output_tokens=30_000,
        vision=True,
        rejected_params=_ALL_REJECTS,
        retired="2026-05-15",
    ),
    _m(
        "grok-4-1-fast-reasoning",
        aliases=("grok-4-1-fast",),
        context_window=2_000_000,
        max_output_tokens=30_000,
        vision=True,
        reasoning=True,
        rejected_params=_ALL_REJECTS,
        retired="2026-05-15",
    ),
    _m(
        "grok-4-1-fast-non-reasoning",
        context_window=2_000_000,
        max_output_tokens=30_000,
        vision=True,
        rejected_params=_ALL_REJECTS,
        retired="2026-05-15",
    ),
    _m(
        "grok-code-fast-1",
        aliases=("grok-code-fast", "grok-code-fast-1-0825"),
        context_window=256_000,
        max_output_tokens=10_000,
        reasoning=True,
        reasoning_content=True,
        rejected_params=_ALL_REJECTS,
    ),
    _m(
        "grok-build-0.1",
        context_window=256_000,
        max_output_tokens=64_000,
        reasoning=True,
        rejected_params=_ALL_REJECTS,
    ),
    _m(
        "grok-4.20-0309-reasoning",
        aliases=("grok-4.20", "grok-4.20-beta", "grok-4.20-reasoning"),
        context_window=1_000_000,
        max_output_tokens=128_000,
        vision=True,
        reasoning=True,
        rejected_params=_ALL_REJECTS,
    ),
    _m(
        "grok-4.20-0309-non-reasoning",
        aliases=("grok-4.20-non-reasoning",),
        context_window=1_000_000,
        max_output_tokens=128_000,
        vision=True,
        rejected_params=_ALL_REJECTS,
    ),
    _m(
        "grok-4.20-multi-agent-0309",
        aliases=("grok-4.20-multi-agent",),
        context_window=1_000_000,
        max_output_tokens=128_000,
        vision=True,
        reasoning=True,
        reasoning_effort_levels=("low", "medium", "high", "xhigh"),
        rejected_params=_REASONING_REJECTS,
    ),
    _m(
        "grok-4.3",
        aliases=("grok-4.3-latest", "grok-latest"),
        context_window=1_000_000,
        max_output_tokens=128_000,
        vision=True,
        reasoning=True,
        reasoning_content=True,
        reasoning_effort_levels=("none", "low", "medium", "high", "xhigh"),
        rejected_params=_REASONING_REJECTS,
    ),
    _m(
        "grok-4.5",
        aliases=("grok-4.5-latest", "grok-build-latest"),
        context_window=500_000,
        max_output_tokens=128_000,
        vision=True,
        reasoning=True,
        reasoning_content=True,
        reasoning_effort_levels=("low", "medium", "high", "xhigh"),
        rejected_params=_REASONING_REJECTS,
    ),
    _m(
        "grok-imagine-image",
        aliases=("grok-imagine-image-2026-03-02",),
        context_window=8_000,
        tools=False,
        structured_output=False,
        image_generation=True,
    ),
    _m(
        "grok-imagine-image-quality",
        aliases=(
            "grok-imagine-image-quality-20260403",
            "grok-imagine-image-quality-latest",
            "grok-imagine-image-pro",
        ),
        context_window=8_000,
        tools=False,
        structured_output=False,
        image_generation=True,
    ),
)

# Grok Inc documents names and a personality, not limits; the numbers are conservative
# (docs/wire.md, "Grok Inc and grokapi.io").
_GROKINC: tuple[ModelInfo, ...] = tuple(
    _m(
        name,
        provider="grokinc",
        context_window=32_768,
        max_output_tokens=4_096,
        vision=True,
        tools=False,
        structured_output=False,
    )
    for name in ("grok-lite", "grok-pro", "grok-2-lite", "grok-2-pro", "grok-3-lite", "grok-3-pro")
)

# grokapi.io resells grok-4 and grok-3 under the bare names; the upstream limits apply
# (docs/wire.md, "Grok Inc and grokapi.io").
_GROKAPI: tuple[ModelInfo, ...] = (
    _m(
        "grok-4",
        provider="grokapi",
        context_window=256_000,
        max_output_tokens=64_000,
        vision=True,
        reasoning=True,
        rejected_params=_ALL_REJECTS,
    ),
    _m(
        "grok-3",
        provider="grokapi",
        context_window=131_072,
        max_output_tokens=16_384,
        rejected_params=rejected_by("grok-3"),
    ),
)

DEFAULT_MODELS: dict[str, str] = {
    "xai": "grok-4.3",
    "grokinc": "grok-lite",
    "grokapi": "grok-4",
}
"""The model each provider uses when the user names none: current, profiled, and cheap to reach."""

_BY_PROVIDER: dict[str, dict[str, ModelInfo]] = {}
for _info in (*_XAI, *_GROKINC, *_GROKAPI):
    _table = _BY_PROVIDER.setdefault(_info.provider, {})
    for _name in (_info.name, *_info.aliases):
        _table[_name] = _info

_DATED_SUFFIX = re.compile(r"-(\d{4}|\d{8}|\d{4}-\d{2}-\d{2}|latest|beta)$")


def known_models(provider: str | None = None) -> list[ModelInfo]:
    """Every catalogued model (one entry per model, aliases folded in)."""
    tables = [_BY_PROVIDER.get(provider, {})] if provider else list(_BY_PROVIDER.values())
    seen: dict[int, ModelInfo] = {}
    for table in tables:
        for info in table.values():
            seen.setdefault(id(info), info)
    return list(seen.values())


def lookup(model: str, provider: str | None = None) -> ModelInfo:
    """Return what is known about ``model``; never raises.

    The provider's own table is searched first (grokapi's ``grok-4`` is not xAI's alias), then
    xAI's, then the name without a date or ``-latest`` suffix, then a family guess from the name.
    """
    order = [provider] if provider in _BY_PROVIDER else []
    order += [p for p in ("xai", "grokinc", "grokapi") if p not in order]
    for candidate in (model, _DATED_SUFFIX.sub("", model)):
        for name in order:
            info = _BY_PROVIDER[name].get(candidate)
            if info is not None:
                return info
    return _guess(model, provider or "xai")


def _guess(model: str, provider: str) -> ModelInfo:
    """Safe defaults for an unknown name, leaning on the family the name announces."""
    name = model.lower()
    if "imagine" in name or "image" in name:
        return ModelInfo(
            name=model,
            provider=provider,
            tools=False,
            image_generation=True,
            structured_output=False,
            known=False,
        )
    reasoning = "non-reasoning" not in name and bool(re.search(r"reason|mini|grok-[4-9]|code|build", name))
    return ModelInfo(
        name=model,
        provider=provider,
        vision="vision" in name or bool(re.search(r"grok-[4-9]", name)),
        reasoning=reasoning,
        # Sending a parameter the server ignores costs nothing; one it rejects costs a 400.
        # An unknown model therefore gets nothing dropped: the user's explicit choice stands.
        known=False,
    )
