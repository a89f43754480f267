"""The reference docs are generated from the code and must be current."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from bwmonitor import frames
from bwmonitor.cli import app
from bwmonitor.cli.reference import cli_markdown
from bwmonitor.core.catalog_reference import catalogue_markdown
from tests.conftest import FETCH_CATALOG
from tests.odata_server import ODataServer

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_catalogue_reference_is_current() -> None:
    """docs/catalogue-reference.md documents every catalogue field (run scripts/gen_docs.py)."""
    assert (DOCS / "catalogue-reference.md").read_text(encoding="utf-8") == catalogue_markdown()


def test_cli_reference_is_current() -> None:
    """docs/cli.md has every command's --help (run scripts/gen_docs.py)."""
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_markdown(app)


def python_blocks(markdown: str) -> list[str]:
    """The fenced ```python blocks of a markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


def test_api_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cbs_server: ODataServer
) -> None:
    """docs/api.md's python blocks run as written, in one namespace, with fetch against
    the local CBS server (never the network) into a fresh store."""
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(FETCH_CATALOG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BWMONITOR_CATALOG", str(catalog))
    monkeypatch.setenv("BWMONITOR_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("BWMONITOR_CBS_URL", cbs_server.base_url)
    blocks = python_blocks((DOCS / "api.md").read_text(encoding="utf-8"))
    assert blocks
    namespace: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, str(DOCS / "api.md"), "exec"), namespace)
    assert namespace["report"].failures == []
    assert namespace["report"].count("updated") == len(namespace["report"].outcomes)
    assert (namespace["result"].folder / "monitor-brede-welvaart.xlsx").is_file()
    assert cbs_server.requests_to("TableInfos")  # the fetch asked the local server


def documented_columns(markdown: str, heading: str) -> list[tuple[str, str]]:
    """(column, dtype) of the first table after `heading` in docs/api.md."""
    section = markdown.split(heading, 1)[1]
    table = section[section.index("\n|") : section.index("\n\n", section.index("\n|"))]
    return re.findall(r"^\| `(\w+)` \| ([\w()]+) \|", table, flags=re.MULTILINE)


def dtype_name(dtype: pl.DataType) -> str:
    return "List(Struct)" if isinstance(dtype, pl.List) else str(dtype)


@pytest.mark.parametrize(
    ("heading", "schema"),
    [
        ("## observations()", frames.observations_schema()),
        ("## compare()", frames.comparison_schema()),
        ("Each entry of `benchmarks`", pl.Schema(frames.benchmark_schema().to_schema())),
    ],
)
def test_api_schemas_are_documented(heading: str, schema: pl.Schema) -> None:
    """docs/api.md lists every column of the API's DataFrames, in order, with its dtype."""
    markdown = (DOCS / "api.md").read_text(encoding="utf-8")
    documented = documented_columns(markdown, heading)
    assert documented == [(name, dtype_name(dtype)) for name, dtype in schema.items()]
