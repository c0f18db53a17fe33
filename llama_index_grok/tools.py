"""Grok Imagine as LlamaIndex tools an agent can reason about: images (generated or edited), videos.

An agent sees a tool's result through ``ToolOutput.content``, which holds only the text blocks;
an image-only result reads as an empty string, and the model concludes the tool failed. So
``generate_image`` and ``edit_image`` return a ``TextBlock`` saying what was made (the URL, the
model's revised prompt when the model returns one, the count) *and* an ``ImageBlock`` per image,
which ``Grok`` sends back to the model as an image when it supports vision. ``generate_video``
returns text (the video's URL): a model reads no video back.

The requests go through ``grok_transport`` (``POST /v1/images/generations``, ``/v1/images/edits``,
``/v1/videos/generations`` and its polls): OpenAI's ``size`` / ``quality`` / ``style`` are
refused before the network, and the answer of every model generation (with or without
``revised_prompt``, URL or base64) is read the same way. The URLs are temporary (about four
hours for an image, one for a video).

Reference images and starting frames come from the model, so they must be ``http(s)`` or
``data:`` URLs (``grok_transport.image_url_from_model`` says why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from llama_index.core.base.llms.types import ContentBlock, ImageBlock, TextBlock
from llama_index.core.tools.tool_spec.base import BaseToolSpec

from grok_transport import (
    DEFAULT_EDIT_MODEL,
    DEFAULT_IMAGE_MODEL,
    DEFAULT_VIDEO_MODEL,
    ImageResult,
    VideoResult,
    image_url_from_model,
)
from llama_index_grok._connection import ConnectionOptions, GrokConnected

if TYPE_CHECKING:
    from pydantic import SecretStr
    from typing_extensions import Unpack

__all__ = ["GrokImageToolSpec", "GrokVideoToolSpec"]


class _GrokToolSpec(BaseToolSpec, GrokConnected):
    """A Grok tool spec: its connection, and clients built when a tool first runs.

    A missing key is therefore reported when the agent first calls the tool, as for every Grok
    tool in both frameworks, not when the spec is made.
    """

    model: str

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, base_url={self._clients.settings.base_url!r})"


class GrokImageToolSpec(_GrokToolSpec):
    """Generate and edit images with Grok; use ``to_tool_list()`` to hand the tools to an agent.

    Args:
        api_key: API key; else the provider's environment variable, then ``GROK_API_KEY``.
        model: Image model (default ``grok-imagine-image``; names change, so it is a parameter).
        edit_model: Model for edits (default ``grok-imagine-image-quality``, which keeps the
            reference images most faithfully).
        base_url / provider / auth_style: Where to send the request, as for ``Grok``.
        response_format: ``"url"`` (temporary, about four hours on xAI) or ``"b64_json"``.
        n: Images per call (1-10).
        timeout, max_retries, default_headers: As for ``Grok``.
        rate_limit_rpm, rate_limit_tpm, rate_limit_store: The request-and-token budget, as for
            ``Grok`` (shared with every object using the same key, model and store).

    Examples:
        ```python
        from llama_index.core.agent.workflow import FunctionAgent
        from llama_index_grok import Grok, GrokImageToolSpec

        agent = FunctionAgent(tools=GrokImageToolSpec().to_tool_list(), llm=Grok())
        ```
    """

    spec_functions = [("generate_image", "agenerate_image"), ("edit_image", "aedit_image")]

    def __init__(
        self,
        api_key: str | SecretStr | None = None,
        *,
        model: str = DEFAULT_IMAGE_MODEL,
        edit_model: str = DEFAULT_EDIT_MODEL,
        response_format: Literal["url", "b64_json"] | None = None,
        n: int | None = None,
        **connection: Unpack[ConnectionOptions],
    ) -> None:
        self._connect(api_key, connection)
        self.model = model
        self.edit_model = edit_model
        self.response_format = response_format
        self.n = n

    def _options(self, aspect_ratio: str | None) -> dict[str, Any]:
        return {"n": self.n, "response_format": self.response_format, "aspect_ratio": aspect_ratio}

    def generate_image(self, prompt: str, aspect_ratio: str | None = None) -> list[ContentBlock]:
        """Generate an image from a text description and return its URL and the image.

        Args:
            prompt (str): A detailed description of the image to create.
            aspect_ratio (str | None): Optional shape such as "1:1", "16:9" or "9:16".
        """
        return _image_blocks(
            self.client.images.generate(prompt, model=self.model, **self._options(aspect_ratio))
        )

    async def agenerate_image(self, prompt: str, aspect_ratio: str | None = None) -> list[ContentBlock]:
        """Generate an image from a text description and return its URL and the image.

        Args:
            prompt (str): A detailed description of the image to create.
            aspect_ratio (str | None): Optional shape such as "1:1", "16:9" or "9:16".
        """
        result = await self.async_client.images.generate(
            prompt, model=self.model, **self._options(aspect_ratio)
        )
        return _image_blocks(result)

    def edit_image(
        self, prompt: str, image_urls: list[str], aspect_ratio: str | None = None
    ) -> list[ContentBlock]:
        """Edit images: make a new image from one to three reference images and return it.

        Args:
            prompt (str): The change to make, or what to make from the references.
            image_urls (list[str]): One to three images to start from, as http(s) or data: URLs.
            aspect_ratio (str | None): Optional shape such as "1:1", "16:9" or "9:16".
        """
        result = self.client.images.edit(
            prompt, _image_urls(image_urls), model=self.edit_model, **self._options(aspect_ratio)
        )
        return _image_blocks(result)

    async def aedit_image(
        self, prompt: str, image_urls: list[str], aspect_ratio: str | None = None
    ) -> list[ContentBlock]:
        """Edit images: make a new image from one to three reference images and return it.

        Args:
            prompt (str): The change to make, or what to make from the references.
            image_urls (list[str]): One to three images to start from, as http(s) or data: URLs.
            aspect_ratio (str | None): Optional shape such as "1:1", "16:9" or "9:16".
        """
        result = await self.async_client.images.edit(
            prompt, _image_urls(image_urls), model=self.edit_model, **self._options(aspect_ratio)
        )
        return _image_blocks(result)


class GrokVideoToolSpec(_GrokToolSpec):
    """Generate short videos with Grok; use ``to_tool_list()`` to hand the tool to an agent.

    A video is a job: the tool starts it and polls it, with a growing interval, until it is done
    (seconds to minutes). A job that fails, expires or is withheld by moderation raises
    ``VideoGenerationError``; one still running after ``max_wait`` seconds raises
    ``JobTimeoutError``, whose ``job_id`` lets ``spec.client.videos.wait`` pick it up again.

    Args:
        api_key: API key; else the provider's environment variable, then ``GROK_API_KEY``.
        model: Video model (default ``grok-imagine-video``).
        duration: Seconds (1-15) when the model asks for no length.
        resolution: ``"480p"``, ``"720p"`` or ``"1080p"``.
        aspect_ratio: e.g. ``"16:9"``.
        poll_interval: Seconds between polls once warmed up (waits grow while the job stands still).
        max_wait: Seconds to wait for the video (default ten minutes).
        base_url / provider / auth_style, timeout, max_retries, default_headers: As for ``Grok``.
        rate_limit_rpm, rate_limit_tpm, rate_limit_store: The request-and-token budget, as for ``Grok``.

    Examples:
        ```python
        from llama_index.core.agent.workflow import FunctionAgent
        from llama_index_grok import Grok, GrokVideoToolSpec

        agent = FunctionAgent(tools=GrokVideoToolSpec(duration=5).to_tool_list(), llm=Grok())
        ```
    """

    spec_functions = [("generate_video", "agenerate_video")]

    def __init__(
        self,
        api_key: str | SecretStr | None = None,
        *,
        model: str = DEFAULT_VIDEO_MODEL,
        duration: int | None = None,
        resolution: str | None = None,
        aspect_ratio: str | None = None,
        poll_interval: float | None = None,
        max_wait: float | None = None,
        **connection: Unpack[ConnectionOptions],
    ) -> None:
        self._connect(api_key, connection)
        self.model = model
        self._settings = {
            "duration": duration,
            "resolution": resolution,
            "aspect_ratio": aspect_ratio,
            "poll_interval": poll_interval,
            "timeout": max_wait,
        }

    def _options(self, image_url: str | None, duration: int | None) -> dict[str, Any]:
        options = {
            **self._settings,
            "model": self.model,
            "image": None if image_url is None else _image_urls([image_url])[0],
        }
        if duration is not None:
            options["duration"] = duration
        return {name: value for name, value in options.items() if value is not None}

    def generate_video(self, prompt: str, image_url: str | None = None, duration: int | None = None) -> str:
        """Generate a short video from a text description and return its URL.

        Args:
            prompt (str): What the video shows: subject, motion, camera, mood.
            image_url (str | None): Optional first frame, as an http(s) or data: URL.
            duration (int | None): Optional length in whole seconds, 1 to 15.
        """
        return _video_text(self.client.videos.generate(prompt, **self._options(image_url, duration)))

    async def agenerate_video(
        self, prompt: str, image_url: str | None = None, duration: int | None = None
    ) -> str:
        """Generate a short video from a text description and return its URL.

        Args:
            prompt (str): What the video shows: subject, motion, camera, mood.
            image_url (str | None): Optional first frame, as an http(s) or data: URL.
            duration (int | None): Optional length in whole seconds, 1 to 15.
        """
        result = await self.async_client.videos.generate(prompt, **self._options(image_url, duration))
        return _video_text(result)


def _image_urls(urls: list[str]) -> list[str]:
    """The model's references, refused before any request unless they are image URLs."""
    return [image_url_from_model(url) for url in urls]


def _image_blocks(result: ImageResult) -> list[ContentBlock]:
    """A text summary the model can read, then the images themselves."""
    if not result.images:
        return [TextBlock(text=f"{result.model} returned no image.")]
    lines = [f"Generated {len(result.images)} image(s) with {result.model}."]
    images: list[ContentBlock] = []
    for number, image in enumerate(result.images, 1):
        where = image.url or f"inline {image.mime_type} data (no URL)"
        lines.append(f"Image {number}: {where}")
        if image.revised_prompt:
            lines.append(f"Revised prompt: {image.revised_prompt}")
        if image.url:
            images.append(ImageBlock(url=image.url, image_mimetype=image.mime_type))
        else:
            images.append(ImageBlock(image=image.image_bytes(), image_mimetype=image.mime_type))
    return [TextBlock(text="\n".join(lines)), *images]


def _video_text(result: VideoResult) -> str:
    """What the model reads: the video's URL, length and model."""
    length = f"{result.duration:g} s " if result.duration is not None else ""
    return f"Generated a {length}video with {result.model}: {result.url}"
