"""Reading the authors' pickled networks (``Gs.pth``) as plain data.

The authors' code saves its generators with ``torch.save(Gs)``: a pickle of
whole ``nn.Module`` objects, which names the classes to rebuild them with
(``SinGAN.models.GeneratorConcatSkip2CleanAdd``, ``SinGAN.models.ConvBlock``
and torch's layers). ``torch.load`` imports and calls what a pickle names, so
such a file can run any code by design.

We read these files with the restricted unpickler of ``fileio.safe_load``,
which maps exactly the class names of the authors' networks to
:class:`LayerRecord` stand-ins: inert objects that keep the attributes the
pickle gives them (parameters, buffers, sub-layers, kernel size, ...) and
have no methods to run. Nothing named by the file is imported, no
``sys.modules`` entry is added (so nothing leaks to other code or threads
while a file loads), and any other class name is refused. A stand-in
package registered in ``sys.modules`` would work too, but it would import
the layers as real modules and run their ``__setstate__``; records are only
data, which the converter then checks field by field.
"""
import warnings
from typing import Any, Dict, Optional

import torch

from ..fileio.safe_load import load_torch_file

__all__ = ['LayerRecord', 'AUTHORS_CLASSES', 'load_authors_file',
           'record_tensors']

#: The classes pickled in the authors' ``Gs.pth``, by ``(module, name)``.
AUTHORS_CLASSES = (
    ('SinGAN.models', 'GeneratorConcatSkip2CleanAdd'),
    ('SinGAN.models', 'WDiscriminator'),
    ('SinGAN.models', 'ConvBlock'),
    ('torch.nn.modules.conv', 'Conv2d'),
    ('torch.nn.modules.batchnorm', 'BatchNorm2d'),
    ('torch.nn.modules.activation', 'LeakyReLU'),
    ('torch.nn.modules.activation', 'Tanh'),
    ('torch.nn.modules.container', 'Sequential'),
)


class LayerRecord:
    """A pickled layer, kept as data: its class name and attributes.

    Pickle builds it with ``cls.__new__(cls)`` and hands it the layer's
    ``__dict__`` through :meth:`__setstate__`; that is all it does.

    Attributes:
        class_name (str): ``module.name`` of the class the file named.
        state (dict): The attributes the file stored (``_parameters``,
            ``_buffers``, ``_modules``, ``kernel_size``, ``eps``, ...).
    """

    class_name = ''
    #: Read by torch's legacy loader when it compares saved source code.
    dump_patches = False

    def __setstate__(self, state: Any) -> None:
        self.state = dict(state) if isinstance(state, dict) else {}

    def __repr__(self) -> str:
        return f'LayerRecord({self.class_name})'


def _torch14_backend() -> None:
    """``torch.nn.backends.thnn._get_thnn_function_backend`` of torch < 1.5.

    Modules pickled by torch 1.4 (the authors' version) store ``_backend``
    through this function; it carries no data.
    """
    return None


def _stand_ins() -> Dict[tuple, Any]:
    """``(module, name) -> stand-in`` for the restricted unpickler."""
    stand_ins: Dict[tuple, Any] = {
        key: type(key[1], (LayerRecord, ), dict(class_name='.'.join(key)))
        for key in AUTHORS_CLASSES
    }
    stand_ins[('torch.nn.backends.thnn', '_get_thnn_function_backend')] = \
        _torch14_backend
    return stand_ins


def load_authors_file(path: str, fix: str) -> Any:
    """Load one file of the authors' folder as data and layer records.

    Args:
        path (str): ``Gs.pth``, ``Zs.pth``, ``reals.pth`` or ``NoiseAmp.pth``.
        fix (str): What to do when the file cannot be read, for messages.

    Returns:
        Any: The unpickled object, tensors on the CPU, layers as
        :class:`LayerRecord`.
    """
    with warnings.catch_warnings():
        # The legacy format stores the source of module classes and warns
        # that ours (the records) differ; the converter checks the content.
        warnings.simplefilter('ignore')
        return load_torch_file(path, "The authors' file", fix,
                               map_location='cpu', stand_ins=_stand_ins())


def record_tensors(record: LayerRecord,
                   prefix: str = '') -> Dict[str, Optional[torch.Tensor]]:
    """The state dict of a layer record, as ``nn.Module.state_dict`` names it.

    Args:
        record (LayerRecord): A pickled layer.
        prefix (str): Prepended to every key.

    Returns:
        dict: ``name -> tensor`` of parameters and persistent buffers, the
        sub-layers' under ``child.name``; a value that is not a tensor is
        kept as is (the converter refuses it with its key).
    """
    state = record.state
    skip = set(state.get('_non_persistent_buffers_set') or ())
    tensors: Dict[str, Any] = {}
    for group in ('_parameters', '_buffers'):
        for name, value in (state.get(group) or {}).items():
            if value is not None and name not in skip:
                tensors[prefix + name] = value
    for name, child in (state.get('_modules') or {}).items():
        if isinstance(child, LayerRecord):
            tensors.update(record_tensors(child, f'{prefix}{name}.'))
        elif child is not None:
            tensors[f'{prefix}{name}'] = child
    return tensors
