"""Export a SinGAN checkpoint and its pickle to mmagic's layout (BGR).

    python tools/export_mmagic.py CONFIG CHECKPOINT OUT.pth [--pkl PKL]

Writes ``OUT.pth`` (``state_dict`` + ``meta``, tensors and plain data only)
and ``OUT_DIR/pickle/<OUT name>.pkl`` (fixed noises, noise weights, stage),
which mmagic's SinGAN loads with ``load_from`` / ``test_pkl_data`` and which
``tools/test.py`` loads back here. See docs/mmagic.md.
"""
import argparse
import io
import os.path as osp
import sys

import _bootstrap  # noqa: F401
import torch
from mmengine.config import Config, DictAction

from singan.apis import load_model
from singan.cli import run_cli
from singan.engine import write_inference_state
from singan.fileio import atomic_write_bytes, load_checkpoint_file
from singan.interop import to_mmagic


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Export a SinGAN checkpoint to mmagic's layout (BGR)")
    parser.add_argument('config', help='config the model was trained with')
    parser.add_argument('checkpoint', help='checkpoint to export')
    parser.add_argument('out', help='output .pth path')
    parser.add_argument('--pkl', help='pickle of the checkpoint (default: '
                        'the state in the checkpoint, or pickle/iter_N.pkl '
                        'beside it)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings (key=value)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = load_model(cfg, args.checkpoint, pkl_data=args.pkl)
    meta = load_checkpoint_file(args.checkpoint).get('meta') or {}
    checkpoint, inference_state = to_mmagic(
        model.state_dict(), model.export_inference_state(),
        align_corners=model.generator.align_corners,
        iteration=meta.get('iter', 0) if isinstance(meta, dict) else 0,
        cfg_text=cfg.pretty_text)
    buffer = _serialise(checkpoint)
    atomic_write_bytes(buffer, args.out)
    name = osp.splitext(osp.basename(args.out))[0]
    pkl = write_inference_state(
        inference_state, osp.join(osp.dirname(osp.abspath(args.out)), 'pickle',
                             f'{name}.pkl'))
    print(f'Wrote {osp.abspath(args.out)} and {pkl} (mmagic layout, BGR).')
    if not model.generator.align_corners:
        print('Note: this model upsamples with align_corners=False; mmagic '
              'runs align_corners=True, so its samples there differ slightly '
              '(train with model.generator.align_corners=True to match).')


def _serialise(checkpoint: dict) -> bytes:
    """``torch.save`` into bytes (written atomically by the caller)."""
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    return buffer.getvalue()


if __name__ == '__main__':
    sys.exit(run_cli(main))
