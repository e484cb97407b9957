"""Catalogue readers: Shopify (old and new headers), WooCommerce, Merchant Center, studio CSV and job lists."""

from __future__ import annotations

import json

import pytest

from studio.batch.catalogue import format_price, html_bullets, promo_line, read_catalogue
from studio.errors import InputError
from tests.batch.catalogues import write_csv

SHOPIFY_OLD = ["Handle", "Title", "Body (HTML)", "Variant Price", "Variant Compare At Price", "Image Src",
               "Image Position"]  # fmt: skip
SHOPIFY_NEW = ["URL handle", "Title", "Description", "Price", "Compare-at price", "Product image URL",
               "Image position"]  # fmt: skip


@pytest.mark.parametrize("header", [SHOPIFY_OLD, SHOPIFY_NEW], ids=["old-headers", "new-headers"])
def test_shopify_rows_grouped_by_handle_with_several_images(tmp_path, header):
    rows = [
        [
            "oolong",
            "高山烏龍茶",
            "<ul><li>手採茶葉</li><li>冷泡熱泡皆宜</li></ul>",
            "580",
            "680",
            "b.jpg",
            "2",
        ],
        ["oolong", "", "", "", "", "a.jpg", "1"],
        ["oolong", "", "", "", "", "c.jpg", "3"],
        ["mug", "Stone mug", "<p>Hand thrown.</p><p>Dishwasher safe.</p>", "450", "", "m.jpg", "1"],
    ]
    cat = read_catalogue(write_csv(tmp_path / "products_export.csv", header, rows))
    assert cat.format == "shopify" and cat.errors == ()
    tea, mug = cat.products
    assert (tea.product_id, tea.title, tea.row) == ("oolong", "高山烏龍茶", 1)
    assert tea.photos == ("a.jpg", "b.jpg", "c.jpg")  # ordered by Image Position
    assert tea.selling_points == ("手採茶葉", "冷泡熱泡皆宜")
    assert tea.price == "NT$ 580 (原價 NT$ 680)"
    assert mug.selling_points == ("Hand thrown.", "Dishwasher safe.") and mug.price == "NT$ 450"


def test_woocommerce_images_comma_separated_and_variations_skipped(tmp_path):
    header = ["ID", "Type", "SKU", "Name", "Short description", "Regular price", "Sale price", "Images"]
    rows = [
        ["11", "variable", "TEA-1", "Oolong", "<ul><li>Hand picked</li></ul>", "680", "", "x.jpg, y.jpg"],
        ["12", "variation", "TEA-1-S", "Oolong small", "", "380", "", ""],
        ["13", "simple", "", "", "", "", "", ""],
    ]
    cat = read_catalogue(write_csv(tmp_path / "wc.csv", header, rows))
    assert cat.format == "woocommerce"
    (tea,) = cat.products
    assert (tea.product_id, tea.photos, tea.selling_points) == ("TEA-1", ("x.jpg", "y.jpg"), ("Hand picked",))
    assert [(e.row, e.column) for e in cat.errors] == [(3, "Name")]


def test_merchant_center_tsv_prices_and_highlights(tmp_path):
    path = tmp_path / "feed.txt"
    path.write_text(
        "id\ttitle\tdescription\tprice\tsale_price\timage_link\tadditional_image_link\tproduct_highlight\n"
        "sku-9\t蜂蜜檸檬\t清爽\t680.00 TWD\t580.00 TWD\thttps://shop.example/i/a.jpg\t"
        "https://shop.example/i/b.jpg,https://shop.example/i/c.jpg\t台灣蜂蜜;無添加\n",
        encoding="utf-8",
    )
    cat = read_catalogue(path)
    (item,) = cat.products
    assert cat.format == "merchant" and item.price == "NT$ 580 (原價 NT$ 680)"
    assert item.photos == tuple(f"https://shop.example/i/{n}.jpg" for n in "abc")
    assert item.selling_points == ("台灣蜂蜜", "無添加")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950"])
def test_encodings_as_excel_saves_them(tmp_path, encoding):
    header = ["id", "product", "headline", "selling_points", "price", "photos"]
    rows = [["T1", "高山烏龍茶", "今年新茶", "手採|冷泡", "NT$ 680 買二送一", "p0.jpg"]]
    cat = read_catalogue(write_csv(tmp_path / "c.csv", header, rows, encoding=encoding))
    (item,) = cat.products
    assert (cat.format, item.title, item.headline, item.selling_points, item.price) == (
        "studio-csv", "高山烏龍茶", "今年新茶", ("手採", "冷泡"), "NT$ 680 買二送一"
    )  # fmt: skip


def test_not_text_is_a_clear_error(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"\xff\xfe\x00\xd8\x00\xdc" * 10)
    with pytest.raises(InputError, match="neither UTF-8 nor CP950"):
        read_catalogue(path)


def test_long_text_is_shortened_with_a_note(tmp_path):
    header = ["id", "product", "selling_points", "photos"]
    points = "|".join(["很長的賣點" * 20] + [f"point {i}" for i in range(8)])
    cat = read_catalogue(write_csv(tmp_path / "c.csv", header, [["T1", "名" * 100, points, "p.jpg"]]))
    (item,) = cat.products
    assert len(item.title) == 80 and len(item.selling_points) == 6 and len(item.selling_points[0]) == 60
    assert "product name shortened to 80 characters" in item.notes
    assert any("first 6 selling points" in n for n in item.notes)


def test_map_overrides_and_unknown_columns(tmp_path):
    path = write_csv(tmp_path / "c.csv", ["Code", "Product name", "Pics"], [["A1", "Tea", "a.jpg"]])
    with pytest.raises(InputError, match="Cannot tell what kind of catalogue"):
        read_catalogue(path)
    cat = read_catalogue(path, mapping={"Code": "id", "Product name": "product", "Pics": "photos"})
    assert cat.products[0].photos == ("a.jpg",)
    with pytest.raises(InputError, match="does not have"):
        read_catalogue(path, mapping={"Nope": "id"})


def test_job_list_yaml_and_json(tmp_path):
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps({"jobs": [
        {"id": "a", "kind": "ad", "spec": {"product": "Tea", "headline": "Fresh", "photos": ["p0.jpg"],
                                           "template": "promo"}},
        {"id": "b", "kind": "splat", "spec": {}},
    ]}), encoding="utf-8")  # fmt: skip
    cat = read_catalogue(path)
    (item,) = cat.products
    assert (item.product_id, item.headline, item.fields) == ("a", "Fresh", {"template": "promo"})
    assert [(e.row, e.column) for e in cat.errors] == [(2, "kind")]


def test_price_helpers():
    assert format_price("680.00 TWD") == "NT$ 680" and format_price("1,280.50 USD") == "US$ 1,280.5"
    assert format_price("買二送一") == "買二送一" and format_price("") is None
    assert promo_line("680", "680", "TWD") == "NT$ 680"
    assert html_bullets("<p>One<br>Two &amp; three</p>") == ["One", "Two & three"]
