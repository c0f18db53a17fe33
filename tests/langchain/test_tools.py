"""GrokImageGenerationTool against a local Grok server."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ModelRateLimitError
from langchain_core.messages import ToolMessage

import grok_transport
from grok_transport.testing import GrokTestServer, Reply
from langchain_grok import ChatGrok, GrokImageGenerationTool


def painter(server: GrokTestServer, **kwargs: Any) -> GrokImageGenerationTool:
    return GrokImageGenerationTool(base_url=server.base_url, api_key=server.api_key, **kwargs)


def call(tool: GrokImageGenerationTool, prompt: str) -> dict[str, Any]:
    return {"type": "tool_call", "id": "call_1", "name": tool.name, "args": {"prompt": prompt}}


def test_url_images_give_text_for_the_model_and_an_artifact(grok_server: GrokTestServer) -> None:
    tool = painter(grok_server, n=2, aspect_ratio="16:9")
    assert tool._clients is None  # nothing built until the first call
    message = tool.invoke(call(tool, "a siamese cat"))
    assert isinstance(message, ToolMessage) and message.tool_call_id == "call_1"
    urls = [image["url"] for image in message.artifact["images"]]
    assert len(urls) == 2 and all(url in message.content for url in urls)
    assert message.artifact["model"] == "grok-imagine-image" and message.artifact["cost_in_usd_ticks"] > 0
    assert httpx.get(urls[0]).headers["content-type"] == "image/jpeg"  # the URL serves the image
    assert grok_server.requests[0].json == {
        "model": "grok-imagine-image",
        "prompt": "a siamese cat",
        "n": 2,
        "aspect_ratio": "16:9",
    }


async def test_inline_base64_and_revised_prompt(grok_server: GrokTestServer) -> None:
    tool = painter(grok_server, model="grok-2-image-1212", image_format="b64_json")
    message = await tool.ainvoke(call(tool, "a lighthouse"))
    image = message.artifact["images"][0]
    assert base64.b64decode(image["b64_json"]).startswith(b"\xff\xd8")  # a JPEG, no data: prefix
    assert image["revised_prompt"] in message.content
    assert "returned inline" in message.content and image["b64_json"] not in message.content


def test_plain_invoke_returns_the_text(grok_server: GrokTestServer) -> None:
    tool = painter(grok_server)
    assert tool.invoke({"prompt": "a red kite"}).startswith("Image: http://")


def test_errors_are_typed_and_bad_input_never_leaves(grok_server: GrokTestServer) -> None:
    tool = painter(grok_server, max_retries=0)
    grok_server.enqueue(Reply.error(429))
    with pytest.raises(grok_transport.RateLimitError) as caught:
        tool.invoke({"prompt": "a cat"})
    assert isinstance(caught.value, ModelRateLimitError)
    with pytest.raises(grok_transport.InvalidParameterError, match="size"):
        painter(grok_server, image_kwargs={"size": "1024x1024"}).invoke({"prompt": "a cat"})
    with pytest.raises(grok_transport.InvalidParameterError, match="prompt"):
        tool.invoke({"prompt": "  "})
    assert len(grok_server.requests) == 1


def test_handle_tool_error_hands_the_message_to_the_model(grok_server: GrokTestServer) -> None:
    tool = painter(grok_server, max_retries=0, handle_tool_error=True)
    grok_server.enqueue(Reply.error(400, "Argument not supported: style"))
    message = tool.invoke(call(tool, "a cat"))
    assert message.status == "error" and "Argument not supported" in message.content


def test_the_tool_binds_to_chat_grok(grok_server: GrokTestServer) -> None:
    tool = painter(grok_server)
    model = ChatGrok(base_url=grok_server.base_url, api_key=grok_server.api_key).bind_tools([tool])
    answer = model.invoke("please generate an image of a fox")
    assert answer.tool_calls[0]["name"] == "grok_image_generation"
    sent = grok_server.requests[-1].json["tools"][0]["function"]
    assert sent["name"] == "grok_image_generation" and sent["parameters"]["required"] == ["prompt"]


def test_grokinc_images_use_the_x_api_key(grok_server_factory: Any) -> None:
    server = grok_server_factory("grokinc")
    tool = GrokImageGenerationTool(provider="grokinc", base_url=server.base_url, api_key=server.api_key)
    assert tool.invoke({"prompt": "a cartoon cat wearing a party hat"}).startswith("Image:")
    assert server.requests[-1].headers["x-api-key"] == "***"
