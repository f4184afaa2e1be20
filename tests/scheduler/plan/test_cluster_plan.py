"""Teams planned on a Dask cluster (``rota plan --cluster``) give the local plan: each
team is built and solved from its own generator, wherever it runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from data.scenarios import generate
from models import Policy
from scheduler.cli.main import main
from scheduler.plan.planner import plan_week

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    """One in-process worker thread: a real scheduler to connect to by its address."""
    with distributed.LocalCluster(
        n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None
    ) as running:
        yield running


@pytest.fixture(scope="module")
def small_met():
    # 32 planning units of one officer each: the cluster gets 32 tasks of each kind.
    return generate("met", scale=0.03)


def test_the_cluster_plan_is_the_local_plan(cluster, small_met) -> None:
    reg, week = small_met.register, small_met.week_start
    local = plan_week(reg, Policy(), week, seed=7)
    with distributed.Client(cluster.scheduler_address) as client:
        remote = plan_week(reg, Policy(), week, seed=7, executor=client.get_executor(pure=False))
    assert remote.visits == local.visits and remote.unscheduled == local.unscheduled
    assert remote.officer_days == local.officer_days
    assert len({v.officer_ids for v in remote.visits}) > 10, "many units have visits"


def test_rota_plan_cluster_writes_the_local_files(cluster, tmp_path: Path) -> None:
    args = ["plan", "--scenario", "borough", "--seed", "5", "--week", "2026-12-07", "--out"]
    runner = CliRunner()
    local = runner.invoke(main, [*args, str(tmp_path / "local")], catch_exceptions=False)
    remote = runner.invoke(
        main,
        [*args, str(tmp_path / "remote"), "--cluster", cluster.scheduler_address],
        catch_exceptions=False,
    )
    assert remote.exit_code == local.exit_code
    for name in ("visits.csv", "unscheduled.csv"):
        ours = (tmp_path / "remote" / "manager" / name).read_bytes()
        assert ours == (tmp_path / "local" / "manager" / name).read_bytes()


def test_workers_and_cluster_are_alternatives(tmp_path: Path) -> None:
    out = tmp_path / "never"
    result = CliRunner().invoke(
        main, ["plan", "--workers", "2", "--cluster", "tcp://127.0.0.1:1", "--out", str(out)]
    )
    assert result.exit_code == 2 and "alternatives" in result.output
    assert not out.exists()


def test_an_unreachable_cluster_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "never"
    result = CliRunner().invoke(main, ["plan", "--cluster", "tcp://127.0.0.1:1", "--out", str(out)])
    assert result.exit_code == 1 and "cannot reach the Dask scheduler" in result.output
    assert "Traceback" not in result.output and not out.exists()
