# Runtime settings shared by the SinGAN configs (mmengine Runner).
default_scope = 'singan'
custom_imports = dict(imports=['singan'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    # a line every 100 iterations and at least every 60 s
    logger=dict(
        type='SinGANLoggerHook',
        interval=100,
        interval_seconds=60,
        log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        interval=None,  # None: one checkpoint per scale (iters_per_scale)
        by_epoch=False,
        max_keep_ckpts=3,
        save_last=True,
        save_param_scheduler=False,
        # temporary file + fsync + rename: a crash never leaves half a file
        backend_args=dict(backend='singan_atomic')),
    sampler_seed=dict(type='DistSamplerSeedHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(
    type='SinGANLogProcessor',  # scale, progress and a per-scale ETA
    by_epoch=False,
    window_size=100,
    custom_cfg=[dict(data_src='scale', method_name='mean', window_size=1)])
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=2019, deterministic=False)
