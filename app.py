"""Start the studio app: `python app.py` (127.0.0.1:7860 with the bundled sample product)."""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description="studio: the browser app")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--no-sample", action="store_true", help="start with an empty form")
    args = parser.parse_args()
    from studio.ui.app import launch

    launch(args.host, args.port, sample=not args.no_sample)


if __name__ == "__main__":
    main()
