"""``GrokImageToolSpec``: image generation as a LlamaIndex tool an agent can reason about.

An agent sees a tool's result through ``ToolOutput.content``, which holds only the text blocks;
an image-only result reads as an empty string, and the model concludes the tool failed. So
``generate_image`` returns a ``TextBlock`` saying what was made (the URL, the model's revised
prompt when the model returns one, the count) *and* an ``ImageBlock`` per image, which
``Grok`` sends back to the model as an image when it supports vision.

The request goes through ``grok_transport`` (``POST /v1/images/generations``): OpenAI's
``size`` / ``quality`` / ``style`` are refused before the network, and the answer of every model
generation (with or without ``revised_prompt``, URL or base64) is read the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from llama_index.core.base.llms.types import ContentBlock, ImageBlock, TextBlock
from llama_index.core.tools.tool_spec.base import BaseToolSpec

from grok_transport import DEFAULT_IMAGE_MODEL, AsyncGrokClient, GrokClient, ImageResult, resolve_connection

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = ["GrokImageToolSpec"]


class GrokImageToolSpec(BaseToolSpec):
    """Generate images with Grok; use ``to_tool_list()`` to hand the tool to an agent.

    Args:
        api_key: API key; else the provider's environment variable, then ``GROK_API_KEY``.
        model: Image model (default ``grok-imagine-image``; names change, so it is a parameter).
        base_url / provider / auth_style: Where to send the request, as for ``Grok``.
        response_format: ``"url"`` (temporary, about four hours on xAI) or ``"b64_json"``.
        n: Images per call (1-10).
        timeout, max_retries, default_headers: As for ``Grok``.

    Examples:
        ```python
        from llama_index.core.agent.workflow import FunctionAgent
        from llama_index_grok import Grok, GrokImageToolSpec

        agent = FunctionAgent(tools=GrokImageToolSpec().to_tool_list(), llm=Grok())
        ```
    """

    spec_functions = [("generate_image", "agenerate_image")]

    def __init__(
        self,
        api_key: str | SecretStr | None = None,
        *,
        model: str = DEFAULT_IMAGE_MODEL,
        base_url: str | None = None,
        provider: str | None = None,
        auth_style: Literal["bearer", "x-api-key"] | None = None,
        response_format: Literal["url", "b64_json"] | None = None,
        n: int | None = None,
        timeout: float | None = None,
        max_retries: int = 2,
        default_headers: dict[str, str] | None = None,
    ) -> None:
        self.model = model
        self.response_format = response_format
        self.n = n
        self._client_kwargs: dict[str, Any] = {
            "connection": resolve_connection(
                provider=provider, base_url=base_url, api_key=api_key, auth_style=auth_style
            ),
            "timeout": timeout,
            "max_retries": max_retries,
            "default_headers": default_headers,
        }
        self._client: GrokClient | None = None
        self._aclient: AsyncGrokClient | None = None

    def __repr__(self) -> str:
        connection = self._client_kwargs["connection"]
        return f"GrokImageToolSpec(model={self.model!r}, base_url={connection.base_url!r})"

    def generate_image(self, prompt: str, aspect_ratio: str | None = None) -> list[ContentBlock]:
        """Generate an image from a text description and return its URL and the image.

        Args:
            prompt (str): A detailed description of the image to create.
            aspect_ratio (str | None): Optional shape such as "1:1", "16:9" or "9:16".
        """
        if self._client is None:
            self._client = GrokClient(**self._client_kwargs)
        result = self._client.generate_image(
            prompt,
            model=self.model,
            n=self.n,
            response_format=self.response_format,
            aspect_ratio=aspect_ratio,
        )
        return _blocks(result)

    async def agenerate_image(self, prompt: str, aspect_ratio: str | None = None) -> list[ContentBlock]:
        """Generate an image from a text description and return its URL and the image.

        Args:
            prompt (str): A detailed description of the image to create.
            aspect_ratio (str | None): Optional shape such as "1:1", "16:9" or "9:16".
        """
        if self._aclient is None:
            self._aclient = AsyncGrokClient(**self._client_kwargs)
        result = await self._aclient.generate_image(
            prompt,
            model=self.model,
            n=self.n,
            response_format=self.response_format,
            aspect_ratio=aspect_ratio,
        )
        return _blocks(result)


def _blocks(result: ImageResult) -> list[ContentBlock]:
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
