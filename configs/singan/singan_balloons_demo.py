# Demo, and the default preset of `singan train` (`demo`): the fast preset
# (SinGAN's networks, the last 3 scales trained together at x0.1 per scale
# below, scale_factor_init 0.6, 270 iterations per scale) at a finest scale
# of 128 px. Chosen by measurement among the candidates in docs/presets.md:
# about 5 min of training on a 2-core CPU, samples sharper than the old
# 250-iteration paper-schedule demo and within ~10% of the paper schedule's
# SWD at this size.
_base_ = ['./singan_balloons_fast.py']

num_scales = None  # 3 for balloons.png at these settings (96x128)
model = dict(num_scales=num_scales)
train_dataloader = dict(dataset=dict(max_size=128))
default_hooks = dict(logger=dict(interval=50))
