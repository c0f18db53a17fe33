"""``GrokImageToolSpec``: what the tool returns, and an agent that uses it and sees the image."""

from __future__ import annotations

import pytest
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ImageBlock, TextBlock

from grok_transport import InvalidParameterError
from grok_transport.testing import Reply
from llama_index_grok import GrokImageToolSpec

# Core's workflows inspect agent objects and trip pydantic's deprecation warnings (not ours).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect")


@pytest.fixture
def spec(server) -> GrokImageToolSpec:
    return GrokImageToolSpec(api_key=server.api_key, base_url=server.base_url, max_retries=0)


def test_generate_image_returns_readable_text_and_the_image(spec, server) -> None:
    text, image = spec.generate_image("a red fox in snow", aspect_ratio="16:9")
    assert server.requests[-1].json == {
        "model": "grok-imagine-image",
        "prompt": "a red fox in snow",
        "aspect_ratio": "16:9",
    }
    assert isinstance(text, TextBlock) and isinstance(image, ImageBlock)
    assert str(image.url).startswith(server.url + "/files/")
    assert str(image.url) in text.text
    assert "grok-imagine-image" in text.text


async def test_agenerate_image_inline_and_revised_prompt(server) -> None:
    spec = GrokImageToolSpec(
        api_key=server.api_key,
        base_url=server.base_url,
        model="grok-2-image-1212",
        response_format="b64_json",
    )
    text, image = await spec.agenerate_image("a lighthouse")
    assert image.url is None
    assert image.resolve_image().read()[:2] == b"\xff\xd8", "the JPEG bytes themselves"
    assert "Revised prompt: A detailed, high-quality image of a lighthouse." in text.text
    assert "inline image/jpeg" in text.text


def test_tool_list_has_generate_and_edit_with_sync_and_async_paths(spec) -> None:
    tool, edit = spec.to_tool_list()
    assert (tool.metadata.name, edit.metadata.name) == ("generate_image", "edit_image")
    assert tool.fn is not None and tool.async_fn is not None
    assert edit.fn is not None and edit.async_fn is not None
    params = tool.metadata.get_parameters_dict()
    assert params["required"] == ["prompt"]
    assert params["properties"]["prompt"]["description"] == "A detailed description of the image to create."
    assert edit.metadata.get_parameters_dict()["required"] == ["prompt", "image_urls"]
    output = tool.call(prompt="a cat")
    assert output.content.startswith("Generated 1 image(s)")  # text the agent can read


def test_openai_only_parameters_are_refused_before_sending(server) -> None:
    spec = GrokImageToolSpec(api_key=server.api_key, base_url=server.base_url, n=11)
    with pytest.raises(InvalidParameterError, match="n must be"):
        spec.generate_image("anything")
    assert server.requests == []


def test_key_is_not_in_the_specs_repr(spec, server) -> None:
    assert server.api_key not in repr(spec)


async def test_agent_generates_an_image_and_the_model_sees_it(make_llm, server, spec) -> None:
    # Script (one FIFO for every endpoint): the model calls the tool, the image endpoint answers
    # normally (a non-error reply only takes its turn), the model describes the image.
    server.enqueue(
        Reply.tool_calls([{"name": "generate_image", "arguments": {"prompt": "a red fox"}}]),
        Reply.text("(image endpoint: default answer)"),
        Reply.text("Here is your red fox."),
    )
    agent = FunctionAgent(tools=spec.to_tool_list(), llm=make_llm(), streaming=False)
    handler = agent.run(user_msg="Please draw a red fox")
    results = [e async for e in handler.stream_events() if isinstance(e, ToolCallResult)]
    output = await handler
    assert str(output.response.content) == "Here is your red fox."
    (result,) = results
    image_url = next(b.url for b in result.tool_output.blocks if isinstance(b, ImageBlock))
    assert str(image_url) in result.tool_output.content
    paths = [r.path for r in server.requests]
    assert paths == ["/v1/chat/completions", "/v1/images/generations", "/v1/chat/completions"]
    final = server.requests[-1].json["messages"]
    assert final[-2]["role"] == "tool" and str(image_url) in final[-2]["content"]
    assert final[-1]["role"] == "user"
    assert {"type": "image_url", "image_url": {"url": str(image_url)}} in final[-1]["content"]


async def test_agent_with_the_servers_default_replies(make_llm, server, spec) -> None:
    # The server's stand-in model calls every tool whose description shares a word with the
    # message; "image" is in both, so hand it the one a real model would pick.
    tools = spec.to_tool_list(spec_functions=[("generate_image", "agenerate_image")])
    agent = FunctionAgent(tools=tools, llm=make_llm(), streaming=True)
    handler = agent.run(user_msg="Generate an image of a lighthouse at dusk")
    results = [e async for e in handler.stream_events() if isinstance(e, ToolCallResult)]
    output = await handler
    assert [r.tool_name for r in results] == ["generate_image"]
    assert not results[0].tool_output.is_error
    assert output.response.content
