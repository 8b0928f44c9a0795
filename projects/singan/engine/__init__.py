"""mmengine glue: the train loop, its optimizers, hooks, logging, ranks."""
from .distributed import (configure_distributed, default_backend,
                          init_distributed)
from .eta import ScaleETA
from .invalid_loss_hook import CheckInvalidLossHook
from .loops import SinGANTrainLoop
from .model_wrapper import SinGANDataParallel, average_gradients
from .pickle_hook import PickleDataHook, write_inference_state
from .progress_file_hook import ProgressFile, ProgressFileHook
from .progress_log import SinGANLoggerHook, SinGANLogProcessor
from .scale_optimizers import ScaleOptimizers, SinGANOptimWrapperConstructor
from .scale_timing import probe_seconds_per_iter, start_scale, time_iterations
from .schedule import ScaleSchedule
from .snapshot_hook import SinGANSnapshotHook
from .sampling_loop import SinGANTestLoop
from .sample_writer_hook import SinGANTestSamplesHook
from .threads import scale_threads

__all__ = [
    'SinGANTrainLoop', 'SinGANTestLoop', 'SinGANTestSamplesHook',
    'ScaleSchedule', 'ScaleOptimizers',
    'SinGANOptimWrapperConstructor', 'SinGANSnapshotHook',
    'CheckInvalidLossHook', 'PickleDataHook', 'write_inference_state',
    'SinGANLogProcessor', 'SinGANLoggerHook', 'ProgressFile',
    'ProgressFileHook', 'ScaleETA', 'start_scale',
    'time_iterations', 'probe_seconds_per_iter', 'scale_threads',
    'SinGANDataParallel', 'average_gradients', 'configure_distributed',
    'default_backend', 'init_distributed'
]
