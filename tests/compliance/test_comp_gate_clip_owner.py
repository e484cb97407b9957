"""One CLIP owner: the embedder is loaded once per process or app context and passed to every screen."""

from __future__ import annotations

import json

import pytest

from studio.ads import make_ad
from studio.compliance.embed import ClipEmbedder, ClipHandle
from studio.media.encode import EncodeSettings
from studio.spec import parse_spec
from studio.store import Store
from tests.helpers import make_photo

FAST = EncodeSettings(preset="veryfast")


@pytest.fixture()
def counting_clip(tiny_clip):
    loads = []

    def loader():
        loads.append(1)
        return ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint)

    handle = ClipHandle(loader)
    handle.loaded_times = loads  # type: ignore[attr-defined]
    return handle


def _spec(tmp_path, headline="幫助消化"):
    return parse_spec(
        {
            "product": "Tea",
            "photos": [str(make_photo(tmp_path / "a.jpg"))],
            "headline": headline,
            "duration": 5,
            "platforms": ["square"],
            "music": None,
        }
    )


def test_two_renders_share_one_clip_load_and_screen_with_clip(tmp_path, counting_clip):
    store = Store(tmp_path / "s.sqlite3")
    for n in range(2):
        result = make_ad(_spec(tmp_path), tmp_path / f"out{n}", store=store, encode=FAST, clip=counting_clip)
        for published in (result.outputs[0].path, result.outputs[0].cover):
            report = json.loads(published.with_name(published.name + ".compliance.json").read_text())
            assert "clip_concept" in report["checks_run"]  # CLIP really ran, end to end
            assert "clip_concept" not in report["checks_skipped"]
    assert len(counting_clip.loaded_times) == 1 and counting_clip.loads == 1


def test_the_ad_studio_uses_the_apps_clip_on_every_generate(tmp_path, counting_clip):
    pytest.importorskip("gradio")
    from studio.ui import ad_tab
    from studio.ui.context import AppContext

    ctx = AppContext(
        store=Store(tmp_path / "s.sqlite3"), home=tmp_path, outputs=tmp_path / "outputs", clip=counting_clip
    )
    photo = str(make_photo(tmp_path / "p.jpg"))
    for _ in range(2):
        ad_tab.generate(ctx, [photo], None, "Tea", "幫助消化", "", "", "", "showcase", ["square"], 5, "zh-TW",
                        "none", "general", "#1F5F4A", "#E8B04B", "", True)  # fmt: skip
    assert counting_clip.loads == 1
    rows = ctx.store.renders(kind="ad")
    assert [r.status for r in rows] == ["done", "done"]


def test_a_fresh_app_context_has_its_own_lazy_handle(tmp_path):
    from studio.ui.context import AppContext

    a = AppContext(store=Store(tmp_path / "a.sqlite3"), home=tmp_path, outputs=tmp_path)
    b = AppContext(store=Store(tmp_path / "b.sqlite3"), home=tmp_path, outputs=tmp_path)
    assert a.clip is not b.clip and a.clip.loads == 0  # nothing is loaded until a screen asks
