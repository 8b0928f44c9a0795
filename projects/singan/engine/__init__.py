"""mmengine glue: schedule, stage hook, pickle hook, optimizers, ranks."""
from .distributed import (configure_distributed, default_backend,
                          init_distributed)
from .model_wrapper import SinGANDataParallel, average_gradients
from .optim_constructor import (SinGANOptimWrapperConstructor,
                                SinGANOptimWrapperDict)
from .pickle_hook import PickleDataHook, write_inference_state
from .schedule import ScaleSchedule
from .stage_hook import SinGANStageHook

__all__ = [
    'ScaleSchedule', 'SinGANStageHook', 'PickleDataHook',
    'write_inference_state',
    'SinGANOptimWrapperConstructor', 'SinGANOptimWrapperDict',
    'SinGANDataParallel', 'average_gradients', 'configure_distributed',
    'default_backend', 'init_distributed'
]
