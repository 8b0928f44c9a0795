# Demo: SinGAN on the bundled balloons.png, small and short enough to train
# in about 10 minutes on a 2-core CPU (finest scale 128x96, 6 scales,
# 250 iterations per scale instead of the paper's 2000; learning-rate drop
# at 80% of each scale as in the paper). Samples are recognisable but less
# sharp than the paper schedule's (configs/singan/singan_balloons.py).
_base_ = ['./_base_/singan.py']

num_scales = 5
model = dict(num_scales=num_scales)
train_cfg = dict(iters_per_scale=250)
train_dataloader = dict(
    dataset=dict(data_root='data/singan/balloons.png', max_size=128))
default_hooks = dict(logger=dict(interval=50))
