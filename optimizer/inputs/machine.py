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

CGROUP = Path("/sys/fs/cgroup")  # cgroup v2, or v1 with a folder per controller
PROC_SELF_CGROUP = Path("/proc/self/cgroup")


def cores() -> int:
    """Cores this process may run on: its CPU affinity, capped by a cgroup CPU quota (at least 1)."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        count = os.cpu_count() or 1
    quota = _cpu_quota()
    return max(1, min(count, math.ceil(quota) if quota else count))


def available_memory_bytes() -> float:
    """Bytes this process may still allocate: the memory the system has available, capped by what
    the limits of its cgroup and of the cgroup's parents leave and, on a Dask worker, by what the
    worker's memory limit leaves."""
    return min(psutil.virtual_memory().available, _cgroup_memory_left(), _worker_memory_left())


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup per v1 controller, and under "" its cgroup v2 path (/proc/self/cgroup)."""
    own = {}
    for line in (_read(PROC_SELF_CGROUP) or "").splitlines():
        if line.count(":") < 2:
            continue
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    return own


def _folders(hierarchy: str) -> list[Path]:
    """The folders of a cgroup hierarchy ("" for v2, else a v1 controller) that limit this process:
    its own cgroup and each parent up to the mount, where they exist (inside a container's cgroup
    namespace its own is the mount itself)."""
    mount = CGROUP / hierarchy if hierarchy else CGROUP
    path = _own_cgroups().get(hierarchy, "/").strip("/")
    own = mount if ".." in Path(path).parts else mount / path  # outside its namespace: the mount's only
    chain = [own, *own.parents[: len(own.parents) - len(mount.parents)]]
    return [folder for folder in chain if _is_dir(folder)]


def _is_dir(folder: Path) -> bool:
    try:
        return folder.is_dir()
    except OSError:  # e.g. no permission in a sandbox: as if absent
        return False


def _number(text: str | None) -> int | None:
    """A cgroup file's whole number; None for "max", a missing file or anything else."""
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _cpu_quota() -> float | None:
    """The cores the tightest cgroup CPU quota allows (v2 `cpu.max`, v1 `cfs_quota_us`), None without one."""
    pairs = [(_read(folder / "cpu.max") or "").partition(" ")[::2] for folder in _folders("")]
    pairs += [(_read(f / "cpu.cfs_quota_us"), _read(f / "cpu.cfs_period_us")) for f in _folders("cpu")]
    quotas = [(_number(quota), _number(period)) for quota, period in pairs]
    return min((quota / period for quota, period in quotas if quota and quota > 0 and period), default=None)


def _cgroup_memory_left() -> float:
    """The least memory any cgroup of this process has left: its limit less its working set, the use
    without the file cache the kernel reclaims first (as the system's available memory counts it);
    v2 `memory.max` and `memory.high` (above it the kernel throttles the cgroup and reclaims hard), v1
    `memory.limit_in_bytes`; infinite without a limit."""
    left = math.inf
    levels = [
        (f, limit, "memory.current", "inactive_file") for f in _folders("") for limit in ("memory.max", "memory.high")
    ]
    levels += [(f, "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file") for f in _folders("memory")]
    for folder, limit_file, usage_file, cache_key in levels:
        limit, usage = _number(_read(folder / limit_file)), _number(_read(folder / usage_file))
        if limit is not None and usage is not None and limit < 2**62:  # v1's "no limit" is huge, v2's "max"
            working_set = max(usage - _stat(folder, cache_key), 0)
            left = min(left, max(limit - working_set, 0))
    return left


def _stat(folder: Path, key: str) -> int:
    """A figure of the cgroup's `memory.stat` (0 where absent)."""
    for line in (_read(folder / "memory.stat") or "").splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            return _number(value) or 0
    return 0


def _worker_memory_left() -> float:
    """On a Dask worker with a memory limit, what is left before its nanny would stop it (the limit's
    `distributed.worker.memory.terminate` share) less this process's resident memory."""
    if "distributed" not in sys.modules:  # never imported: not a worker
        return math.inf
    import dask
    from distributed import get_worker

    try:
        limit = get_worker().memory_manager.memory_limit
    except ValueError:  # not running in a worker's task
        return math.inf
    if not limit:
        return math.inf
    share = dask.config.get("distributed.worker.memory.terminate", default=False) or 1.0
    return max(limit * share - psutil.Process().memory_info().rss, 0)
