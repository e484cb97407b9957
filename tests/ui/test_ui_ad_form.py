"""The Ad Studio form's handler (the Generate button) on bad or awkward input, without a browser."""

from __future__ import annotations

import pytest


def _status(result: tuple) -> str:
    """The status line of the Generate handler's outputs (after one video per platform and the downloads)."""
    from studio.ui.ad_tab import PLATFORM_CHOICES

    return result[len(PLATFORM_CHOICES) + 1]


def test_the_app_form_says_which_colour_is_wrong(tmp_path):
    from studio.store import Store
    from studio.ui.ad_tab import generate
    from studio.ui.context import AppContext

    ctx = AppContext(store=Store(tmp_path / "s.sqlite3"), home=tmp_path, outputs=tmp_path)
    form = {
        "photos": [str(tmp_path / "a.jpg")],
        "logo": None,
        "product": "Tea",
        "headline": "Tea",
        "points_text": "",
        "price": "",
        "cta": "",
        "template": "showcase",
        "platforms": ["tiktok"],
        "duration": 6,
        "language": "en",
        "music": "none",
        "category": "general",
        "primary": "rgb 31 95 74",
        "accent": "#E8B04B",
        "spin": "",
        "draft": True,
    }
    with pytest.warns(UserWarning, match="brand colour"):  # the toast (gr.Warning outside a running app)
        status = _status(generate(ctx, **form))
    assert status.startswith("**Not rendered:**")
    assert "The brand colour 'rgb 31 95 74' is not a colour like #1F5F4A" in status


def test_the_app_form_takes_a_long_headline_as_the_product_name(tmp_path, monkeypatch):
    """The quick form without a product name used to fail on headlines over 80 characters; it renders now (and
    a disk that fills while signing is one message, with nothing left in the outputs)."""
    from studio.spec import implicit_product_name
    from studio.store import Store
    from studio.ui.ad_tab import generate
    from studio.ui.context import AppContext
    from tests.helpers import fill_disk_when_signing, make_photo

    outputs = tmp_path / "outputs"
    outputs.mkdir()
    ctx = AppContext(store=Store(tmp_path / "s.sqlite3"), home=tmp_path, outputs=outputs)
    headline = "Hand picked high mountain oolong from Alishan, roasted twice and sealed fresh for you"
    fill_disk_when_signing(monkeypatch)
    form = {
        "photos": [str(make_photo(tmp_path / "a.jpg"))],
        "logo": None,
        "product": "",
        "headline": headline,
        "points_text": "",
        "price": "",
        "cta": "",
        "template": "showcase",
        "platforms": ["square"],
        "duration": 5,
        "language": "en",
        "music": "none",
        "category": "general",
        "primary": "#1F5F4A",
        "accent": "rgb(232, 176, 75)",
        "spin": "",
        "draft": True,
    }
    with pytest.warns(UserWarning, match="Could not write the signed copy of"):
        status = _status(generate(ctx, **form))
    assert "Could not write the signed copy of" in status and str(tmp_path) not in status
    assert [p for p in outputs.rglob("*") if p.is_file()] == []
    (row,) = ctx.store.renders()
    assert row.status == "failed" and row.spec["product"] == implicit_product_name(headline)
    assert len(headline) > 80 >= len(row.spec["product"])
