"""The ``singan`` command (``python -m singan``, console script ``singan``).

Sub-commands: ``train`` (``train.py``), the applications ``sample`` ...
``animate`` (``apps.py``, shared with ``tools/apps.py``), ``app`` (the
browser app, ``browser_app.py``) and ``configs`` (``listing.py``).
"""
from .entry import build_parser, main

__all__ = ['build_parser', 'main']
