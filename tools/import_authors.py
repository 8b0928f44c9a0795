"""Import a model trained with the authors' code (tamarott/SinGAN).

    python tools/import_authors.py \
        TrainedModels/balloons/scale_factor=0.750000,alpha=10 \
        --out-dir work_dirs/authors_balloons --trust-pickled-code

Reads ``Gs.pth``, ``Zs.pth``, ``reals.pth`` and ``NoiseAmp.pth`` (pickles of
whole Python objects: opened only with ``--trust-pickled-code``, through a
restricted unpickler) and writes, in ``--out-dir``, data-only files that
never need the authors' files again:

- ``NAME.pth``: our checkpoint (``state_dict``, ``singan_state``, and the
  config text in ``meta.cfg``);
- ``pickle/NAME.pkl``: fixed noises, noise amplitudes, ``curr_stage``;
- ``NAME_config.py``: the config to pass to ``tools/test.py`` / ``apps.py``;
- ``NAME_real.png``: the training image at the finest scale;
- ``last_checkpoint``: naming ``NAME.pth``, so ``--out-dir`` is a work dir
  for ``singan sample OUT_DIR`` and the other applications.

It ends with the commands that run on the written model. See
docs/authors_models.md.
"""
import argparse
import io
import os.path as osp
import re
import shlex
import sys

import _bootstrap  # noqa: F401
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from singan.apis import authors_config, build_authors_model
from singan.apis.authors_import import RESIZES
from singan.cli import run_cli
from singan.engine import write_inference_state
from singan.fileio import atomic_write_bytes, save_image
from singan.fileio.paths import check_output_dir
from singan.interop import read_authors_folder
from singan.resources import find_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Import a SinGAN trained with the authors' code")
    parser.add_argument('folder', help='TrainedModels/<image>/scale_factor='
                        '0.750000,alpha=10 (Gs.pth, Zs.pth, reals.pth, '
                        'NoiseAmp.pth)')
    parser.add_argument('--out-dir', required=True,
                        help='folder for the converted files')
    parser.add_argument('--trust-pickled-code', action='store_true',
                        help="open the authors' pickles (whole Python "
                        'objects); only for folders from a source you trust')
    parser.add_argument('--config', default='_base_/singan',
                        help='config to start from (path or name; default: '
                        'the SinGAN primitive _base_/singan)')
    parser.add_argument('--name', help='file name stem (default: the image '
                        'name, from TrainedModels/<image>/...)')
    parser.add_argument('--resize', choices=RESIZES, default='authors',
                        help="resize between scales: the authors' (default; "
                        "what their SinGAN_generate gives) or ours (bicubic)")
    return parser.parse_args()


def model_name(folder: str) -> str:
    """``<image>`` of ``TrainedModels/<image>/scale_factor=...``."""
    folder = osp.normpath(osp.abspath(folder))
    base = osp.basename(folder)
    if base.startswith('scale_factor'):
        base = osp.basename(osp.dirname(folder))
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', base).strip('._') or 'authors'


def main() -> None:
    args = parse_args()
    authors = read_authors_folder(args.folder, args.trust_pickled_code)
    name = args.name or model_name(args.folder)
    out = {key: osp.join(args.out_dir, pattern.format(name))
           for key, pattern in (('ckpt', '{}.pth'), ('config', '{}_config.py'),
                                ('image', '{}_real.png'),
                                ('pkl', osp.join('pickle', '{}.pkl')))}
    cfg = authors_config(Config.fromfile(find_config(args.config)), authors,
                         out['image'], args.resize)
    with DefaultScope.overwrite_default_scope('singan'):
        model, has_critics = build_authors_model(cfg, authors)
    check_output_dir(args.out_dir, '--out-dir')  # nothing written before
    save_image(authors.reals[-1][0], out['image'])
    cfg.dump(out['config'])
    atomic_write_bytes(_checkpoint_bytes(model, cfg, authors), out['ckpt'])
    write_inference_state(model.export_inference_state(), out['pkl'])
    atomic_write_bytes(osp.abspath(out['ckpt']).encode(),
                       osp.join(args.out_dir, 'last_checkpoint'))
    _report(out, model, authors, has_critics, args)


def _checkpoint_bytes(model, cfg: Config, authors) -> bytes:
    """Our checkpoint layout, tensors and plain data only."""
    meta = dict(iter=0, epoch=0, cfg=cfg.pretty_text,
                authors_import=dict(folder=osp.abspath(authors.folder),
                                    critics=authors.discriminators))
    buffer = io.BytesIO()
    torch.save(dict(meta=meta, state_dict=model.state_dict(),
                    singan_state=model.export_inference_state()), buffer)
    return buffer.getvalue()


def next_commands(out_dir: str, out: dict) -> list:
    """Commands that run on the written model, one string each.

    Args:
        out_dir (str): ``--out-dir`` (a work dir: ``last_checkpoint``).
        out (dict): Paths of the written ``ckpt`` and ``config``.

    Returns:
        list[str]: Shell commands, paths quoted.
    """
    q = shlex.quote
    work = q(out_dir)
    test_tool = osp.relpath(osp.join(osp.dirname(osp.abspath(__file__)),
                                     'test.py'))
    return [
        f'singan sample {work} --num 4',
        f'singan reconstruct {work}',
        f'singan inject {work} --num 2',
        f'singan animate {work} --frames 10',
        f'singan sr {work} --factor 2',
        f'python {q(test_tool)} {q(out["config"])} {q(out["ckpt"])}',
    ]


def _report(out: dict, model, authors, has_critics: bool,
            args: argparse.Namespace) -> None:
    """What was written and what to run next."""
    sizes = ' '.join(f'{h}x{w}' for h, w in model.sizes)
    print(f'Imported {authors.folder}: {model.current_scale + 1} scales '
          f'({sizes}, HxW), widths from {authors.base_channels}.')
    factor = authors.scale_factor
    if args.resize == 'authors' and factor is not None:
        print(f"  resize between scales: the authors' (by 1/{factor:.6f}, "
              'then cropped), as their SinGAN_generate')
    else:
        print('  resize between scales: ours (bicubic); samples differ '
              "slightly from the authors' (docs/authors_models.md)")
    for key in ('ckpt', 'pkl', 'config', 'image'):
        print(f'  wrote {osp.abspath(out[key])}')
    if not has_critics:
        print("  no <scale>/netD.pth in the folder: the critics are freshly "
              'initialised (sampling and the applications do not use them).')
    print('Next (harmonize, edit, paint2image take --input/--mask too; see '
          'docs/applications.md):')
    for command in next_commands(args.out_dir, out):
        print(f'  {command}')
    print(f'In the browser: singan app --model {shlex.quote(args.out_dir)}')


if __name__ == '__main__':
    sys.exit(run_cli(main))
