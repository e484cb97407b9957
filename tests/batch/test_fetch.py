"""`studio batch fetch` against a loopback HTTP server: good photos cached by content, bad links fail alone."""

from __future__ import annotations

import http.server
import io
import threading

import pytest
from PIL import Image

from studio.batch.fetch import cached, fetch_images
from studio.batch.plan import plan_batch
from tests.batch.catalogues import write_csv


def _jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 600), (40 * seed, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def server():
    release = threading.Event()
    hits: dict[str, int] = {}
    good, other = _jpeg(1), _jpeg(2)
    gif = io.BytesIO()
    Image.new("P", (32, 32)).save(gif, "GIF")

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            hits[self.path] = hits.get(self.path, 0) + 1
            routes = {
                "/a.jpg": (200, good),
                "/same-bytes.jpg": (200, good),
                "/b.jpg": (200, other),
                "/page.jpg": (200, b"<html>not an image</html>"),
                "/cut.jpg": (200, good[: len(good) // 2]),
                "/anim.gif": (200, gif.getvalue()),
                "/big.jpg": (200, b"\xff" * 5000),
            }
            if self.path == "/flaky.jpg" and hits[self.path] == 1:
                status, body = 503, b""
            elif self.path == "/flaky.jpg":
                status, body = 200, other
            elif self.path == "/hang.jpg":
                release.wait(30)  # never answers within the client's timeout
                status, body = 200, good
            else:
                status, body = routes.get(self.path, (404, b""))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    release.set()
    httpd.shutdown()


def test_fetch_checks_every_link(server, tmp_path):
    base, hits = server
    names = ["a.jpg", "same-bytes.jpg", "flaky.jpg", "missing.jpg", "page.jpg", "cut.jpg", "anim.gif", "big.jpg",
             "hang.jpg"]  # fmt: skip
    urls = [f"{base}/{n}" for n in names]
    result = fetch_images(urls, tmp_path / "cache", timeout=0.5, retries=2, max_bytes=4000 + len(_jpeg(1)))
    assert sorted(result.fetched) == sorted(f"{base}/{n}" for n in ("a.jpg", "same-bytes.jpg", "flaky.jpg"))
    assert result.fetched[f"{base}/a.jpg"] == result.fetched[f"{base}/same-bytes.jpg"]  # content-addressed
    assert hits["/flaky.jpg"] == 2  # a 503 is retried
    why = {u.rsplit("/", 1)[1]: m for u, m in result.failed.items()}
    assert "HTTP 404" in why["missing.jpg"] and hits["/missing.jpg"] == 1  # a 404 is not
    assert "not a readable image" in why["page.jpg"] and "not a readable image" in why["cut.jpg"]
    assert "GIF" in why["anim.gif"]
    assert "limit" in why["big.jpg"] or "not a readable image" in why["big.jpg"]
    assert "hang.jpg" in why and hits["/hang.jpg"] == 2
    # a second fetch is served from the cache
    again = fetch_images(urls[:1], tmp_path / "cache")
    assert again.fetched == {urls[0]: result.fetched[urls[0]]} and hits["/a.jpg"] == 1
    assert cached(urls[0], tmp_path / "cache") == result.fetched[urls[0]]


def test_size_cap(server, tmp_path):
    base, _ = server
    result = fetch_images([f"{base}/a.jpg"], tmp_path / "cache", max_bytes=100)
    assert (
        "limit of 100 bytes" in result.failed[f"{base}/a.jpg"]
        or "the limit is 100" in result.failed[f"{base}/a.jpg"]
    )


def test_plan_uses_the_cache_offline(server, photos, tmp_path, studio_home):
    base, _ = server
    catalogue = write_csv(photos / "c.csv", ["id", "product", "photos", "platforms"], [
        ["T1", "Tea", f"{base}/a.jpg", "square"],
        ["T2", "Mug", f"{base}/missing.jpg", "square"],
    ])  # fmt: skip
    fetch_images([f"{base}/a.jpg", f"{base}/missing.jpg"])  # into STUDIO_HOME's cache
    plan = plan_batch(catalogue, tmp_path / "out", defaults={"duration": 5})
    assert [j.product_id for j in plan.jobs] == ["T1"]
    assert plan.jobs[0].spec["photos"][0].startswith(str(studio_home))
    (error,) = plan.errors
    assert error.row == 2 and "studio batch fetch" in error.message
