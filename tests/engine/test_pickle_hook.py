"""PickleDataHook takes mmagic's arguments and refuses anything else."""
import pytest

from singan.engine import PickleDataHook


def test_accepts_mmagic_arguments():
    hook = PickleDataHook(
        output_dir='pickle', interval=-1, after_run=True,
        data_name_list=['noise_weights', 'fixed_noises', 'curr_stage'])
    assert hook.output_dir == 'pickle'


def test_misspelt_argument_is_an_error():
    with pytest.raises(TypeError, match='output_dirr'):
        PickleDataHook(output_dirr='elsewhere')


def test_unsupported_after_run_is_an_error():
    with pytest.raises(ValueError, match='after_run=True'):
        PickleDataHook(after_run=False)
