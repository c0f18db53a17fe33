"""``GrokImageGenerationTool``: ``POST /v1/images/generations`` as a LangChain tool."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field, model_validator

from grok_transport import DEFAULT_IMAGE_MODEL, GrokError, ImageResult
from langchain_grok._connection import GrokConnectionMixin
from langchain_grok._errors import translated_errors

if TYPE_CHECKING:
    from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
    from typing_extensions import Self

__all__ = ["GrokImageGenerationTool", "ImagePrompt"]


class ImagePrompt(BaseModel):
    """What the model passes to the tool."""

    prompt: str = Field(description="A detailed description of the image to generate.")


class GrokImageGenerationTool(BaseTool, GrokConnectionMixin):
    """Generate images with Grok (``grok-imagine-image`` by default).

    The tool answers with ``response_format="content_and_artifact"``: the model sees a short text
    (the image URL or URLs, and the prompt the image model actually used when it revised yours),
    and the ``ToolMessage.artifact`` holds the images themselves for your code::

        {"model": "grok-imagine-image", "cost_in_usd_ticks": 200000000,
         "images": [{"url": "https://…", "mime_type": "image/jpeg"}]}

    With ``image_format="b64_json"`` each image carries ``b64_json`` (raw base64, no ``data:``
    prefix) instead of a URL, and the text names the images without pasting megabytes of base64
    into the conversation. xAI's image URLs expire after about four hours.

    ```python
    from langchain_grok import ChatGrok, GrokImageGenerationTool

    painter = GrokImageGenerationTool()
    message = painter.invoke({"type": "tool_call", "id": "1", "name": painter.name,
                              "args": {"prompt": "a siamese cat"}})
    message.artifact["images"][0]["url"]
    ChatGrok().bind_tools([painter])
    ```

    Connection settings (``api_key``, ``base_url``, ``provider``…) work as on ``ChatGrok``.
    Errors are ``grok_transport`` errors that are also LangChain model errors. With
    ``handle_tool_error`` set they become ``ToolException``s, so LangChain hands the message to
    the model as an error ``ToolMessage`` instead of stopping the agent.
    """

    name: str = "grok_image_generation"
    description: str = (
        "Generate an image from a text description. Input: a detailed prompt. "
        "Returns the URL of the generated image (and the revised prompt, if the model revised it)."
    )
    args_schema: type[BaseModel] = ImagePrompt
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"

    model: str = DEFAULT_IMAGE_MODEL
    """Image model: ``grok-imagine-image``, ``grok-imagine-image-quality``, …"""
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

    def __init__(self, **kwargs: Any) -> None:
        """Validate and resolve the connection; no I/O, no client."""
        super().__init__(**kwargs)
        self._require_api_key()

    @model_validator(mode="after")
    def _resolve_image_tool_connection(self) -> Self:
        self._resolve_connection_fields()
        return self

    def _body_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "n": self.n,
            "response_format": self.image_format,
            "aspect_ratio": self.aspect_ratio,
            "resolution": self.resolution,
            **self.image_kwargs,
        }

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

    def _run(
        self, prompt: str, run_manager: CallbackManagerForToolRun | None = None
    ) -> tuple[str, dict[str, Any]]:
        with self._errors():
            result = self.client.generate_image(prompt, **self._body_params())
        return _answer(result)

    async def _arun(
        self, prompt: str, run_manager: AsyncCallbackManagerForToolRun | None = None
    ) -> tuple[str, dict[str, Any]]:
        with self._errors():
            result = await self.async_client.generate_image(prompt, **self._body_params())
        return _answer(result)


def _answer(result: ImageResult) -> tuple[str, dict[str, Any]]:
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
