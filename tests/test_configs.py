"""Every shipped config loads and is consistent."""
import glob
import os.path as osp

import pytest
from conftest import ROOT
from mmengine.config import Config

from singan.config import prepare_config

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
    assert cfg.train_cfg.max_iters == \
        (model.num_scales + 1) * model.iters_per_scale


def test_paper_settings_in_balloons_config():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/singan/singan_balloons.py'))
    assert cfg.model.num_scales == 8 and cfg.model.iters_per_scale == 2000
    assert cfg.model.lr_scheduler_args == dict(milestones=[1600], gamma=0.1)
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
