"""Registries of the ``singan`` scope.

Every registry is a child of mmengine's root registry of the same kind, so a
config with ``default_scope='singan'`` finds our classes first and still falls
back to mmengine's (``Adam``, ``CheckpointHook``, ...). Because the scope name
equals the package name, mmengine imports ``singan.registry`` by itself when
it switches scope; our names never collide with mmagic's, even when both
packages are installed. Registries the Runner looks up but we add nothing to
exist too, so that no look-up falls back with a warning.
"""
from mmengine import registry as root
from mmengine.registry import Registry

__all__ = [
    'DATASETS', 'DATA_SAMPLERS', 'EVALUATOR', 'FUNCTIONS', 'HOOKS',
    'LOG_PROCESSORS',
    'LOOPS', 'METRICS', 'MODELS', 'MODEL_WRAPPERS', 'OPTIMIZERS',
    'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS',
    'RUNNERS', 'TRANSFORMS', 'VISBACKENDS', 'VISUALIZERS',
    'WEIGHT_INITIALIZERS'
]


def _child(name: str, parent: Registry, *locations: str) -> Registry:
    """A registry of our scope under one of mmengine's root registries."""
    return Registry(name, parent=parent, scope='singan',
                    locations=list(locations))


# What our configs build.
DATASETS = _child('dataset', root.DATASETS, 'singan.datasets')
MODELS = _child('model', root.MODELS, 'singan.models')
HOOKS = _child('hook', root.HOOKS, 'singan.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    root.OPTIM_WRAPPER_CONSTRUCTORS,
                                    'singan.engine')
METRICS = _child('metric', root.METRICS, 'singan.evaluation')
LOOPS = _child('loop', root.LOOPS, 'singan.engine')
LOG_PROCESSORS = _child('log processor', root.LOG_PROCESSORS,
                        'singan.engine')

# Looked up by the Runner; mmengine's classes serve them.
DATA_SAMPLERS = _child('data sampler', root.DATA_SAMPLERS)
TRANSFORMS = _child('transform', root.TRANSFORMS)
EVALUATOR = _child('evaluator', root.EVALUATOR)
FUNCTIONS = _child('function', root.FUNCTIONS)
MODEL_WRAPPERS = _child('model wrapper', root.MODEL_WRAPPERS)
OPTIMIZERS = _child('optimizer', root.OPTIMIZERS)
OPTIM_WRAPPERS = _child('optim wrapper', root.OPTIM_WRAPPERS)
PARAM_SCHEDULERS = _child('parameter scheduler', root.PARAM_SCHEDULERS)
RUNNERS = _child('runner', root.RUNNERS)
VISBACKENDS = _child('vis_backend', root.VISBACKENDS)
VISUALIZERS = _child('visualizer', root.VISUALIZERS)
WEIGHT_INITIALIZERS = _child('weight initializer', root.WEIGHT_INITIALIZERS)
