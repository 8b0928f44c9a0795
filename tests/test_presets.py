"""Each preset is described once (presets.py); every place that shows it
agrees with that, and that with the preset's config."""
import os.path as osp
import re

import pytest
from conftest import ROOT
from mmengine.config import Config

from singan import paper
from singan.commands import build_parser, main
from singan.ops import count_scales
from singan.presets import PRESETS, markdown_table
from singan.resources import find_config

#: balloons.png, the 4:3 photo the scale counts are stated for.
BALLOONS_HW = (186, 248)


def _flat(text: str) -> str:
    """Whitespace collapsed (argparse wraps the help)."""
    return ' '.join(text.split())


@pytest.mark.parametrize('name', list(PRESETS))
def test_preset_fields_are_its_configs(name):
    preset = PRESETS[name]
    cfg = Config.fromfile(find_config(preset.config))
    dataset = cfg.train_dataloader.dataset
    assert preset.max_size == dataset.max_size
    assert preset.iters_per_scale == cfg.train_cfg.iters_per_scale
    assert preset.concurrent == cfg.model.get('num_concurrent', 1)
    finest, _ = count_scales(*BALLOONS_HW, dataset.get(
        'min_size', paper.MIN_SIZE), dataset.max_size,
        dataset.scale_factor_init)
    assert preset.scales == finest + 1
    assert str(preset.iters_per_scale) in preset.description


def test_readme_has_the_preset_table_and_no_placeholder():
    with open(osp.join(ROOT, 'README.md')) as f:
        readme = f.read()
    assert markdown_table() in readme, 'regenerate the README preset table ' \
        'with python -c "from singan.presets import markdown_table as t; ' \
        'print(t())"'
    assert not re.search(r'\bPRESET_[A-Z_]+\b', readme)


def test_configs_help_and_app_show_the_descriptions(capsys):
    main(['configs'])
    listing = _flat(capsys.readouterr().out)
    sub = build_parser()._subparsers._group_actions[0].choices['train']
    help_text = _flat(sub.format_help())
    for preset in PRESETS.values():
        assert _flat(preset.description) in listing
        assert _flat(preset.description) in help_text
    # where the user trains: the default size and how to go larger
    assert '128 px on its long side by default' in help_text
    assert '--preset fast or --max-size PX' in help_text


def test_app_shows_the_descriptions():
    pytest.importorskip('gradio')
    from singan.webapp.page import preset_help
    text = preset_help()
    assert all(p.description in text for p in PRESETS.values())
