"""Sporky Lite web app: `python app.py` (also the Hugging Face Space entry)."""

from __future__ import annotations

import logging
import os

from lite_app.ui import build_demo, launch

demo = build_demo()

if __name__ == "__main__":
    logging.basicConfig(
        level=os.environ.get("LITE_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from lite_app.cutout import warm_up

    # Fetch weights and open the model session before serving: no request
    # ever waits on a download.
    warm_up(download=True)
    launch(demo)
