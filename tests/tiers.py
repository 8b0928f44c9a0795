"""The fast test tier: ``make test-fast`` runs every test that trains nothing.

A test that trains, in-process or in a subprocess, belongs to the full
tier: it is marked ``trains`` (or ``slow``), or uses a fixture named in
:data:`TRAINING_FIXTURES` (pytest resolves fixtures transitively, so a
fixture built on ``tiny_run`` counts too). With ``SINGAN_TEST_TIER=fast``
those tests are deselected, and any other test that starts a training
fails: in-process the train loop's ``run`` fails the test, and every
subprocess gets ``tests/fault_injection`` on ``PYTHONPATH``, whose
``tier_guard`` makes a training exit 3 with the same fix. Checks that
refuse bad input before training still run, so they stay in the tier.
"""
import os
import os.path as osp

import pytest

#: Fixtures that train a model when built.
TRAINING_FIXTURES = frozenset({
    'tiny_run',  # conftest.py: the session's tiny SinGAN
    'trained',  # commands/test_singan_command.py: `singan train`, once
    'sr_run',  # test_applications.py: a model trained for SR
    'format_runs',  # test_bad_inputs.py: one run per image format
    'one_rank', 'two_ranks',  # test_distributed.py
    'consingan_checkpoint',  # apis/test_inferencer.py
    'uninterrupted',  # test_resume.py: the reference run
})
FAST = os.environ.get('SINGAN_TEST_TIER') == 'fast'
GUARD_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'fault_injection')
FIX = ('this test trains: mark it @pytest.mark.trains (or name its fixture '
       'in tests/tiers.py TRAINING_FIXTURES); `make test` runs it')


def trains(item: pytest.Item) -> bool:
    """Whether a collected test belongs to the full tier only."""
    return (item.get_closest_marker('trains') is not None
            or item.get_closest_marker('slow') is not None
            or bool(TRAINING_FIXTURES.intersection(item.fixturenames)))


def _refuse_training(loop) -> None:
    pytest.fail(FIX)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        'markers', 'trains: trains a model (left out of `make test-fast`)')
    if not FAST:
        return
    from singan.engine.loops import SinGANTrainLoop
    SinGANTrainLoop.run = _refuse_training  # the whole session: fast tier
    path = os.environ.get('PYTHONPATH')
    os.environ['PYTHONPATH'] = os.pathsep.join(
        [GUARD_DIR] + ([path] if path else []))


def pytest_collection_modifyitems(config: pytest.Config,
                                  items: list) -> None:
    if not FAST:
        return
    deselected = [item for item in items if trains(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not trains(item)]
