"""The distribution's promises about what it installs and what each package imports."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

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


# -- the transport's contract is exactly what grok_transport exports ---------------------------


def test_all_is_exactly_what_grok_transport_exports():
    """As httpx does: every public name is in ``__all__``, and ``__all__`` names nothing else."""
    import grok_transport

    # "@py_builtins" & co. are pytest's: it rewrites the package of its grok_transport plugin.
    public = {name for name in vars(grok_transport) if not name.startswith(("_", "@"))} - {"testing"}
    assert set(grok_transport.__all__) - {"__version__"} == public
    assert len(grok_transport.__all__) == len(set(grok_transport.__all__)), "a name is listed twice"


def test_every_transport_module_but_the_contract_is_private():
    import grok_transport

    modules = {path.stem for path in Path(grok_transport.__file__).parent.glob("*.py")}
    assert {name for name in modules if not name.startswith("_")} == set()


_TRANSPORT_IMPORT = re.compile(r"^\s*(?:from|import)\s+(grok_transport[\w.]*)", re.M)


@pytest.mark.parametrize("package", ["langchain_grok", "llama_index_grok"])
def test_adapters_import_only_the_contract(package):
    import grok_transport

    for source in (Path(__file__).parents[1] / package).glob("*.py"):
        text = source.read_text()
        for module in _TRANSPORT_IMPORT.findall(text):
            assert module == "grok_transport", f"{source.name} imports {module}"
        for block in re.findall(r"from grok_transport import \(?([^)]*?)\)?$", text, re.M | re.S):
            names = {n.strip().split(" as ")[0] for n in block.replace("\n", ",").split(",") if n.strip()}
            assert names <= set(grok_transport.__all__), (
                f"{source.name}: {names - set(grok_transport.__all__)}"
            )
