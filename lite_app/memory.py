"""Giving freed memory back to the system after each edit.

An edit allocates and frees tens of megabytes of pixel arrays. glibc's malloc
keeps freed memory in its heaps for reuse, and with many sellers at once the
heaps fragment: under ``bench/load.py`` the server's resident memory grew by
about 10% between request 50 and request 500 while the memory its objects use
stayed flat (the growth was free memory held inside malloc's heaps). After each
edit the web app asks malloc to return whole free pages (``malloc_trim``),
which keeps resident memory near what is in use. It takes a few milliseconds.
``LITE_MALLOC_TRIM=0`` turns it off; elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

_trim_lock = threading.Lock()


def release_free_memory() -> bool:
    """Return malloc's free pages to the system; True if some were returned.

    When another thread is already trimming, this one does not wait for it.
    """
    if os.environ.get("LITE_MALLOC_TRIM", "").strip() == "0":
        return False
    libc = _glibc()
    if libc is None or not _trim_lock.acquire(blocking=False):
        return False
    try:
        return bool(libc.malloc_trim(0))
    finally:
        _trim_lock.release()


@lru_cache(maxsize=1)
def _glibc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        logger.info("not glibc: freed memory stays with the allocator")
        return None
    return libc
