"""Cores and memory within a container's cgroup limits and a Dask worker's memory limit (optimizer/inputs/machine.py)."""

from __future__ import annotations

import os
from types import SimpleNamespace

import psutil
import pytest

from optimizer.inputs import machine

SYSTEM = 8_000_000_000  # the system's available memory, as psutil reports it here


def _cgroups(monkeypatch, root, files: dict[str, str], own: str = "0::/\n") -> None:
    """A fake cgroup mount at `root` holding `files`, `own` as /proc/self/cgroup, and SYSTEM bytes
    available on the system."""
    monkeypatch.setattr(machine.psutil, "virtual_memory", lambda: SimpleNamespace(available=SYSTEM))
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "\n")
    (root / "self_cgroup").write_text(own)
    monkeypatch.setattr(machine, "CGROUP", root)
    monkeypatch.setattr(machine, "PROC_SELF_CGROUP", root / "self_cgroup")


def _affinity() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@pytest.mark.parametrize(
    ("files", "quota_cores"),
    [
        ({"cpu.max": "150000 100000"}, 2),  # cgroup v2: 1.5 cores of quota, rounded up
        ({"cpu.max": "50000 100000"}, 1),
        ({"cpu.max": "max 100000"}, None),  # no quota
        ({"cpu/cpu.cfs_quota_us": "100000", "cpu/cpu.cfs_period_us": "100000"}, 1),  # cgroup v1
        ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, None),
        ({}, None),  # no cgroup files at all
    ],
)
def test_cores_keep_to_the_cgroup_quota(tmp_path, monkeypatch, files, quota_cores):
    _cgroups(monkeypatch, tmp_path, files)
    expected = _affinity() if quota_cores is None else min(_affinity(), quota_cores)
    assert machine.cores() == expected


@pytest.mark.parametrize(
    ("files", "left"),
    [
        ({"memory.max": "1000000000", "memory.current": "400000000"}, 600_000_000),  # cgroup v2
        ({"memory.max": "100", "memory.current": "400"}, 0),  # over its limit: nothing left
        ({"memory/memory.limit_in_bytes": "300000000", "memory/memory.usage_in_bytes": "100000000"}, 200_000_000),
        ({"memory/memory.limit_in_bytes": "9223372036854771712", "memory/memory.usage_in_bytes": "1"}, None),
        ({"memory.max": "max", "memory.current": "1"}, None),
        # v2's throttling threshold, below its hard limit, is the one to plan for
        ({"memory.max": "max", "memory.high": "500000000", "memory.current": "100000000"}, 400_000_000),
        ({"memory.max": "800000000", "memory.high": "max", "memory.current": "100000000"}, 700_000_000),
        ({"memory.max": "20000000000", "memory.current": "1"}, None),  # more than the system has
        # the file cache the kernel reclaims first is not use: 1,000 MB less 700 MB in use but 300 MB of it cache
        (
            {
                "memory.max": "1000000000",
                "memory.current": "700000000",
                "memory.stat": "anon 1\ninactive_file 300000000",
            },
            600_000_000,
        ),
        (
            {
                "memory/memory.limit_in_bytes": "1000000000",
                "memory/memory.usage_in_bytes": "900000000",
                "memory/memory.stat": "cache 500000000\ntotal_inactive_file 400000000",
            },
            500_000_000,
        ),
    ],
)
def test_memory_keeps_to_the_cgroup_limit(tmp_path, monkeypatch, files, left):
    _cgroups(monkeypatch, tmp_path, files)
    assert machine.available_memory_bytes() == (SYSTEM if left is None else left)


def test_limits_of_a_nested_cgroup_and_its_parents_count(tmp_path, monkeypatch):
    """Without a cgroup namespace (a batch job's cgroup on a host), the limits are in the process's own
    cgroup and its parents, as /proc/self/cgroup names them: the tightest counts."""
    job = "memory/jobs/job_7/"
    files = {
        "memory/memory.limit_in_bytes": "9223372036854771712",
        "memory/memory.usage_in_bytes": "5000000000",
        "memory/jobs/memory.limit_in_bytes": "800000000",  # the parent: 500 MB left
        "memory/jobs/memory.usage_in_bytes": "300000000",
        f"{job}memory.limit_in_bytes": "1000000000",  # its own: 900 MB left
        f"{job}memory.usage_in_bytes": "100000000",
        "cpu/jobs/job_7/cpu.cfs_quota_us": "100000",
        "cpu/jobs/job_7/cpu.cfs_period_us": "100000",
        "memory/other/memory.limit_in_bytes": "1",  # another cgroup's limit does not count
        "memory/other/memory.usage_in_bytes": "1",
    }
    own = "4:memory:/jobs/job_7\n2:cpu,cpuacct:/jobs/job_7\n0::/\n"
    _cgroups(monkeypatch, tmp_path, files, own)
    assert machine.available_memory_bytes() == 500_000_000
    assert machine.cores() == 1
    (tmp_path / "self_cgroup").write_text("garbled\n0::/\n")  # neither its cgroup nor its limits known
    assert machine.available_memory_bytes() == SYSTEM and machine.cores() == _affinity()
    (tmp_path / "self_cgroup").write_text("4:memory:/../jobs/job_7\n")  # outside its namespace: the mount's only
    assert machine.available_memory_bytes() == SYSTEM


def test_memory_on_a_dask_worker_keeps_to_its_limit(tmp_path, monkeypatch):
    """A task on a worker with a memory limit sees that limit less the worker's resident memory."""
    distributed = pytest.importorskip("distributed")
    import dask

    _cgroups(monkeypatch, tmp_path, {})  # no cgroup limit
    headroom = 50_000_000
    limit = psutil.Process().memory_info().rss + headroom  # a thread worker shares this process
    # a worker near its limit would pause and never run the task: this one keeps running
    never = {f"distributed.worker.memory.{key}": False for key in ("target", "spill", "pause", "terminate")}
    with dask.config.set(never):
        with distributed.Client(processes=False, n_workers=1, threads_per_worker=1, memory_limit=limit) as client:
            on_worker = client.submit(machine.available_memory_bytes).result(timeout=60)
    assert on_worker <= headroom
    assert machine.available_memory_bytes() == SYSTEM  # outside a worker: no such limit
