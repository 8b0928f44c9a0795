"""The type and range of every number a SinGAN config sets, checked at once.

Each class a config builds (the model, its two networks, the train loop,
the dataset) and the Runner's ``randomness`` have a table here: argument ->
:class:`Setting` (integer, number or bool; the valid range; what the paper
uses). :func:`check_settings` walks a merged config and raises one
:class:`SettingError` naming the key, the value and the valid range before
anything is built, instead of an ``UnboundLocalError`` from the networks,
a numpy traceback from the seed, or a model that trains and then cannot be
loaded. Keys a table does not name are left to the class (and to
``config_keys``, which refuses unknown ones).
"""
import math
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

from mmengine.config import Config

from .cli import UserInputError
from .models.inference_state import MAX_NOISE_AMPLITUDE
from .ops.noise import PAD

__all__ = ['Setting', 'SettingError', 'SCHEMA', 'check_settings',
           'check_value']


class SettingError(UserInputError):
    """A config value of the wrong type or out of its range."""


@dataclass(frozen=True)
class Setting:
    """The declared type and range of one argument.

    Args:
        kind (str): ``'int'``, ``'float'`` (ints accepted), ``'bool'``, or
            ``'resize'``: a bool (bicubic ``align_corners``) or an imported
            authors' model's ``dict(mode='authors', scale_factor=F)``,
            ``0 < F < 1`` (``ops.cascade.upsample``).
        low (float): Smallest valid value; ``-inf``: no bound.
        high (float): Largest valid value; ``inf``: no bound.
        low_open (bool): ``low`` itself is not valid.
        high_open (bool): ``high`` itself is not valid.
        optional (bool): ``None`` is valid (derived or unset).
        note (str): What it is and what the paper uses, for the message.
        example (Any): A valid value for the fix; ``None``: ``low``.
    """
    kind: str
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    optional: bool = False
    note: str = ''
    example: Any = None

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` has this type and lies in this range.

        Args:
            value (Any): A config value.

        Returns:
            bool: ``True`` when valid.
        """
        if value is None:
            return self.optional
        if self.kind == 'bool':
            return isinstance(value, bool)
        if self.kind == 'resize':
            return isinstance(value, bool) or _is_authors_resize(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind == 'int' and not isinstance(value, int):
            return False
        if not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self) -> str:
        """The valid values in words: ``'a positive integer'``, ...

        Returns:
            str: E.g. ``'an integer >= 3'``, ``'a number in (0, 1)'``.
        """
        if self.kind == 'bool':
            text = 'True or False'
        elif self.kind == 'resize':
            text = ("True or False (or an imported authors' model's "
                    "dict(mode='authors', scale_factor=F), 0 < F < 1)")
        elif self.low == self.high:
            text = f'exactly {_fmt(self.low)}'
        elif self.kind == 'int' and self.low == 1 and self.high == math.inf:
            text = 'a positive integer'
        else:
            noun = 'an integer' if self.kind == 'int' else 'a finite number'
            text = f'{noun} {self._bounds()}'
        return text + (' or None' if self.optional else '')

    def _bounds(self) -> str:
        """``'>= 0'``, ``'> 0'``, ``'in (0, 1]'``."""
        low, high = _fmt(self.low), _fmt(self.high)
        if self.high == math.inf:
            return f'{">" if self.low_open else ">="} {low}'
        if self.low == -math.inf:
            return f'{"<" if self.high_open else "<="} {high}'
        return (f'in {"(" if self.low_open else "["}{low}, '
                f'{high}{")" if self.high_open else "]"}')

    def fix_value(self) -> Any:
        """A valid value to suggest."""
        if self.example is not None or self.optional:
            return self.example
        if self.kind in ('bool', 'resize'):
            return False
        return int(self.low) if self.kind == 'int' else self.low


def _is_authors_resize(value: Any) -> bool:
    """Whether ``value`` is ``dict(mode='authors', scale_factor=F)``."""
    if not isinstance(value, Mapping) or set(value) != {'mode',
                                                         'scale_factor'}:
        return False
    factor = value['scale_factor']
    return value['mode'] == 'authors' and not isinstance(factor, bool) \
        and isinstance(factor, (int, float)) and 0 < factor < 1


def _fmt(bound: float) -> str:
    """A bound in words: ``4294967295``, ``0.5``, ``1e-08``."""
    if float(bound).is_integer() and abs(bound) < 1e16:
        return str(int(bound))
    return f'{bound:g}'


def _count(note: str, example: int, low: int = 1) -> Setting:
    """An integer ``>= low``."""
    return Setting('int', low=low, note=note, example=example)


def _number(note: str, example: float, low: float = 0.0,
            high: float = math.inf, low_open: bool = False,
            high_open: bool = False) -> Setting:
    """A finite number in a range."""
    return Setting('float', low=low, high=high, low_open=low_open,
                   high_open=high_open, note=note, example=example)


_SCALES = Setting('int', low=0, optional=True, example=None,
                  note='the index of the finest scale; None derives it '
                  'from the image')
_RGB = Setting('int', low=3, high=3, note='the images are RGB', example=3)
_WIDTH = _count('feature channels', 32)
_BOOL = Setting('bool')

#: The steps and weights both SinGAN and ConSinGAN take.
_MODEL = {
    'num_scales': _SCALES,
    'noise_weight_init': _number(
        'noise amplitude = this x the RMSE of the reconstruction, at most '
        f'{MAX_NOISE_AMPLITUDE:g} / 2 since the images lie in [-1, 1]; the '
        'paper uses 0.1', 0.1, low=0.0, high=MAX_NOISE_AMPLITUDE / 2,
        low_open=True),
    'generator_steps': _count('the paper uses 3', 3),
    'discriminator_steps': _count('the paper uses 3', 3),
    'gp_weight': _number('gradient penalty weight; the paper uses 0.1', 0.1),
    'recon_weight': _number('reconstruction loss weight; the paper uses 10',
                            10.0),
    'num_concurrent': _count('scales trained together; SinGAN 1, ConSinGAN 3',
                             1),
    'lr_scale': _number('learning-rate factor per concurrent scale below; '
                        'ConSinGAN uses 0.1', 0.1, high=1.0, low_open=True),
}
#: The per-scale networks of SinGAN (``models/blocks.py``).
_SINGAN_NET = {
    'in_channels': _RGB,
    'num_scales': _SCALES,
    'kernel_size': _count('the paper uses 3', 3),
    'padding': _count('SinGAN pads the input instead; the paper uses 0', 0,
                      low=0),
    'num_layers': _count('convolutions: head, at least one body layer and '
                         'the tail; the paper uses 5', 5, low=3),
    'base_channels': _WIDTH,
    'min_feat_channels': _WIDTH,
    'max_channels': _count('feature channels, at most', 128),
}
#: The networks of ConSinGAN (``models/consingan_*.py``).
_CONSINGAN_NET = {
    'in_channels': _RGB,
    'num_scales': _SCALES,
    'features': _count('feature channels; ConSinGAN uses 64', 64),
    'num_layers': _count('body convolutions; ConSinGAN uses 3', 3),
    'negative_slope': _number('LeakyReLU slope; ConSinGAN uses 0.05', 0.05,
                              high=1.0, high_open=True),
}

#: Argument -> setting, by the class a config dict builds (its ``type``).
SCHEMA: Dict[str, Dict[str, Setting]] = {
    'SinGAN': _MODEL,
    'ConSinGAN': _MODEL,
    'SinGANMultiScaleGenerator': dict(
        _SINGAN_NET, out_channels=_RGB, align_corners=Setting('resize')),
    'SinGANMultiScaleDiscriminator': _SINGAN_NET,
    'ConSinGANGenerator': dict(_CONSINGAN_NET, out_channels=_RGB),
    'ConSinGANDiscriminator': _CONSINGAN_NET,
    'SinGANTrainLoop': {
        'iters_per_scale': _count('the paper uses 2000', 2000),
        'lr_drop_at': _number('share of a scale after which the learning '
                              'rate drops; the paper uses 0.8', 0.8,
                              high=1.0, low_open=True),
        'gamma': _number('learning-rate factor at the drop; the paper uses '
                         '0.1', 0.1, high=1.0, low_open=True),
        'single_thread_pixels': _count('scales up to this many pixels run '
                                       'on one thread', 4096, low=0),
        'probe_costs': _BOOL,
        'threads': Setting('int', low=1, optional=True, example=1,
                           note='CPU threads for every scale (--threads); '
                           'None: tuned as it runs'),
        'probe_seconds': _number('seconds the timing probe may take before '
                                 'training', 12.0),
        'max_iters': Setting('int', low=1, optional=True, note='derived '
                             'from the schedule; leave it unset'),
    },
    'SinGANDataset': {
        'min_size': _count('the short side of the coarsest scale in px; the '
                           'paper uses 25', 25),
        'max_size': _count('the long side of the finest scale in px; the '
                           'paper uses 250', 250),
        'scale_factor_init': _number('the ratio of two scales; the paper '
                                     'uses 0.75', 0.75, high=1.0,
                                     low_open=True, high_open=True),
        'num_samples': _count('copies of the image per iteration', 1),
        'num_stages': Setting('int', low=1, optional=True, example=6,
                              note='ConSinGAN pyramids: stages; None: 6'),
    },
    'randomness': {
        'seed': Setting('int', low=0, high=2**32 - 1, optional=True,
                        example=0, note="numpy's seed range"),
        'diff_rank_seed': _BOOL,
        'deterministic': _BOOL,
    },
    'Adam': {
        'lr': _number('the paper uses 0.0005', 0.0005, low_open=True),
        'eps': _number("Adam's epsilon", 1e-8, low_open=True),
        'weight_decay': _number('the paper uses 0', 0.0),
    },
}


def check_value(key: str, value: Any, setting: Setting) -> None:
    """Raise :class:`SettingError` unless ``setting`` accepts ``value``.

    Args:
        key (str): The dotted config key, for the message.
        value (Any): Its value.
        setting (Setting): Its declared type and range.

    Returns:
        None
    """
    if setting.accepts(value):
        return
    kind = '' if value is None or isinstance(value, (int, float)) else \
        f' (a {type(value).__name__})'
    note = f' ({setting.note})' if setting.note else ''
    raise SettingError(
        f'{key}={value!r}{kind} must be {setting.describe()}{note}. Set e.g. '
        f'--cfg-options {key}={setting.fix_value()!r} (or fix it in the '
        'config file).')


def _parts(cfg: Config) -> Iterator[Tuple[str, dict, Dict[str, Setting]]]:
    """``(dotted path, dict, its table)`` of every part with a table."""
    model = cfg.get('model') or {}
    loader = cfg.get('train_dataloader') or {}
    optim = cfg.get('optim_wrapper') or {}
    parts = [('model', model),
             ('model.generator', model.get('generator')),
             ('model.discriminator', model.get('discriminator')),
             ('train_cfg', cfg.get('train_cfg')),
             ('train_dataloader.dataset', loader.get('dataset'))]
    parts += [(f'optim_wrapper.{name}.optimizer', part.get('optimizer'))
              for name, part in optim.items() if isinstance(part, dict)]
    for path, part in parts:
        if isinstance(part, dict):
            table = SCHEMA.get(_type_name(part, path))
            if table:
                yield path, part, table
    if isinstance(cfg.get('randomness'), dict):
        yield 'randomness', cfg.randomness, SCHEMA['randomness']


def _type_name(part: dict, path: str) -> Optional[str]:
    """The class name a dict builds; the train loop's default if unset."""
    kind = part.get('type')
    if kind is None and path == 'train_cfg':
        return 'SinGANTrainLoop'
    return kind if isinstance(kind, str) else getattr(kind, '__name__', None)


def check_settings(cfg: Config) -> Config:
    """Check every declared setting of a merged config; raise on the first.

    Args:
        cfg (Config): The config, ``--cfg-options`` merged.

    Returns:
        Config: ``cfg``, unchanged.
    """
    for path, part, table in _parts(cfg):
        for key, setting in table.items():
            if key in part:
                check_value(f'{path}.{key}', part[key], setting)
    generator = (cfg.get('model') or {}).get('generator')
    if isinstance(generator, dict) and \
            generator.get('type') == 'SinGANMultiScaleGenerator':
        _check_generator_geometry(generator)
    return cfg


def _check_generator_geometry(generator: dict) -> None:
    """The convolutions must remove exactly the cascade's padding.

    The cascade pads each scale's input by ``PAD`` px a side
    (``ops/cascade.py``); the generator's ``num_layers`` convolutions must
    shrink it back to the scale's size.
    """
    kernel = generator.get('kernel_size', 3)
    padding = generator.get('padding', 0)
    layers = generator.get('num_layers', 5)
    shrink = layers * (kernel - 1 - 2 * padding)
    if shrink != 2 * PAD:
        raise SettingError(
            f'model.generator: kernel_size={kernel}, padding={padding} and '
            f'num_layers={layers} shrink each scale by {shrink} px, but the '
            f'cascade pads it by {2 * PAD} px (num_layers x (kernel_size - 1 '
            f'- 2 x padding) must be {2 * PAD}). Use the paper\'s '
            'kernel_size=3, padding=0, num_layers=5.')
