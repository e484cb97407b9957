"""Short video ads: platform presets, templates -> timeline -> one-pass renderer."""
