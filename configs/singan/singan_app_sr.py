# SinGAN for x4 super-resolution of 33039_LR.png (docs/applications.md).
# As the authors' SR.py: the ratio between scales is 2^(-1/3) (~0.794) so
# that 4x is 6 applications of the finest generator (the exact per-step
# ratio comes from the trained sizes), and the reconstruction weight
# (alpha) is 100. The image is used at full size (80x120); min_size 25
# (the authors: 18) and 150 iterations per scale keep it small on a CPU.
_base_ = ['./_base_/singan.py']

iters_per_scale = 150
model = dict(
    iters_per_scale=iters_per_scale,
    recon_weight=100.0,
    lr_scheduler_args=dict(milestones=[int(iters_per_scale * 0.8)]))
train_dataloader = dict(
    dataset=dict(
        data_root='data/singan/33039_LR.png',
        max_size=250,
        scale_factor_init=0.5**(1 / 3)))
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=iters_per_scale))
