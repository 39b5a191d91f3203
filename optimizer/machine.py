"""What the machine lets a run use: cores and memory, within a container's or a Dask worker's limits.

`os.cpu_count()` and psutil report the host, not a container's cgroup quota or a Dask worker's
memory limit, so a run in a container or on a worker would plan for resources it cannot have.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import psutil

CGROUP = Path("/sys/fs/cgroup")


def cores() -> int:
    """Cores this process may run on: its CPU affinity, capped by a cgroup CPU quota (at least 1)."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        count = os.cpu_count() or 1
    quota = _cpu_quota(CGROUP)
    return max(1, min(count, math.ceil(quota) if quota else count))


def available_memory_bytes() -> float:
    """Bytes this process may still allocate: the memory the system has available, capped by what
    its cgroup's limit leaves and, on a Dask worker, by what the worker's memory limit leaves."""
    return min(psutil.virtual_memory().available, _cgroup_memory_left(CGROUP), _worker_memory_left())


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _cpu_quota(root: Path) -> float | None:
    """Cores the cgroup's quota allows (cgroup v2 `cpu.max`, else v1 `cfs_quota_us`), None without one."""
    v2 = _read(root / "cpu.max")
    if v2 is not None:
        quota, _, period = v2.partition(" ")
        return None if quota == "max" or not period else int(quota) / int(period)
    quota, period = _read(root / "cpu" / "cpu.cfs_quota_us"), _read(root / "cpu" / "cpu.cfs_period_us")
    if quota is None or period is None or int(quota) <= 0:
        return None
    return int(quota) / int(period)


def _cgroup_memory_left(root: Path) -> float:
    """The cgroup's memory limit less its use (v2 `memory.max`, else v1), infinite without a limit."""
    for limit_file, usage_file in (
        ("memory.max", "memory.current"),
        ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes"),
    ):
        limit, usage = _read(root / limit_file), _read(root / usage_file)
        if limit is None or usage is None:
            continue
        if limit == "max" or int(limit) >= 2**62:  # v1 states "no limit" as a huge number
            return math.inf
        return max(int(limit) - int(usage), 0)
    return math.inf


def _worker_memory_left() -> float:
    """On a Dask worker with a memory limit, that limit less this process's resident memory."""
    if "distributed" not in sys.modules:  # never imported: not a worker
        return math.inf
    from distributed import get_worker

    try:
        limit = get_worker().memory_manager.memory_limit
    except ValueError:  # not running in a worker's task
        return math.inf
    return math.inf if not limit else max(limit - psutil.Process().memory_info().rss, 0)
