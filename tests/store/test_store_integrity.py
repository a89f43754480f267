"""The store stays readable: damage is found and repaired, writes commit whole or not at
all, and readers see one version of a table while fetch replaces it (issue 10, 5/6/9)."""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from bwmonitor.core.settings import resolve
from bwmonitor.pipeline.fetching import fetch
from bwmonitor.store import baseline
from bwmonitor.store.tables import TableDir, TableMeta
from tests.conftest import Project
from tests.odata_server import ODataServer

POPULATION = "03759ned"  # the table behind indicator `inwoners`
EMMEN_2025 = 109_678  # BevolkingOp1Januari_1, 03759ned, GM0114, 2025JJ00 (real CBS figure)
REVISED = "2026-12-01T02:00:00"
ENOSPC = "No space left on device"
# what polars 2.x really raises when the disk fills up under write_parquet (seen on /dev/full)
POLARS_ENOSPC = (
    "parquet: File out of specification: underlying IO error: No space left on device (os error 28)"
)


def tables_dir(project: Project) -> Path:
    return project.data_dir / "tables"


def sidecar(project: Project, table_id: str = POPULATION) -> dict[str, Any]:
    path = tables_dir(project) / f"{table_id}.json"
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


def data_path(project: Project, table_id: str = POPULATION) -> Path:
    return tables_dir(project) / sidecar(project, table_id)["data_file"]


def cut_short(path: Path) -> None:
    """What a crash or a bad copy leaves: the file's first half."""
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])


def run_update(project: Project, *args: str) -> tuple[int, str, str]:
    return project.run(
        "update",
        "--out",
        str(project.root / "export"),
        "--log-file",
        str(project.root / "update.log"),
        "--no-charts",
        *args,
    )


def update_log(project: Project) -> str:
    return (project.root / "update.log").read_text("utf-8")


def emmen_population(project: Project) -> float:
    """What `compare` shows for Emmen's population on 1 January 2025 (exits 0 or fails)."""
    code, out, err = project.run(
        "compare", "-r", "Emmen", "--indicator", "inwoners", "--year", "2025", "--format", "json"
    )
    assert code == 0, err
    return float(json.loads(out)[0]["value"])


def revise_emmen(server: ODataServer, value: int) -> None:
    table = server.tables[POPULATION]
    table.table_infos["Modified"] = REVISED
    row = next(r for r in table.rows if r["RegioS"].strip() == "GM0114" and "2025" in r["Perioden"])
    row["BevolkingOp1Januari_1"] = value


def debris(project: Project) -> list[str]:
    """Temporary files, and data files no sidecar names: what a failed write left."""
    tables = tables_dir(project)
    named = {json.loads(p.read_text("utf-8"))["data_file"] for p in tables.glob("*.json")}
    return sorted(
        p.name
        for p in tables.iterdir()
        if p.name.startswith(".") or (p.suffix == ".parquet" and p.name not in named)
    )


# -- 5: damage is found and repaired ------------------------------------------------------


def test_fetch_refetches_a_table_cut_short_although_cbs_did_not_change_it(
    project: Project,
) -> None:
    """A truncated data file is corrupt: fetch says so in one line and downloads it again."""
    assert project.run("fetch", "--quiet")[0] == 0
    cut_short(data_path(project))
    code, _, err = project.run("fetch")
    assert code == 0, err
    assert f"store: {POPULATION} was corrupt (checksum mismatch); refetched" in err
    assert emmen_population(project) == EMMEN_2025


def test_fetch_refetches_a_table_whose_data_file_is_gone(project: Project) -> None:
    """A sidecar naming a data file that is gone: the table is missing, and refetched."""
    assert project.run("fetch", "--quiet")[0] == 0
    data_path(project).unlink()
    code, _, err = project.run("fetch")
    assert code == 0, err
    assert f"store: {POPULATION} was missing (its data file is gone); refetched" in err
    assert emmen_population(project) == EMMEN_2025


def test_fetch_refetches_a_table_whose_sidecar_is_not_json(project: Project) -> None:
    """An unreadable sidecar is damage like any other: refetched, not a failed run."""
    assert project.run("fetch", "--quiet")[0] == 0
    (tables_dir(project) / f"{POPULATION}.json").write_text('{"table_id": "03', "utf-8")
    code, _, err = project.run("fetch")
    assert code == 0, err
    assert f"store: {POPULATION} was corrupt (its sidecar is unreadable); refetched" in err
    assert emmen_population(project) == EMMEN_2025
    assert debris(project) == []


def test_damage_with_cbs_down_is_restored_from_the_last_export_and_exits_75(
    project: Project, cbs_server: ODataServer
) -> None:
    """CBS unreachable: the last export's copy (newer than the snapshot's) is put back,
    stderr and the log say so, and the run exits 75 so cron tries again."""
    assert run_update(project, "--quiet")[0] == 0
    stand = sidecar(project)["fetched_at"][:10]
    cut_short(data_path(project))
    cbs_server.add_fault("ODataFeed", "status", status=503, times=None)
    code, _, err = run_update(project)
    line = f"store: {POPULATION} was corrupt (checksum mismatch); CBS unreachable, "
    line += f"restored from the last export (stand {stand})"
    assert code == 75
    assert line in err and line in update_log(project)
    assert emmen_population(project) == EMMEN_2025


def test_damage_with_cbs_down_and_no_export_is_restored_from_the_snapshot(
    project: Project, cbs_server: ODataServer
) -> None:
    """Without a last export, the shipped snapshot's copy of the table is put back."""
    assert project.run("fetch", "--quiet")[0] == 0
    data_path(project).unlink()
    cbs_server.add_fault("ODataFeed", "status", status=503, times=None)
    code, _, err = project.run("fetch")
    assert code == 75
    assert (
        f"store: {POPULATION} was missing (its data file is gone); CBS unreachable, "
        "restored from the shipped snapshot (stand 2026-07-02)"
    ) in err
    assert emmen_population(project) == EMMEN_2025


def test_a_corrupt_copy_in_the_last_export_is_not_restored(
    project: Project, cbs_server: ODataServer
) -> None:
    """The last export's copy is checked first; a bad one gives way to the snapshot."""
    assert run_update(project, "--quiet")[0] == 0
    cut_short(data_path(project))
    meta = json.loads((project.data_dir / "last-export/tables/03759ned.json").read_text())
    cut_short(project.data_dir / "last-export/tables" / meta["data_file"])
    cbs_server.add_fault("ODataFeed", "status", status=503, times=None)
    code, _, err = run_update(project)
    assert code == 75
    assert "restored from the shipped snapshot (stand 2026-07-02)" in err
    assert emmen_population(project) == EMMEN_2025


def test_quiet_update_reports_the_repair_only_in_the_log(project: Project) -> None:
    """Under --quiet a repaired table is not cron's business (exit 0, silent), but the
    log keeps the line."""
    assert run_update(project, "--quiet")[0] == 0
    cut_short(data_path(project))
    code, out, err = run_update(project, "--quiet")
    assert (code, out, err) == (0, "", "")
    assert f"store: {POPULATION} was corrupt (checksum mismatch); refetched" in update_log(project)


def test_every_stored_table_records_its_checksum(project: Project) -> None:
    """The sidecar carries the sha256 and size of its data file."""
    assert project.run("fetch", "--quiet")[0] == 0
    for path in tables_dir(project).glob("*.json"):
        meta = json.loads(path.read_text("utf-8"))
        data = tables_dir(project) / meta["data_file"]
        assert meta["data_size"] == data.stat().st_size
        assert meta["data_sha256"] == _sha256(data)


def test_a_store_without_checksums_is_upgraded_quietly_and_not_exported_again(
    project: Project,
) -> None:
    """Sidecars written before checksums gain one on the next run; that is no change."""
    assert run_update(project, "--quiet")[0] == 0
    for path in tables_dir(project).glob("*.json"):
        meta = json.loads(path.read_text("utf-8"))
        meta.pop("data_sha256", None)
        meta.pop("data_size", None)
        path.write_text(json.dumps(meta), "utf-8")
    code, _, err = run_update(project)
    assert code == 0, err
    assert "store:" not in err and "no changes since the last export" in err
    assert sidecar(project)["data_sha256"] == _sha256(data_path(project))


def test_store_and_last_export_share_no_file(project: Project) -> None:
    """Damage to a store file cannot reach the last export's copy: no hard links."""
    assert run_update(project, "--quiet")[0] == 0
    copies = project.data_dir / baseline.BASELINE_DIR / "tables"
    store_inodes = {p.stat().st_ino for p in tables_dir(project).iterdir()}
    assert list(copies.iterdir())
    assert all(p.stat().st_ino not in store_inodes for p in copies.iterdir())
    cut_short(data_path(project))
    meta = json.loads((copies / f"{POPULATION}.json").read_text("utf-8"))
    assert _sha256(copies / meta["data_file"]).startswith(meta["data_file"].split(".")[1])


def test_an_older_last_export_of_hard_links_is_unshared_on_the_next_run(
    project: Project,
) -> None:
    """A last export made by an older bwmonitor hard-linked the store's files; the next
    run gives the store its own copies, quietly and without exporting."""
    assert run_update(project, "--quiet")[0] == 0
    copies = project.data_dir / baseline.BASELINE_DIR / "tables"
    for copy in copies.iterdir():
        copy.unlink()
        os.link(tables_dir(project) / copy.name, copy)
    code, _, err = run_update(project)
    assert code == 0 and "no changes since the last export" in err
    store_inodes = {p.stat().st_ino for p in tables_dir(project).iterdir()}
    assert all(p.stat().st_ino not in store_inodes for p in copies.iterdir())


def test_update_does_not_exit_0_over_a_store_compare_cannot_read(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Damage after fetch checked the store (here: while update compares versions) is
    caught by update's final read: exit 1, not "no changes"."""
    assert run_update(project, "--quiet")[0] == 0
    path = data_path(project)
    real_versions = baseline.current_versions

    def damage_then_compare(store: TableDir, table_ids: Any) -> dict[str, str]:
        cut_short(path)
        return real_versions(store, table_ids)

    monkeypatch.setattr(baseline, "current_versions", damage_then_compare)
    code, _, err = run_update(project, "--quiet")
    assert code == 1
    assert f"error: store: {POPULATION} is corrupt (checksum mismatch)" in err
    assert "nothing exported" in err and "Traceback" not in err


def test_compare_sees_one_version_while_fetch_commits_a_new_one(
    project: Project, cbs_server: ODataServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fetch replaces a table right after compare read its sidecar: compare still shows
    one whole version (here the new one) instead of failing on the removed data file."""
    assert project.run("fetch", "--quiet")[0] == 0
    revise_emmen(cbs_server, 111_111)
    real_meta = TableDir.meta
    committed = False

    def meta_then_fetch(self: TableDir, table_id: str) -> TableMeta | None:
        nonlocal committed
        found = real_meta(self, table_id)
        if table_id == POPULATION and not committed:
            committed = True  # fetch itself reads sidecars too: commit once
            report = fetch(resolve())
            assert [o.status for o in report.outcomes if o.table_id == POPULATION] == ["updated"]
        return found

    monkeypatch.setattr(TableDir, "meta", meta_then_fetch)
    assert emmen_population(project) in (EMMEN_2025, 111_111)
    assert committed


# -- 6: a missing export is a reason to export ---------------------------------------------


def test_update_exports_again_when_the_last_export_folder_was_deleted(project: Project) -> None:
    """The user removed the export update made last: the next run makes it again."""
    assert run_update(project, "--quiet")[0] == 0
    state = json.loads((project.data_dir / "last-export/state.json").read_text("utf-8"))
    shutil.rmtree(state["folder"])
    assert run_update(project, "--quiet")[0] == 0
    report = json.loads((project.root / "export/latest/wijzigingen.json").read_text("utf-8"))
    assert report["reason"] == "missing"
    assert (project.root / "export/latest/monitor-brede-welvaart.xlsx").is_file()


def test_update_exports_again_when_the_workbook_was_deleted(project: Project) -> None:
    """A last export folder without its main file is as good as missing."""
    assert run_update(project, "--quiet")[0] == 0
    state = json.loads((project.data_dir / "last-export/state.json").read_text("utf-8"))
    (Path(state["folder"]) / "monitor-brede-welvaart.xlsx").unlink()
    assert run_update(project, "--quiet")[0] == 0
    report = json.loads((project.root / "export/latest/wijzigingen.json").read_text("utf-8"))
    assert report["reason"] == "missing"


def test_update_exports_into_a_new_out_folder(project: Project) -> None:
    """A new --out has no export yet: update writes one there instead of 'no changes'."""
    assert run_update(project, "--quiet")[0] == 0
    elsewhere = project.root / "elders"
    code, _, err = project.run("update", "--out", str(elsewhere), "--no-charts")
    assert code == 0, err
    assert (elsewhere / "latest/monitor-brede-welvaart.xlsx").is_file()
    report = json.loads((elsewhere / "latest/wijzigingen.json").read_text("utf-8"))
    assert report["reason"] == "missing"


# -- 9: a full disk during fetch --------------------------------------------------------------


def _polars_full_disk(real: Callable[..., Any]) -> Callable[..., Any]:
    def write_parquet(self: pl.DataFrame, file: Any, *args: Any, **kwargs: Any) -> Any:
        Path(file).write_bytes(b"PAR1")  # the disk filled up part way
        raise pl.exceptions.ComputeError(POLARS_ENOSPC)

    return write_parquet


def _oserror_full_disk(real: Callable[..., Any]) -> Callable[..., Any]:
    def write_parquet(self: pl.DataFrame, file: Any, *args: Any, **kwargs: Any) -> Any:
        Path(file).write_bytes(b"")
        raise OSError(errno.ENOSPC, ENOSPC)

    return write_parquet


def _full_disk_on_replace(suffix: str) -> Callable[[pytest.MonkeyPatch], None]:
    def inject(monkeypatch: pytest.MonkeyPatch) -> None:
        real_replace = os.replace

        def replace(src: Any, dst: Any) -> None:
            if str(dst).endswith(suffix) and Path(dst).parent.name == "tables":
                raise OSError(errno.ENOSPC, ENOSPC)
            real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace)

    return inject


def _full_disk_on_parquet(
    make: Callable[[Callable[..., Any]], Callable[..., Any]],
) -> Callable[[pytest.MonkeyPatch], None]:
    def inject(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(pl.DataFrame, "write_parquet", make(pl.DataFrame.write_parquet))

    return inject


def _full_disk_on_sidecar_write(monkeypatch: pytest.MonkeyPatch) -> None:
    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, ENOSPC)

    monkeypatch.setattr(os, "fsync", fsync)


WRITE_SITES = {
    "parquet-polars-error": _full_disk_on_parquet(_polars_full_disk),
    "parquet-oserror": _full_disk_on_parquet(_oserror_full_disk),
    "parquet-rename": _full_disk_on_replace(".parquet"),
    "sidecar-write": _full_disk_on_sidecar_write,
    "sidecar-rename": _full_disk_on_replace(".json"),
}


@pytest.mark.parametrize("site", WRITE_SITES)
def test_full_disk_while_fetch_writes_keeps_the_previous_version_whole(
    project: Project, cbs_server: ODataServer, monkeypatch: pytest.MonkeyPatch, site: str
) -> None:
    """ENOSPC at any write site: one error line, exit 1, no leftovers, and the previous
    version of the table (data and sidecar together) still reads back."""
    assert project.run("fetch", "--quiet")[0] == 0
    before = sidecar(project)
    revise_emmen(cbs_server, 111_111)
    with monkeypatch.context() as patched:
        WRITE_SITES[site](patched)
        code, _, err = project.run("fetch", "--quiet")
    assert code == 1
    assert err.splitlines() == [err.splitlines()[0]] and err.startswith("error: ")
    assert "03759ned" in err
    assert ENOSPC in err and "Traceback" not in err and "unexpected" not in err
    assert debris(project) == []
    assert sidecar(project) == before
    assert emmen_population(project) == EMMEN_2025


def _sha256(path: Path) -> str:
    from bwmonitor.store.tables import file_digest

    return file_digest(path)
