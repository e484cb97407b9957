"""The Gradio app: Ad Studio, 3D Studio and Compliance tabs over one store."""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from studio.ui.context import MAX_UPLOAD_BYTES, AppContext

# tab label -> (module, builder): added when the module is part of this install
EXTRA_TABS = (
    ("3D Studio", "studio.ui.splat_tab", "build_splat_tab"),
    ("Compliance", "studio.ui.compliance_tab", "build_compliance_tab"),
    ("Batch", "studio.ui.batch_tab", "build_batch_tab"),
)


def make_context(home: Path | None = None) -> AppContext:
    from studio.ads import recover_renders
    from studio.settings import studio_home
    from studio.store import Store

    home = home or studio_home()
    outputs = home / "outputs"
    outputs.mkdir(parents=True, exist_ok=True)
    store = Store(home / "studio.sqlite3")
    recover_renders(store)  # renders of an app or CLI that was killed are recorded as interrupted
    return AppContext(store=store, home=home, outputs=outputs)


def sample_form() -> dict[str, Any]:
    """The bundled sample product (examples/sample-ad.yaml) as form values."""
    from studio.settings import assets_dir
    from studio.spec import load_spec

    spec_path = assets_dir().parent / "examples" / "sample-ad.yaml"
    if not spec_path.is_file():
        return {}
    data = load_spec(spec_path).to_data()
    data["photos"] = [str(p) for p in data["photos"]]
    return data


def font_css() -> str:
    """Serve the bundled Noto Sans TC to the browser, so Chinese never shows as tofu boxes even on machines
    without a CJK system font."""
    from studio.settings import assets_dir

    faces = []
    for weight, name in ((400, "NotoSansTC-Regular.otf"), (700, "NotoSansTC-Bold.otf")):
        path = (assets_dir() / "fonts" / name).resolve()
        faces.append(
            f'@font-face {{ font-family: "Studio Noto Sans TC"; font-weight: {weight}; '
            f'src: url("/gradio_api/file={path}") format("opentype"); font-display: swap; }}'
        )
    family = '"Studio Noto Sans TC", ui-sans-serif, system-ui, sans-serif'
    return (
        "\n".join(faces)
        + f"\nbody, .gradio-container, input, textarea, button, table {{ font-family: {family} !important; }}"
    )


def build_app(ctx: AppContext, *, sample: bool = True) -> gr.Blocks:
    from studio.ui.ad_tab import build_ad_tab

    with gr.Blocks(title="studio") as demo:
        gr.Markdown("# studio\nShort video ads, 3D product models and compliance screening.")
        with gr.Tabs():
            with gr.Tab("Ad Studio", id="ad"):
                build_ad_tab(ctx, sample_form() if sample else None)
            for label, module_name, builder in EXTRA_TABS:
                if importlib.util.find_spec(module_name) is None:
                    continue
                module = importlib.import_module(module_name)
                with gr.Tab(label):
                    getattr(module, builder)(ctx)
    return demo


DEFAULT_HOST = "127.0.0.1"  # this machine only; 0.0.0.0 (all interfaces) has to be asked for
DEFAULT_PORT = 7860


def server_address(
    host: str | None = None, port: int | None = None, env: Mapping[str, str] | None = None
) -> tuple[str, int]:
    """Where the app listens: the flags first, then Gradio's own ``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT``,
    then 127.0.0.1:7860. A port that is not a number in 1..65535 is an ``InputError`` naming where it came from."""
    from studio.errors import InputError

    env = os.environ if env is None else env
    name = host or env.get("GRADIO_SERVER_NAME", "").strip() or DEFAULT_HOST
    if port is not None:
        raw, where = str(port), "--port"
    elif env.get("GRADIO_SERVER_PORT", "").strip():
        raw, where = env["GRADIO_SERVER_PORT"].strip(), "GRADIO_SERVER_PORT"
    else:
        return name, DEFAULT_PORT
    try:
        number = int(raw)
    except ValueError:
        number = -1
    if not 1 <= number <= 65535:
        raise InputError(
            f"{where} must be a port number 1-65535, got {raw!r}.", f"For example {DEFAULT_PORT}."
        )
    return name, number


def launch(
    host: str | None = None, port: int | None = None, *, sample: bool = True, home: Path | None = None
) -> None:
    """Start the app; ``host``/``port`` None fall back to ``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT``, then
    127.0.0.1:7860 (see :func:`server_address`)."""
    host, port = server_address(host, port)
    ctx = make_context(home)
    os.environ.setdefault("GRADIO_TEMP_DIR", str(ctx.home / "gradio"))
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from studio.settings import assets_dir

    demo = build_app(ctx, sample=sample)
    demo.queue(default_concurrency_limit=2)
    logging.getLogger(__name__).info("app on http://%s:%d (home %s)", host, port, ctx.home)
    demo.launch(
        server_name=host,
        server_port=port,
        max_file_size=MAX_UPLOAD_BYTES,
        show_error=True,
        allowed_paths=[str(assets_dir()), str(ctx.outputs)],
        footer_links=["api", "settings"],
        css=font_css(),
    )
