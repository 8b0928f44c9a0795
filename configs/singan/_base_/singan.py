# The SinGAN primitive: the paper's model and schedule (Shaham et al. 2019).
# Per-image configs set only the image, its sizes and num_scales.
_base_ = ['./default_runtime.py']

num_scales = None  # index of the finest scale; None: derived from the image

model = dict(
    type='SinGAN',
    num_scales=num_scales,
    generator=dict(
        type='SinGANMultiScaleGenerator', in_channels=3, out_channels=3),
    discriminator=dict(type='SinGANMultiScaleDiscriminator', in_channels=3),
    noise_weight_init=0.1,
    discriminator_steps=3,
    generator_steps=3,
    gp_weight=0.1,
    recon_weight=10.0,
    test_pkl_data=None)

optim_wrapper = dict(
    constructor='SinGANOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=0.0005, betas=(0.5, 0.999))),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=0.0005, betas=(0.5, 0.999))))

train_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='SinGANDataset',
        data_root='data/singan/balloons.png',
        min_size=25,
        max_size=250,
        scale_factor_init=0.75))

# The paper's schedule: 2000 iterations per scale, the learning rate x0.1
# after 80% of them. max_iters is derived: (num_scales + 1) * iters_per_scale.
train_cfg = dict(
    type='SinGANTrainLoop', iters_per_scale=2000, lr_drop_at=0.8, gamma=0.1)
val_cfg = None
val_dataloader = None
test_cfg = dict(pkl_data=None)
# tools/test.py (Runner.test(), SinGANTestLoop): these metrics of the
# --num-samples samples (default 8) and the reconstruction against the
# training image. Remove (test_evaluator = None) for samples only.
test_evaluator = [
    dict(type='SinGANSWD', seed=0),
    dict(type='PixelDiversity'),
    dict(type='ReconstructionRMSE'),
    dict(type='PatchCopy'),
]

custom_hooks = [
    dict(type='SinGANSnapshotHook', num_samples=4),
    dict(type='CheckInvalidLossHook', interval=1),
    dict(type='PickleDataHook', output_dir='pickle'),
]
