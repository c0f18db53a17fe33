"""The distribution's promises about what it installs and what each package imports."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata

import pytest


def _requirements(extra: str) -> list[str]:
    marker = re.compile(rf"""extra\s*==\s*['"]{re.escape(extra)}['"]""")
    return [
        requirement.split(";")[0].strip().lower()
        for requirement in metadata.requires("grok-integrations") or []
        if marker.search(requirement)
    ]


def test_langchain_extra_does_not_install_llama_index_and_the_reverse():
    langchain = _requirements("langchain")
    llama = _requirements("llama-index")
    assert langchain and not any("llama" in r for r in langchain)
    assert llama and not any("langchain" in r for r in llama)
    base = [r for r in metadata.requires("grok-integrations") or [] if "extra" not in r]
    assert sorted(re.split(r"[<>=!~ ]", r)[0] for r in base) == ["httpx", "pydantic"]


@pytest.mark.parametrize(
    ("statement", "forbidden"),
    [
        ("import grok_transport, grok_transport.testing", ("langchain", "llama_index", "openai", "tqdm")),
        ("from langchain_grok import ChatGrok", ("llama_index", "openai")),
        ("from llama_index_grok import Grok", ("langchain_core", "openai")),
    ],
)
def test_each_package_imports_only_what_it_may(statement, forbidden):
    code = f"import sys; {statement}; print(sorted({{m.split('.')[0] for m in sys.modules}}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for name in forbidden:
        assert f"'{name}'" not in loaded, f"{statement} imported {name}"
