# Fast preset: SinGAN's networks with ConSinGAN-style training of
# balloons.png (Hinz et al., WACV 2021): the last 3 generator scales train
# together (learning rate x0.1 per scale below the current), 6 scales instead
# of 9 (scale_factor_init 0.6) and 270 iterations per scale instead of 2000.
# Same networks, losses and pickle layout as configs/singan/singan_balloons.py
# (so the applications work); tools/test.py samples it. ConSinGAN itself
# (its growing generator): configs/singan/consingan_balloons.py.
# Speed and quality against the paper schedule: docs/speed.md.
_base_ = ['./_base_/singan.py']

num_scales = None  # 5 for balloons.png at these settings
model = dict(
    type='SinGAN',
    num_concurrent=3,
    lr_scale=0.1,
    num_scales=num_scales)
train_cfg = dict(iters_per_scale=270)
train_dataloader = dict(
    dataset=dict(
        data_root='data/singan/balloons.png',
        max_size=250,
        scale_factor_init=0.6))
default_hooks = dict(logger=dict(interval=100))
