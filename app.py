"""Sporky Lite web app: `python app.py` (also the Hugging Face Space entry)."""

from __future__ import annotations

import logging

from lite_app.config import log_level
from lite_app.ui import build_demo, launch, stop_on_bad_settings

if __name__ == "__main__":
    # A wrong setting stops the server here, in one line, before anything
    # is built or downloaded.
    stop_on_bad_settings()

demo = build_demo()

if __name__ == "__main__":
    logging.basicConfig(
        level=log_level(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from lite_app.cutout import warm_up

    # Fetch weights and open the model session before serving: no request
    # ever waits on a download.
    warm_up(download=True)
    launch(demo)
