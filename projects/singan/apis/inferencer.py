"""``SinGANInferencer``: a trained SinGAN and its applications in one object.

From a photo to pictures without reading the code: build it from a
checkpoint (the config is read from it) and call an application::

    inferencer = SinGANInferencer('work_dirs/singan_balloons/iter_N.pth')
    out = inferencer(task='sample', num=4, factors='1x2', pred_out_dir='out')
    out = inferencer.harmonize('pasted.jpg', mask='mask.png')

Every application is a function of :mod:`singan.apis` (sampling,
manipulations, super-resolution, animation); this class reads the inputs,
checks the request, runs that function, and packs, pictures and writes the
results. It is the one place that does so: the ``singan`` sub-commands and
``tools/apps.py`` (``commands/apps.py``), the end of ``singan train``
(``commands/results.py``) and the browser app (``webapp/results.py``) parse
their input and call it, so one request gives the same pixels everywhere.
"""
import inspect
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log

from ..fileio.image_io import save_image, tensor_to_image
from ..fileio.paths import check_output_dir
from . import limits, request_checks
from .animation import animate, write_gif, write_mp4
from .figures import MIN_HEIGHT, captioned_row
from .inputs import (fit_to_size, image_to_tensor, same_aspect,
                     training_pyramid)
from .loading import load_model_and_config
from .manipulations import edit, harmonize, paint_to_image
from .paste_back import full_size_feather, match_mask, paste_back
from .sampling import (check_factors, check_start_scale, inject_at_scale,
                       parse_factors, random_samples, reconstruct)
from .super_resolution import bicubic_upscale, sr_steps, super_resolve
from .user_images import (ImageInput, as_mask_array, as_rgb_array,
                          prepare_image)

__all__ = ['SinGANInferencer', 'TASKS']

#: The applications, each a method of :class:`SinGANInferencer`.
TASKS = ('sample', 'inject', 'reconstruct', 'harmonize', 'edit', 'paint',
         'super_resolve', 'animate')
#: Applications that take no ``inputs``.
_NO_INPUTS = ('sample', 'inject', 'reconstruct', 'animate')
#: Most pictures in one row of a visualization (an image and 4 results).
_PANELS = 5


class SinGANInferencer:
    """A trained SinGAN (or ConSinGAN) and its applications.

    Shaped like mmengine's ``BaseInferencer``: built from a config and
    weights (here named ``config`` and ``checkpoint``, as in
    :func:`load_model` and the tools), called as ``inferencer(inputs,
    task=..., return_vis=..., pred_out_dir=...)`` and returning
    ``{'predictions': [...], 'visualization': [...]}``; the steps are
    :meth:`preprocess`, the application (a :mod:`singan.apis` function),
    :meth:`visualize` and :meth:`postprocess`.

    Args:
        checkpoint (str): ``.pth`` written by training (ours), by mmagic or
            by ``tools/export_mmagic.py``.
        config (str | Config, optional): The training config (path, shipped
            name such as ``'singan_balloons'``, or ``Config``). ``None``:
            the config stored in the checkpoint (mmengine's
            ``CheckpointHook`` writes it; read, never run).
        pkl (str, optional): Pickle of fixed noises; ``None``: the state in
            the checkpoint, else ``pickle/iter_N.pkl`` beside it.
        training_image (str, optional): The training image, if it moved
            since training (the reconstruction error, paint quantization and
            super-resolution's default input read it).
        device (str, optional): ``'cpu'`` or ``'cuda'``; ``None``: CUDA when
            available.
        max_memory (float, optional): GB a call may use; larger requests
            are refused up front. ``None``: 80% of the free memory.
        show_progress (bool): Log super-resolution's steps.
        option_names (dict, optional): How the caller spells the options in
            its messages, e.g. ``{'num_frames': '--frames'}`` for a command
            line; ``None``: the keyword names.
        vis_height (int): Height of each picture of a visualization; 0: the
            model's height, at least 96 px. Checked against ``max_memory``.

    Example:
        >>> from singan.apis import SinGANInferencer
        >>> inferencer = SinGANInferencer('work_dirs/demo/iter_N.pth')
        >>> out = inferencer(task='sample', num=4, factors='1x2', seed=1)
        >>> out['predictions'][0].shape  # uint8 RGB, twice as wide
        (H, 2 * W, 3)
        >>> out = inferencer.harmonize('pasted.jpg', mask='mask.png',
        ...                            pred_out_dir='out')
        >>> out['paths']  # the photo's size, changed inside the mask only
        ['.../out/harmonized.png']

    Note:
        - Not a subclass of ``BaseInferencer``: that class runs each input
          through a dataset pipeline in batches (``_init_pipeline``,
          ``collate_fn``, ``model.test_step``), while the applications take
          no input (sampling, animation), one image (super-resolution) or an
          image with its mask, each with its own options; the call,
          arguments and results follow its conventions instead.
        - Harmonization, editing and paint-to-image take the user's photo at
          any resolution and return it at that resolution: the model works
          at its own size and its result is pasted back inside the dilated
          mask only (:func:`paste_back`), every other pixel unchanged.
        - ConSinGAN checkpoints sample, reconstruct, inject at a scale and
          animate; the applications that inject an image raise its message.
    """

    def __init__(self,
                 checkpoint: str,
                 config: Union[str, Config, None] = None,
                 pkl: Optional[str] = None,
                 training_image: Optional[str] = None,
                 device: Optional[str] = None,
                 max_memory: Optional[float] = None,
                 show_progress: bool = True,
                 option_names: Optional[Dict[str, str]] = None,
                 vis_height: int = 0) -> None:
        self.device = device or ('cuda' if torch.cuda.is_available() else
                                 'cpu')
        self.option_names = dict(option_names or {})
        limits.memory_budget('cpu', max_memory)  # a valid max_memory
        vis_height = self._check_count('vis_height', vis_height, lowest=0)
        self.max_memory = max_memory
        self.show_progress = show_progress
        self.vis_height = vis_height
        self.model, self.cfg = load_model_and_config(config, checkpoint, pkl,
                                                     self.device)
        if training_image is not None:
            self._dataset_cfg()['data_root'] = training_image
        self._real = None
        if vis_height:
            height, width = self.model.sizes[-1]
            request_checks.check_figure_request(vis_height, width / height,
                                                _PANELS, self._budget())

    # ----------------------------------------------------------- the call
    def __call__(self, inputs: Optional[ImageInput] = None,
                 task: str = 'sample', return_vis: bool = False,
                 pred_out_dir: str = '', **kwargs) -> dict:
        """Run one application.

        Args:
            inputs (ImageInput, optional): The image of ``harmonize``,
                ``edit``, ``paint`` and ``super_resolve``; ``None`` for the
                others.
            task (str): One of :data:`TASKS`.
            return_vis (bool): Also return a captioned comparison picture.
            pred_out_dir (str): Folder to write the results to (PNG; GIF
                for ``animate``); ``''``: write nothing.
            **kwargs: The options of the task's method, e.g. ``num=4``.

        Returns:
            dict: See :meth:`postprocess`.
        """
        if task not in TASKS:
            raise ValueError(f'task={task!r}: use one of {list(TASKS)}.')
        method = getattr(self, task)
        args = () if inputs is None else (inputs, )
        if task in _NO_INPUTS and inputs is not None:
            raise ValueError(f'task={task!r} takes no inputs (it starts from '
                             'noise); pass its options as keywords.')
        try:
            inspect.signature(method).bind(*args, **kwargs)
        except TypeError as err:
            options = [p for p in inspect.signature(method).parameters
                       if p not in ('return_vis', 'pred_out_dir')]
            raise ValueError(f'task={task!r}: {err}. Its arguments: '
                             f'{", ".join(options)}.') from None
        return method(*args, return_vis=return_vis,
                      pred_out_dir=pred_out_dir, **kwargs)

    # ----------------------------------------------------- the applications
    def sample(self, num: int = 1,
               factors: Union[str, Sequence[float], None] = None,
               size: Optional[Sequence[int]] = None, seed: Optional[int] = 0,
               return_vis: bool = False, pred_out_dir: str = '') -> dict:
        """Random samples, of the training size or any other.

        Args:
            num (int): Number of samples (one batch).
            factors (str | Sequence[float], optional): ``(height, width)``
                factors of the training size, or ``'HxW'`` such as
                ``'1x2'`` (a panorama). ``None``: ``1x1``.
            size (Sequence[int], optional): ``(H, W)`` of the samples
                instead of ``factors``.
            seed (int, optional): Noise seed; ``None``: torch's global RNG.
            return_vis (bool): See :meth:`__call__`.
            pred_out_dir (str): ``sample_XX.png`` go there.

        Returns:
            dict: See :meth:`postprocess`.
        """
        num = self._check_count('num', num)
        typed = factors if isinstance(factors, str) else None
        factors = self._factors(factors, size)
        text = typed or f'{factors[0]:g}x{factors[1]:g}'
        request_checks.check_sample_request(self.model, num, factors,
                                            self._budget(),
                                            self._name('factors'), text)
        samples = random_samples(self.model, num, factors,
                                 self._generator(seed))
        images = [tensor_to_image(s) for s in samples]
        vis = self.visualize(self._shown_real(return_vis),
                             [(f'sample {i} ({text})', im)
                              for i, im in enumerate(images[:4])],
                             return_vis, same_scale=True)
        return self.postprocess(images, vis, pred_out_dir, 'sample',
                                dict(factors=factors), numbered=True)

    def inject(self, start_scale: Optional[int] = None, num: int = 1,
               seed: Optional[int] = 0, return_vis: bool = False,
               pred_out_dir: str = '') -> dict:
        """Samples with fresh noise from ``start_scale`` on (Fig. 5).

        Args:
            start_scale (int, optional): ``0..num_scales``; below it the
                reconstruction's fixed noise keeps the layout. ``None``: the
                middle scale.
            num (int): Number of samples.
            seed (int, optional): Noise seed; ``None``: torch's global RNG.
            return_vis (bool): See :meth:`__call__`.
            pred_out_dir (str): ``inject_sN_XX.png`` go there.

        Returns:
            dict: See :meth:`postprocess`.
        """
        num = self._check_count('num', num)
        n = self._start_scale(start_scale, lowest=0)
        request_checks.check_batch_request(self.model, num, self._budget(),
                                           self._name('num'))
        samples = inject_at_scale(self.model, n, num, self._generator(seed))
        images = [tensor_to_image(s) for s in samples]
        vis = self.visualize(self._shown_real(return_vis),
                             [(f'start scale {n}', im) for im in images[:4]],
                             return_vis)
        return self.postprocess(images, vis, pred_out_dir, f'inject_s{n}',
                                dict(start_scale=n), numbered=True)

    def reconstruct(self, return_vis: bool = False,
                    pred_out_dir: str = '') -> dict:
        """The training image from the fixed noises, and its RMSE.

        Args:
            return_vis (bool): See :meth:`__call__`.
            pred_out_dir (str): ``reconstruction.png`` goes there.

        Returns:
            dict: See :meth:`postprocess`; ``rmse`` (in [-1, 1] units) is
            ``None`` when the training image is not at hand.
        """
        real = self._training_image(needed_for=None)
        recon, rmse = reconstruct(self.model, real)
        image = tensor_to_image(recon[0])
        shown = [('training image', real)] if real is not None else []
        vis = self.visualize(shown, [('reconstruction', image)], return_vis)
        return self.postprocess([image], vis, pred_out_dir, 'reconstruction',
                                dict(rmse=rmse))

    def harmonize(self, inputs: ImageInput, mask: ImageInput,
                  start_scale: Optional[int] = None, radius: float = 7,
                  sigma: float = 5, resize: str = 'none',
                  seed: Optional[int] = 0, return_vis: bool = False,
                  pred_out_dir: str = '',
                  feather: Optional[float] = None) -> dict:
        """Blend a pasted object into the photo's style, at full resolution.

        Args:
            inputs (ImageInput): The photo with the object pasted in, any
                resolution of the training image's aspect ratio.
            mask (ImageInput): White on the pasted object; the photo's size
                (one of the same aspect ratio is resized to it).
            start_scale (int, optional): Injection scale ``1..num_scales``;
                ``None``: the middle scale.
            radius (float): Mask dilation, in pixels of a 250 px image (the
                authors'). Defaults to 7.
            sigma (float): Mask blur in the same units. Defaults to 5.
            resize (str): ``'none'`` (refuse another aspect ratio) or
                ``'stretch'``.
            seed (int, optional): Noise seed; ``None``: torch's global RNG.
            return_vis (bool): See :meth:`__call__`.
            pred_out_dir (str): ``harmonized.png`` goes there, with
                ``harmonized_unmasked.png`` (the model's whole image at the
                photo's size) and ``mask_dilated.png`` (how much of it each
                pixel took).
            feather (float, optional): Width in pixels of the photo of the
                band around the mask where the result fades into the photo;
                no pixel farther from the mask changes. ``None``: ``radius +
                2 * sigma`` at the photo's size (:func:`full_size_feather`).

        Returns:
            dict: See :meth:`postprocess`; one prediction of the photo's
            size, with the photo's own fine detail (:func:`paste_back`),
            equal to it farther than ``feather`` from the mask.
        """
        return self._masked(harmonize, 'harmonized', inputs, mask,
                            start_scale, radius, sigma, resize, seed,
                            return_vis, pred_out_dir, feather)

    def edit(self, inputs: ImageInput, mask: ImageInput,
             start_scale: Optional[int] = None, radius: float = 20,
             sigma: float = 5, resize: str = 'none',
             seed: Optional[int] = 0, return_vis: bool = False,
             pred_out_dir: str = '', feather: Optional[float] = None) -> dict:
        """Make an edited region look natural, at full resolution.

        Args:
            inputs (ImageInput): The edited photo (cut, moved, copied).
            mask (ImageInput): White on the edited region.
            start_scale (int, optional): See :meth:`harmonize`.
            radius (float): Dilation as in :meth:`harmonize`; defaults to 20
                (the authors' for editing).
            sigma (float): See :meth:`harmonize`.
            resize (str): See :meth:`harmonize`.
            seed (int, optional): See :meth:`harmonize`.
            return_vis (bool): See :meth:`__call__`.
            pred_out_dir (str): ``edited.png`` goes there (and the two
                pictures of :meth:`harmonize`).
            feather (float, optional): See :meth:`harmonize`.

        Returns:
            dict: See :meth:`harmonize`.
        """
        return self._masked(edit, 'edited', inputs, mask, start_scale,
                            radius, sigma, resize, seed, return_vis,
                            pred_out_dir, feather)

    def paint(self, inputs: ImageInput, mask: Optional[ImageInput] = None,
              start_scale: Optional[int] = None,
              num_colors: Optional[int] = None, radius: float = 7,
              sigma: float = 5, resize: str = 'none',
              seed: Optional[int] = 0, return_vis: bool = False,
              pred_out_dir: str = '',
              feather: Optional[float] = None) -> dict:
        """Turn a painting into an image in the training image's style.

        Args:
            inputs (ImageInput): The painting (clip art), any resolution.
            mask (ImageInput, optional): Take the result inside it only and
                keep the painting (e.g. a photo painted on) elsewhere;
                ``None``: the whole picture, upsampled to its size.
            start_scale (int, optional): See :meth:`harmonize` (a coarse
                scale: the painting gives the layout).
            num_colors (int, optional): Map the painting to this many colours
                of the training image first (the authors use 5); needs the
                training image.
            radius (float): Dilation of ``mask``, see :meth:`harmonize`.
            sigma (float): Blur of ``mask``.
            resize (str): See :meth:`harmonize`.
            seed (int, optional): See :meth:`harmonize`.
            return_vis (bool): See :meth:`__call__`.
            pred_out_dir (str): ``paint2image.png`` goes there, and
                ``painting_quantized.png`` with ``num_colors``.
            feather (float, optional): Fade around ``mask``, see
                :meth:`harmonize`.

        Returns:
            dict: See :meth:`postprocess`; one prediction of the painting's
            size: the model's output upsampled (a painting has no fine
            detail to keep), inside the feathered ``mask`` only if given.
        """
        data = self.preprocess(inputs, mask, resize, 'painting')
        n = self._start_scale(start_scale, lowest=1)
        real = None if num_colors is None else self._training_image(
            needed_for='paint(num_colors=...)')
        result, injected = paint_to_image(self.model, data['image'], n, real,
                                          num_colors, self._generator(seed))
        full = paste_back(data['full'], result, data['full_mask'],
                          full_size_feather(feather, radius, sigma,
                                            data['full'].shape[:2]),
                          detail='none')
        shown, extras = [('painting', data['full'])], {}
        if num_colors is not None:
            shown.append((f'quantized, k={num_colors}', injected))
            extras['painting_quantized'] = tensor_to_image(injected[0])
        vis = self.visualize(shown, [(f'result, scale {n}', full)],
                             return_vis)
        return self.postprocess([full], vis, pred_out_dir, 'paint2image',
                                dict(start_scale=n), extras=extras)

    def super_resolve(self, inputs: Optional[ImageInput] = None,
                      factor: float = 4.0, seed: Optional[int] = 0,
                      return_vis: bool = False,
                      pred_out_dir: str = '') -> dict:
        """Upscale an image with the finest generator, step by step.

        Args:
            inputs (ImageInput, optional): Image to upscale, any size;
                ``None``: the training image.
            factor (float): Upscaling factor, > 1.
            seed (int, optional): Noise seed; ``None``: torch's global RNG.
            return_vis (bool): See :meth:`__call__` (input, bicubic, SinGAN).
            pred_out_dir (str): ``sr.png`` and ``bicubic.png`` go there.

        Returns:
            dict: See :meth:`postprocess`; ``steps`` and ``step_ratio`` in
            ``info``.
        """
        request_checks.check_sr_input(self.model, inputs, factor,
                                      self._budget())  # before converting
        if inputs is None:
            image = self._training_image('super_resolve() without inputs')
        else:
            image = image_to_tensor(as_rgb_array(inputs, 'input'))
        steps, ratio = sr_steps(self.model, factor)
        request_checks.check_sr_request(
            self.model, tuple(image.shape[-2:]), factor,
            lambda f: sr_steps(self.model, f)[0], self._budget())
        result = super_resolve(self.model, image, factor,
                               self._generator(seed), self._sr_progress())
        sr = tensor_to_image(result[0])
        bicubic = tensor_to_image(bicubic_upscale(image.to(result),
                                                  factor)[0])
        vis = self.visualize(
            [('input', image), (f'bicubic x{factor:g}', bicubic)],
            [(f'SinGAN x{factor:g}', sr)], return_vis)
        return self.postprocess([sr], vis, pred_out_dir, 'sr',
                                dict(steps=steps, step_ratio=ratio),
                                extras=dict(bicubic=bicubic))

    def animate(self, num_frames: int = 30, start_scale: int = 2,
                alpha: float = 0.1, beta: float = 0.9, fps: float = 10,
                seed: Optional[int] = 0, return_vis: bool = False,
                pred_out_dir: str = '') -> dict:
        """A looping clip: a random walk of the noise from a scale on.

        Args:
            num_frames (int): Frames (>= 2), made in one batch.
            start_scale (int): First scale whose noise walks.
            alpha (float): Pull towards the reconstruction, in [0, 1].
            beta (float): Momentum of the walk, in [0, 1].
            fps (float): Frames per second of the GIF.
            seed (int, optional): Noise seed; ``None``: torch's global RNG.
            return_vis (bool): See :meth:`__call__` (first, middle, last).
            pred_out_dir (str): ``animation.gif`` goes there, and
                ``animation.mp4`` when OpenCV has an MP4 encoder.

        Returns:
            dict: See :meth:`postprocess`; the frames are the predictions.
        """
        num_frames = self._check_count('num_frames', num_frames, lowest=2)
        request_checks.check_positive(self._name('fps'), fps, 100,
                                      ' (a GIF frame lasts at least 10 ms)')
        start_scale = self._start_scale(start_scale, lowest=0)
        request_checks.check_animation_request(self.model, num_frames,
                                               self._budget())
        frames = animate(self.model, num_frames, start_scale, alpha, beta,
                         self._generator(seed))
        images = [tensor_to_image(f) for f in frames]
        picks = sorted({0, num_frames // 2, num_frames - 1})
        vis = self.visualize(self._shown_real(return_vis),
                             [(f'frame {i}', images[i]) for i in picks],
                             return_vis)
        return self.postprocess(images, vis, pred_out_dir, 'animation',
                                dict(fps=fps), gif=True)

    def crop_to_model(self, inputs: ImageInput,
                      mask: Optional[ImageInput] = None
                      ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """The centre of an image (and its mask) at the model's aspect ratio.

        What ``--resize crop`` means to the command line and the app: the
        result of :meth:`harmonize`, :meth:`edit` or :meth:`paint` on the
        crop is that centre, at the image's own resolution. (The methods
        refuse ``resize='crop'``: a result must go back into the image it
        was given.)

        Args:
            inputs (ImageInput): The image.
            mask (ImageInput, optional): Its mask, of its aspect ratio.

        Returns:
            tuple: ``(image, mask)``: the RGB array cut to the model's aspect
            ratio, and the mask on its pixels (0 and 1) or ``None``.
        """
        image = as_rgb_array(inputs, 'input')
        (height, width), (h, w) = image.shape[:2], self.model.sizes[-1]
        if width * h > height * w:  # wider than the model: cut the sides
            new_h, new_w = height, max(1, round(height * w / h))
        else:
            new_h, new_w = max(1, round(width * h / w)), width
        top, left = (height - new_h) // 2, (width - new_w) // 2
        box = (slice(top, top + new_h), slice(left, left + new_w))
        if mask is not None:
            mask = match_mask(as_mask_array(mask), (height, width))[box]
        return image[box], mask

    def training_image(self) -> Optional[np.ndarray]:
        """The training image at the model's finest size.

        Returns:
            np.ndarray | None: uint8 ``(H, W, 3)`` RGB; ``None`` when the
            config's image is not at hand.
        """
        real = self._training_image(needed_for=None)
        return None if real is None else tensor_to_image(real[0])

    # ------------------------------------------------------------- steps
    def preprocess(self, inputs: ImageInput,
                   mask: Optional[ImageInput] = None, resize: str = 'none',
                   name: str = 'input') -> dict:
        """The user's image (and mask) at full size and at the model's.

        Args:
            inputs (ImageInput): The image.
            mask (ImageInput, optional): Its mask: of the image's aspect
                ratio, or of another with ``resize='stretch'``.
            resize (str): ``'none'`` or ``'stretch'`` (a crop could not be
                pasted back into the whole photo).
            name (str): What the image is, for messages.

        Returns:
            dict: See :func:`prepare_image`; the tensors on the model's
            device.
        """
        image = as_rgb_array(inputs, name)
        if mask is not None:
            mask = self._mask_for(as_mask_array(mask), image.shape[:2],
                                  resize)
        data = prepare_image(image, mask, self.model.sizes[-1], resize, name)
        device = self.model.fixed_noises[0].device
        return {k: v.to(device) if isinstance(v, torch.Tensor) else v
                for k, v in data.items()}

    def visualize(self, inputs: List[Tuple[str, object]],
                  preds: List[Tuple[str, object]],
                  return_vis: bool = False,
                  same_scale: bool = False) -> List[np.ndarray]:
        """A captioned row: the inputs, then the predictions.

        Args:
            inputs (list[tuple[str, image]]): ``(caption, image)`` of what
                went in (tensors in [-1, 1] or uint8 arrays).
            preds (list[tuple[str, image]]): The same for the results.
            return_vis (bool): ``False``: nothing is drawn.
            same_scale (bool): Scale every picture by one factor, so sizes
                compare (samples of another size than the training image).

        Returns:
            list[np.ndarray]: ``[row]`` (uint8 RGB), or ``[]``.
        """
        if not return_vis:
            return []
        height = self.vis_height or max(MIN_HEIGHT, self.model.sizes[-1][0])
        return [captioned_row(inputs + preds, height, same_scale=same_scale)]

    def postprocess(self, preds: List[np.ndarray],
                    visualization: List[np.ndarray], pred_out_dir: str = '',
                    stem: str = 'result', info: Optional[dict] = None,
                    gif: bool = False, numbered: bool = False,
                    extras: Optional[Dict[str, np.ndarray]] = None) -> dict:
        """Pack the results and write them to ``pred_out_dir``.

        Args:
            preds (list[np.ndarray]): uint8 ``(H, W, 3)`` RGB images.
            visualization (list[np.ndarray]): From :meth:`visualize`.
            pred_out_dir (str): Folder to write to (atomically); ``''``:
                none.
            stem (str): File name: ``stem.png``, ``stem_XX.png`` with
                ``numbered``, ``stem.gif`` with ``gif``.
            info (dict, optional): Numbers of the run (scale, RMSE ...).
            gif (bool): Write the images as the frames of one GIF (and of an
                MP4 when OpenCV can encode one).
            numbered (bool): Number the files (a batch of samples), even
                when there is one.
            extras (dict, optional): More pictures to write beside them,
                ``{name: uint8 (H, W, 3)}`` as ``name.png``.

        Returns:
            dict: ``predictions`` (the images), ``visualization`` (empty
            unless asked for), ``info``, and ``paths`` (files written, the
            predictions first).
        """
        info = dict(info or {})
        paths = []
        if pred_out_dir:
            paths = self._write(preds, pred_out_dir, stem, info, gif,
                                numbered, extras or {})
        return dict(predictions=preds, visualization=visualization,
                    info=info, paths=[osp.abspath(p) for p in paths])

    @staticmethod
    def _write(preds, folder, stem, info, gif, numbered,
               extras) -> List[str]:
        """Write the predictions (PNG, or GIF + MP4) and the extras."""
        check_output_dir(folder, 'pred_out_dir')
        if gif:
            fps = info.get('fps', 10)
            paths = [write_gif(preds, osp.join(folder, f'{stem}.gif'), fps),
                     write_mp4(preds, osp.join(folder, f'{stem}.mp4'), fps)]
        else:
            names = [f'{stem}_{i:02d}.png' for i in range(len(preds))] \
                if numbered else [f'{stem}.png']
            paths = [save_image(im, osp.join(folder, name))
                     for im, name in zip(preds, names)]
        paths += [save_image(im, osp.join(folder, f'{name}.png'))
                  for name, im in extras.items()]
        return [p for p in paths if p]  # no MP4 without an encoder

    # ----------------------------------------------------------- helpers
    def _masked(self, function, stem, inputs, mask, start_scale, radius,
                sigma, resize, seed, return_vis, pred_out_dir,
                feather=None) -> dict:
        """Harmonize or edit at the model's size, paste back at full."""
        for key, value in (('radius', radius), ('sigma', sigma)):
            request_checks.check_number(self._name(key), value, 0,
                                        unit='pixels of a 250 px image')
        data = self.preprocess(inputs, mask, resize)
        width = full_size_feather(feather, radius, sigma,
                                  data['full'].shape[:2])
        n = self._start_scale(start_scale, lowest=1)
        # the model's own blend is redone at full size by paste_back
        _, raw, _ = function(self.model, data['image'], data['image'],
                             data['mask'], n, radius, sigma,
                             self._generator(seed))
        full = paste_back(data['full'], raw, data['full_mask'], width)
        vis = self.visualize(
            [('input', data['full']), ('mask', _mask_picture(data))],
            [(f'{stem}, scale {n}', full)], return_vis)
        extras = {} if not pred_out_dir else {
            f'{stem}_unmasked': paste_back(data['full'], raw),
            'mask_dilated': _blend_weights(data, raw.shape[-2:], width)}
        return self.postprocess([full], vis, pred_out_dir, stem,
                                dict(start_scale=n), extras=extras)

    def _factors(self, factors, size) -> Tuple[float, float]:
        """``(height, width)`` factors from ``factors`` or ``size``."""
        if size is not None:
            if factors is not None:
                raise ValueError('Give factors or size, not both.')
            if len(size) != 2 or min(size) < 1:
                raise ValueError(f'size={size!r}: give (height, width) in '
                                 'pixels, each at least 1.')
            (height, width), (h, w) = self.model.sizes[-1], size
            return h / height, w / width
        if factors is None:
            return 1.0, 1.0
        if isinstance(factors, str):
            return parse_factors(factors)
        if len(factors) != 2:
            raise ValueError(f'factors={factors!r}: give (height, width) '
                             "factors, e.g. (1, 2), or '1x2'.")
        check_factors(factors)
        return float(factors[0]), float(factors[1])

    def _start_scale(self, start_scale: Optional[int], lowest: int) -> int:
        """The given scale (checked), or the middle one."""
        if start_scale is None:
            return max(lowest, self.model.num_scales // 2)
        check_start_scale(self.model, start_scale, lowest,
                          self._name('start_scale'))
        return start_scale

    def _mask_for(self, mask: np.ndarray, shape: Sequence[int],
                  resize: str) -> np.ndarray:
        """A mask of another aspect ratio than its image: stretched to it
        with ``resize='stretch'``, else refused naming both sizes."""
        (h, w), (height, width) = mask.shape, shape
        if same_aspect((h, w), shape):
            return mask
        if resize != 'stretch':
            raise ValueError(
                f'The mask is {w}x{h} (WxH) but its image is {width}x'
                f'{height}: draw the mask on the image itself (white where '
                f"it changed), or stretch it with {self._name('resize')}="
                "'stretch'.")
        return fit_to_size(mask[:, :, None], shape, 'stretch')[:, :, 0]

    def _name(self, option: str) -> str:
        """How the caller spells ``option`` (see ``option_names``)."""
        return self.option_names.get(option, option)

    def _check_count(self, name: str, value: int, lowest: int = 1) -> int:
        """``value`` as an ``int``; raise unless an integer >= ``lowest``."""
        return request_checks.check_count(self._name(name), value,
                                          lowest)  # numpy integers too

    def _shown_real(self, return_vis: bool) -> List[Tuple[str, object]]:
        """``[('training image', image)]`` for a visualization, if at hand."""
        real = self._training_image(None) if return_vis else None
        return [] if real is None else [('training image', real)]

    def _training_image(self, needed_for: Optional[str]
                        ) -> Optional[torch.Tensor]:
        """The training image at the model's finest size.

        Args:
            needed_for (str, optional): What needs it, for the message when
                it is missing; ``None``: it is optional.

        Returns:
            torch.Tensor | None: ``(1, 3, H, W)`` in [-1, 1] on the model's
            device; ``None`` when missing and optional.
        """
        if self._real is None:
            dataset = (self.cfg.get('train_dataloader') or {}).get(
                'dataset') or {}
            path = dataset.get('data_root') or ''
            if not osp.isfile(path):
                if needed_for is None:
                    return None
                raise FileNotFoundError(
                    f'{needed_for} needs the training image, but the config '
                    f'names {path!r}, which is not there. Pass '
                    'SinGANInferencer(..., training_image=PATH).')
            pyramid = training_pyramid(self.cfg, self.model.sizes)
            self._real = pyramid[-1].to(self.model.fixed_noises[0].device)
        return self._real

    def _dataset_cfg(self) -> dict:
        """The training dataset's config (it names the training image)."""
        dataset = (self.cfg.get('train_dataloader') or {}).get('dataset')
        if not isinstance(dataset, dict):
            raise ValueError('The config has no train_dataloader.dataset, '
                             'so the training image is unknown; pass the '
                             'config it was trained with.')
        return dataset

    def _generator(self, seed: Optional[int]) -> Optional[torch.Generator]:
        """A seeded random source on the model's device, or ``None``."""
        if seed is None:
            return None
        request_checks.check_count('seed', seed, -2**63, 2**64 - 1)
        device = self.model.fixed_noises[0].device
        return torch.Generator(device=device).manual_seed(int(seed))

    def _budget(self) -> int:
        """Bytes a call may plan to use."""
        return limits.memory_budget(self.device, self.max_memory)

    def _sr_progress(self):
        """Log one line per super-resolution step, if asked to."""
        if not self.show_progress:
            return None
        return lambda k, n, size: print_log(
            f'super-resolution step {k}/{n}: {size[1]}x{size[0]} (WxH)',
            logger='current')


def _mask_picture(data: dict) -> np.ndarray:
    """The full-size mask as a black and white uint8 RGB picture."""
    mask = (data['full_mask'] * 255).astype(np.uint8)
    return np.repeat(mask[:, :, None], 3, axis=2)


def _blend_weights(data: dict, size: Sequence[int],
                   feather: float) -> np.ndarray:
    """How much of the model's output :func:`paste_back` put in each pixel.

    A white model output pasted into a black photo with the same mask and
    feather gives paste_back's own weights (whatever its dilation, blur or
    feathering), as a grey ``(H, W, 3)`` uint8 picture.
    """
    black = np.zeros_like(data['full'])
    white = torch.ones(1, 3, *size)
    return paste_back(black, white, data['full_mask'], feather,
                      detail='none')
