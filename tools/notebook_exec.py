"""Execute a notebook with nbclient, without the widget-cell stall, and fail loudly on a stall.

The stall. With nbclient's asyncio kernel client (jupyter_client's
``AsyncZMQSocketChannel``), the cell after a widget cell sometimes starts only when the
per-cell timeout runs out: ``make course`` waited 599 s after each explorer at
``timeout=600`` and reported nothing. It happens under CPU load, as on a 2-core machine
building the course. The client's ``shell_channel.get_msg(timeout)`` awaits
``zmq.asyncio`` ``socket.poll(timeout)``, which is woken by ZeroMQ's edge-triggered
``ZMQ_FD``. When that edge is consumed without waking the poll, the ``execute_reply`` sits
in the client's socket while client and kernel both wait; at the deadline pyzmq makes one
last non-blocking poll, finds the reply, and nbclient carries on as if nothing happened
(jupyter/nbclient#312, zeromq/pyzmq#2173). Traced here on lecture 01 with three busy
processes beside it: the shell (DEALER) socket's poll was still pending 5 s after the
widget cell ended while ``ZMQ_EVENTS`` reported a message waiting, in 3 runs out of 3.

The fix here is at that layer: while the kernel client's channels wait, they ask the socket
itself (``ZMQ_EVENTS``) every quarter second whether a message is waiting, so a missed
edge costs at most that instead of the whole timeout. Each recovered wakeup is counted.

The stall limit. After the run, the gap between one cell's end and the next cell's start
(from nbclient's ``record_timing`` metadata, stamped by the kernel) must stay under
``stall_limit`` seconds; otherwise :class:`ExecutorStall` names the cell.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from queue import Empty

import nbformat
import zmq
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from traitlets import Type, default

WATCH_S = 0.25
MISSED_WAKEUPS = {"count": 0}


class WatchedPollChannel(AsyncZMQSocketChannel):
    """An async ZMQ channel whose ``get_msg`` cannot sleep through a message that has arrived.

    It awaits pyzmq's own poll, and every ``WATCH_S`` seconds asks the socket whether a
    message is waiting (``ZMQ_EVENTS``); if one is, the poll missed its wakeup: the message
    is received at once and the recovery counted in ``MISSED_WAKEUPS``.
    """

    async def get_msg(self, timeout: float | None = None) -> dict:
        assert self.socket is not None
        poll = asyncio.ensure_future(self.socket.poll(None if timeout is None else int(timeout * 1000)))
        try:
            while True:
                done, _ = await asyncio.wait({poll}, timeout=WATCH_S)
                if done:
                    break
                if self.socket.get(zmq.EVENTS) & zmq.POLLIN:
                    MISSED_WAKEUPS["count"] += 1
                    return await self._recv()
        finally:
            # Also when this call is cancelled (nbclient cancels its IOPub reader): a poll
            # left pending would take the wakeup meant for the next one.
            if not poll.done():
                poll.cancel()
        if poll.result():
            return await self._recv()
        raise Empty


class WatchedPollClient(AsyncKernelClient):
    shell_channel_class = Type(WatchedPollChannel)  # type: ignore[assignment]
    iopub_channel_class = Type(WatchedPollChannel)  # type: ignore[assignment]
    stdin_channel_class = Type(WatchedPollChannel)  # type: ignore[assignment]
    control_channel_class = Type(WatchedPollChannel)  # type: ignore[assignment]


class WatchedPollKernelManager(AsyncKernelManager):
    @default("client_factory")
    def _client_factory_default(self) -> type:
        return WatchedPollClient


class ExecutorStall(RuntimeError):
    """A cell started long after the previous one ended: the executor, not the code, waited."""


def _stamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def cell_gaps(nb: nbformat.NotebookNode) -> list[tuple[int, float]]:
    """``(cell index, seconds between the previous cell's idle and this cell's busy)``."""
    gaps, previous_end = [], None
    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.status.busy" not in timing or "iopub.status.idle" not in timing:
            continue
        start = _stamp(timing["iopub.status.busy"])
        if previous_end is not None:
            gaps.append((index, (start - previous_end).total_seconds()))
        previous_end = _stamp(timing["iopub.status.idle"])
    return gaps


def check_stalls(nb: nbformat.NotebookNode, name: str, stall_limit: float) -> None:
    """Raise :class:`ExecutorStall` naming the first cell that started ``stall_limit`` s late."""
    stalls = [(i, gap) for i, gap in cell_gaps(nb) if gap > stall_limit]
    if stalls:
        index, gap = stalls[0]
        first_line = nb.cells[index].source.strip().splitlines()[:1]
        raise ExecutorStall(
            f"{name}: cell {index} ({first_line[0] if first_line else 'empty'!r}) started "
            f"{gap:.0f} s after the previous cell ended (stall limit {stall_limit:g} s); "
            f"{len(stalls)} such cell(s) in all."
        )


def execute_notebook(
    src: Path,
    cwd: Path,
    timeout: int | None = 600,
    stall_limit: float = 5.0,
    kernel_manager_class: type = WatchedPollKernelManager,
    kernel_name: str = "python3",
) -> nbformat.NotebookNode:
    """Execute ``src`` in ``cwd``; raise :class:`ExecutorStall` naming any cell that waited.

    ``timeout`` bounds one cell's own run time (``None``: unbounded, for full mode);
    ``stall_limit`` bounds the wait between cells, which no notebook code spends.
    ``kernel_name`` names the kernelspec to run the notebook in.
    """
    nb = nbformat.read(src, as_version=4)
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        record_timing=True,
        kernel_manager_class=kernel_manager_class,
        resources={"metadata": {"path": str(cwd)}},
    ).execute()
    check_stalls(nb, src.name, stall_limit)
    return nb
