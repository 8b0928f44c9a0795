"""In the fast test tier, a subprocess that starts training exits at once.

Imported by this folder's ``sitecustomize`` when ``SINGAN_TEST_TIER=fast``
(``make test-fast``; see ``tests/tiers.py``): when the package's train loop
is imported, its ``run`` is replaced by one that prints the fix and exits 3.
Checks before the loop (bad input, exit 2) still run as usual.
"""
import importlib.abc
import importlib.util
import os
import sys

LOOPS = 'singan.engine.loops'
MESSAGE = ('tests/tiers.py: this test trains: mark it @pytest.mark.trains '
           '(or name its fixture in TRAINING_FIXTURES); `make test` runs it\n')


def refuse_training(loop) -> None:
    """The train loop's ``run`` in the fast tier: say why, exit 3."""
    sys.stderr.write(MESSAGE)
    sys.stderr.flush()
    os._exit(3)


class GuardFinder(importlib.abc.MetaPathFinder):
    """Finds the train-loop module as usual and disarms its ``run``."""

    def find_spec(self, name, path=None, target=None):
        if name != LOOPS:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_disarm(module):
            exec_module(module)
            module.SinGANTrainLoop.run = refuse_training

        spec.loader.exec_module = exec_and_disarm
        return spec


def install() -> None:
    """Put the finder first on ``sys.meta_path``."""
    sys.meta_path.insert(0, GuardFinder())
