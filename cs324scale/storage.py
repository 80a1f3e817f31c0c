"""Where sweep results and their mid-call checkpoints live, set in one place.

A sweep's store is an SQLite file (:class:`~cs324scale.train.store.ResultStore`) and its
checkpoints sit beside it in ``<store>.checkpoints/``. Every notebook and the
``python -m cs324scale.experiments`` command take the store's path from
:func:`store_path`: the environment variable ``CS324SCALE_STORE`` when it is set, else
``~/.cache/cs324scale/sweeps.sqlite``.

On Colab that default lies on the VM's disk, which Colab deletes when the runtime
disconnects (idle timeout, usage limits). :func:`use_google_drive` mounts Google Drive
and points the store there, so a disconnected run resumes: reconnect, run the setup
cell again with Drive, then rerun the same cell; finished trials load from the store
and a call cut off mid-way continues from its last checkpoint.

The sweep engine's compiled programs are kept beside the store too, in JAX's persistent
compilation cache (:func:`compilation_cache_dir`), so a rerun, a resumed call or the next
notebook that trains the same shape loads its program instead of compiling it again.
"""

from __future__ import annotations

import functools
import os
import platform
import sys
from pathlib import Path

STORE_ENV = "CS324SCALE_STORE"
CACHE_ENV = "CS324SCALE_COMPILATION_CACHE"
DEFAULT_STORE = Path.home() / ".cache" / "cs324scale" / "sweeps.sqlite"
DRIVE_MOUNT = "/content/drive"


def on_colab() -> bool:
    """Whether this kernel runs on Google Colab."""
    return "google.colab" in sys.modules


def store_path() -> Path:
    """The sweep store: ``$CS324SCALE_STORE``, else ``~/.cache/cs324scale/sweeps.sqlite``."""
    value = os.environ.get(STORE_ENV, "").strip()
    return Path(value).expanduser() if value else DEFAULT_STORE


@functools.lru_cache(maxsize=1)
def cpu_features() -> str:
    """The host CPU as XLA's CPU compiler sees it: architecture and widest vector unit.

    XLA generates CPU code for the host's instruction set, so the same jax version rounds
    differently on an AVX-512 and an AVX2 machine: ``"x86_64:avx512f"``, ``"x86_64:avx2"``,
    ``"aarch64:sve"``, ``"aarch64:asimd"``, or the bare architecture where the features
    cannot be read (``/proc/cpuinfo`` is Linux-only).
    """
    machine = platform.machine().lower() or "unknown"
    flags: set[str] = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("flags", "features")):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    for feature in ("avx512f", "avx2", "avx", "sve", "asimd"):
        if feature in flags:
            return f"{machine}:{feature}"
    return machine


def compilation_cache_dir() -> Path | None:
    """Where compiled training programs are kept: JAX's persistent compilation cache.

    ``$CS324SCALE_COMPILATION_CACHE`` when set (``off`` turns the cache off), else a
    folder beside the store named after this machine's CPU (``xla-cache-x86_64-avx2``):
    XLA compiles for the host's vector unit, and a program cached on another machine
    would be rejected and compiled again. On Google Drive (:func:`use_google_drive`) the
    programs outlive a disconnect with the store.
    """
    value = os.environ.get(CACHE_ENV, "").strip()
    if value.lower() in ("off", "0", "false", "no", "none"):
        return None
    if value:
        return Path(value).expanduser()
    return store_path().parent / f"xla-cache-{cpu_features().replace(':', '-')}"


_kit_cache_dir: str | None = None  # the folder this module gave jax, if any


def use_compilation_cache() -> Path | None:
    """Point JAX's persistent compilation cache at :func:`compilation_cache_dir`.

    Called by the sweep engine before it compiles. A cache folder set by the user
    (``JAX_COMPILATION_CACHE_DIR`` or ``jax.config``) is left alone. Programs that take
    more than a second to compile are kept (JAX's default threshold); a cached program
    is the same executable, so its numbers are the same.

    Returns:
        The folder in use, or None when the cache is off.
    """
    global _kit_cache_dir
    import jax
    from jax.experimental.compilation_cache import compilation_cache

    current = jax.config.jax_compilation_cache_dir
    if current and current != _kit_cache_dir:
        return Path(current)  # the user's own choice
    path = compilation_cache_dir()
    wanted = str(path) if path is not None else None
    if (current or None) == wanted:
        return path
    jax.config.update("jax_compilation_cache_dir", wanted)
    compilation_cache.reset_cache()  # the next compilation opens the new folder
    _kit_cache_dir = wanted
    return path


def on_google_drive(path: str | os.PathLike | None = None) -> bool:
    """Whether ``path`` (the store by default) lies on a mounted Google Drive."""
    p = Path(path) if path is not None else store_path()
    mydrive = Path(DRIVE_MOUNT) / "MyDrive"
    return mydrive.is_dir() and (p == mydrive or mydrive in p.parents)


def use_google_drive(folder: str = "cs324scale", *, mount: bool = True) -> Path:
    """On Colab, mount Google Drive and keep the store and checkpoints in ``MyDrive/folder``.

    Sets ``CS324SCALE_STORE`` for this kernel, so every later :func:`store_path` (and the
    sweeps it feeds) uses Drive. Anywhere else, or when Drive cannot be mounted, it says
    so and leaves the store where it was.

    Args:
        folder: folder inside "My Drive".
        mount: call ``google.colab.drive.mount`` (asks for permission once per runtime).

    Returns:
        The store path now in use.
    """
    if not on_colab():
        print(f"Google Drive is only available on Colab; the store stays at {store_path()}.")
        return store_path()
    if mount:
        try:
            from google.colab import drive

            drive.mount(DRIVE_MOUNT)
        except Exception as err:  # noqa: BLE001 - any failure: say so, keep the local store
            print(f"Google Drive is NOT mounted ({err}); the store stays at {store_path()}, "
                  "on this VM's disk, and is lost if the runtime disconnects.")
            return store_path()
    target = Path(DRIVE_MOUNT) / "MyDrive" / folder / "sweeps.sqlite"
    if not on_google_drive(target):
        print(f"Google Drive is NOT mounted at {DRIVE_MOUNT}; the store stays at {store_path()}, "
              "on this VM's disk, and is lost if the runtime disconnects.")
        return store_path()
    os.environ[STORE_ENV] = str(target)
    print(f"store and checkpoints on Google Drive: {target}")
    return target


def describe() -> str:
    """One line: where the store is, and whether it outlives a Colab disconnect."""
    path = store_path()
    where = f"store {path} (checkpoints in {path.name}.checkpoints/ beside it)"
    if not on_colab():
        return f"{where}, on this machine's disk"
    if on_google_drive(path):
        return f"{where}, on Google Drive: it survives a disconnect"
    return (f"{where}, on this Colab VM's disk, which is deleted when the runtime disconnects; "
            "set USE_GOOGLE_DRIVE = True in the setup cell to keep long runs")
