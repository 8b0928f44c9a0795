"""The stage driver: moves a Runner from scale to scale.

``before_train``      check the schedule; restore a resumed inference state
``before_train_iter`` start a new scale at its first iteration; set the
                      learning rate of the current scale
``after_train_iter``  stop on a non-finite loss; snapshot a finished scale
``before_save_checkpoint`` / ``after_load_checkpoint``
                      persist the stage, fixed noises, noise amplitudes and
                      random state, so ``--resume`` continues mid-scale
"""
import math
import os.path as osp
from typing import Optional

import torch
from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ..fileio.image_io import make_grid, save_image, tensor_to_image
from ..registry import HOOKS

__all__ = ['SinGANStageHook']


@HOOKS.register_module()
class SinGANStageHook(Hook):
    """Train SinGAN coarse to fine inside mmengine's ``IterBasedTrainLoop``.

    Args:
        snapshot_dir (str): Folder under the work dir for one PNG per
            finished scale (real | reconstruction | samples).
        num_snapshot_samples (int): Random samples in each snapshot.
    """

    priority = 'NORMAL'

    def __init__(self, snapshot_dir: str = 'snapshots',
                 num_snapshot_samples: int = 4) -> None:
        self.snapshot_dir = snapshot_dir
        self.num_snapshot_samples = num_snapshot_samples
        self._resumed: Optional[dict] = None

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    # ---------------------------------------------------------- start
    def before_train(self, runner) -> None:
        """Check that Runner, dataset and model agree on the schedule."""
        model = self._model(runner)
        schedule = model.schedule
        if runner.max_iters != schedule.total_iters:
            raise ValueError(
                f'train_cfg.max_iters={runner.max_iters} but the SinGAN '
                f'schedule is (num_scales + 1) x iters_per_scale = '
                f'{schedule.num_scales + 1} x {schedule.iters_per_scale} = '
                f'{schedule.total_iters}. Remove max_iters from the config '
                '(tools/train.py derives it).')
        dataset = runner.train_dataloader.dataset
        if getattr(dataset, 'num_scales', model.num_scales) != \
                model.num_scales:
            raise ValueError(
                f'model.num_scales={model.num_scales} but the image '
                f'{dataset.data_root} gives num_scales={dataset.num_scales} '
                'with these pyramid settings. Set model.num_scales='
                f'{dataset.num_scales}.')
        if self._resumed is not None:
            self._restore(runner, model)

    def _restore(self, runner, model) -> None:
        """Apply the state of a loaded checkpoint (its weights are in)."""
        state, self._resumed = self._resumed, None
        model.load_inference_state(state['singan_state'], 'the checkpoint')
        if 'rng_state' in state:
            torch.set_rng_state(state['rng_state'])
        cuda_states = state.get('cuda_rng_state')
        if cuda_states and torch.cuda.is_available() and \
                len(cuda_states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_states)
        runner.logger.info(
            f'Resumed at scale {model.curr_stage}, iteration '
            f'{model.schedule.local_iter(runner.iter)} of it.')

    # ------------------------------------------------------ iterations
    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        """Start a new scale when due; set the current learning rate."""
        model = self._model(runner)
        schedule = model.schedule
        scale = schedule.scale_of(runner.iter)
        if scale != model.curr_stage:
            data = model.data_preprocessor(data_batch, True)
            reals = [data[f'real_scale{i}'] for i in range(scale + 1)]
            model.start_stage(scale, reals)
            self._log_stage(runner, model, scale)
        optim = runner.optim_wrapper
        if hasattr(optim, 'set_active_scale'):
            optim.set_active_scale(scale)
        factor = schedule.lr_factor(runner.iter)
        for name in (f'generator_{scale}', f'discriminator_{scale}'):
            for group in optim[name].param_groups:
                group.setdefault('initial_lr', group['lr'])
                group['lr'] = group['initial_lr'] * factor

    def _log_stage(self, runner, model, scale: int) -> None:
        """One log line when a scale starts."""
        h, w = model.sizes[scale]
        first = scale * model.schedule.iters_per_scale + 1
        last = first + model.schedule.iters_per_scale - 1
        runner.logger.info(
            f'Scale {scale}/{model.num_scales}: {w}x{h} (WxH), width '
            f'{model.generator.blocks[scale].head.conv.out_channels}, noise '
            f'amplitude {model.noise_weights[scale]:.5f}, iterations '
            f'{first}-{last} of {runner.max_iters}.')

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Stop on NaN/inf losses; write a snapshot after each scale."""
        model = self._model(runner)
        schedule = model.schedule
        bad = {k: float(v) for k, v in (outputs or {}).items()
               if not math.isfinite(float(v))}
        bad.update(_non_finite_weights(model))
        if bad:
            raise FloatingPointError(
                f'Non-finite values {bad} at scale {model.curr_stage}, '
                f'iteration {schedule.local_iter(runner.iter) + 1} (global '
                f'{runner.iter + 1}). Training stopped before saving them; '
                f'the checkpoints in {runner.work_dir} are from before it. '
                'Lower the learning rate or check the image.')
        if schedule.is_scale_end(runner.iter):
            self._snapshot(runner, model, data_batch)

    @master_only
    def _snapshot(self, runner, model, data_batch: dict) -> None:
        """Save real | reconstruction | samples of the finished scale."""
        scale = model.curr_stage
        rng = torch.Generator(device=model.fixed_noises[0].device)
        rng.manual_seed(scale)
        samples = model.sample(self.num_snapshot_samples, generator=rng)
        images = [
            tensor_to_image(data_batch[f'real_scale{scale}'][0]),
            tensor_to_image(model.reconstruct()[0])
        ] + [tensor_to_image(s) for s in samples]
        path = osp.join(runner.work_dir, self.snapshot_dir,
                        f'scale_{scale}.png')
        save_image(make_grid(images, ncols=len(images)), path)
        runner.logger.info(f'Scale {scale} done; snapshot (real | '
                           f'reconstruction | samples): {path}')

    # ------------------------------------------------------ checkpoints
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the stage state and the random state in the checkpoint."""
        model = self._model(runner)
        checkpoint['singan_state'] = model.export_inference_state()
        checkpoint['rng_state'] = torch.get_rng_state()
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            checkpoint['cuda_rng_state'] = torch.cuda.get_rng_state_all()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Check the checkpoint fits; keep its stage state for the restore."""
        _check_same_networks(self._model(runner), checkpoint)
        if 'singan_state' in checkpoint:
            self._resumed = checkpoint


def _non_finite_weights(model) -> dict:
    """``{'weights': names}`` of the current scale's non-finite parameters.

    Non-finite losses show a diverged step only one iteration later; the
    weights show it at once, so no checkpoint of them is ever written.
    """
    scale = model.curr_stage
    names = [
        f'{net}.blocks.{scale}.{name}'
        for net in ('generator', 'discriminator')
        for name, param in getattr(model, net).blocks[scale].named_parameters()
        if not torch.isfinite(param).all()
    ]
    return {'weights': names[:3]} if names else {}


def _check_same_networks(model, checkpoint: dict) -> None:
    """Refuse to resume from a checkpoint of another config.

    mmengine loads resumed weights non-strictly and would only warn.
    """
    saved = checkpoint.get('state_dict') or {}
    ours = model.state_dict()
    differ = [
        k for k in sorted(set(saved) | set(ours))
        if k.startswith(('generator.', 'discriminator.')) and (
            k not in saved or k not in ours
            or tuple(saved[k].shape) != tuple(ours[k].shape))
    ]
    if differ:
        scales = 1 + max((int(k.split('.')[2]) for k in saved
                          if k.startswith('generator.blocks.')), default=-1)
        raise ValueError(
            f'The checkpoint to resume does not fit this config ({len(differ)}'
            f' weights differ, e.g. {differ[0]}; it has {scales} generator '
            f'scales, the config {model.num_scales + 1}). Resume with the '
            'config it was trained with, or train into a new --work-dir.')
