"""Freed heap memory goes back to the system where the C library can do it, and nothing
breaks where it cannot."""

import platform

import pytest

from core import malloc


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_on_glibc_free_memory_is_trimmed():
    assert malloc.release_free_memory() is True


def test_without_malloc_trim_nothing_is_done(monkeypatch):
    monkeypatch.setattr(malloc, "_looked_up", True)
    monkeypatch.setattr(malloc, "_trim", None)
    assert malloc.release_free_memory() is False


def test_a_c_library_without_the_symbol_is_no_error(monkeypatch):
    class NoTrim:  # musl, macOS: the library loads, malloc_trim is not in it
        def __init__(self, name):
            pass

    monkeypatch.setattr(malloc, "_looked_up", False)
    monkeypatch.setattr(malloc, "_trim", None)
    monkeypatch.setattr(malloc.ctypes, "CDLL", NoTrim)
    assert malloc.release_free_memory() is False
