"""The optional enwik8 loader: download once into a cache, check the file, split it, and
fail with a clear message when offline. A small stand-in zip is served from localhost."""

import functools
import http.server
import io
import socket
import threading
import zipfile

import numpy as np
import pytest

from cs324scale.train import corpora

TEXT = ("<page><title>Anarchism</title>\n" * 40).encode() + bytes(range(200, 210))


@pytest.fixture
def small_enwik8(monkeypatch, tmp_path):
    """A stand-in enwik8.zip of len(TEXT) bytes, and the module told that is enwik8's size."""
    monkeypatch.setattr(corpora, "N_BYTES", len(TEXT))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("enwik8", TEXT)
    site = tmp_path / "site"
    site.mkdir()
    (site / "enwik8.zip").write_bytes(buf.getvalue())
    return site


@pytest.fixture
def server(small_enwik8):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(small_enwik8))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_is_cached_and_the_split_is_train_val_test(server, tmp_path):
    url = f"http://127.0.0.1:{server.server_address[1]}/enwik8.zip"
    cache = tmp_path / "cache"
    path = corpora.download(url, folder=cache)
    assert path.parent == cache and path.is_file()
    server.shutdown()  # a second call must not need the network
    assert corpora.download(url, folder=cache) == path

    held = 30
    data = corpora.encode(corpora.read_bytes(path), held_out=held)
    assert len(data.train) == len(TEXT) - 2 * held and len(data.val) == held
    assert data.vocab_size == len(set(TEXT))
    assert data.decode(data.train) == TEXT[: -2 * held].decode("latin-1")
    assert data.decode(data.val) == TEXT[-2 * held : -held].decode("latin-1")
    np.testing.assert_array_equal(data.encode(TEXT[:50].decode("latin-1")), data.train[:50])


def test_offline_download_says_what_to_do(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/enwik8.zip"
    with pytest.raises(ConnectionError, match=r"shakespeare\(\).*path="):
        corpora.download(url, folder=tmp_path)


def test_wrong_file_is_refused(small_enwik8, tmp_path):
    short = tmp_path / "enwik8"
    short.write_bytes(TEXT[:-1])
    with pytest.raises(ValueError, match="not enwik8's"):
        corpora.read_bytes(short)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("text8", TEXT)
    with pytest.raises(ValueError, match="no 'enwik8' member"):
        corpora.read_bytes(other)
    with pytest.raises(ValueError, match="does not exist"):
        corpora.read_bytes(tmp_path / "missing.zip")


def test_local_copy_needs_no_download(small_enwik8):
    corpora.enwik8.cache_clear()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(corpora, "N_HELD_OUT", 25)
            mp.setattr(corpora, "download", lambda *a, **k: pytest.fail("downloaded"))
            data = corpora.enwik8(small_enwik8 / "enwik8.zip")
    finally:
        corpora.enwik8.cache_clear()
    assert len(data.val) == 25 and len(data.train) == len(TEXT) - 50
