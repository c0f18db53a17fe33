"""Make a JSON value that validates against a JSON schema.

The default replies of the test server need it twice: tool-call arguments must validate against the
tool's ``parameters`` (otherwise the framework under test rejects the call before the code being
tested runs), and structured output must validate against ``response_format``'s schema. Real
schemas come from pydantic (``$defs``/``$ref``, ``anyOf`` with ``null`` for optionals, ``allOf``
wrappers), from LangChain's ``convert_to_openai_tool`` and from hand-written dicts, so the generator
covers the keywords those produce rather than all of JSON Schema.

The output is deterministic and boring on purpose: the first enum member, the lower bound of a
range, ``"example"`` for free text. ``variant`` makes array items differ so ``uniqueItems`` holds.
Required properties are always present. Optional ones appear only at the top level of a
structured-output instance (which keeps recursive schemas finite), and never in tool-call
arguments: a model leaves out the optional arguments nobody asked for, and a made-up value there
(``aspect_ratio: "example"``) would be one the real API rejects.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["instance_for", "arguments_for"]

_MAX_DEPTH = 12
_TEXT_NAMES = frozenset(
    {
        "query",
        "q",
        "question",
        "prompt",
        "text",
        "input",
        "search",
        "search_query",
        "message",
        "topic",
        "keywords",
        "term",
    }
)


def instance_for(schema: Any, *, hint: str | None = None, optional: bool = True) -> Any:
    """Return a value valid against ``schema``; ``hint`` fills free-text fields named like a query.

    ``optional`` fills the top level's optional properties too (structured output does; tool
    arguments do not).
    """
    return _Generator(schema, hint, optional).make(schema, depth=0, variant=0, name=None)


def arguments_for(parameters: Any, *, hint: str | None = None) -> dict[str, Any]:
    """Tool-call arguments for a function's ``parameters`` schema (``{}`` when there are none)."""
    if not isinstance(parameters, Mapping) or not parameters:
        return {}
    value = instance_for(parameters, hint=hint, optional=False)
    return value if isinstance(value, dict) else {}


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Combine two schemas that must both hold (``allOf``, or a union member and its siblings)."""
    merged = dict(base)
    for key, value in extra.items():
        if key not in merged:
            merged[key] = value
        elif key == "properties":
            merged[key] = {**merged[key], **value}
        elif key == "required":
            merged[key] = list(dict.fromkeys([*merged[key], *value]))
        elif key in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"):
            merged[key] = max(merged[key], value) if _both_numbers(merged[key], value) else value
        elif key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"):
            merged[key] = min(merged[key], value) if _both_numbers(merged[key], value) else value
        elif key == "type":
            merged[key] = _intersect_types(merged[key], value)
        else:
            merged[key] = value
    return merged


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))


def _intersect_types(a: Any, b: Any) -> Any:
    left = a if isinstance(a, list) else [a]
    right = b if isinstance(b, list) else [b]
    common = [t for t in left if t in right]
    if not common and "number" in left and "integer" in right:
        common = ["integer"]
    if not common and "integer" in left and "number" in right:
        common = ["integer"]
    return common[0] if len(common) == 1 else (common or b)


class _Generator:
    def __init__(self, root: Any, hint: str | None, optional: bool = True) -> None:
        self.root = root
        self.hint = hint
        self.optional = optional
        self.refs: list[str] = []

    # references --------------------------------------------------------------------------

    def _lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {}
        node: Any = self.root
        for part in ref[1:].lstrip("/").split("/") if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return {}
        return node

    def _resolve(self, schema: Any) -> Any:
        """Follow ``$ref`` chains, keeping sibling keywords (allowed since draft 2019-09)."""
        seen = 0
        while isinstance(schema, Mapping) and "$ref" in schema and seen < 32:
            target = self._lookup(schema["$ref"])
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = _merge(target, siblings) if isinstance(target, Mapping) else target
            seen += 1
        return schema

    # generation ------------------------------------------------------------------------

    def make(self, schema: Any, *, depth: int, variant: int, name: str | None) -> Any:
        if schema is True or schema is None:
            return self._string({}, variant, name)
        if schema is False or not isinstance(schema, Mapping):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if self.refs.count(ref) >= 2 or depth > _MAX_DEPTH:
                return self._shallow(self._resolve(schema))
            self.refs.append(ref)
            try:
                return self.make(self._resolve(schema), depth=depth, variant=variant, name=name)
            finally:
                self.refs.pop()
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return enum[variant % len(enum)]
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                resolved = self._resolve(part)
                if isinstance(resolved, Mapping):
                    merged = _merge(merged, resolved)
            return self.make(merged, depth=depth, variant=variant, name=name)
        for keyword in ("oneOf", "anyOf"):
            options = schema.get(keyword)
            if isinstance(options, list) and options:
                option = self._pick_option(options)
                rest = {k: v for k, v in schema.items() if k != keyword}
                resolved = self._resolve(option)
                merged = _merge(rest, resolved) if isinstance(resolved, Mapping) else resolved
                return self.make(merged, depth=depth, variant=variant, name=name)
        kind = self._type_of(schema)
        if kind == "null":
            return None
        if kind == "object":
            return self._object(schema, depth, variant)
        if kind == "array":
            return self._array(schema, depth)
        if kind == "integer":
            return self._integer(schema, variant)
        if kind == "number":
            return self._number(schema, variant)
        if kind == "boolean":
            return variant % 2 == 0
        return self._string(schema, variant, name)

    def _pick_option(self, options: list[Any]) -> Any:
        """The first member that is not ``null`` (an Optional's payload is the useful part)."""
        for option in options:
            resolved = self._resolve(option)
            if isinstance(resolved, Mapping) and resolved.get("type") != "null":
                return option
        return options[0]

    @staticmethod
    def _type_of(schema: Mapping[str, Any]) -> str | None:
        kind = schema.get("type")
        if isinstance(kind, list):
            concrete = [t for t in kind if t != "null"]
            return concrete[0] if concrete else "null"
        if isinstance(kind, str):
            return kind
        if any(
            k in schema
            for k in ("properties", "required", "additionalProperties", "minProperties", "patternProperties")
        ):
            return "object"
        if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems")):
            return "array"
        if any(
            k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
        ):
            return "number"
        return "string"

    def _shallow(self, schema: Any) -> Any:
        """A value for a recursion that went too deep: only what the type demands."""
        if not isinstance(schema, Mapping):
            return None
        kind = self._type_of(schema)
        if isinstance(schema.get("type"), list) and "null" in schema["type"]:
            return None
        return {"object": {}, "array": [], "integer": 0, "number": 0, "boolean": True, "null": None}.get(
            kind or "", ""
        )

    def _object(self, schema: Mapping[str, Any], depth: int, variant: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        result: dict[str, Any] = {}
        for key, sub in properties.items():
            if key in required or (depth == 0 and self.optional):
                result[key] = self.make(sub, depth=depth + 1, variant=variant, name=key)
        extra_schema = schema.get("additionalProperties", True)
        for key in required:
            if key not in result:
                sub = extra_schema if isinstance(extra_schema, Mapping) else {}
                result[key] = self.make(sub, depth=depth + 1, variant=variant, name=key)
        wanted = schema.get("minProperties") or 0
        index = 1
        while len(result) < wanted and extra_schema is not False and index < 1000:
            key = f"key{index}"
            if key not in result:
                sub = extra_schema if isinstance(extra_schema, Mapping) else {}
                result[key] = self.make(sub, depth=depth + 1, variant=variant, name=key)
            index += 1
        return result

    def _array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        items = schema.get("items")
        prefix = schema.get("prefixItems")
        if isinstance(items, list):  # draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", True)
        minimum = schema.get("minItems") or 0
        maximum = schema.get("maxItems")
        count = max(minimum, 1 if depth < _MAX_DEPTH else 0)
        if maximum is not None:
            count = min(count, maximum)
        if items is False:
            count = min(count, len(prefix or []))
        result = []
        for index in range(count):
            in_prefix = prefix and index < len(prefix)
            sub = prefix[index] if in_prefix else (items if items is not None else {})
            result.append(self.make(sub, depth=depth + 1, variant=index, name=None))
        return result

    @staticmethod
    def _bounds(schema: Mapping[str, Any]) -> tuple[float | None, bool, float | None, bool]:
        low, high = schema.get("minimum"), schema.get("maximum")
        low_open = high_open = False
        ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if ex_low is True:
            low_open = True
        elif _both_numbers(ex_low, 0) and (low is None or ex_low >= low):
            low, low_open = ex_low, True
        if ex_high is True:
            high_open = True
        elif _both_numbers(ex_high, 0) and (high is None or ex_high <= high):
            high, high_open = ex_high, True
        return low, low_open, high, high_open

    def _integer(self, schema: Mapping[str, Any], variant: int) -> int:
        low, low_open, high, high_open = self._bounds(schema)
        lo = None if low is None else (math.floor(low) + 1 if low_open else math.ceil(low))
        hi = None if high is None else (math.ceil(high) - 1 if high_open else math.floor(high))
        value = lo if lo is not None else (min(1, hi) if hi is not None else 1)
        value += variant
        if hi is not None and value > hi:
            value = hi
        step = schema.get("multipleOf")
        if isinstance(step, int) and not isinstance(step, bool) and step > 0:
            value = math.ceil(value / step) * step
            if hi is not None and value > hi:
                value = math.floor(hi / step) * step
        return int(value)

    def _number(self, schema: Mapping[str, Any], variant: int) -> float | int:
        low, low_open, high, high_open = self._bounds(schema)
        step = schema.get("multipleOf")
        if _both_numbers(step, 0) and step > 0:
            start = low if low is not None else 0
            k = max(1, math.ceil(start / step))
            if low_open and k * step <= start:
                k += 1
            k += variant
            if high is not None:
                while k > 1 and (k * step > high or (high_open and k * step >= high)):
                    k -= 1
            value = k * step
            return int(value) if isinstance(step, int) else value
        if low is not None and high is not None:
            value = (low + high) / 2
        elif low is not None:
            value = low + 1 if low_open else low
        elif high is not None:
            value = high - 1 if high_open else high
        else:
            value = 1.5
        value += variant * 0.5 if high is None else 0
        return value

    def _string(self, schema: Mapping[str, Any], variant: int, name: str | None) -> str:
        fmt = schema.get("format")
        pattern = schema.get("pattern")
        if isinstance(fmt, str) and fmt in _FORMATS:
            value = _FORMATS[fmt](variant)
        elif isinstance(pattern, str):
            return _from_pattern(pattern, self.hint)
        else:
            value = self.hint if self.hint and name in _TEXT_NAMES else "example"
            if variant:
                value = f"{value}-{variant}"
        min_len, max_len = schema.get("minLength"), schema.get("maxLength")
        if isinstance(min_len, int) and len(value) < min_len:
            value += "x" * (min_len - len(value))
        if isinstance(max_len, int) and len(value) > max_len:
            value = value[:max_len] if variant == 0 else (value[-max_len:] if max_len else "")
        return value


_FORMATS = {
    "date": lambda v: f"2024-01-{15 + v % 14:02d}",
    "date-time": lambda v: f"2024-01-{15 + v % 14:02d}T12:00:00Z",
    "time": lambda v: f"12:{v % 60:02d}:00Z",
    "duration": lambda v: f"P{v + 1}D",
    "email": lambda v: f"user{v or ''}@example.com",
    "idn-email": lambda v: f"user{v or ''}@example.com",
    "hostname": lambda v: f"host{v or ''}.example.com",
    "idn-hostname": lambda v: f"host{v or ''}.example.com",
    "ipv4": lambda v: f"192.0.2.{1 + v % 254}",
    "ipv6": lambda v: f"2001:db8::{v + 1:x}",
    "uri": lambda v: f"https://example.com/{v}" if v else "https://example.com",
    "url": lambda v: f"https://example.com/{v}" if v else "https://example.com",
    "iri": lambda v: f"https://example.com/{v}" if v else "https://example.com",
    "uri-reference": lambda v: f"https://example.com/{v}" if v else "https://example.com",
    "iri-reference": lambda v: f"https://example.com/{v}" if v else "https://example.com",
    "uri-template": lambda v: "https://example.com/{id}",
    "uuid": lambda v: f"123e4567-e89b-42d3-a456-{426614174000 + v:012d}",
    "json-pointer": lambda v: f"/items/{v}",
    "relative-json-pointer": lambda v: str(v),
    "regex": lambda v: "^example$",
    "byte": lambda v: "ZXhhbXBsZQ==",
    "binary": lambda v: "example",
    "password": lambda v: "example-password",
}


def _from_pattern(pattern: str, hint: str | None) -> str:
    """A string matching ``pattern`` (searched, as JSON Schema does), or a best effort."""
    try:
        regex = re.compile(pattern)
    except re.error:
        return "example"
    try:
        candidate = _RegexWriter().write(pattern)
        if regex.search(candidate):
            return candidate
    except Exception:  # an unsupported construct: try the stock candidates below
        pass
    for candidate in (
        hint or "",
        "example",
        "a",
        "A",
        "0",
        "abc",
        "ABC",
        "123",
        "a1",
        "A1",
        "example@example.com",
        "https://example.com",
        "2024-01-15",
        "",
    ):
        if regex.search(candidate):
            return candidate
    return "example"


class _RegexWriter:
    """Walk Python's own parse of a regex and emit the shortest obvious match."""

    def __init__(self) -> None:
        try:
            import re._parser as parser  # Python 3.11+
        except ImportError:  # pragma: no cover - Python 3.10
            import sre_parse as parser  # type: ignore[no-redef]
        self._parser = parser
        self._groups: dict[int, str] = {}

    def write(self, pattern: str) -> str:
        return self._emit(self._parser.parse(pattern))

    def _emit(self, items: Any) -> str:
        out: list[str] = []
        for op, av in items:
            kind = getattr(op, "name", str(op))
            if kind == "LITERAL":
                out.append(chr(av))
            elif kind == "NOT_LITERAL":
                out.append("a" if av != ord("a") else "b")
            elif kind == "ANY":
                out.append("a")
            elif kind == "IN":
                out.append(self._from_set(av))
            elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, sub = av
                count = low if low > 0 else min(1, high)
                out.append("".join(self._emit(sub) for _ in range(count)))
            elif kind == "SUBPATTERN":
                group, sub = av[0], av[-1]
                text = self._emit(sub)
                if group is not None:
                    self._groups[group] = text
                out.append(text)
            elif kind == "ATOMIC_GROUP":
                out.append(self._emit(av))
            elif kind == "BRANCH":
                out.append(self._emit(av[1][0]))
            elif kind == "GROUPREF":
                out.append(self._groups.get(av, ""))
            elif kind in ("AT", "ASSERT", "ASSERT_NOT"):
                continue
            else:
                raise ValueError(f"unsupported regex construct {kind}")
        return "".join(out)

    def _from_set(self, items: Any) -> str:
        negate = bool(items) and getattr(items[0][0], "name", "") == "NEGATE"
        if not negate:
            op, av = items[0]
            kind = getattr(op, "name", str(op))
            if kind == "LITERAL":
                return chr(av)
            if kind == "RANGE":
                return chr(av[0])
            if kind == "CATEGORY":
                return _CATEGORY_SAMPLES.get(getattr(av, "name", str(av)), "a")
            raise ValueError(f"unsupported set member {kind}")
        for candidate in "aA0_-. xZ9":
            if not self._in_set(candidate, items[1:]):
                return candidate
        raise ValueError("no character outside the negated set")

    @staticmethod
    def _in_set(char: str, items: Any) -> bool:
        code = ord(char)
        for op, av in items:
            kind = getattr(op, "name", str(op))
            if kind == "LITERAL" and av == code:
                return True
            if kind == "RANGE" and av[0] <= code <= av[1]:
                return True
            if kind == "CATEGORY":
                sample_class = getattr(av, "name", str(av))
                if re.fullmatch(_CATEGORY_REGEX.get(sample_class, "(?!)"), char):
                    return True
        return False


_CATEGORY_SAMPLES = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
}
_CATEGORY_REGEX = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
}
