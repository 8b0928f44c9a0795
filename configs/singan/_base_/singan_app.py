# The small CPU schedule of the application models (docs/applications.md):
# finest scale 96 px and 120 iterations per scale (the paper: 250 px and
# 2000). Each singan_app_*.py sets its image and what differs from this.
_base_ = ['./singan.py']

train_cfg = dict(iters_per_scale=120)
train_dataloader = dict(dataset=dict(max_size=96))
default_hooks = dict(logger=dict(interval=40))
