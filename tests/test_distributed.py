"""A sweep spread over two processes with jax.distributed, on one machine's CPU.

Two processes start JAX's distributed runtime on localhost, one CPU device each, and
run the same sweep into one store: each trains and commits the trials of its own
device. Their merged store must equal, trial for trial, a single process with two CPU
devices (the same placement of trials on devices), and a second run trains nothing.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np

ENV = {**os.environ, "JAX_PLATFORMS": "cpu"}

SWEEP = """
import json, sys
from cs324scale import train
cfgs = [train.MLPConfig(width=w, depth=1, context=3, embed_dim=4) for w in (16, 24)]
res = train.run_sweep(cfgs, [1e-3, 3e-3, 1e-2], [0, 1], steps=60, batch_size=16, eval_size=32,
                      store=STORE, max_trials_per_call=5, progress=False)
print(json.dumps({"key": res.key.tolist(), "final": res.final_loss.tolist(), "curve": res.curve.tolist(),
                  "cached": res.cached.tolist(), "process": [p["process"] for p in res.provenance]}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _two_processes(store) -> list[dict]:
    port = _free_port()
    procs = []
    for pid in (0, 1):
        head = textwrap.dedent(
            f"""
            import jax
            try:  # jax < 0.5 needs the CPU collectives named; newer versions default to gloo
                jax.config.update("jax_cpu_collectives_implementation", "gloo")
            except AttributeError:
                pass
            jax.distributed.initialize("127.0.0.1:{port}", num_processes=2, process_id={pid})
            assert jax.device_count() == 2 and jax.local_device_count() == 1
            STORE = {str(store)!r}
            """
        )
        procs.append(subprocess.Popen([sys.executable, "-c", head + SWEEP], env=ENV,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=600)
            assert p.returncode == 0, err[-3000:]
            outs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            p.kill()
    return outs


def test_two_process_sweep_equals_one_process_with_two_devices(tmp_path):
    store = tmp_path / "shared.sqlite"
    first = _two_processes(store)
    assert first[0]["key"] == first[1]["key"] and first[0]["final"] == first[1]["final"]
    assert {p for p in first[0]["process"]} == {"0/2", "1/2"}, "each process commits its own trials"

    one = subprocess.run(
        [sys.executable, "-c", "import jax\njax.config.update('jax_num_cpu_devices', 2)\nSTORE = None\n" + SWEEP],
        env=ENV, capture_output=True, text=True, timeout=600,
    )
    assert one.returncode == 0, one.stderr[-3000:]
    single = json.loads(one.stdout.strip().splitlines()[-1])
    assert single["key"] == first[0]["key"]
    np.testing.assert_array_equal(first[0]["final"], single["final"])
    np.testing.assert_array_equal(first[0]["curve"], single["curve"])

    again = _two_processes(store)  # the store decides what is left: nothing
    assert all(all(r["cached"]) for r in again) and again[0]["final"] == first[0]["final"]
