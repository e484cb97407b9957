"""Catalogues in, as shops export them: product rows for the batch planner.

Readers for a Shopify product CSV (rows grouped by Handle; current and older header names), a WooCommerce CSV
(``Images`` comma-separated), a Google Merchant Center feed (CSV or TSV; ``price`` like "680.00 TWD"), studio's
own CSV and a studio YAML/JSON job list. The encoding is detected the way zh-TW Excel saves files: UTF-8, UTF-8
with a BOM, or CP950 (Big5). Everything here is pure parsing: no file outside the catalogue is read, no network.

Every reader returns ``Catalogue(products, errors)``: a row that cannot become a product is a ``RowError`` with
its row number (1 = the first data row after the header) and column, and the other rows go on.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import InputError

FORMATS = ("shopify", "woocommerce", "merchant", "studio-csv", "studio-jobs")

# spec limits (studio.spec.AdSpec): longer text is shortened with a note
MAX_PRODUCT = 80
MAX_HEADLINE = 120
MAX_POINTS = 6
MAX_POINT = 60
MAX_PRICE = 60


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row (the header is row 0)
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.message}"


@dataclass(frozen=True)
class Product:
    """One product of a catalogue, in studio's terms."""

    row: int
    product_id: str  # the shop's id (Handle, SKU, id): names the outputs, unique per catalogue
    title: str
    headline: str
    selling_points: tuple[str, ...] = ()
    price: str | None = None
    photos: tuple[str, ...] = ()  # as given: paths relative to the catalogue, or links
    notes: tuple[str, ...] = ()  # what was shortened or dropped
    fields: dict[str, Any] = field(default_factory=dict)  # other AdSpec fields a studio catalogue sets


@dataclass(frozen=True)
class Catalogue:
    path: Path
    format: str
    products: tuple[Product, ...]
    errors: tuple[RowError, ...]


# -- text helpers ------------------------------------------------------------------------------------------------
def read_text(path: Path) -> str:
    """The file's text: UTF-8 (with or without a BOM), else CP950/Big5 as zh-TW Excel saves it."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp950", "big5hkscs"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"The catalogue {path.name} is neither UTF-8 nor CP950 (Big5) text.",
        "Save it from Excel as 'CSV UTF-8' and try again.",
    )


def html_to_text(value: str) -> str:
    """Visible text of an HTML fragment, one line per block (paragraph, list item, <br>)."""
    text = re.sub(r"(?i)<\s*(br|/p|/li|/div|/h[1-6]|/tr)\b[^>]*>", "\n", value or "")
    text = re.sub(r"(?s)<[^>]+>", "", text)
    text = html.unescape(text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def html_bullets(value: str) -> list[str]:
    """The ``<li>`` items of an HTML fragment (else its lines)."""
    items = re.findall(r"(?is)<li\b[^>]*>(.*?)</li>", value or "")
    if items:
        return [t for t in (html_to_text(i).replace("\n", " ") for i in items) if t]
    return html_to_text(value).splitlines()


def shorten(value: str, limit: int, what: str, notes: list[str]) -> str:
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    notes.append(f"{what} shortened to {limit} characters")
    return value[: limit - 1].rstrip() + "…"


def points_from(candidates: list[str], notes: list[str]) -> tuple[str, ...]:
    points = []
    for text in candidates:
        text = " ".join(text.split()).strip("•-*· ")
        if not text:
            continue
        if len(points) == MAX_POINTS:
            notes.append(f"only the first {MAX_POINTS} selling points were kept")
            break
        points.append(shorten(text, MAX_POINT, f"selling point {len(points) + 1}", notes))
    return tuple(points)


_PRICE = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([A-Za-z]{3})?\s*$")
_SYMBOLS = {"TWD": "NT$", "USD": "US$", "HKD": "HK$", "JPY": "¥", "EUR": "€", "CNY": "¥"}


def format_price(value: str | None, currency: str | None = None) -> str | None:
    """ "680.00 TWD" -> "NT$ 680"; a text that is not a number is kept as it is."""
    if not value or not value.strip():
        return None
    match = _PRICE.match(value)
    if not match:
        return value.strip()
    number, code = match.group(1).replace(",", ""), (match.group(2) or currency or "").upper()
    amount = f"{float(number):,.2f}".rstrip("0").rstrip(".")
    symbol = _SYMBOLS.get(code, f"{code} " if code else "")
    return f"{symbol}{' ' if symbol.endswith('$') else ''}{amount}".strip()


def promo_line(price: str | None, sale: str | None, currency: str | None = None) -> str | None:
    """Sale price first with the regular price struck through in words: "NT$ 580 (原價 NT$ 680)"."""
    regular, special = format_price(price, currency), format_price(sale, currency)
    if special and regular and special != regular:
        return f"{special} (原價 {regular})"
    return special or regular


# -- CSV readers -------------------------------------------------------------------------------------------------
def _rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = [
        {k: (v or "").strip() if isinstance(v, str) else "" for k, v in row.items() if k} for row in reader
    ]
    return header, rows


def _pick(row: dict[str, str], *names: str) -> str:
    for name in names:
        value = row.get(name)
        if value:
            return value
    return ""


def _first_column(header: list[str], *names: str) -> str:
    return next((n for n in names if n in header), names[0])


# Shopify renamed its CSV headers (2024-2025 exports); each tuple lists the new name first, then the older ones
SHOPIFY = {
    "handle": ("URL handle", "Handle"),
    "title": ("Title",),
    "body": ("Description", "Body (HTML)", "Body HTML"),
    "price": ("Price", "Variant Price"),
    "compare": ("Compare-at price", "Variant Compare At Price"),
    "image": ("Product image URL", "Image Src"),
    "position": ("Image position", "Image Position"),
    "sku": ("SKU", "Variant SKU"),
}


def read_shopify(header: list[str], rows: list[dict[str, str]]) -> tuple[list, list]:
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    errors = []
    handle_col = _first_column(header, *SHOPIFY["handle"])
    for number, row in enumerate(rows, start=1):
        handle = _pick(row, *SHOPIFY["handle"])
        if not handle:
            errors.append(RowError(number, handle_col, "no handle (every Shopify row names its product)"))
            continue
        groups.setdefault(handle, []).append((number, row))
    products = []
    for handle, members in groups.items():
        first_row, first = members[0]
        title = next((_pick(r, *SHOPIFY["title"]) for _, r in members if _pick(r, *SHOPIFY["title"])), "")
        if not title:
            errors.append(RowError(first_row, "Title", f"product {handle!r} has no title"))
            continue
        body = next((_pick(r, *SHOPIFY["body"]) for _, r in members if _pick(r, *SHOPIFY["body"])), "")
        images = []
        for order, (_, r) in enumerate(members):
            src = _pick(r, *SHOPIFY["image"])
            if src:
                pos = _pick(r, *SHOPIFY["position"])
                images.append((int(pos) if pos.isdigit() else 10_000 + order, src))
        photos = tuple(dict.fromkeys(src for _, src in sorted(images)))
        price = _pick(first, *SHOPIFY["price"])
        compare = _pick(first, *SHOPIFY["compare"])
        # Shopify: Price is what the customer pays, Compare-at the higher "was" price
        promo = promo_line(compare or price, price if compare else None, "TWD")
        products.append(
            _product(
                first_row, handle, title, html_bullets(body), promo, photos, sku=_pick(first, *SHOPIFY["sku"])
            )
        )
    return products, errors


def read_woocommerce(header: list[str], rows: list[dict[str, str]]) -> tuple[list, list]:
    products, errors = [], []
    for number, row in enumerate(rows, start=1):
        if row.get("Type", "simple").lower() == "variation":
            continue  # variations share the parent's photos and copy
        title = row.get("Name", "")
        pid = _pick(row, "SKU", "ID")
        if not title:
            errors.append(RowError(number, "Name", "no product name"))
            continue
        if not pid:
            errors.append(RowError(number, "SKU", "no SKU or ID to name the outputs"))
            continue
        photos = tuple(p.strip() for p in row.get("Images", "").split(",") if p.strip())
        bullets = html_bullets(row.get("Short description", "")) or html_bullets(row.get("Description", ""))
        promo = promo_line(row.get("Regular price"), row.get("Sale price"), "TWD")
        products.append(_product(number, pid, title, bullets, promo, photos, sku=row.get("SKU", "")))
    return products, errors


def read_merchant(header: list[str], rows: list[dict[str, str]]) -> tuple[list, list]:
    products, errors = [], []
    for number, row in enumerate(rows, start=1):
        pid, title = row.get("id", ""), row.get("title", "")
        if not pid:
            errors.append(RowError(number, "id", "no id"))
            continue
        if not title:
            errors.append(RowError(number, "title", "no title"))
            continue
        photos = [row.get("image_link", "")] + row.get("additional_image_link", "").split(",")
        highlights = [
            h for h in re.split(r"[\n|;]|,(?=\s*\S)", row.get("product_highlight", "")) if h.strip()
        ]
        bullets = highlights or html_to_text(row.get("description", "")).splitlines()
        promo = promo_line(row.get("price"), row.get("sale_price"))
        products.append(
            _product(number, pid, title, bullets, promo, tuple(p.strip() for p in photos if p.strip()))
        )
    return products, errors


STUDIO_FIELDS = ("template", "category", "language", "cta", "music", "duration", "platforms", "logo", "spin")


def read_studio_csv(header: list[str], rows: list[dict[str, str]]) -> tuple[list, list]:
    products, errors = [], []
    for number, row in enumerate(rows, start=1):
        pid = _pick(row, "id", "product_id", "sku")
        title = _pick(row, "product", "title")
        if not pid:
            errors.append(RowError(number, "id", "no id"))
            continue
        if not title:
            errors.append(RowError(number, "product", "no product name"))
            continue
        photos = tuple(p.strip() for p in re.split(r"[|\n]", row.get("photos", "")) if p.strip())
        points = [p for p in re.split(r"[|\n]", row.get("selling_points", "")) if p.strip()]
        fields: dict[str, Any] = {}
        for key in STUDIO_FIELDS:
            if row.get(key):
                value: Any = row[key]
                if key == "platforms":
                    value = [v.strip() for v in re.split(r"[|, ]+", value) if v.strip()]
                elif key == "duration":
                    try:
                        value = float(value)
                    except ValueError:
                        errors.append(RowError(number, key, f"{value!r} is not a number of seconds"))
                        break
                fields[key] = value
        else:
            products.append(
                _product(number, pid, title, points, row.get("price") or None, photos,
                         headline=row.get("headline") or None, fields=fields)
            )  # fmt: skip
    return products, errors


def _product(
    row: int,
    pid: str,
    title: str,
    bullets: list[str],
    promo: str | None,
    photos: tuple[str, ...],
    *,
    sku: str = "",
    headline: str | None = None,
    fields: dict[str, Any] | None = None,
) -> Product:
    notes: list[str] = []
    product = shorten(title, MAX_PRODUCT, "product name", notes)
    head = shorten(headline or title, MAX_HEADLINE, "headline", notes)
    points = points_from(bullets, notes)
    price = shorten(promo, MAX_PRICE, "price line", notes) if promo else None
    extra = dict(fields or {})
    if sku and sku != pid:
        extra.setdefault("_sku", sku)
    return Product(row, pid.strip(), product, head, points, price, photos, tuple(notes), extra)


READERS = {
    "shopify": read_shopify,
    "woocommerce": read_woocommerce,
    "merchant": read_merchant,
    "studio-csv": read_studio_csv,
}


def detect_format(header: list[str]) -> str:
    names = set(header)
    if names & {"Handle", "URL handle"} and "Title" in names:
        return "shopify"
    if {"Name", "Images"} <= names or {"Name", "Regular price"} <= names:
        return "woocommerce"
    if {"id", "title"} <= names and names & {"image_link", "price"}:
        return "merchant"
    if names & {"product", "title"} and names & {"id", "product_id", "sku"}:
        return "studio-csv"
    raise InputError(
        f"Cannot tell what kind of catalogue this is from its columns {', '.join(header[:8])}.",
        "Give a Shopify or WooCommerce product export, a Merchant Center feed, or a studio CSV "
        "(id, product, headline, selling_points, price, photos); or map columns with --map COLUMN=FIELD.",
    )


def apply_map(header: list[str], rows: list[dict[str, str]], mapping: dict[str, str]):
    """``--map COLUMN=FIELD``: rename the shop's column to the field a reader expects."""
    for column in mapping:
        if column not in header:
            raise InputError(f"--map names the column {column!r}, which the catalogue does not have.",
                             f"Its columns: {', '.join(header)}.")  # fmt: skip
    header = [mapping.get(h, h) for h in header]
    rows = [{mapping.get(k, k): v for k, v in row.items()} for row in rows]
    return header, rows


def read_catalogue(
    path: str | Path, *, mapping: dict[str, str] | None = None, fmt: str | None = None
) -> Catalogue:
    """Read a catalogue file (format detected from its columns, or ``fmt``)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"The catalogue {path} does not exist.", "Give a .csv, .tsv, .txt, .yaml or .json file."
        )
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):
        return read_job_list(path)
    header, rows = _rows(read_text(path))
    if mapping:
        header, rows = apply_map(header, rows, mapping)
    fmt = fmt or detect_format(header)
    if fmt not in READERS:
        raise InputError(f"Unknown catalogue format {fmt!r}.", f"Use one of: {', '.join(READERS)}.")
    products, errors = READERS[fmt](header, rows)
    return Catalogue(path, fmt, tuple(products), tuple(errors))


def read_job_list(path: Path) -> Catalogue:
    """A studio job list: ``{"jobs": [{"id": ..., "kind": "ad", "spec": {AdSpec fields}}, ...]}`` (or a bare
    list of those). Only ``ad`` jobs run in this version; another kind is a row error."""
    import yaml

    text = read_text(path)
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"The job list {path.name} is not valid {path.suffix[1:].upper()}: {exc}") from None
    jobs = data.get("jobs") if isinstance(data, dict) else data
    if not isinstance(jobs, list):
        raise InputError(
            f"The job list {path.name} has no 'jobs' list.", "Write jobs: [{id: ..., spec: {...}}]."
        )
    products, errors = [], []
    for number, job in enumerate(jobs, start=1):
        if not isinstance(job, dict) or not isinstance(job.get("spec"), dict):
            errors.append(RowError(number, "spec", "each job needs an id and a spec mapping"))
            continue
        kind = job.get("kind", "ad")
        if kind != "ad":
            errors.append(RowError(number, "kind", f"{kind!r} jobs are not supported by batch yet; use 'ad'"))
            continue
        spec = dict(job["spec"])
        pid = str(job.get("id") or spec.get("product") or "")
        if not pid:
            errors.append(RowError(number, "id", "no id"))
            continue
        photos = tuple(str(p) for p in spec.pop("photos", []) or [])
        title = str(spec.pop("product", "") or pid)
        headline = str(spec.pop("headline", "") or title)
        points = [str(p) for p in spec.pop("selling_points", []) or []]
        price = spec.pop("price", None)
        products.append(_product(number, pid, title, points, price, photos, headline=headline, fields=spec))
    return Catalogue(path, "studio-jobs", tuple(products), tuple(errors))
