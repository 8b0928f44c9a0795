"""The SinGAN train loop: the paper's schedule, scale after scale.

``SinGANTrainLoop.run`` reads as the paper: for each scale, from the one a
resumed run stopped in, start the scale (model, optimizers, noise
amplitude), run its iterations (each: critic steps, then generator steps,
in ``SinGAN.train_step``), finish it (hooks' ``after_train_scale``: the
snapshot). Which scale trains and how far it got is the loop's state
(:meth:`SinGANTrainLoop.state_dict`), saved in every checkpoint next to the
model's inference state and the random state, so ``--resume`` continues
inside a scale exactly where the run stopped.
"""
import time
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from .. import paper
from ..registry import LOOPS
from .eta import ScaleETA
from .scale_timing import (PROBE_SECONDS, probe_seconds_per_iter,
                           start_scale)
from .schedule import ScaleSchedule
from .threads import ThreadTuner

__all__ = ['SinGANTrainLoop']


@LOOPS.register_module()
class SinGANTrainLoop(IterBasedTrainLoop):
    """Train a SinGAN coarse to fine: ``iters_per_scale`` at every scale.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): Serves the image pyramid.
        iters_per_scale (int): Iterations per scale (the paper: 2000).
        lr_drop_at (float): Fraction of a scale's iterations after which its
            learning rate drops by ``gamma`` (the paper: 0.8).
        gamma (float): Factor of the drop (the paper: 0.1).
        lr_milestones (Sequence[int], optional): The drop's iterations as
            mmagic's ``lr_scheduler_args`` state them; ``None``: derived.
        single_thread_pixels (int): Scales of fewer pixels start on one CPU
            thread, the others on torch's count; the count is then tuned by
            timing (``threads.py``). 0: all start on torch's count.
            Defaults to 4096.
        threads (int, optional): Train every scale on this many CPU threads
            instead of tuning (``--threads``); ``None``: tuned.
        probe_costs (bool): Time a few iterations of every scale on a copy of
            the model before training, for the ETA. Defaults to True.
        probe_seconds (float): At most this long (about) for that.
        max_iters (int, optional): Must be ``None`` or the schedule's
            ``(num_scales + 1) * iters_per_scale``.
        **kwargs: ``val_begin``, ``val_interval`` of ``IterBasedTrainLoop``.
    """

    def __init__(self,
                 runner,
                 dataloader,
                 iters_per_scale: int = paper.ITERS_PER_SCALE,
                 lr_drop_at: float = paper.LR_DROP_AT,
                 gamma: float = paper.LR_GAMMA,
                 lr_milestones: Optional[Sequence[int]] = None,
                 single_thread_pixels: int = 4096,
                 threads: Optional[int] = None,
                 probe_costs: bool = True,
                 probe_seconds: float = PROBE_SECONDS,
                 max_iters: Optional[int] = None,
                 **kwargs) -> None:
        model = _unwrap(runner.model)
        self.schedule = ScaleSchedule(
            num_scales=model.num_scales, iters_per_scale=iters_per_scale,
            lr_drop_at=lr_drop_at, gamma=gamma,
            milestones=None if lr_milestones is None else tuple(
                lr_milestones))
        if max_iters not in (None, self.schedule.total_iters):
            raise ValueError(
                f'train_cfg.max_iters={max_iters} but the schedule is '
                f'(num_scales + 1) x iters_per_scale = '
                f'{model.num_scales + 1} x {iters_per_scale} = '
                f'{self.schedule.total_iters}. Remove max_iters; it is '
                'derived.')
        super().__init__(runner, dataloader,
                         max_iters=self.schedule.total_iters, **kwargs)
        _check_dataset(self.dataloader.dataset, model.num_scales)
        self.single_thread_pixels = single_thread_pixels
        self.tuner = ThreadTuner(threads, single_thread_pixels)
        self.probe_costs = probe_costs
        self.probe_seconds = probe_seconds
        #: Time source of the ETA, the thread tuner and the probe.
        self.clock = time.perf_counter
        #: Training seconds of the run's earlier sessions (before a resume).
        self.elapsed_before = 0.0
        self._began: Optional[float] = None
        #: The scale in training, and its iterations done.
        self.scale = 0
        self.scale_iter = 0
        self.eta: Optional[ScaleETA] = None
        self._resumed: Optional[dict] = None
        self._reals: List[torch.Tensor] = []
        runner.register_hook(_TrainStateHook(), 'VERY_HIGH')

    @property
    def model(self):
        """The SinGAN (unwrapped)."""
        return _unwrap(self.runner.model)

    # ----------------------------------------------------------- story
    def run(self):
        """Train every scale from the current one to the finest.

        Returns:
            nn.Module: The trained (wrapped) model.
        """
        self.runner.call_hook('before_train')
        self._reals = self._pyramid(next(self.dataloader_iterator))
        self._apply_resumed_state()
        self.eta = self._build_eta()
        self._began = self.clock()
        self.runner.call_hook('before_train_epoch')
        while self.scale <= self.schedule.num_scales and \
                not self.stop_training:
            self._train_scale()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def _train_scale(self) -> None:
        """Start the scale (unless resumed inside it), train it, finish it."""
        if self.scale_iter == 0:
            start_scale(self.model, self.runner.optim_wrapper, self.scale,
                        self._reals)
            self._log_scale_start()
        self.eta.start(self.scale, self.scale_iter)
        probed = self.eta.costs.get(self.scale) if self.probe_costs else None
        self.tuner.start_scale(self._reals[self.scale], probed)
        before = torch.get_num_threads()
        try:
            while self.scale_iter < self.schedule.iters_per_scale and \
                    not self.stop_training:
                self.run_iter(next(self.dataloader_iterator))
        finally:
            torch.set_num_threads(before)
        if self.scale_iter == self.schedule.iters_per_scale:
            self.runner.call_hook('after_train_scale', scale=self.scale,
                                  real=self._reals[self.scale])
            self.scale += 1
            self.scale_iter = 0

    def run_iter(self, data_batch: dict) -> None:
        """One paper iteration at the current scale, between the hooks.

        Args:
            data_batch (dict): The pyramid, from the dataloader.

        Returns:
            None
        """
        self.runner.call_hook('before_train_iter', batch_idx=self._iter,
                              data_batch=data_batch)
        self.runner.model.train()
        self.runner.optim_wrapper.set_lr_factor(
            self.schedule.lr_factor(self.scale_iter))
        outputs = self._timed_step(data_batch)
        self.scale_iter += 1  # iterations done, as checkpoints count them
        self.runner.call_hook('after_train_iter', batch_idx=self._iter,
                              data_batch=data_batch, outputs=outputs)
        self._iter += 1

    def _timed_step(self, data_batch: dict) -> dict:
        """``train_step`` on the tuner's thread count, timed for it and
        for the ETA."""
        threads, trial = self.tuner.threads_now(), self.tuner.trial
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        began = self.clock()
        outputs = self.runner.model.train_step(
            data_batch, optim_wrapper=self.runner.optim_wrapper)
        decisions = len(self.tuner.log)
        self.tuner.record(self.clock() - began)
        self.eta.iteration_done(typical=trial is None)
        for line in self.tuner.log[decisions:]:
            self.runner.logger.info(f'Scale {self.scale}: {line}.')
            self.eta.recalibrate()  # the iterations before are no guide
        return outputs

    # -------------------------------------------------------- progress
    def progress(self) -> Dict[str, float]:
        """Where the run is: scale, its iteration, percentage, ETA.

        Returns:
            dict: ``scale``, ``num_scales``, ``scale_iter``,
            ``iters_per_scale``, ``percent`` (of all iterations),
            ``eta_s`` (seconds left; ``None`` before training starts),
            ``elapsed_s`` (training seconds so far, the sessions before a
            resume included) and ``threads`` (CPU threads now).
        """
        done = self.schedule.first_iter(self.scale) + self.scale_iter
        return dict(
            scale=self.scale, num_scales=self.schedule.num_scales,
            scale_iter=self.scale_iter,
            iters_per_scale=self.schedule.iters_per_scale,
            percent=100.0 * done / self.schedule.total_iters,
            eta_s=self.eta.seconds_left() if self.eta else None,
            elapsed_s=self.elapsed_s, threads=self.tuner.threads_now())

    @property
    def elapsed_s(self) -> float:
        """Training seconds of the whole run: earlier sessions + this."""
        now = 0.0 if self._began is None else self.clock() - self._began
        return self.elapsed_before + now

    def _build_eta(self) -> ScaleETA:
        """Costs per scale: probed on a copy of the model, or assumed equal."""
        first = self.scale
        costs = {s: 1.0 for s in range(first, self.schedule.num_scales + 1)}
        if self.probe_costs and costs:
            costs = probe_seconds_per_iter(
                self.model, self.runner.optim_wrapper, self._reals,
                self.single_thread_pixels, resumed_inside=self.scale_iter > 0,
                threads=self.tuner.forced, budget=self.probe_seconds,
                report=self._report_probe, clock=self.clock)
        return ScaleETA(self.schedule.iters_per_scale, costs or {first: 1.0},
                        clock=self.clock)

    def _report_probe(self, text: str) -> None:
        """A line of the probe: to the log, and to hooks that show it."""
        self.runner.logger.info(text[0].upper() + text[1:] + '.')
        self.runner.call_hook('during_probe', text=text)

    def _log_scale_start(self) -> None:
        """One log line when a scale starts."""
        model, scale = self.model, self.scale
        h, w = model.sizes[scale]
        first = self.schedule.first_iter(scale) + 1
        last = first + self.schedule.iters_per_scale - 1
        trained = ', '.join(
            str(s) for s in range(model.first_trained_scale, scale + 1))
        self.runner.logger.info(
            f'Scale {scale}/{self.schedule.num_scales}: {w}x{h} (WxH), '
            f'noise amplitude {model.noise_weights[scale]:.5f}, generator '
            f'scales trained: {trained}; iterations {first}-{last} of '
            f'{self.max_iters}.')

    # ----------------------------------------------------------- state
    def state_dict(self) -> dict:
        """The loop's position: scale in training and its iterations done."""
        return dict(scale=self.scale, scale_iter=self.scale_iter,
                    elapsed_s=self.elapsed_s)

    def load_state_dict(self, checkpoint: dict) -> None:
        """Keep a loaded checkpoint's states until :meth:`run` applies them.

        Args:
            checkpoint (dict): With ``singan_loop`` (this loop's state) and
                ``singan_state`` (the model's inference state).

        Returns:
            None
        """
        self._resumed = checkpoint

    def _apply_resumed_state(self) -> None:
        """Restore position, inference state and random state of a resume."""
        if self._resumed is None:
            return
        checkpoint, self._resumed = self._resumed, None
        self.model.load_inference_state(checkpoint['singan_state'],
                                        'the checkpoint')
        loop = checkpoint.get('singan_loop') or _legacy_position(
            checkpoint, self.schedule)
        self.scale, self.scale_iter = loop['scale'], loop['scale_iter']
        self.elapsed_before = float(loop.get('elapsed_s', 0.0))
        if self.model.current_scale != self.scale:
            raise ValueError(
                f'The checkpoint is inside scale {self.scale} but its '
                f'inference state ends at scale {self.model.current_scale}; '
                'it was not written by training. Resume from another '
                'iter_N.pth.')
        self.runner.optim_wrapper.set_scale(self.scale,
                                            self.model.generator_lrs())
        if 'rng_state' in checkpoint:
            torch.set_rng_state(checkpoint['rng_state'])
        cuda_states = checkpoint.get('cuda_rng_state')
        if cuda_states and torch.cuda.is_available() and \
                len(cuda_states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_states)
        self.runner.logger.info(
            f'Resumed at scale {self.scale}, after {self.scale_iter} of its '
            f'{self.schedule.iters_per_scale} iterations.')

    def _pyramid(self, data_batch: dict) -> List[torch.Tensor]:
        """The real image of every scale, on the model's device."""
        data = self.model.data_preprocessor(data_batch, True)
        return [
            data[f'real_scale{i}']
            for i in range(self.schedule.num_scales + 1)
        ]


class _TrainStateHook(Hook):
    """Carries the loop's, the model's and the random state in checkpoints.

    Registered by :class:`SinGANTrainLoop` itself, so no config can leave
    it out.
    """

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store loop position, inference state and random state."""
        checkpoint['singan_loop'] = runner.train_loop.state_dict()
        checkpoint['singan_state'] = \
            _unwrap(runner.model).export_inference_state()
        checkpoint['rng_state'] = torch.get_rng_state()
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            checkpoint['cuda_rng_state'] = torch.cuda.get_rng_state_all()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Check the checkpoint fits; hand its states to the loop."""
        _check_same_networks(_unwrap(runner.model), checkpoint)
        if 'singan_state' in checkpoint:
            runner.train_loop.load_state_dict(checkpoint)


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


def _legacy_position(checkpoint: dict, schedule: ScaleSchedule) -> dict:
    """Loop position of a checkpoint written before the loop kept it.

    Such checkpoints hold the global iteration and the model's last scale;
    the position follows from them once, here.
    """
    scale = int(checkpoint['singan_state']['curr_stage'])
    done = int(checkpoint.get('meta', {}).get('iter', 0))
    scale_iter = done - schedule.first_iter(scale)
    if not 0 <= scale_iter <= schedule.iters_per_scale:
        raise ValueError(
            f'The checkpoint (iteration {done}, scale {scale}) does not fit '
            f'iters_per_scale={schedule.iters_per_scale}. Resume with the '
            'config it was trained with.')
    return dict(scale=scale, scale_iter=scale_iter)


def _check_dataset(dataset, num_scales: int) -> None:
    """The image's pyramid must have the model's scales."""
    given = getattr(dataset, 'num_scales', num_scales)
    if given != num_scales:
        raise ValueError(
            f'model.num_scales={num_scales} but the image '
            f'{dataset.data_root} gives num_scales={given} with these '
            f'pyramid settings. Set model.num_scales={given}.')


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
