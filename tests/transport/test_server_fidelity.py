"""The local server behaves like Grok where users' own tests depend on it (issue 21).

Each test here is something a user of the offline twin would notice: a natural prompt gets the
right tool with the right arguments (and a greeting gets none), ``json_mode`` answers fit the
keys the prompt asks for, an answer quotes the retrieved context, an unknown model is a 404 like
xAI's, and jobs finish by elapsed time rather than after a number of polls.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from grok_transport import GrokClient, NotFoundError
from grok_transport.testing import GrokTestServer


@pytest.fixture(scope="module")
def server() -> Any:
    with GrokTestServer("xai") as running:
        yield running


@pytest.fixture(scope="module")
def http(server: GrokTestServer) -> Any:
    auth = {"Authorization": f"Bearer {server.api_key}"}
    with httpx.Client(base_url=server.base_url, headers=auth) as client:
        yield client


def function(name: str, description: str, **properties: dict[str, Any]) -> dict[str, Any]:
    required = [k for k, v in properties.items() if not v.pop("optional", False)]
    parameters = {"type": "object", "properties": properties, "required": required}
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


MULTIPLY = function("multiply", "Multiply two integers.", a={"type": "integer"}, b={"type": "integer"})
WEATHER = function("get_weather", "Get the current weather for a city.", city={"type": "string"})
POPULATION = function("get_population", "Look up how many people live in a city.", city={"type": "string"})
GENERATE_IMAGE = function(
    "generate_image",
    "Generate an image from a text description and return its URL and the image.",
    prompt={"type": "string", "description": "A detailed description of the image to create."},
    aspect_ratio={"type": "string", "description": 'Optional shape such as "1:1", "16:9"', "optional": True},
)
EDIT_IMAGE = function(
    "edit_image",
    "Edit images: make a new image from one to three reference images and return it.",
    prompt={"type": "string", "description": "The change to make, or what to make from the references."},
    image_urls={
        "type": "array",
        "items": {"type": "string"},
        "description": "One to three images to start from, as http(s) or data: URLs.",
    },
)
GENERATE_VIDEO = function(
    "generate_video",
    "Generate a short video from a text description and return its URL.",
    prompt={"type": "string", "description": "What the video shows: subject, motion, camera, mood."},
    image_url={"type": "string", "description": "Optional first frame, as an http(s) URL.", "optional": True},
    duration={"type": "integer", "description": "Optional length in whole seconds.", "optional": True},
)
MEDIA = [GENERATE_IMAGE, EDIT_IMAGE, GENERATE_VIDEO]
UNIT = function(
    "convert_temperature",
    "Convert a temperature to another unit.",
    value={"type": "number"},
    unit={"type": "string", "enum": ["celsius", "fahrenheit", "kelvin"]},
)


def calls(
    http: httpx.Client, prompt: str, tools: list[dict[str, Any]], **extra: Any
) -> list[tuple[str, dict]]:
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": prompt}], "tools": tools, **extra}
    message = http.post("/chat/completions", json=body).json()["choices"][0]["message"]
    return [
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in message.get("tool_calls") or []
    ]


# tools --------------------------------------------------------------------------------------


def test_natural_prompts_get_the_right_tool_with_the_right_arguments(http: httpx.Client) -> None:
    tools = [MULTIPLY, WEATHER, POPULATION]
    assert calls(http, "What is 6 times 7?", tools) == [("multiply", {"a": 6, "b": 7})]
    assert calls(http, "What's the weather in Lisbon?", tools) == [("get_weather", {"city": "Lisbon"})]
    assert calls(http, "Population of Rome?", tools) == [("get_population", {"city": "Rome"})]
    assert calls(http, "What is the product of 12 and 3?", tools) == [("multiply", {"a": 12, "b": 3})]
    moons = function("moon_count", "How many moons a planet has.", planet={"type": "string"})
    # written in lower case, the way people type: the word the prompt is about, not a placeholder
    assert calls(http, "how many moons for saturn?", [moons]) == [("moon_count", {"planet": "saturn"})]


def test_a_prompt_that_needs_no_tool_gets_none(http: httpx.Client) -> None:
    tools = [MULTIPLY, WEATHER, *MEDIA]
    for prompt in ("Hello there!", "Hi, how are you today?", "Tell me a joke about cats."):
        assert calls(http, prompt, tools) == [], prompt


def test_painting_calls_the_image_generator_only_and_never_invents_a_url(http: httpx.Client) -> None:
    assert calls(http, "Paint a lighthouse at dusk.", MEDIA) == [
        ("generate_image", {"prompt": "Paint a lighthouse at dusk"})
    ]
    made = calls(http, "Generate an image of a red fox in the snow.", MEDIA)
    assert [name for name, _ in made] == ["generate_image"]
    assert "example" not in json.dumps(made)
    # an edit needs an image the conversation holds; with one, the edit takes exactly that URL
    url = "https://cdn.example.org/fox.png"
    edit = calls(http, f"Edit this image so the fox wears a hat: {url}", MEDIA)
    assert edit == [("edit_image", {"prompt": edit[0][1]["prompt"], "image_urls": [url]})]


def test_enums_match_by_word_and_optional_arguments_need_evidence(http: httpx.Client) -> None:
    assert calls(http, "Convert 30 degrees to fahrenheit", [UNIT]) == [
        ("convert_temperature", {"value": 30, "unit": "fahrenheit"})
    ]
    (video,) = calls(http, "Make a 5 second video of waves", MEDIA)
    assert video == ("generate_video", {"prompt": "Make a 5 second video of waves", "duration": 5})


def test_after_a_tool_result_the_answer_uses_it_and_calls_nothing_more(http: httpx.Client) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "generate_image", "arguments": "{}"}}
    messages = [
        {"role": "user", "content": "Paint a lighthouse at dusk."},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "Image 1: http://127.0.0.1:1/files/img-1.jpeg"},
    ]
    body = {"model": "grok-4.3", "messages": messages, "tools": MEDIA}
    message = http.post("/chat/completions", json=body).json()["choices"][0]["message"]
    assert "tool_calls" not in message
    assert "http://127.0.0.1:1/files/img-1.jpeg" in message["content"]


# structured output ----------------------------------------------------------------------------


def reply_to(http: httpx.Client, messages: list[dict[str, Any]], **extra: Any) -> str:
    body = {"model": "grok-4.3", "messages": messages, **extra}
    return str(http.post("/chat/completions", json=body).json()["choices"][0]["message"]["content"])


def test_json_mode_answers_with_the_keys_the_prompt_asks_for(http: httpx.Client) -> None:
    json_object = {"response_format": {"type": "json_object"}}
    listed = "Tell me a joke about cats. Respond in JSON with the keys `setup` and `punchline`."
    assert set(json.loads(reply_to(http, [{"role": "user", "content": listed}], **json_object))) == {
        "setup",
        "punchline",
    }
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    described = f"Extract the person from: Ada Lovelace, 36.\nAnswer as JSON matching this schema: {json.dumps(schema)}"
    person = json.loads(reply_to(http, [{"role": "user", "content": described}], **json_object))
    assert isinstance(person["name"], str) and person["age"] == 36


# answers from sources ----------------------------------------------------------------------------

LLAMA_INDEX_CONTEXT = (
    "Context information is below.\n---------------------\n"
    "The Eiffel Tower is 330 metres tall.\n\n"
    "The lighthouse at Cap Fréhel was built in 1950 and is 103 metres above the sea. "
    "Brittany's coast has many lighthouses.\n"
    "---------------------\nGiven the context information and not prior knowledge, answer the query.\n"
    "Query: When was the Cap Fréhel lighthouse built?\nAnswer: "
)


def test_an_answer_from_retrieved_context_quotes_its_best_sentence(http: httpx.Client) -> None:
    answer = reply_to(http, [{"role": "user", "content": LLAMA_INDEX_CONTEXT}])
    assert "built in 1950" in answer and "Eiffel" not in answer
    rag = [
        {
            "role": "system",
            "content": "Use the following pieces of retrieved context to answer the question.\n\n"
            "Context: Paris is the capital of France. Berlin has many bridges. Rome was not built in a day.",
        },
        {"role": "user", "content": "How many bridges does Berlin have?"},
    ]
    assert "Berlin has many bridges" in reply_to(http, rag)


# models --------------------------------------------------------------------------------------


def test_an_unknown_model_is_a_404_with_xais_message_and_aliases_resolve(
    server: GrokTestServer, http: httpx.Client
) -> None:
    body = {"model": "grok-5-ultra", "messages": [{"role": "user", "content": "hi"}]}
    answer = http.post("/chat/completions", json=body)
    assert answer.status_code == 404
    assert answer.json()["error"].startswith("The model grok-5-ultra does not exist or your team")
    client = GrokClient(base_url=server.base_url, api_key=server.api_key, max_retries=0)
    with client, pytest.raises(NotFoundError, match="grok4 does not exist"):
        client.request_json("POST", "/chat/completions", {"model": "grok4", "messages": body["messages"]})
    aliased = http.post("/chat/completions", json={**body, "model": "grok-2-latest"}).json()
    assert aliased["model"] == "grok-2-1212"


def test_the_model_lists_hold_exactly_what_the_server_accepts(http: httpx.Client) -> None:
    listed = [m["id"] for m in http.get("/models").json()["data"]]
    language = [m["id"] for m in http.get("/language-models").json()["models"]]
    assert "grok-4.3" in listed and set(language) <= set(listed)
    for name in language:
        body = {"model": name, "messages": [{"role": "user", "content": "hi"}]}
        assert http.post("/chat/completions", json=body).status_code == 200, name


def test_a_server_can_accept_extra_models_for_a_test(grok_server_factory: Any) -> None:
    server = grok_server_factory(models=["my-finetune"])
    auth = {"Authorization": f"Bearer {server.api_key}"}
    with httpx.Client(base_url=server.base_url, headers=auth) as client:
        body = {"model": "my-finetune", "messages": [{"role": "user", "content": "hi"}]}
        assert client.post("/chat/completions", json=body).status_code == 200
        assert "my-finetune" in [m["id"] for m in client.get("/models").json()["data"]]


# jobs ---------------------------------------------------------------------------------------


def test_a_video_finishes_by_elapsed_time_not_by_polls(grok_server_factory: Any) -> None:
    server = grok_server_factory(job_seconds=0.3)
    auth = {"Authorization": f"Bearer {server.api_key}"}
    with httpx.Client(base_url=server.base_url, headers=auth) as client:
        started = client.post("/videos/generations", json={"prompt": "waves"}).json()["request_id"]
        assert client.get(f"/videos/{started}").status_code == 202  # just started
        time.sleep(0.5)
        assert client.get(f"/videos/{started}").json()["status"] == "done"  # one poll after the time


@pytest.mark.parametrize("job", ["video", "batch", "deferred"])
def test_a_job_started_with_the_default_schedule_is_collected_within_about_a_second(
    grok_server_factory: Any, monkeypatch: pytest.MonkeyPatch, job: str
) -> None:
    """What a README snippet or a default tool waits offline: the schedule's first looks, not 2-5 s."""
    server = grok_server_factory()  # the default job_seconds
    waits: list[float] = []
    really_sleep = time.sleep

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        really_sleep(seconds)

    monkeypatch.setattr("grok_transport._polling.time.sleep", sleep)
    with GrokClient(api_key=server.api_key, base_url=server.base_url) as client:
        if job == "video":
            assert client.videos.generate("waves under the lighthouse").url
        elif job == "batch":
            batch = client.batches.submit(
                [{"messages": [{"role": "user", "content": "hi"}], "model": "grok-4.3"}]
            )
            assert batch.wait(progress=False).succeeded == 1
        else:
            plan = client.plan([{"role": "user", "content": "hi"}], model="grok-4.3")
            assert client.deferred.wait(client.deferred.start(plan)).text
    assert waits and sum(waits) <= 1.5, waits  # was 2 s for a video, 5 s for a batch


def test_an_unknown_video_model_is_a_404_like_xais(grok_server_factory: Any) -> None:
    server = grok_server_factory(models=["my-video-finetune"])
    with GrokClient(api_key=server.api_key, base_url=server.base_url) as client:
        with pytest.raises(NotFoundError, match="grok-imagine-vidoe does not exist"):
            client.videos.start("waves", model="grok-imagine-vidoe")
        assert client.videos.start("waves", model="grok-imagine-video-1.5")
        assert client.videos.start("waves", model="my-video-finetune")  # a test's own name is served
        listed = [m.id for m in client.models.list()]
    assert {"grok-imagine-video", "grok-imagine-video-1.5"} <= set(listed)  # listed as they are served
