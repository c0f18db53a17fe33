"""A JSON value that validates against a JSON schema, with words from the conversation.

Tool arguments must validate against ``parameters`` (a framework rejects an invalid call before
the code under test runs), structured output against its schema. The keywords pydantic,
LangChain's ``convert_to_openai_tool`` and hand-written dicts use are covered, not all of JSON
Schema. A string takes a word of the user's message that fits its name (a place for ``city``, a
quoted title for ``title``, the user's words for ``query``), an example its description gives, or
a placeholder (``"Springfield"``, ``"Jane Doe"``); numbers come from the message in order, else a
small one in bounds; an enum takes the value the message names. A URL or file-id field takes one
the conversation holds (:func:`missing_evidence` tells a caller when there is none: a model does
not invent them). Optional properties appear at the top level of structured output, and in tool
arguments only when the message gives them (a named enum value, a number left over, a URL), as a
model leaves the others out.
"""

from __future__ import annotations

import importlib
import math
import re
import sys
from collections.abc import Mapping
from typing import Any

from .stand_ins import Clues, identifier_words

__all__ = ["arguments_for", "instance_for", "missing_evidence"]

_MAX_DEPTH = 12
_SHALLOW: dict[str, Any] = {"object": {}, "array": [], "integer": 0, "number": 0, "string": ""}
_OBJECT_WORDS = ("properties", "required", "additionalProperties", "minProperties", "patternProperties")
_ARRAY_WORDS = ("items", "prefixItems", "minItems", "maxItems")
_NUMBER_WORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_FIELD_KINDS = {  # what a string field holds, by the words of its name
    "place": "city town location place country region destination origin area venue where address",
    "person": "person people author director artist actor owner contact user username attendee",
    "org": "company organization organisation brand publisher team employer",
    "title": "title film movie book song album headline show series",
    "name": "name ticker symbol",
    "text": "query q question prompt text input search message topic keywords keyword term terms "
    "subject summary content body note comment reason",
}
_KIND_OF = {word: kind for kind, words in _FIELD_KINDS.items() for word in words.split()}
_PLACEHOLDERS = {"place": "Springfield", "person": "Jane Doe", "org": "Acme Corp", "title": "Untitled"}
_LINK_WORDS = frozenset(("url", "urls", "uri", "uris", "link", "links", "href"))
_URL_MENTION = re.compile(r"\burls?\b", re.IGNORECASE)
_EXAMPLE = re.compile(r"\be\.g\.,?\s*[\"'“]?([^\"'”),;\s]+)", re.IGNORECASE)
_URL = "https://example.com/{v}"
_FORMATS = {  # the formats pydantic writes and validates; "idn-" ones take the plain format's value
    "date": "2024-01-{day:02d}",
    "date-time": "2024-01-{day:02d}T12:00:00Z",
    "time": "12:{minute:02d}:00Z",
    "duration": "P{next}D",
    "email": "user{v}@example.com",
    "ipv4": "192.0.2.{next}",
    "ipv6": "2001:db8::{next:x}",
    "uuid": "123e4567-e89b-42d3-a456-{uuid:012d}",
} | dict.fromkeys(("uri", "url", "iri", "uri-reference", "iri-reference"), _URL)


def instance_for(schema: Any, clues: Clues | None = None, *, optional: bool = True) -> Any:
    """Return a value valid against ``schema``, filled from ``clues`` where a clue fits.

    ``optional`` fills the top level's optional properties too (structured output does; tool
    arguments do not).
    """
    return _Generator(schema, clues or Clues(), optional).make(schema, 0, 0, None)


def arguments_for(parameters: Any, clues: Clues | None = None) -> dict[str, Any]:
    """Tool-call arguments for a function's ``parameters`` schema (``{}`` when there are none)."""
    if not isinstance(parameters, Mapping) or not parameters:
        return {}
    value = instance_for(parameters, clues, optional=False)
    return value if isinstance(value, dict) else {}


def evidence_kind(name: str | None, schema: Any) -> str | None:
    """``"url"`` or ``"file"`` for a field only the conversation can fill, else None.

    A model never invents an image URL or a file id; it takes one the conversation holds.
    """
    words = set(identifier_words(name or ""))
    if "file" in words and words & {"id", "ids"}:
        return "file"
    description = schema.get("description") if isinstance(schema, Mapping) else None
    items = schema.get("items") if isinstance(schema, Mapping) else None
    formats = {str(s.get("format", "")) for s in (schema, items) if isinstance(s, Mapping)}
    mentions = isinstance(description, str) and bool(_URL_MENTION.search(description))
    if words & _LINK_WORDS or formats & {"uri", "url", "iri"} or mentions:
        return "url"
    return None


def _pool(clues: Clues, kind: str | None) -> tuple[str, ...]:
    return clues.urls if kind == "url" else clues.file_ids if kind == "file" else ()


def missing_evidence(parameters: Any, clues: Clues) -> list[str]:
    """The required parameters that need a URL or file id the conversation does not hold."""
    if not isinstance(parameters, Mapping):
        return []
    found = parameters.get("properties")
    properties: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    missing = []
    for key in parameters.get("required") or ():
        kind = evidence_kind(key, properties.get(key))
        if kind is not None and not _pool(clues, kind):
            missing.append(key)
    return missing


def _payload(schema: Any) -> Any:
    """An ``Optional[X]``'s ``X`` (the first member of a union that is not null)."""
    for keyword in ("anyOf", "oneOf"):
        options = schema.get(keyword) if isinstance(schema, Mapping) else None
        if isinstance(options, list) and options:
            return next(
                (o for o in options if isinstance(o, Mapping) and o.get("type") != "null"), options[0]
            )
    return schema


def _matching_enum(values: list[Any], clues: Clues) -> Any:
    """The enum value the message names as a word ("in fahrenheit"), else None."""
    for value in values:
        if (
            isinstance(value, str)
            and value
            and re.search(rf"(?<!\w){re.escape(value.lower())}(?!\w)", clues.lowered)
        ):
            return value
    return None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Combine two schemas that must both hold (``allOf``, or a union member and its siblings)."""
    merged = dict(base)
    for key, value in extra.items():
        old: Any = merged.get(key)
        if key not in merged:
            merged[key] = value
        elif key == "properties":
            merged[key] = {**old, **value}
        elif key == "required":
            merged[key] = list(dict.fromkeys([*old, *value]))
        elif key in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"):
            merged[key] = max(old, value) if _number(old) and _number(value) else value
        elif key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"):
            merged[key] = min(old, value) if _number(old) and _number(value) else value
        elif key == "type":
            left, right = (t if isinstance(t, list) else [t] for t in (old, value))
            common = [t for t in left if t in right]
            if not common and {"number", "integer"} <= {*left, *right}:
                common = ["integer"]
            merged[key] = common[0] if len(common) == 1 else (common or value)
        else:
            merged[key] = value
    return merged


def _type_of(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return next((t for t in kind if t != "null"), "null")
    if isinstance(kind, str):
        return kind
    for words, implied in ((_OBJECT_WORDS, "object"), (_ARRAY_WORDS, "array"), (_NUMBER_WORDS, "number")):
        if any(word in schema for word in words):
            return implied
    return "string"


def _limit(schema: Mapping[str, Any], inclusive: str, exclusive: str, tighter: Any) -> tuple[Any, bool]:
    """A bound and whether it is open, from draft 4's boolean or draft 6's numeric ``exclusive*``."""
    bound, flag = schema.get(inclusive), schema.get(exclusive)
    if flag is True:
        return bound, True
    if _number(flag) and (bound is None or tighter(flag, bound) == flag):
        return flag, True
    return bound, False


class _Generator:
    def __init__(self, root: Any, clues: Clues, optional: bool) -> None:
        self.root, self.clues, self.optional = root, clues, optional
        self.refs: list[str] = []
        self.used_numbers: set[int] = set()

    def _resolve(self, schema: Any) -> Any:
        """Follow local ``$ref`` chains, keeping sibling keywords (allowed since draft 2019-09)."""
        for _ in range(32):
            if not (isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str)):
                break
            target: Any = self.root if schema["$ref"].startswith("#") else {}
            for part in schema["$ref"][1:].lstrip("/").split("/") if schema["$ref"] != "#" else ():
                part = part.replace("~1", "/").replace("~0", "~")
                if isinstance(target, list) and part.isdigit() and int(part) < len(target):
                    target = target[int(part)]
                else:
                    target = target.get(part, {}) if isinstance(target, Mapping) else {}
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = _merge(target, siblings) if isinstance(target, Mapping) else target
        return schema

    def make(self, schema: Any, depth: int, variant: int, name: str | None) -> Any:
        """A value for ``schema``; ``name`` is the property it fills, if any."""
        if schema is True or schema is None:
            return self._string({}, variant, name)
        if schema is False or not isinstance(schema, Mapping):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if self.refs.count(ref) >= 2 or depth > _MAX_DEPTH:  # recursion: only what the type demands
                target = self._resolve(schema)
                if not isinstance(target, Mapping) or "null" in (target.get("type") or ()):
                    return None
                return _SHALLOW.get(_type_of(target), True)
            self.refs.append(ref)
            try:
                return self.make(self._resolve(schema), depth, variant, name)
            finally:
                self.refs.pop()
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            named = _matching_enum(schema["enum"], self.clues) if variant == 0 else None
            return named if named is not None else schema["enum"][variant % len(schema["enum"])]
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in map(self._resolve, schema["allOf"]):
                merged = _merge(merged, part) if isinstance(part, Mapping) else merged
            return self.make(merged, depth, variant, name)
        for keyword in ("oneOf", "anyOf"):
            options = [self._resolve(o) for o in schema.get(keyword) or ()]
            if options:  # the first member that is not null: an Optional's payload is the useful part
                payload = [o for o in options if isinstance(o, Mapping) and o.get("type") != "null"]
                option = payload[0] if payload else options[0]
                rest = {k: v for k, v in schema.items() if k != keyword}
                merged = _merge(rest, option) if isinstance(option, Mapping) else option
                return self.make(merged, depth, variant, name)
        kind = _type_of(schema)
        if kind == "object":
            return self._object(schema, depth, variant)
        if kind == "array":
            return self._array(schema, depth, name)
        if kind in ("integer", "number"):
            return self._numeric(schema, variant, name, kind == "integer")
        if kind in ("boolean", "null"):
            return variant % 2 == 0 if kind == "boolean" else None
        return self._string(schema, variant, name)

    def _object(self, schema: Mapping[str, Any], depth: int, variant: int) -> dict[str, Any]:
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        extra = schema.get("additionalProperties", True)
        extra_schema = extra if isinstance(extra, Mapping) else {}
        result: dict[str, Any] = {}
        for key, sub in (schema.get("properties") or {}).items():
            if key in required or (depth == 0 and self.optional):
                result[key] = self.make(sub, depth + 1, variant, key)
        for key in required:
            if key not in result:
                result[key] = self.make(extra_schema, depth + 1, variant, key)
        if depth == 0 and not self.optional:  # tool arguments: an optional one only when the message gives it
            for key, sub in (schema.get("properties") or {}).items():
                if key not in result and self._evidenced(key, sub):
                    result[key] = self.make(sub, depth + 1, variant, key)
        index = 1
        while len(result) < (schema.get("minProperties") or 0) and extra is not False and index < 1000:
            result.setdefault(f"key{index}", self.make(extra_schema, depth + 1, variant, None))
            index += 1
        return result

    def _evidenced(self, name: str, schema: Any) -> bool:
        """Whether the message gives a value for an optional argument (see :func:`arguments_for`)."""
        schema = _payload(self._resolve(schema))
        if not isinstance(schema, Mapping):
            return False
        if isinstance(schema.get("enum"), list):
            return _matching_enum(schema["enum"], self.clues) is not None
        kind = evidence_kind(name, schema)
        if kind is not None:
            return bool(_pool(self.clues, kind))
        if _type_of(schema) in ("integer", "number"):
            return len(self.used_numbers) < len(self.clues.numbers)
        return False

    def _array(self, schema: Mapping[str, Any], depth: int, name: str | None) -> list[Any]:
        items, prefix = schema.get("items"), schema.get("prefixItems") or []
        if isinstance(items, list):  # draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", True)
        count = max(schema.get("minItems") or 0, 1 if depth < _MAX_DEPTH else 0)
        pool = _pool(self.clues, evidence_kind(name, schema))
        count = max(count, len(pool))
        if schema.get("maxItems") is not None:
            count = min(count, schema["maxItems"])
        if items is False:
            count = min(count, len(prefix))
        subs = [prefix[i] if i < len(prefix) else {} if items is None else items for i in range(count)]
        return [self.make(sub, depth + 1, i, name) for i, sub in enumerate(subs)]

    def _numeric(self, schema: Mapping[str, Any], variant: int, name: str | None, integer: bool) -> float:
        """A number from the message if one fits, else a small one (a year for a year) inside the bounds."""
        low, low_open = _limit(schema, "minimum", "exclusiveMinimum", max)
        high, high_open = _limit(schema, "maximum", "exclusiveMaximum", min)
        step = schema.get("multipleOf") if _number(schema.get("multipleOf")) else None
        step = step if step and step > 0 else None

        def fits(value: float) -> bool:
            return (
                (low is None or value > low or (value == low and not low_open))
                and (high is None or value < high or (value == high and not high_open))
                and (not integer or float(value).is_integer())
                and (step is None or math.isclose(value / step, round(value / step)))
            )

        year = "year" in f"{name} {schema.get('description', '')}".lower()
        for index, number in enumerate(self.clues.numbers):
            if index not in self.used_numbers and fits(number) and (not year or 1000 <= number <= 2100):
                self.used_numbers.add(index)
                return int(number) if integer else number
        guesses = [2024] if year else [3, 1.5, 1]
        if low is not None and high is not None:
            guesses += [(low + high) / 2, math.floor((low + high) / 2)]
        guesses += [g for g in (low, high) if g is not None] + [low + 1 if low is not None else 0]
        guesses += [high - 1 if high is not None else 0]
        for guess in guesses:
            for value in (guess + (variant if integer else variant * 0.5), guess):
                snapped = [math.ceil(value / step) * step, math.floor(value / step) * step] if step else []
                for candidate in (value, *snapped):
                    if fits(candidate):
                        return int(candidate) if integer or float(candidate).is_integer() else candidate
        return 0

    def _string(self, schema: Mapping[str, Any], variant: int, name: str | None) -> str:
        fmt, pattern = str(schema.get("format", "")).removeprefix("idn-"), schema.get("pattern")
        evidence = _pool(self.clues, evidence_kind(name, schema))
        if evidence:
            value = evidence[variant % len(evidence)]
        elif fmt in _FORMATS:
            numbers = {"next": variant + 1, "day": 15 + variant % 14, "uuid": 426614174000 + variant}
            value = _FORMATS[fmt].format(v=variant or "", minute=variant % 60, **numbers)
        elif isinstance(pattern, str):
            return _from_pattern(pattern, self.clues)
        else:
            pool = self._candidates(name, schema.get("description"))
            value = pool[variant] if variant < len(pool) else f"{pool[0]}-{variant}"
        min_len, max_len = schema.get("minLength"), schema.get("maxLength")
        if isinstance(min_len, int) and len(value) < min_len:
            value += "x" * (min_len - len(value))
        if isinstance(max_len, int) and len(value) > max_len:
            value = value[:max_len] if variant == 0 else (value[-max_len:] if max_len else "")
        return value

    def _candidates(self, name: str | None, description: Any) -> list[str]:
        """Values that fit a string field called ``name``, most fitting first."""
        example = _EXAMPLE.search(description) if isinstance(description, str) else None
        if example:
            return [example.group(1).rstrip(".")]
        words = identifier_words(name or "")
        kinds = [_KIND_OF[w] for w in reversed(words) if w in _KIND_OF]
        kinds += [_KIND_OF[w[:-1]] for w in reversed(words) if w[:-1] in _KIND_OF and w.endswith("s")]
        kind = kinds[0] if kinds else ""
        clues = self.clues
        pools = {"place": [*clues.places, *clues.names], "title": [*clues.quoted, *clues.names]}
        pools["text"] = [clues.words] if clues.words else []
        people = [n for n in clues.names if n not in clues.quoted] if kind else []
        found = pools.get(kind, people) or ([] if kind else list(clues.topics))  # "moons for saturn"
        return list(dict.fromkeys(found)) or [_PLACEHOLDERS.get(kind, "example")]


def _from_pattern(pattern: str, clues: Clues) -> str:
    """A string matching ``pattern`` (searched, as JSON Schema does): a clue if one matches."""
    try:
        regex = re.compile(pattern)
    except re.error:
        return "example"
    try:
        written = [_write(_parse(pattern))]
    except (ValueError, TypeError):  # an unsupported construct: the stock candidates below
        written = []
    stock = ["example", "a", "A", "0", "abc", "ABC", "123", "a1", "A1", "user@example.com", "2024-01-15", ""]
    candidates = [*clues.names, *clues.quoted, *clues.words.split(), *written, *stock]
    return next((c for c in candidates if regex.search(c)), "example")


def _parse(pattern: str) -> Any:
    """Python's own parse of a regex (``re._parser`` from 3.11, ``sre_parse`` before)."""
    parser = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")
    return parser.parse(pattern)


def _name(constant: Any) -> str:
    return str(getattr(constant, "name", constant)).removeprefix("CATEGORY_")


_SAMPLES = {"DIGIT": "0", "NOT_DIGIT": "a", "WORD": "a", "NOT_WORD": "-", "SPACE": " ", "NOT_SPACE": "a"}


def _write(items: Any, groups: dict[int, str] | None = None) -> str:
    """The shortest obvious match of a parsed regex (Python's own parse, walked node by node)."""
    groups = {} if groups is None else groups
    out = []
    for op, av in items:
        kind = _name(op)
        if kind == "LITERAL":
            out.append(chr(av))
        elif kind in ("NOT_LITERAL", "ANY"):
            out.append("b" if av == ord("a") else "a")
        elif kind == "IN":
            out.append(_member(av))
        elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = av
            out.append("".join(_write(sub, groups) for _ in range(low if low > 0 else min(1, high))))
        elif kind in ("SUBPATTERN", "ATOMIC_GROUP"):
            text = _write(av[-1] if kind == "SUBPATTERN" else av, groups)
            if kind == "SUBPATTERN" and av[0] is not None:
                groups[av[0]] = text
            out.append(text)
        elif kind == "BRANCH":
            out.append(_write(av[1][0], groups))
        elif kind == "GROUPREF":
            out.append(groups.get(av, ""))
        elif kind not in ("AT", "ASSERT", "ASSERT_NOT"):
            raise ValueError(f"unsupported regex construct {kind}")
    return "".join(out)


def _member(items: Any) -> str:
    """A character of a ``[...]`` set: its first member (a ``[^...]`` set is left to the stock)."""
    kind, av = _name(items[0][0]), items[0][1]
    if kind in ("LITERAL", "RANGE"):
        return chr(av if kind == "LITERAL" else av[0])
    if kind == "CATEGORY":
        return _SAMPLES.get(_name(av), "a")
    raise ValueError(f"unsupported set member {kind}")
