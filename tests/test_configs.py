"""Every shipped config loads and is consistent."""
import glob
import os.path as osp

import pytest
from conftest import ROOT
from mmengine.config import Config

from mmengine.registry import DefaultScope

from singan.config import prepare_config
from singan.engine import ScaleSchedule
from singan.registry import MODELS

CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', 'singan', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_loads_and_derives_schedule(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'singan'
    image = osp.join(ROOT, cfg.train_dataloader.dataset.data_root)
    has_image = osp.isfile(image)
    if has_image:
        cfg.train_dataloader.dataset.data_root = image
    prepare_config(cfg, check_image=has_image)
    model = cfg.model
    assert model.generator.num_scales == model.num_scales
    assert model.discriminator.num_scales == model.num_scales
    # the loop owns the schedule, stated once; the model builds without it
    loop = cfg.train_cfg
    assert loop.type == 'SinGANTrainLoop' and 'max_iters' not in loop
    schedule = ScaleSchedule(model.num_scales, loop.iters_per_scale,
                             milestones=loop.get('lr_milestones'))
    assert schedule.milestones[0] < loop.iters_per_scale
    if 'mmagic_compat' not in path:  # mmagic's set their own
        assert cfg.default_hooks.checkpoint.interval == loop.iters_per_scale
    with DefaultScope.overwrite_default_scope('singan'):
        assert MODELS.build(model).num_scales == model.num_scales


def test_paper_settings_in_balloons_config():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/singan/singan_balloons.py'))
    prepare_config(cfg, check_image=False)
    assert cfg.model.num_scales == 8 and cfg.train_cfg.iters_per_scale == 2000
    schedule = ScaleSchedule(8, cfg.train_cfg.iters_per_scale)
    assert schedule.milestones == (1600, ) and schedule.gamma == 0.1
    assert cfg.optim_wrapper.generator.optimizer.lr == 0.0005
    assert tuple(cfg.optim_wrapper.generator.optimizer.betas) == (0.5, 0.999)
    assert cfg.model.generator_steps == cfg.model.discriminator_steps == 3


@pytest.mark.parametrize('name, num_scales', [('singan_fish.py', 10),
                                              ('singan_bohemian.py', 10)])
def test_mmagic_named_configs(name, num_scales):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/singan', name))
    assert cfg.model.num_scales == num_scales


def test_num_scales_mismatch_names_right_value():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/singan/singan_balloons.py'))
    cfg.train_dataloader.dataset.data_root = osp.join(
        ROOT, 'data/singan/balloons.png')
    cfg.model.num_scales = 5
    with pytest.raises(ValueError, match='model.num_scales=8'):
        prepare_config(cfg)
