"""The fast preset (ConSinGAN-style training) and the faster path."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from conftest import BALLOONS, ROOT, TINY_OPTIONS, run_tool
from singan.config import prepare_config
from singan.engine import start_scale
from singan.registry import DATASETS, MODELS

FAST_CONFIG = osp.join(ROOT, 'configs', 'singan', 'singan_balloons_fast.py')


def _build(config: str, max_size: int, min_size: int):
    """Model (train mode), optimizers and pyramid of a tiny config."""
    cfg = Config.fromfile(config)
    cfg.model.num_scales = None
    cfg.train_dataloader.dataset.update(data_root=BALLOONS,
                                        max_size=max_size, min_size=min_size)
    prepare_config(cfg)
    with DefaultScope.overwrite_default_scope('singan'):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        model = MODELS.build(cfg.model)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    return model.train(), optim, dataset.pyramid()


def test_consingan_trains_concurrent_scales_at_scaled_rates():
    torch.manual_seed(0)
    model, optim, reals = _build(FAST_CONFIG, 48, 16)
    data = {f'real_scale{i}': r for i, r in enumerate(reals)}
    generators = model.scale_modules('generator')
    for scale in range(len(reals)):
        start_scale(model, optim, scale, reals)
        before = [[p.clone() for p in g.parameters()] for g in generators]
        model.train_step(data, optim)
        changed = {
            s for s, (g, old) in enumerate(zip(generators, before))
            if any(not torch.equal(p, q) for p, q in zip(g.parameters(), old))
        }
        assert changed == set(range(max(0, scale - 2), scale + 1))
    last = len(reals) - 1
    lrs = [optim[f'generator_{s}'].param_groups[0]['lr']
           for s in (last - 2, last - 1, last)]
    assert lrs[0] == pytest.approx(lrs[2] * 0.01)
    assert lrs[1] == pytest.approx(lrs[2] * 0.1)
    # Lower trainable scales train in train mode; frozen ones in eval.
    assert generators[last - 1].training
    assert not model.scale_modules('discriminator')[last - 1].training


@pytest.mark.trains
def test_fast_preset_trains_and_samples_through_the_tools(tmp_path):
    options = [o for o in TINY_OPTIONS if 'min_size' not in o]
    options.append('train_dataloader.dataset.min_size=16')
    work = str(tmp_path / 'fast')
    run_tool('train.py', FAST_CONFIG, '--work-dir', work, '--cfg-options',
             *options)
    with open(osp.join(work, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    assert osp.isfile(osp.join(work, 'pickle', osp.basename(
        checkpoint).replace('.pth', '.pkl')))
    out = str(tmp_path / 'samples')
    run_tool('test.py', FAST_CONFIG, checkpoint, '--out-dir', out,
             '--num-samples', '2', '--cfg-options', *options)
    assert osp.isfile(osp.join(out, 'grid.png'))


def test_batched_input_from_below_equals_separate_draws():
    torch.manual_seed(0)
    model, optim, reals = _build(
        osp.join(ROOT, 'configs', 'singan', 'singan_balloons.py'), 40, 20)
    for scale in range(3):
        start_scale(model, optim, scale, reals)
    torch.manual_seed(1)
    batched = model.generate([None, None], num=3)  # what the critic gets
    assert batched.shape == (3, 3, *reals[1].shape[-2:])
    # The frozen scales run in eval mode: sample i of the batch is what a
    # single call gives with the same noise.
    torch.manual_seed(1)
    noises = [torch.randn(3, model.noise_channels(s), *reals[s].shape[-2:])
              for s in range(2)]
    single = model.generate([n[1:2] for n in noises])
    assert torch.allclose(batched[1:2], single, atol=1e-5)
