"""The notebooks run top to bottom without a key, show what they promise, and match their source.

Each committed notebook is read into memory and executed there (the file is never rewritten) by
``notebooks/build.py``'s :func:`execute`: a fresh kernel on this interpreter, in a temporary
directory, with every key variable removed, so each notebook starts its local servers. A cell
that raises fails the test. The checks look for what a reader would notice: the first cell says
it is offline, images appear (generated and edited), a video is made, a PDF question is answered,
agents reach a final answer, and typed errors are printed.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

from tests.test_secrets import RECORDED_PATTERNS

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CELL_TIMEOUT = 60
LOCAL_PORT = re.compile(r"127\.0\.0\.1:\d+")


def _load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_builder()
NAMES = list(build.NOTEBOOKS)


def _committed(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


@pytest.fixture(scope="session")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], nbformat.NotebookNode]:
    """Run a committed notebook offline once per session; later calls get the same result."""
    runs: dict[str, nbformat.NotebookNode] = {}

    def run(name: str) -> nbformat.NotebookNode:
        if name not in runs:
            nb = _committed(name)
            build.execute(nb, cwd=tmp_path_factory.mktemp(name), offline=True, timeout=CELL_TIMEOUT)
            runs[name] = nb
        return runs[name]

    return run


def _text(cell: nbformat.NotebookNode) -> str:
    """Everything a cell printed (stdout and stderr)."""
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _tagged(nb: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
    (cell,) = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    return cell


def _mime_types(cell: nbformat.NotebookNode) -> set[str]:
    return {mime for o in cell.outputs if o.output_type == "display_data" for mime in o.data}


def _outputs(nb: nbformat.NotebookNode) -> list[str]:
    """Each code cell's outputs, with local ports blanked: a notebook whose fixed port is taken
    falls back to any free one, and that is the only difference a rerun may make."""
    return [
        LOCAL_PORT.sub("127.0.0.1:<port>", json.dumps(c.outputs, sort_keys=True))
        for c in nb.cells
        if c.cell_type == "code"
    ]


# -- every notebook -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_runs_offline_top_to_bottom(executed, name: str) -> None:
    nb = executed(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0] is _tagged(nb, "offline-switch")
    assert "LOCAL" in _text(code[0]) and "REAL" not in _text(code[0])
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert "stopped" in _text(code[-1]) or "done" in _text(code[-1])


@pytest.mark.parametrize("name", NAMES)
def test_outputs_carry_no_key(executed, name: str) -> None:
    text = json.dumps(executed(name))
    assert not RECORDED_PATTERNS.findall(text)


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_built_from_source(name: str) -> None:
    """The .ipynb is build.py's output: same cells, run, without timing noise. Rebuild if not."""
    committed = _committed(name)
    expected = build.make_notebook(name)
    assert [(c.cell_type, c.source, c.metadata.get("tags")) for c in committed.cells] == [
        (c.cell_type, c.source, c.metadata.get("tags")) for c in expected.cells
    ], "notebooks/build.py changed (or the notebook was edited by hand): run python notebooks/build.py"
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert all("execution" not in c.metadata for c in code)


@pytest.mark.parametrize("name", NAMES)
def test_committed_outputs_are_what_the_notebook_prints_offline(executed, name: str) -> None:
    """Offline, a rebuild gives the same bytes, so the committed outputs must be today's."""
    committed = _committed(name)
    if "REAL" in _text(_tagged(committed, "offline-switch")):
        pytest.skip("committed from a live run, which no offline run reproduces")
    assert _outputs(executed(name)) == _outputs(committed), (
        "the notebook prints something else now: run python notebooks/build.py --offline"
    )


# -- what each notebook shows -------------------------------------------------------------------


def test_langchain_quickstart(executed) -> None:
    nb = executed("langchain_quickstart")
    agent = _text(_tagged(nb, "agent"))
    assert "agent called get_weather({'city': 'Lisbon'})" in agent and "final answer: " in agent
    assert "image/png" in _mime_types(_tagged(nb, "image-input"))
    image = _tagged(nb, "generated-image")
    assert "image/jpeg" in _mime_types(image)
    assert "the model sees: Image: http://127.0.0.1:" in _text(image)
    _shows_the_edit_the_video_and_the_pdf_answer(nb)


def test_llama_index_quickstart(executed) -> None:
    nb = executed("llama_index_quickstart")
    agent = _text(_tagged(nb, "agent"))
    assert "agent called get_weather({'city': 'Lisbon'}) -> It is 18°C and sunny in Lisbon." in agent
    assert "final answer: " in agent
    image = _tagged(nb, "generated-image")
    assert "image/jpeg" in _mime_types(image)
    assert "agent called generate_image(" in _text(image)
    _shows_the_edit_the_video_and_the_pdf_answer(nb)


def _shows_the_edit_the_video_and_the_pdf_answer(nb: nbformat.NotebookNode) -> None:
    edited = _tagged(nb, "edited-image")
    assert "image/jpeg" in _mime_types(edited) and "/files/img-2.jpeg" in _text(edited)
    video = _tagged(nb, "video")
    assert "an MP4: True" in _text(video) and "text/markdown" in _mime_types(video)
    pdf = _tagged(nb, "pdf")
    assert 'launch-plan.pdf says: "Launch plan: the rocket launches on 12 March' in _text(pdf)
    assert "['/v1/files', '/v1/responses']" in _text(pdf)


def test_providers(executed) -> None:
    nb = executed("providers")
    same = _text(_tagged(nb, "same-chat")).splitlines()
    assert [line.split(" · ")[:2] for line in same] == [
        [provider, framework]
        for provider in ("xai", "grokinc", "grokapi")
        for framework in ("LangChain ", "LlamaIndex")
    ]
    folded = _text(_tagged(nb, "grokinc-folded"))
    assert "'role': 'user', 'content': 'You are terse" in folded and "'system'" not in folded
    keys = _text(_tagged(nb, "grokinc-keys"))
    assert "generated: ********** for notebook-demo" in keys and "notebook-demo" in keys.splitlines()[-1]
    assert "AuthenticationError (401)" in _text(_tagged(nb, "grokinc-deleted"))
    assert "second call: InsufficientCreditsError (402, retryable=False)" in _text(_tagged(nb, "credits"))
    assert "'authorization': 'Bearer ***'" in _text(_tagged(nb, "proxy"))


def test_collections(executed) -> None:
    nb = executed("collections")
    ingested = _text(_tagged(nb, "ingest"))
    assert ingested.count("DOCUMENT_STATUS_PROCESSED") == 3 and "storm-protocol.pdf" in ingested
    retrieved = _text(_tagged(nb, "retrieve")).splitlines()
    assert retrieved[0].endswith(
        "The Cap Fréhel lighthouse was built in 1950. It stands 103 metres above the sea."
    )
    assert "Storm protocol" in retrieved[-1] and "cafeteria" not in retrieved[-1]  # the field filter
    assert "source: 'The Cap Fréhel lighthouse was built in 1950." in _text(_tagged(nb, "query-engine"))
    searched = _text(_tagged(nb, "file-search"))
    assert "file_search read: ['lighthouse.md']" in searched and "collections://collection_" in searched


@pytest.mark.parametrize("variable", ["XAI_API_KEY", "XAI_MANAGEMENT_API_KEY"])
def test_the_builder_keeps_either_key_out_of_notebooks(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    value = "a-key-from-the-console-0123456789"
    monkeypatch.setenv(variable, value)
    assert variable not in build._kernel_environment(offline=True)  # offline kernels never see it
    nb = build.make_notebook("collections")
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"oops: {value}")]
    assert build.leaks(nb) == [f"the value of {variable}"]  # and a build refuses to write it
