"""Giving freed memory back to the system after each edit.

An edit allocates and frees tens of megabytes of pixel arrays. glibc's malloc
keeps freed memory in its heaps for reuse, and with many sellers at once the
heaps fragment: under ``bench/load.py`` the server's resident memory grew by
about 10% between request 50 and request 500 while the memory its objects use
stayed flat (the growth was free memory held inside malloc's heaps). After each
edit the web app asks malloc to return whole free pages (``malloc_trim``),
which keeps resident memory near what is in use. It takes a few milliseconds.
``LITE_MALLOC_TRIM=0`` turns it off; elsewhere than glibc it does nothing.

:func:`cap_memory_arenas` keeps glibc from giving each of the web server's
many worker threads its own heap (``LITE_MALLOC_ARENAS``, default 2; 0 leaves
glibc's default of eight per core). Without it, memory at rest grows with
every thread that has run an edit, to about 2.5 times as much.

:func:`reuse_freed_pixels` keeps freed pixel arrays (up to 32 MB each) in
malloc's heap for the next one instead of handing each back to the system at
once: by default glibc maps every array over a few megabytes afresh, and on
first touch every page of it faults in. That page faulting was about a tenth
of an edit's own work (outside the model). The web server does without it
(:func:`prefer_small_heap`): with many sellers at once the heaps then hold
about a fifth more at rest (673 against 556 MB under ``bench/load.py``),
while the time saved is small beside a request's wait.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from functools import lru_cache
from typing import Any

from lite_app.config import whole_number

logger = logging.getLogger(__name__)

_trim_lock = threading.Lock()
DEFAULT_MALLOC_ARENAS = 2
# glibc's mallopt parameter numbers.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# The largest mmap threshold glibc accepts on 64-bit systems.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024


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


def cap_memory_arenas() -> bool:
    """Cap glibc's malloc arenas (``LITE_MALLOC_ARENAS``); True if it took effect.

    Call it once at server start, before the worker threads run: threads made
    afterwards share the capped arenas. Elsewhere than glibc it does nothing.
    """
    arenas = malloc_arenas()
    if arenas == 0:
        return False
    libc = _glibc()
    if libc is None:
        return False
    done = bool(libc.mallopt(_M_ARENA_MAX, arenas))
    logger.info("malloc arenas capped at %d: %s", arenas, done)
    return done


def malloc_arenas() -> int:
    """``LITE_MALLOC_ARENAS``: a whole number, 0 or more (0: glibc's default)."""
    return whole_number("LITE_MALLOC_ARENAS", DEFAULT_MALLOC_ARENAS)


_small_heap = threading.Event()


def prefer_small_heap() -> None:
    """Keep glibc's own mapping of large arrays for the rest of this process.

    A long-running server calls it at start, before any edit: from then on
    :func:`reuse_freed_pixels` does nothing.
    """
    _small_heap.set()


@lru_cache(maxsize=1)
def reuse_freed_pixels() -> bool:
    """Let malloc reuse freed arrays of up to 32 MB; True if it took effect.

    Runs once per process. ``LITE_MALLOC_REUSE=0`` turns it off; glibc's own
    ``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_TRIM_THRESHOLD_``, when set, win;
    elsewhere than glibc it does nothing.
    """
    if _small_heap.is_set() or os.environ.get("LITE_MALLOC_REUSE", "") == "0":
        return False
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") or os.environ.get(
        "MALLOC_TRIM_THRESHOLD_"
    ):
        return False
    libc = _glibc()
    if libc is None:
        return False
    done = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    logger.debug("malloc keeps freed arrays up to %d bytes: %s", MMAP_THRESHOLD, done)
    return done


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
