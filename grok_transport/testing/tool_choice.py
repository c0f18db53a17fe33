"""Which offered functions the stand-in calls: the tools read the way a model reads them.

Each function is scored against the user's last message by the words of its name (3 points a
concept), its description (2) and its parameters' names and descriptions (1), after light
stemming and a few synonyms a model knows ("paint" and "draw" mean an image, "times" and
"product" a multiplication). Words every tool uses ("generate", "return", "optional"…) count
for nothing. A function is called when it scores at least 2, when every required parameter that
needs evidence (a URL, a file id) has some in the conversation (a model never invents an image
URL), and when no other called function covers strictly more of what the message asks: "edit
this image" calls ``edit_image``, not also ``generate_image``. Calls come in the order the
message asks for them. A greeting matches nothing and calls nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .schema_instance import missing_evidence
from .stand_ins import FILLER, Clues, identifier_words, word_set

__all__ = ["Candidate", "rank"]

_SYNONYMS = {
    "image": "image picture photo photograph painting paint draw drawing illustration illustrate sketch "
    "portrait artwork render watercolour watercolor poster logo icon wallpaper",
    "video": "video clip animation animate footage",
    "multiply": "multiply multiplication times product",
    "add": "add addition plus sum",
    "subtract": "subtract subtraction minus difference",
    "divide": "divide division quotient",
    "weather": "weather forecast",
    "edit": "edit modify alter retouch",
    "search": "search lookup google",
}
_CONCEPT = {word: concept for concept, words in _SYNONYMS.items() for word in words.split()}
# Words nearly every tool description uses: they tell no tool from another.
_GENERIC = FILLER | word_set(
    "generate create make produce return returns given text description optional new short one two three "
    "string number integer integers value tool function result results based http https url urls data "
    "id ids list name names current latest recent look up find fetch check retrieve query up whole "
    "about like just some any more"
)
_WORD = re.compile(r"[a-z][a-z0-9]*")
_LINK = re.compile(r"(?:https?://|data:)\S+")
_WEIGHTS = (("name", 3), ("description", 2), ("parameters", 1))
THRESHOLD = 2


def _stem(word: str) -> str:
    for suffix, replacement, shortest in (("ied", "y", 5), ("ing", "", 6), ("ed", "", 5), ("s", "", 4)):
        if word.endswith(suffix) and len(word) >= shortest and not word.endswith("ss"):
            return word[: -len(suffix)] + replacement
    return word


def concept(word: str) -> str:
    """A word as the concept it names: ``"Painting"`` → ``"image"``, ``"cities"`` → ``"city"``."""
    word = word.lower().removesuffix("'s")
    return _CONCEPT.get(word) or _CONCEPT.get(_stem(word)) or _stem(word)


def _concepts(text: str) -> list[str]:
    return [concept(w) for w in _WORD.findall(_LINK.sub(" ", text.lower())) if w not in _GENERIC]


def _parameter_text(parameters: Any) -> str:
    properties = parameters.get("properties") if isinstance(parameters, Mapping) else None
    words = []
    for key, schema in (properties or {}).items():
        words += identifier_words(str(key))
        if isinstance(schema, Mapping) and isinstance(schema.get("description"), str):
            words.append(schema["description"])
    return " ".join(words)


def _weights(function: Mapping[str, Any]) -> dict[str, int]:
    """Each concept the function is about, with the weight of the strongest place it appears."""
    description = function.get("description")
    parts = {
        "name": " ".join(identifier_words(str(function.get("name", "")))),
        "description": description if isinstance(description, str) else "",
        "parameters": _parameter_text(function.get("parameters")),
    }
    weights: dict[str, int] = {}
    for part, weight in reversed(_WEIGHTS):
        weights |= dict.fromkeys(_concepts(parts[part]), weight)
    return weights


@dataclass(frozen=True)
class Candidate:
    """A function the message asks for: its score, what it covers, where the message asks first."""

    function: Mapping[str, Any]
    score: int
    covers: frozenset[str]
    first: int


def rank(functions: Sequence[Mapping[str, Any]], text: str, clues: Clues) -> list[Candidate]:
    """The functions to call for ``text``, in the order it asks for them (see the module docstring)."""
    asked = _concepts(text)
    lowered = text.lower()
    found: list[Candidate] = []
    for function in functions:
        name = str(function["name"]).lower()
        weights = _weights(function)
        hits = {c: i for i, c in reversed(list(enumerate(asked))) if c in weights}
        score = sum(weights[c] for c in hits)
        named = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", lowered) or name.replace("_", " ") in lowered
        if named:
            hits[f"name:{name}"], score = lowered.find(name.split("_")[0]), score + 10
        if score >= THRESHOLD and not missing_evidence(function.get("parameters"), clues):
            found.append(Candidate(function, score, frozenset(hits), min(hits.values(), default=0)))
    kept = [c for c in found if not any(c.covers < other.covers for other in found)]
    return sorted(kept, key=lambda c: (c.first, -c.score))


def callable_now(function: Mapping[str, Any], clues: Clues) -> bool:
    """Whether the function can be called without inventing a URL or file id."""
    return not missing_evidence(function.get("parameters"), clues)
