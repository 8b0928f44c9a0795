"""Writing the inference state (fixed noises, noise amplitudes) as a pickle."""
import os.path as osp
import pickle
from typing import Optional, Sequence

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ..fileio.atomic import atomic_write_bytes
from ..registry import HOOKS
from .progress_file_hook import PICKLE_INFO

__all__ = ['PickleDataHook', 'write_inference_state']

_LAYOUT = ('noise_weights', 'fixed_noises', 'curr_stage')


def write_inference_state(state: dict, path: str) -> str:
    """Write an inference state atomically in the layout of mmagic's pickles.

    Args:
        state (dict): From ``SinGAN.export_inference_state``.
        path (str): Output ``.pkl`` path.

    Returns:
        str: The path written.
    """
    atomic_write_bytes(pickle.dumps(state, protocol=4), path)
    return path


@HOOKS.register_module()
class PickleDataHook(Hook):
    """Save ``work_dir/<output_dir>/iter_N.pkl`` with every checkpoint.

    Also written at the end of training. The layout is mmagic's:
    ``fixed_noises`` (list of float32 NCHW arrays), ``noise_weights`` (list
    of float) and ``curr_stage`` (int).

    Args:
        output_dir (str): Folder under the work dir. Defaults to 'pickle'.
        data_name_list (Sequence[str], optional): mmagic's argument; only
            its default (the three keys above) is supported.
        interval (int): mmagic's argument; ignored, the pickle follows the
            checkpoints so the two always match.
        before_run (bool): mmagic's argument; only ``False`` is supported.
        after_run (bool): mmagic's argument; only ``True`` is supported
            (the final pickle is always written).

    Note:
        Unknown arguments are an error, not silently dropped, so a misspelt
        ``output_dir`` does not send the pickles elsewhere.
    """

    priority = 'VERY_LOW'

    def __init__(self, output_dir: str = 'pickle',
                 data_name_list: Optional[Sequence[str]] = None,
                 interval: int = -1, before_run: bool = False,
                 after_run: bool = True) -> None:
        if before_run or not after_run:
            raise ValueError(
                f'PickleDataHook(before_run={before_run}, after_run='
                f'{after_run}): only before_run=False, after_run=True is '
                'supported; remove both from the config.')
        if data_name_list is not None and set(data_name_list) != set(_LAYOUT):
            raise ValueError(f'data_name_list={list(data_name_list)}: only '
                             f'{list(_LAYOUT)} is supported.')
        self.output_dir = output_dir

    @master_only
    def _write(self, runner, iteration: int) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if model.current_scale < 0:
            return
        path = osp.join(runner.work_dir, self.output_dir,
                        f'iter_{iteration}.pkl')
        write_inference_state(model.export_inference_state(), path)
        # the latest pickle, for ProgressFileHook
        runner.message_hub.update_info(PICKLE_INFO, osp.abspath(path),
                                       resumed=False)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Write the pickle of the checkpoint being saved."""
        self._write(runner, checkpoint['meta']['iter'])

    def after_run(self, runner) -> None:
        """Write the final pickle."""
        self._write(runner, runner.iter)
        runner.logger.info(
            'Pickle of fixed noises and noise amplitudes: ' +
            osp.join(runner.work_dir, self.output_dir,
                     f'iter_{runner.iter}.pkl'))
