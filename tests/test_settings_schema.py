"""Every number a config sets is checked once, before anything is built.

Config checks only (``merge_cli_options`` as the tools call it): nothing
trains here. The tools' own exit status and message for the cases the
issue names are in ``test_bad_inputs.py``.
"""
import argparse
import copy
import glob
import inspect
import math
import os.path as osp
from typing import Any, List

import pytest
from conftest import ROOT, TINY_CONFIG
from mmengine.config import Config

from singan import registry
from singan.cli import CfgOptionsAction
from singan.config_keys import merge_cli_options
from singan.settings_schema import (SCHEMA, Setting, SettingError,
                                    check_settings, check_value)

CONSINGAN_CONFIG = osp.join(ROOT, 'configs', 'singan', 'consingan_balloons.py')

#: Where each table's dict sits in a config, and the config that has it.
PLACES = {
    'SinGAN': ('model', TINY_CONFIG),
    'SinGANMultiScaleGenerator': ('model.generator', TINY_CONFIG),
    'SinGANMultiScaleDiscriminator': ('model.discriminator', TINY_CONFIG),
    'SinGANTrainLoop': ('train_cfg', TINY_CONFIG),
    'SinGANDataset': ('train_dataloader.dataset', TINY_CONFIG),
    'randomness': ('randomness', TINY_CONFIG),
    'Adam': ('optim_wrapper.generator.optimizer', TINY_CONFIG),
    'ConSinGAN': ('model', CONSINGAN_CONFIG),
    'ConSinGANGenerator': ('model.generator', CONSINGAN_CONFIG),
    'ConSinGANDiscriminator': ('model.discriminator', CONSINGAN_CONFIG),
}
_LOADED = {}


def _config(path: str) -> Config:
    """A fresh copy of a config file (each parsed once)."""
    if path not in _LOADED:
        _LOADED[path] = Config.fromfile(path)
    return copy.deepcopy(_LOADED[path])


def _merge(config: str, *options: str) -> Config:
    """``--cfg-options`` as ``tools/train.py`` parses and merges them."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    parsed = parser.parse_args(['--cfg-options', *options]).cfg_options
    return merge_cli_options(_config(config), parsed)


def _bad_values(setting: Setting) -> List[Any]:
    """Members of each class of bad value for a setting."""
    if setting.kind == 'bool':
        return [1, 'yes', 0.5]
    if setting.kind == 'resize':  # a bool, or the authors' resize
        return [1, 'yes', dict(mode='authors', scale_factor=1.5),
                dict(mode='bilinear', scale_factor=0.75),
                dict(mode='authors')]
    values: List[Any] = [math.nan, math.inf, -math.inf, 'abc', True, [1]]
    if setting.kind == 'int':
        values.append(setting.low + 0.5 if setting.low > -math.inf else 1.5)
    if setting.low > -math.inf:
        values.append(setting.low if setting.low_open else setting.low - 1)
    if setting.high < math.inf:
        values.append(setting.high if setting.high_open else setting.high + 1)
    if not setting.optional:
        values.append(None)
    return values


def _typed(value: Any) -> str:
    """A value as typed after ``KEY=`` on the command line."""
    if isinstance(value, list):
        return '[' + ','.join(map(str, value)) + ']'
    return str(value)


ROWS = [(table, key, value) for table, settings in SCHEMA.items()
        for key, setting in settings.items()
        for value in _bad_values(setting)]


@pytest.mark.parametrize('table,key,value', ROWS,
                         ids=[f'{t}.{k}={v!r}' for t, k, v in ROWS])
def test_every_bad_value_of_every_setting_is_refused(table, key, value):
    path, config = PLACES[table]
    option = f'{path}.{key}={_typed(value)}'
    with pytest.raises(SettingError) as err:
        _merge(config, option)
    message = str(err.value)
    setting = SCHEMA[table][key]
    assert f'{path}.{key}=' in message
    assert setting.describe() in message
    # the suggested value itself passes
    assert setting.accepts(setting.fix_value())
    assert f'--cfg-options {path}.{key}={setting.fix_value()!r}' in message


#: The cases of issue 25 (each the first member of its class) and others.
NAMED = {
    'generator.num_layers=2 (was UnboundLocalError)': (
        'model.generator.num_layers=2',
        ['model.generator.num_layers=2 must be an integer >= 3']),
    'seed=abc (was a numpy traceback)': (
        'randomness.seed=abc',
        ["randomness.seed='abc' (a str) must be an integer in "
         '[0, 4294967295] or None']),
    'seed=-1': ('randomness.seed=-1', ['randomness.seed=-1 must be']),
    'noise_weight_init=-1 (was a model test.py refuses)': (
        'model.noise_weight_init=-1',
        ['model.noise_weight_init=-1 must be a finite number in (0, 5]']),
    'max_size=-5 (was: lower min_size)': (
        'train_dataloader.dataset.max_size=-5',
        ['train_dataloader.dataset.max_size=-5 must be a positive integer',
         'max_size=250']),
    'max_size=nan (was: cannot convert float NaN)': (
        'train_dataloader.dataset.max_size=nan',
        ['max_size=nan must be a positive integer']),
    'gp_weight=nan (was stopped late)': (
        'model.gp_weight=nan', ['model.gp_weight=nan must be a finite '
                                'number >= 0']),
    'recon_weight=inf': ('model.recon_weight=inf',
                         ['model.recon_weight=inf must be']),
    'lr=nan': ('optim_wrapper.generator.optimizer.lr=nan',
               ['optimizer.lr=nan must be a finite number > 0']),
    'generator kernel_size=5 (cascade padding)': (
        'model.generator.kernel_size=5',
        ['kernel_size=5, padding=0 and num_layers=5 shrink each scale by 20',
         'kernel_size=3, padding=0, num_layers=5']),
    'generator padding=1': ('model.generator.padding=1',
                            ['shrink each scale by 0 px']),
}


@pytest.mark.parametrize('name', list(NAMED))
def test_named_case_names_key_value_and_range(name):
    option, fragments = NAMED[name]
    with pytest.raises(SettingError) as err:
        _merge(TINY_CONFIG, option)
    for fragment in fragments:
        assert fragment in str(err.value)


@pytest.mark.parametrize('config', sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p))
def test_every_shipped_config_passes(config):
    check_settings(Config.fromfile(config))


def test_paper_values_and_limits_pass():
    cfg = _merge(TINY_CONFIG, 'model.noise_weight_init=5',
                 'randomness.seed=4294967295', 'model.gp_weight=0',
                 'train_cfg.lr_drop_at=1', 'model.num_scales=None')
    assert cfg.model.noise_weight_init == 5


#: Arguments of the checked classes that are not numbers or flags.
_NOT_NUMBERS = {'generator', 'discriminator', 'test_pkl_data',
                'data_preprocessor', 'init_cfg', 'out_act_cfg',
                'generator_update', 'data_root', 'pipeline', 'pyramid',
                'runner', 'dataloader', 'lr_milestones',
                'sizes'}  # an imported authors' model's own pyramid


@pytest.mark.parametrize('table', [t for t in SCHEMA if t not in
                                   ('randomness', 'Adam')])
def test_schema_declares_every_argument_of_its_class(table):
    cls = next(getattr(registry, r).get(table) for r in
               ('MODELS', 'DATASETS', 'LOOPS') if getattr(registry, r).get(
                   table) is not None)
    params = inspect.signature(cls.__init__).parameters.values()
    names = {p.name for p in params if p.name != 'self' and p.kind not in (
        p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    undeclared = names - set(SCHEMA[table]) - _NOT_NUMBERS
    assert not undeclared, f'{table}: declare {sorted(undeclared)}'


def test_check_value_names_type_of_a_string():
    with pytest.raises(SettingError, match=r"x='3' \(a str\) must be a "
                       'positive integer'):
        check_value('x', '3', Setting('int', low=1))
