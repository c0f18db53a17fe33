import pytest

from grok_transport import Usage, parse_arguments
from grok_transport._catalogue import DEFAULT_MODELS, lookup
from grok_transport._chat_reader import ChatStreamReader
from grok_transport._sse import SSEDecoder


def _decode(pieces):
    decoder = SSEDecoder()
    events = [event for piece in pieces for event in decoder.feed(piece)]
    return events + decoder.flush()


def test_events_split_across_reads_and_line_ends():
    body = b'data: {"a":1}\r\n\r\ndata: {"b":\n: comment\ndata: 2}\n\nevent: done\ndata: [DONE]\n\n'
    pieces = [body[i : i + 3] for i in range(0, len(body), 3)]
    events = _decode(pieces)
    assert [(ev.event, ev.data) for ev in events] == [
        (None, '{"a":1}'),
        (None, '{"b":\n2}'),
        ("done", "[DONE]"),
    ]


def test_last_event_without_blank_line_is_still_delivered():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: tail") == []
    assert [ev.data for ev in decoder.flush()] == ["tail"]


def test_multibyte_characters_split_between_reads():
    body = 'data: {"c":"日本"}\n\n'.encode()
    events = _decode([body[:12], body[12:]])
    assert events[0].data == '{"c":"日本"}'


def _chunk(**delta):
    return {"id": "x", "model": "m", "choices": [{"index": 0, "delta": delta}]}


def test_accumulator_merges_fragmented_calls_by_index_and_keeps_repeated_ids():
    acc = ChatStreamReader({}, None)
    acc.read(
        _chunk(
            role="assistant",
            tool_calls=[{"index": 0, "id": "c1", "function": {"name": "f", "arguments": '{"a"'}}],
        ),
        None,
    )
    acc.read(
        _chunk(
            tool_calls=[
                {"index": 0, "id": "c1", "function": {"arguments": ": 1}"}},
                {"index": 1, "id": "c2", "function": {"name": "g", "arguments": "{}"}},
            ]
        ),
        None,
    )
    calls = acc.answer().tool_calls
    assert [(c.id, c.name, c.parsed_arguments()) for c in calls] == [("c1", "f", {"a": 1}), ("c2", "g", {})]
    assert acc.answer().text == ""


def test_usage_in_every_chunk_keeps_the_last():
    acc = ChatStreamReader({}, None)
    for n in (1, 2, 3):
        acc.read(
            {
                "id": "x",
                "model": "m",
                "choices": [],
                "usage": {"prompt_tokens": n, "completion_tokens": n, "total_tokens": 2 * n},
            },
            None,
        )
    assert acc.usage.prompt_tokens == 3


def test_usage_arithmetic_counts_reasoning_in_output():
    usage = Usage.from_dict(
        {
            "prompt_tokens": 14,
            "completion_tokens": 14,
            "total_tokens": 320,
            "completion_tokens_details": {"reasoning_tokens": 292},
            "cost_in_usd_ticks": 975000,
        }
    )
    assert usage.output_tokens == 306 and usage.input_tokens + usage.output_tokens == usage.total_tokens
    assert usage.cost_usd == pytest.approx(0.0000975)


@pytest.mark.parametrize(("text", "parsed"), [("", {}), ("null", {}), ('{"q":"東京"}', {"q": "東京"})])
def test_tool_arguments(text, parsed):
    assert parse_arguments(text) == parsed


def test_non_object_arguments_are_an_error():
    with pytest.raises(ValueError):
        parse_arguments("[1, 2]")


def test_catalogue_never_raises_and_knows_the_defaults():
    for provider, model in DEFAULT_MODELS.items():
        assert lookup(model, provider).known
    unknown = lookup("grok-99-ultra-preview")
    assert not unknown.known and unknown.context_window > 0 and not unknown.rejected_params
    assert lookup("grok-4-fast").name == "grok-4-fast-reasoning"
    assert lookup("grok-3-mini-2026-01-01").name == "grok-3-mini"
    assert lookup("grok-4", "grokapi").provider == "grokapi"
