"""mmengine glue: schedule, stage hook, pickle hook, optimizers."""
from .optim_constructor import (SinGANOptimWrapperConstructor,
                                SinGANOptimWrapperDict)
from .pickle_hook import PickleDataHook, write_test_state
from .schedule import ScaleSchedule
from .stage_hook import SinGANStageHook

__all__ = [
    'ScaleSchedule', 'SinGANStageHook', 'PickleDataHook', 'write_test_state',
    'SinGANOptimWrapperConstructor', 'SinGANOptimWrapperDict'
]
