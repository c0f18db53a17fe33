"""What a prompt asks for in its own words: a JSON shape to fill, or sources to answer from.

Two things a real model reads out of the prompt, and so the stand-in must too, or a user's
offline test fails on what works against Grok:

* **a JSON shape** (:func:`described_schema`): ``json_mode`` sends no schema, so LangChain's
  format instructions and LlamaIndex's text-completion programs put one in the prompt (the
  *last* JSON schema written there: LangChain's instructions show an example schema first), or
  the prompt lists the keys ("with the keys `setup` and `punchline`");
* **retrieved context** (:func:`context_answer`): LlamaIndex's "Context information is below."
  block, a ``Context:`` label (LangChain's RAG prompts), ``<context>`` tags, or a system message
  that introduces "the following pieces of context". The answer is the context's sentence that
  shares the most words with the question, so a query engine visibly answers from its documents.
  No retriever is assumed: any prompt shaped this way is answered this way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .conversation import message_text
from .stand_ins import FILLER
from .tool_choice import concept

__all__ = ["context_answer", "described_schema"]

_SCHEMA_WORDS = ("properties", "$defs", "definitions", "anyOf", "oneOf")
_KEY_LIST = re.compile(
    r"\b(?:keys?|fields?|properties|attributes)\b[^.\n]{0,20}?((?:[`\"'][\w-]+[`\"'][\s,]*(?:and|or|,)?\s*)+)",
    re.IGNORECASE,
)
_QUOTED_KEY = re.compile(r"[`\"']([\w-]+)[`\"']")
_WANTS_JSON = re.compile(r"\bjson\b", re.IGNORECASE)

_DASHED = re.compile(r"-{5,}\s*\n(.*?)\n\s*-{5,}", re.DOTALL)
_TAGGED = re.compile(r"<(context|documents?|sources?)>(.*?)</\1>", re.DOTALL | re.IGNORECASE)
_LABELLED = re.compile(
    r"(?:^|\n)[ \t]*(?:retrieved\s+)?(?:context|documents?|sources?)[ \t]*:[ \t]*(.*?)"
    r"(?=\n[ \t]*(?:question|query|answer|q|a)[ \t]*:|\Z)",
    re.DOTALL | re.IGNORECASE,
)
_INTRODUCED = re.compile(
    r"(?:\b(?:following|below)\b[^\n]*\bcontext\b[^\n]*|\b(?:this|the)\s+context\b[^\n]{0,20}:)[ \t]*\n+(.+)",
    re.DOTALL | re.IGNORECASE,
)
""""Use the following pieces of context…", or "Answer from this context:", then the context."""
_RULE = re.compile(r"\n?\s*-{3,}\s*\n")
_QUESTION = re.compile(r"(?:^|\n)[ \t]*(?:question|query|q)[ \t]*:[ \t]*(.+)", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_METADATA_LINE = re.compile(r"^\w+: \S+$")
"""``file_name: notes.md``: a retriever's metadata above a chunk (LlamaIndex's format), not an answer."""
_WORD = re.compile(r"[^\W_]+")


def _json_objects(text: str) -> list[Any]:
    """Every JSON object written in ``text``, outermost ones, in order."""
    decoder, found, index = json.JSONDecoder(), [], text.find("{")
    while index != -1:
        try:
            value, end = decoder.raw_decode(text, index)
        except ValueError:
            index = text.find("{", index + 1)
            continue
        found.append(value)
        index = text.find("{", end)
    return found


def _is_schema(value: Any) -> bool:
    return isinstance(value, Mapping) and (
        value.get("type") == "object" or any(word in value for word in _SCHEMA_WORDS)
    )


def described_schema(text: str, json_asked: bool) -> dict[str, Any] | None:
    """The JSON schema the prompt describes (see the module docstring), or None.

    ``json_asked``: the request already asks for JSON (``json_object``); otherwise the prompt
    must say "JSON" itself, as format instructions do.
    """
    if not (json_asked or _WANTS_JSON.search(text)):
        return None
    schemas = [value for value in _json_objects(text) if _is_schema(value)]
    if not schemas and "{{" in text:  # LlamaIndex sends its template's escaped braces as they are
        schemas = [v for v in _json_objects(text.replace("{{", "{").replace("}}", "}")) if _is_schema(v)]
    if schemas:
        return dict(schemas[-1])
    listed = _KEY_LIST.search(text) if json_asked else None
    if listed is None:
        return None
    keys = list(dict.fromkeys(_QUOTED_KEY.findall(listed.group(1))))
    return {"type": "object", "properties": {key: {"type": "string"} for key in keys}, "required": keys}


def _content_words(text: str) -> set[str]:
    return {concept(w) for w in _WORD.findall(text.lower()) if w not in FILLER}


def _context(text: str) -> tuple[str, str] | None:
    """``(context, rest)``: a message's retrieved context and the text around it, if it has one."""
    for pattern, group in ((_DASHED, 1), (_TAGGED, 2), (_LABELLED, 1)):
        match = pattern.search(text)
        if match and match.group(group).strip():
            return match.group(group), text[: match.start()] + text[match.end() :]
    match = _INTRODUCED.search(text)  # "Use the following pieces of context…" then the context
    context = _RULE.split(match.group(1), maxsplit=1)[-1] if match else ""
    return (context, text[: match.start()]) if match and context.strip() else None


def context_answer(messages: Sequence[Mapping[str, Any]]) -> str | None:
    """The context's sentence that best answers the question, or None without context."""
    texts = [message_text(m) for m in messages if m.get("role") in ("system", "developer", "user")]
    question = next((message_text(m) for m in reversed(messages) if m.get("role") == "user"), "")
    for text in reversed(texts):
        found = _context(text)
        if found is None:
            continue
        context, rest = found
        asked = _QUESTION.search(rest) or _QUESTION.search(text)
        if asked is not None:
            question = asked.group(1)
        elif text == question:
            question = rest
        wanted = _content_words(question)
        sentences = [
            s.strip()
            for s in _SENTENCE.split(context)
            if len(s.strip()) > 3 and not _METADATA_LINE.match(s.strip())
        ]
        scored = [(len(wanted & _content_words(s)), -i, s) for i, s in enumerate(sentences)]
        best = max(scored, default=None)
        return best[2] if best is not None and best[0] > 0 else None
    return None
