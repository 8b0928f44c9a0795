"""``Runner.test()`` for SinGAN: samples, the reconstruction, the metrics.

A trained SinGAN has no test set: it is tested by drawing samples from noise
and reconstructing its image from the fixed noises. The loop runs once over
``SinGANTestDataset`` (the training image, for the metrics), asks the model
for ``num_samples`` samples and the reconstruction, hands them to the
evaluator (``test_evaluator``: SWD, diversity, reconstruction RMSE against
the image at the model's finest scale) and to the hooks
(``SinGANTestSamplesHook`` writes the PNGs) as ``outputs``::

    for data_batch in dataloader:               # one: the training image
        samples = model.sample(num_samples, generator=seeded)
        outputs = [dict(fake_img=s, recon_img=recon, gt_img=real) ...]
        evaluator.process(outputs)              # when there are metrics
        call_hook('after_test_iter', outputs=outputs)
    metrics = evaluator.evaluate(num_samples x ranks)
"""
import logging
from typing import List, Optional, Sequence

import torch
from mmengine.dist import get_world_size
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop

from ..registry import LOOPS

__all__ = ['SinGANTestLoop']


@LOOPS.register_module()
class SinGANTestLoop(TestLoop):
    """Sample, reconstruct and evaluate a trained SinGAN (or ConSinGAN).

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): Over ``SinGANTestDataset``.
        evaluator (Evaluator | dict | list): The metrics; an empty list for
            samples only. Metrics that need more samples than are drawn over
            all ranks (``min_samples``, e.g. diversity needs 2) are left out
            with a log line.
        num_samples (int): Random samples this rank draws. Defaults to 8.
        seed (int): Seed of their noise (``tools/test.py`` passes
            ``--seed`` + rank). Defaults to 0.
        fp16 (bool): Unused (SinGAN samples in float32); mmengine's argument.
    """

    def __init__(self, runner, dataloader, evaluator, num_samples: int = 8,
                 seed: int = 0, fp16: bool = False) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        if not isinstance(num_samples, int) or num_samples < 1:
            raise ValueError(f'num_samples={num_samples!r} must be an integer'
                             ' >= 1.')
        self.num_samples = num_samples
        self.seed = seed
        self.evaluator.metrics = self._usable(self.evaluator.metrics)

    def _usable(self, metrics: Sequence) -> List:
        """The metrics that the number of samples drawn allows."""
        total = self.num_samples * get_world_size()
        usable = []
        for metric in metrics:
            needed = getattr(metric, 'min_samples', 1)
            if total >= needed:
                usable.append(metric)
            else:
                print_log(f'{type(metric).__name__} left out: it needs '
                          f'{needed} samples, {total} drawn (raise '
                          '--num-samples).', logger='current',
                          level=logging.WARNING)
        return usable

    def run(self) -> dict:
        """Sample, write (hooks) and evaluate.

        Returns:
            dict: The metrics; empty without metrics or training image.
        """
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        self.runner.model.eval()
        self._evaluated = False
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(
            self.num_samples * get_world_size()) if self._evaluated else {}
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: dict) -> None:
        """Samples and reconstruction, to the evaluator and the hooks.

        Args:
            idx (int): Index of the batch (0: there is one).
            data_batch (dict): ``real_scale{i}`` ``(1, 3, H_i, W_i)``, or
                empty (no image: samples only).

        Returns:
            None
        """
        self.runner.call_hook('before_test_iter', batch_idx=idx,
                              data_batch=data_batch)
        model = self.runner.model.module if is_model_wrapper(
            self.runner.model) else self.runner.model
        device = next(model.parameters()).device
        rng = torch.Generator(device=device).manual_seed(self.seed)
        samples = model.sample(self.num_samples, generator=rng)
        recon = model.reconstruct()[0]
        real = self._real(model, data_batch)
        outputs = [dict(fake_img=s, recon_img=recon, gt_img=real)
                   for s in samples]
        if real is not None and self.evaluator.metrics:
            self.evaluator.process(data_samples=outputs, data_batch=None)
            self._evaluated = True
        self.runner.call_hook('after_test_iter', batch_idx=idx,
                              data_batch=data_batch, outputs=outputs)

    @staticmethod
    def _real(model, data_batch: dict) -> Optional[torch.Tensor]:
        """The training image at the model's finest scale, ``(C, H, W)``."""
        if not data_batch:
            return None
        scale = model.current_scale
        real = data_batch.get(f'real_scale{scale}')
        size = tuple(model.sizes[-1])
        if real is None or tuple(real.shape[-2:]) != size:
            found = None if real is None else tuple(real.shape[-2:])
            raise ValueError(
                f'The config image gives {found} at scale {scale} '
                f'({len(data_batch)} scales), the model samples at {size}: '
                'the metrics need the image the model was trained on. Pass '
                'it with --image, or use the training config.')
        return real[0].to(next(model.parameters()).device)
