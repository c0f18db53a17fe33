"""The words of the server's stand-in answers: plausible, deterministic, never model output.

Everything here is a pure function of the conversation, so the same request always gets the
same words. The aim is an answer a newcomer recognizes in a demo, not intelligence:

* free text echoes the question and says it comes from the local test server;
* tool arguments and structured-output fields take words from the user's message where one
  fits (:class:`Clues`: "What's the weather like in Lisbon?" gives ``{"city": "Lisbon"}``);
* after tool results, the answer states each result in a sentence ("The weather in Lisbon is
  sunny, 22 °C."), because a final answer that quotes JSON plumbing reads like a bug;
* a simulated search shortens the question into a query the way grok-4.3 does and cites
  ``example.*`` sources that are never fetched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .conversation import message_text
from .replies import ServerToolRun

__all__ = ["Clues", "explanation", "reasoning_for", "results_text", "search_answer", "search_query", "voice"]


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


FILLER = word_set(
    "a an and are as at be by can cite could did do does for from get gets give how i in into is it its me "
    "my of on or please should tell that the this to use used uses using was what what's when where which "
    "who why will with would you your"
)
# Capitalized at the start of a sentence because they start it, not because they name something.
_OPENERS = FILLER | word_set(
    "also book calculate check compute count create describe draw explain extract find generate hello hey "
    "hi just list look make multiply name now ok say search send show summarize thanks then translate write "
    "yes no"
)
_PLACE_CUES = word_set("in at to from near around visit visiting")
_TOPIC = re.compile(r"\b(?:for|about|of|on)\s+((?:[\w'’-]+\s*){1,3})", re.IGNORECASE)
_CAPITAL = r"[A-ZÀ-ÖØ-Þ][\w'’-]*"
_PHRASE = re.compile(rf"{_CAPITAL}(?:\s+(?:(?:de|da|del|do|du|la|le|van|von|of)\s+)?{_CAPITAL})*")
_QUOTED = re.compile(r'"([^"\n]{1,80})"|“([^”\n]{1,80})”|(?<!\w)\'([^\'\n]{2,80})\'(?!\w)')
_NUMBER = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?!\.?\w)")
_LINK = re.compile(r"(?:https?://|data:image/)[^\s<>\"'`)\]]+")
_FILE_ID = re.compile(r"\bfile[-_][A-Za-z0-9-]{6,}")
_CONNECTOR = re.compile(r"^\S+\s+(?:de|da|del|do|du|la|le|van|von|of)\s+")


@dataclass(frozen=True)
class Clues:
    """Words of the user's message that can fill a field: what makes a stand-in plausible.

    ``names`` are capitalized phrases that are not merely a sentence's first word, ``places``
    those of them after "in", "at", "to", "from"…; ``topics`` the words after "for", "about",
    "of", "on" in any case ("moons for saturn"); ``quoted`` the quoted strings; ``numbers``
    the numbers, in the order written; ``words`` the message's first words; ``lowered`` the whole
    message in lower case (an enum value matches a word of it). ``urls`` and ``file_ids`` come
    from the conversation so far (``evidence``), the only place a model takes them from.
    """

    words: str = ""
    names: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    quoted: tuple[str, ...] = ()
    numbers: tuple[float, ...] = ()
    lowered: str = ""
    urls: tuple[str, ...] = ()
    file_ids: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @classmethod
    def of(cls, text: str, evidence: str = "") -> Clues:
        """Read the clues out of ``text`` (URLs and file ids out of ``evidence`` too)."""
        names: dict[str, None] = {}
        places: dict[str, None] = {}
        evidence = f"{evidence}\n{text}"
        urls = tuple(dict.fromkeys(u.rstrip(".,;:!?") for u in _LINK.findall(evidence)))
        file_ids = tuple(dict.fromkeys(_FILE_ID.findall(evidence)))
        text = _LINK.sub(" ", text)
        for match in _PHRASE.finditer(text):
            before = text[: match.start()].rstrip()
            words = match.group().split()
            starts = not before or before[-1] in ".!?:;"
            if starts and words[0].lower() in _OPENERS:
                words = words[1:]
            elif starts and _CONNECTOR.match(match.group()):  # "Population of Rome": first, so capital
                words = _CONNECTOR.sub("", match.group()).split()
            if words and "_" not in words[0]:
                names[" ".join(words)] = None
                if before.split()[-1:] and before.split()[-1].lower() in _PLACE_CUES:
                    places[" ".join(words)] = None
        quoted = tuple(next(g for g in m.groups() if g) for m in _QUOTED.finditer(text))
        numbers = tuple(float(n) for n in _NUMBER.findall(text))
        first = " ".join(text.split()[:12]).rstrip("?.!:")
        topics = tuple(dict.fromkeys(filter(None, map(_topic, _TOPIC.findall(text)))))
        return cls(first, tuple(names), tuple(places), quoted, numbers, text.lower(), urls, file_ids, topics)


def _topic(words: str) -> str:
    """The content words at the start of ``words`` (up to the first filler word or identifier)."""
    kept = []
    for word in words.split():
        if word.lower() in FILLER or "_" in word:
            break
        kept.append(word)
    return " ".join(kept)


# free text -----------------------------------------------------------------------------------


def _snippet(text: str, words: int = 8) -> str:
    """The question in a message (its last sentence ending in "?"), else its first words."""
    questions = re.findall(r"[^\s?.!:][^?.!:\n]*\?", text)
    parts = (questions[-1] if questions else text).lower().split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


_GROKINC_LINES = (
    'lol, "{s}"? say less. 😎',
    'ok so "{s}" — bold move. i respect it. ✌️',
    'hmm, "{s}"... the vibes are immaculate tbh. 🌊',
    '"{s}"? easy. i got you, fam. 🤙',
    'wait, "{s}"? you had me at hello. 😏',
)


def voice(text: str, provider: str) -> str:
    """A short lowercase line echoing the question; Grok Inc's is witty, with an emoji."""
    snippet = _snippet(text)
    if provider == "grokinc":
        if not snippet:
            return "hey hey. what's good? 😎"
        digest = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
        return _GROKINC_LINES[digest % len(_GROKINC_LINES)].format(s=snippet)
    if not snippet:
        return "hello from the local grok test server."
    return f'"{snippet}" — got it. this is a stand-in reply from the local grok test server.'


def reasoning_for(text: str) -> str:
    """The stand-in reasoning text shown by models that show theirs."""
    snippet = _snippet(text)
    if not snippet:
        return "no question yet. a friendly hello fits."
    return f'the user wrote "{snippet}". a short, direct answer fits here.'


def explanation(conversation: Any, last_response: str) -> str:
    """Grok Inc's in-character explanation of its own last answer (``/v1/chat/explain``)."""
    users = [m for m in conversation if isinstance(m, Mapping) and m.get("role") == "user"]
    question = message_text(users[-1]) if users else ""
    asked = f'you asked "{_snippet(question)}" and ' if question.strip() else ""
    return (
        f'{asked}i went with "{_snippet(last_response, 10)}" because short, playful and a little '
        "cheeky is kinda my whole thing. no deep lore, just vibes. 😎"
    )


# tool results ---------------------------------------------------------------------------------

_GETTERS = word_set("get fetch lookup find search check read query retrieve")
_PLACE_KEYS = word_set("city town location place country region destination where area address")
# Already a sentence (or several lines of them), or a labelled value ("Image: https://…").
_SENTENCE = re.compile(r"^(?:[A-Z]\S*\s+\S+\s+\S.*(?:[.!?]|\n.*)|[A-Za-z][\w ]{0,30}: .+)$", re.DOTALL)
_NOTE = re.compile(r"\s*\[[^\[\]]*\]$")  # an adapter's bracketed note about attachments


def identifier_words(name: str) -> list[str]:
    """``"getLocalTime"`` or ``"get_local_time"`` as ``["get", "local", "time"]``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ").lower().split()


def _object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _value(output: str) -> str:
    """A tool's output as a phrase: JSON objects as ``key value`` pairs, at most 500 characters."""
    if _object(output):
        output = ", ".join(f"{' '.join(identifier_words(str(k)))} {v}" for k, v in _object(output).items())
    text = " ".join(_NOTE.sub("", output.strip()).split())
    return text if len(text) <= 500 else text[:500] + "…"


def _subject(arguments: str) -> str:
    """``" in Lisbon"`` or ``" for ACME"``: the argument a result is about, if one says."""
    for key, value in _object(arguments).items():
        if isinstance(value, str) and value and len(value) <= 40:
            place = bool(_PLACE_KEYS & set(identifier_words(str(key))))
            return f" {'in' if place else 'for'} {value}"
    return ""


def result_sentence(name: str, arguments: str, output: str) -> str:
    """One tool result stated as a sentence (see the module docstring)."""
    value = _value(output)
    if not value:
        return f"{name} returned nothing."
    if _SENTENCE.match(_NOTE.sub("", output.strip())):
        return value
    value = value.rstrip(".")
    words = identifier_words(name)
    if len(words) > 1 and words[0] in _GETTERS:
        return f"The {' '.join(words[1:])}{_subject(arguments)} is {value}."
    return f"The result of {name} is {value}."


def results_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """Every tool result since the user's last message, each stated in a sentence."""
    calls: dict[str, tuple[str, str]] = {}
    for message in messages:
        for call in message.get("tool_calls") or () if message.get("role") == "assistant" else ():
            if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
                function = call["function"]
                arguments = str(function.get("arguments") or "{}")
                calls[str(call.get("id"))] = (str(function.get("name", "the tool")), arguments)
    sentences = []
    for message in reversed(messages):
        if message.get("role") == "user":
            break
        if message.get("role") == "tool":
            name, arguments = calls.get(str(message.get("tool_call_id")), ("the tool", "{}"))
            sentences.append(result_sentence(name, arguments, message_text(message)))
    return " ".join(reversed(sentences)) or "The tools returned nothing."


# searches -------------------------------------------------------------------------------------

_SEARCH_PREFIX = re.compile(
    r"^\s*(?:please\s+)?(?:search|look\s+up|google|find(?:\s+out)?|check)"
    r"(?:\s+(?:on\s+)?(?:the\s+web|the\s+internet|online|x|twitter))?(?:\s+for)?\s*[:,\-–]?\s*",
    re.IGNORECASE,
)
# "… and get the weather in Berlin": the rest of the sentence asks for something else.
_NEXT_REQUEST = re.compile(
    r"\s+(?:and|then)\s+(?:then\s+)?(?=(?:get|tell|call|use|check|give|show|"
    r"send|run|fetch|compute|calculate|book|write|look)\b)",
    re.IGNORECASE,
)
_QUERY_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+#'-]*")


def search_query(text: str) -> str:
    """A search query from a question, the way grok-4.3 shortens one.

    "Search the web: what is the latest stable Ruby version? Cite your source." becomes
    "latest stable Ruby version" (the recorded query): drop an instruction prefix, keep the
    first sentence up to an "and get …" that asks for something else, drop question and filler
    words, keep at most eight words.
    """
    stripped = _SEARCH_PREFIX.sub("", text.strip(), count=1)
    sentence = _NEXT_REQUEST.split(re.split(r"(?<=[?.!])\s+", stripped, maxsplit=1)[0], maxsplit=1)[0]
    words = [w.rstrip(".'-") for w in _QUERY_WORD.findall(sentence)]
    return " ".join([w for w in words if w and w.lower() not in FILLER][:8]) or "latest news"


def search_sources(kind: str, query: str) -> tuple[str, ...]:
    """Three deterministic source URLs for a query (never fetched; example domains only)."""
    slug = "-".join(re.findall(r"[a-z0-9]+", query.lower())[:8]) or "search"
    if kind == "x_search":
        digest = hashlib.blake2b(query.encode(), digest_size=16).digest()
        posts = (int.from_bytes(digest[i : i + 8], "big") % 10**19 for i in (0, 8))
        return tuple(f"https://x.com/example/status/{post}" for post in posts)
    sites = ("example.com/articles", "docs.example.org", "news.example.net")
    return tuple(f"https://{site}/{slug}" for site in sites)


def search_answer(runs: Sequence[ServerToolRun]) -> tuple[str, list[str]]:
    """A short answer citing the first two sources, with the ``[[n]](url)`` markers inline."""
    kinds = {run.type for run in runs}
    where = "the web and x" if len(kinds) > 1 else "x" if kinds == {"x_search"} else "the web"
    sources = [url for run in runs for url in run.sources][:2]
    text = f'i searched {where} for "{runs[0].query}".'
    if sources:
        text += f" the top result answers it directly.[[1]]({sources[0]})"
    if len(sources) > 1:
        text += f" there is more detail in the second source.[[2]]({sources[1]})"
    return text, sources
