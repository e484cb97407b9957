"""Start the studio app: `python app.py` (127.0.0.1:7860 with the bundled sample product)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="studio: the browser app")
    parser.add_argument(
        "--host",
        help="address to bind (default: $GRADIO_SERVER_NAME, else 127.0.0.1: this machine only)",
    )
    parser.add_argument("--port", type=int, help="port (default: $GRADIO_SERVER_PORT, else 7860)")
    parser.add_argument("--no-sample", action="store_true", help="start with an empty form")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also print the log (debug level) on stderr"
    )
    args = parser.parse_args(argv)
    from studio.errors import StudioError
    from studio.logs import setup_logging, unexpected_error

    setup_logging(verbose=args.verbose)
    try:
        from studio.ui.app import launch

        launch(args.host, args.port, sample=not args.no_sample)
    except StudioError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the edge: one line for the user, the traceback in the log
        print(f"error: {unexpected_error(exc, 'the app')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
