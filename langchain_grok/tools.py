"""Grok Imagine as LangChain tools: images (generated, or edited from references) and videos.

``GrokImageGenerationTool`` calls ``POST /v1/images/generations``, or ``/v1/images/edits`` when the
model passes reference images; ``GrokVideoGenerationTool`` starts a video job and polls it to
its end. Both answer with ``response_format="content_and_artifact"``: the model reads a short
text (the URLs), and ``ToolMessage.artifact`` holds the result for your code. The URLs are
temporary (about four hours for an image, one for a video): keep the bytes if you need them
later (``tool.client.media.download(url)``).

Both take ``ChatGrok``'s connection settings, and ``from_model(llm)`` copies them from a chat
model, so a configured ``base_url`` and key are written once. A tool without a key still binds
(``llm.bind_tools([tool])`` needs only its schema): the key is looked up when the tool first
runs, and a missing one fails there.

The references and the starting frame come from the model, so they must be ``http(s)`` or
``data:`` URLs (``grok_transport.image_url_from_model`` says why).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field, field_validator, model_validator

from grok_transport import (
    DEFAULT_EDIT_MODEL,
    DEFAULT_IMAGE_MODEL,
    DEFAULT_VIDEO_MODEL,
    GrokError,
    ImageResult,
    VideoResult,
    image_url_from_model,
)
from langchain_grok._connection import GrokConnectionMixin
from langchain_grok._errors import translated_errors

if TYPE_CHECKING:
    from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
    from typing_extensions import Self

__all__ = ["GrokImageGenerationTool", "GrokVideoGenerationTool", "ImagePrompt", "VideoPrompt"]


class ImagePrompt(BaseModel):
    """What the model passes to the image tool."""

    prompt: str = Field(
        description="A detailed description of the image to generate, or of the change to make."
    )
    reference_images: list[str] | None = Field(
        default=None,
        max_length=3,
        description=(
            "Up to three images to edit or draw from, as http(s) or data: URLs (such as the URL of "
            "an image generated earlier). Leave out to generate a new image."
        ),
    )

    @field_validator("reference_images")
    @classmethod
    def _urls_only(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [image_url_from_model(url) for url in value]


class VideoPrompt(BaseModel):
    """What the model passes to the video tool."""

    prompt: str = Field(description="What the video shows: subject, motion, camera, mood.")
    image_url: str | None = Field(
        default=None,
        description="An image to start from (the first frame), as an http(s) or data: URL. Optional.",
    )
    duration: int | None = Field(
        default=None, ge=1, le=15, description="Length in whole seconds (1-15). Optional."
    )

    @field_validator("image_url")
    @classmethod
    def _url_only(cls, value: str | None) -> str | None:
        return None if value is None else image_url_from_model(value)


class _GrokTool(BaseTool, GrokConnectionMixin):
    """What the Grok tools share: the connection, ``from_model``, and how errors surface."""

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"

    @model_validator(mode="after")
    def _resolve_tool_connection(self) -> Self:
        self._resolve_connection_fields()
        return self

    @classmethod
    def from_model(cls, model: GrokConnectionMixin, **kwargs: Any) -> Self:
        """The tool on ``model``'s connection; ``kwargs`` set the tool's own fields.

        ``model`` is a ``ChatGrok`` (or another tool): its URL, key, provider, timeout, retries,
        headers, rate limit and ``httpx`` clients are used, and so is its connection pool.
        """
        return cls(**{**model._connection_settings(), **kwargs})

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Typed errors; ``ToolException`` instead when the user asked to hand errors to the model."""
        try:
            with translated_errors():
                yield
        except GrokError as error:
            if not self.handle_tool_error:
                raise
            raise ToolException(str(error)) from error


class GrokImageGenerationTool(_GrokTool):
    """Generate images with Grok (``grok-imagine-image`` by default), or edit them.

    Given ``reference_images`` (one to three URLs: an image generated earlier, a photo, a
    ``data:`` URL), the tool edits instead (``POST /v1/images/edits`` with ``edit_model``): the
    prompt then says what to change. The model sees a short text (the new image's URL, and the
    prompt the image model actually used when it revised yours); ``ToolMessage.artifact`` holds
    the images themselves::

        {"model": "grok-imagine-image", "cost_in_usd_ticks": 200000000,
         "images": [{"url": "https://…", "mime_type": "image/jpeg"}]}

    With ``image_format="b64_json"`` each image carries ``b64_json`` (raw base64, no ``data:``
    prefix) instead of a URL, and the text names the images without pasting megabytes of base64
    into the conversation. xAI's image URLs expire after about four hours.

    ```python
    from langchain_grok import ChatGrok, GrokImageGenerationTool

    llm = ChatGrok()
    painter = GrokImageGenerationTool.from_model(llm)
    message = painter.invoke({"type": "tool_call", "id": "1", "name": painter.name,
                              "args": {"prompt": "a siamese cat"}})
    url = message.artifact["images"][0]["url"]
    painter.invoke({"prompt": "make the cat wear a hat", "reference_images": [url]})
    llm.bind_tools([painter])
    ```

    Connection settings (``api_key``, ``base_url``, ``provider``…) work as on ``ChatGrok``, or
    come from one through ``from_model``. Errors are ``grok_transport`` errors that are also
    LangChain model errors. With ``handle_tool_error`` set they become ``ToolException``s, so
    LangChain hands the message to the model as an error ``ToolMessage`` instead of stopping
    the agent.
    """

    name: str = "grok_image_generation"
    description: str = (
        "Generate an image from a text description, or edit images: give up to three reference "
        "image URLs and describe the change. Returns the URL of the new image (and the revised "
        "prompt, if the model revised it)."
    )
    args_schema: type[BaseModel] = ImagePrompt

    model: str = DEFAULT_IMAGE_MODEL
    """Image model: ``grok-imagine-image``, ``grok-imagine-image-quality``, …"""
    edit_model: str = DEFAULT_EDIT_MODEL
    """Model for edits: ``grok-imagine-image-quality`` keeps the references most faithfully."""
    n: int | None = None
    """How many images per call, 1-10 (server default 1)."""
    image_format: Literal["url", "b64_json"] | None = None
    """``url`` (server default) or ``b64_json`` (inline base64)."""
    aspect_ratio: str | None = None
    """e.g. ``"16:9"`` (grok-imagine models only)."""
    resolution: str | None = None
    """``"1k"``, ``"1.5k"`` or ``"2k"`` (grok-imagine models only)."""
    image_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other body parameters, sent as given."""

    def _options(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "response_format": self.image_format,
            "aspect_ratio": self.aspect_ratio,
            "resolution": self.resolution,
            **self.image_kwargs,
        }

    def _run(
        self,
        prompt: str,
        reference_images: list[str] | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, dict[str, Any]]:
        with self._errors():
            if reference_images:
                result = self.client.images.edit(
                    prompt, reference_images, model=self.edit_model, **self._options()
                )
            else:
                result = self.client.images.generate(prompt, model=self.model, **self._options())
        return _image_answer(result)

    async def _arun(
        self,
        prompt: str,
        reference_images: list[str] | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, dict[str, Any]]:
        with self._errors():
            if reference_images:
                result = await self.async_client.images.edit(
                    prompt, reference_images, model=self.edit_model, **self._options()
                )
            else:
                result = await self.async_client.images.generate(prompt, model=self.model, **self._options())
        return _image_answer(result)


class GrokVideoGenerationTool(_GrokTool):
    """Generate a short video with Grok (``grok-imagine-video``), optionally from a first frame.

    A video is a job: the tool starts it (``POST /v1/videos/generations``) and polls it, with a
    growing interval, until it is done, which takes from seconds to minutes. The model sees the
    video's URL; ``ToolMessage.artifact`` holds ``{"url", "duration", "model", "request_id",
    "cost_in_usd_ticks"}``. The URL expires within about an hour: download the bytes soon
    (``tool.client.media.download(url)``).

    ```python
    from langchain_grok import ChatGrok, GrokVideoGenerationTool

    llm = ChatGrok()
    director = GrokVideoGenerationTool.from_model(llm, duration=5, resolution="720p")
    director.invoke({"prompt": "a calm ocean wave at sunset"})
    ```

    A job that fails, expires or is withheld by moderation raises ``VideoGenerationError``;
    one still running after ``max_wait`` seconds raises ``JobTimeoutError`` (its ``job_id``
    lets ``client.videos.wait`` pick it up again). With ``handle_tool_error`` set, both go to
    the model as an error ``ToolMessage`` instead.
    """

    name: str = "grok_video_generation"
    description: str = (
        "Generate a short video (1-15 seconds) from a text description, optionally starting from "
        "an image URL. Returns the URL of the video."
    )
    args_schema: type[BaseModel] = VideoPrompt

    model: str = DEFAULT_VIDEO_MODEL
    """Video model."""
    duration: int | None = None
    """Seconds (1-15) when the model gives none (server default otherwise)."""
    resolution: str | None = None
    """``"480p"``, ``"720p"`` or ``"1080p"`` (server default 480p)."""
    aspect_ratio: str | None = None
    """e.g. ``"16:9"``."""
    poll_interval: float | None = None
    """Seconds between polls once warmed up (waits grow while the job stands still); the transport's
    default if unset."""
    max_wait: float | None = None
    """Seconds to wait for the video before ``JobTimeoutError``; the transport's default (ten
    minutes) if unset. The job keeps running on the server either way."""
    video_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other body parameters, sent as given."""

    def _options(self, image_url: str | None, duration: int | None) -> dict[str, Any]:
        options = {
            "model": self.model,
            "duration": duration or self.duration,
            "resolution": self.resolution,
            "aspect_ratio": self.aspect_ratio,
            "image": image_url,
            "poll_interval": self.poll_interval,
            "timeout": self.max_wait,
            **self.video_kwargs,
        }
        return {name: value for name, value in options.items() if value is not None}

    def _run(
        self,
        prompt: str,
        image_url: str | None = None,
        duration: int | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, dict[str, Any]]:
        with self._errors():
            result = self.client.videos.generate(prompt, **self._options(image_url, duration))
        return _video_answer(result)

    async def _arun(
        self,
        prompt: str,
        image_url: str | None = None,
        duration: int | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, dict[str, Any]]:
        with self._errors():
            result = await self.async_client.videos.generate(prompt, **self._options(image_url, duration))
        return _video_answer(result)


def _image_answer(result: ImageResult) -> tuple[str, dict[str, Any]]:
    """The text for the model and the artifact for the program."""
    lines: list[str] = []
    images: list[dict[str, Any]] = []
    for number, image in enumerate(result.images, 1):
        label = f"Image {number}" if len(result.images) > 1 else "Image"
        if image.url:
            lines.append(f"{label}: {image.url}")
        elif image.b64_json:
            size = len(image.b64_json) * 3 // 4
            lines.append(f"{label}: {image.mime_type}, {size} bytes, returned inline (base64).")
        if image.revised_prompt:
            lines.append(f"Revised prompt: {image.revised_prompt}")
        entry = {
            "url": image.url,
            "b64_json": image.b64_json,
            "mime_type": image.mime_type,
            "revised_prompt": image.revised_prompt,
        }
        images.append({k: v for k, v in entry.items() if v is not None})
    artifact: dict[str, Any] = {"model": result.model, "images": images}
    if result.cost_in_usd_ticks is not None:
        artifact["cost_in_usd_ticks"] = result.cost_in_usd_ticks
    return "\n".join(lines) or "The image model returned no image.", artifact


def _video_answer(result: VideoResult) -> tuple[str, dict[str, Any]]:
    """The text for the model and the artifact for the program."""
    length = f" ({result.duration:g} s)" if result.duration is not None else ""
    artifact: dict[str, Any] = {
        "url": result.url,
        "duration": result.duration,
        "model": result.model,
        "request_id": result.request_id,
    }
    if result.cost_in_usd_ticks is not None:
        artifact["cost_in_usd_ticks"] = result.cost_in_usd_ticks
    return f"Video{length}: {result.url}", artifact
