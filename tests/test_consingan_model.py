"""ConSinGAN: the growing generator, concurrent stages, its generator loop."""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from conftest import ROOT
from singan.engine import (ScaleOptimizers, SinGANOptimWrapperConstructor,
                           start_scale)
from singan.models import (ConSinGANDiscriminator, ConSinGANGenerator,
                           InferenceStateError)
from singan.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

LR = 5e-4
SIZES = [(20, 24), (22, 27), (25, 30), (30, 36)]


def _model(num_scales: int = 3, features: int = 8, **kwargs):
    """A tiny ConSinGAN (narrow features) and its optimizers."""
    net = dict(features=features, num_scales=num_scales)
    with DefaultScope.overwrite_default_scope('singan'):
        model = MODELS.build(dict(
            type='ConSinGAN', num_scales=num_scales,
            generator=dict(type='ConSinGANGenerator', **net),
            discriminator=dict(type='ConSinGANDiscriminator', **net),
            **kwargs))
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.get(
        'ConSinGANOptimWrapperConstructor')
    optim = constructor(dict(
        generator=dict(optimizer=dict(type='Adam', lr=LR,
                                      betas=(0.5, 0.999))),
        discriminator=dict(optimizer=dict(type='Adam', lr=LR,
                                          betas=(0.5, 0.999)))))(model)
    return model.train(), optim


def _reals():
    rng = torch.Generator().manual_seed(3)
    return [torch.rand(1, 3, *s, generator=rng) * 2 - 1 for s in SIZES]


def _data(reals):
    return {f'real_scale{i}': r for i, r in enumerate(reals)}


def _snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def _changed(module, before) -> bool:
    return any(not torch.equal(p, q) for p, q in zip(module.parameters(),
                                                      before))


def test_generator_shapes_and_features_between_stages():
    gen = ConSinGANGenerator(num_scales=2, features=8)
    assert len(gen.blocks) == 3 and len(gen.blocks[0]) == 3
    assert all(m.padding == (0, 0) for m in gen.modules()
               if isinstance(m, torch.nn.Conv2d))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in gen.modules())
    assert 'blocks.2.0.0.weight' in gen.state_dict()
    assert gen.noise_shape(0, (20, 24)) == (3, 20, 24)
    assert gen.noise_shape(1, (22, 27)) == (8, 28, 33)  # + 2 x 3 layers
    sizes = SIZES[:3]
    noises = [torch.randn(2, *gen.noise_shape(s, sizes[s])) for s in range(3)]
    out, images = gen(noises, sizes, [1.0, 0.1, 0.1], return_all=True)
    assert out.shape == (2, 3, 25, 30)
    assert [tuple(i.shape[-2:]) for i in images] == sizes
    assert float(out.detach().abs().max()) <= 1.0
    assert ConSinGANGenerator(num_scales=2).blocks[0][0][0].out_channels == 64
    disc = ConSinGANDiscriminator(features=8)
    assert disc(torch.randn(1, 3, 25, 30)).shape == (1, 1, 15, 20)


def test_sampling_at_arbitrary_sizes_and_aspect_ratios():
    torch.manual_seed(0)
    model, optim = _model()
    reals = _reals()
    for scale in range(4):
        start_scale(model, optim, scale, reals)
    assert model.sizes == SIZES
    assert model.sample(2).shape == (2, 3, 30, 36)
    wide = [(h, 2 * w) for h, w in SIZES]
    rng = torch.Generator().manual_seed(1)
    assert model.sample(3, sizes=wide, generator=rng).shape == (3, 3, 30, 72)
    assert model.sample(1, scale=1).shape == (1, 3, 22, 27)
    assert model.reconstruct().shape == (1, 3, 30, 36)
    with pytest.raises(ValueError, match='noise_shape'):
        model.generate([torch.randn(1, 3, *s) for s in SIZES])


def test_concurrent_stages_learn_at_scaled_rates_the_others_are_frozen():
    torch.manual_seed(0)
    model, optim = _model()
    reals, gen = _reals(), model.generator
    modules = dict(head=gen.head, tail=gen.tail, disc=model.discriminator,
                   **{f'blocks.{s}': b for s, b in enumerate(gen.blocks)})
    for scale in range(4):
        start_scale(model, optim, scale, reals)
        before = {name: _snapshot(m) for name, m in modules.items()}
        model.train_step(_data(reals), optim)
        changed = {name for name, old in before.items()
                   if _changed(modules[name], old)}
        trained = {f'blocks.{s}' for s in range(max(0, scale - 2), scale + 1)}
        head = {'head'} if scale < 3 else set()
        assert changed == trained | head | {'tail', 'disc'}, scale
    # stage 3: body stages 1, 2, 3 at 0.01, 0.1, 1 x lr; the head is out
    groups = {g['name']: g['lr'] for g in optim['generator_3'].optimizer.
              param_groups}
    assert groups == pytest.approx({'blocks.1': LR * 0.01,
                                    'blocks.2': LR * 0.1, 'blocks.3': LR,
                                    'tail': LR})
    optim.set_lr_factor(0.1)  # the drop at 80% scales every group
    assert optim['generator_3'].optimizer.param_groups[0]['lr'] == \
        pytest.approx(LR * 0.001)
    assert optim.get_lr()['lr_g'] == [pytest.approx(LR * 0.1)]
    head = [g for g in optim['generator_2'].optimizer.param_groups
            if g['name'] == 'head']
    assert head[0]['lr'] == pytest.approx(LR * 0.01)  # lr_scale ** stage


def test_new_stage_copies_the_one_below_and_sets_the_noise_amplitude():
    torch.manual_seed(0)
    model, optim = _model()
    reals = _reals()
    start_scale(model, optim, 0, reals)
    assert torch.equal(model.fixed_noises[0], reals[0])  # the coarsest real
    assert model.noise_weights == [1.0]
    model.train_step(_data(reals), optim)
    start_scale(model, optim, 1, reals)
    for a, b in zip(model.generator.blocks[1].parameters(),
                    model.generator.blocks[0].parameters()):
        assert torch.equal(a, b)
    assert model.fixed_noises[1].shape == (1, 8, 28, 33)
    with torch.no_grad():  # through the new stage, its own noise off
        recon = model.generator(model.fixed_noises, SIZES[:2], [1.0, 0.0])
    rmse = float(torch.sqrt(torch.mean((recon - reals[1])**2)))
    assert model.noise_weights[1] == pytest.approx(0.1 * rmse)


class _Spy:
    """Records how the model calls the optimizers' generator update."""

    def __init__(self, optim):
        self.optim, self.calls = optim, []
        self.update_generators_real = optim.update_generators

    def __call__(self, loss, steps=1):
        self.calls.append(steps)
        self.update_generators_real(loss, steps=steps)


@pytest.mark.parametrize('mode, calls', [('repeat', [3]),
                                         ('recompute', [1, 1, 1])])
def test_generator_loop_one_gradient_three_steps(mode, calls):
    torch.manual_seed(0)
    model, optim = _model(generator_update=mode)
    reals = _reals()
    start_scale(model, optim, 0, reals)
    spy = _Spy(optim)
    optim.update_generators = spy
    model.train_step(_data(reals), optim)
    assert spy.calls == calls
    state = optim['generator_0'].optimizer.state
    assert {int(s['step']) for s in state.values()} == {3}  # 3 Adam steps


def test_repeat_applies_one_gradient_three_times():
    torch.manual_seed(0)
    model, optim = _model()
    reals = _reals()
    start_scale(model, optim, 0, reals)
    twin = copy.deepcopy(model)
    twin_optim = optim.copy_for(twin)
    torch.manual_seed(5)
    model.train_step(_data(reals), optim)
    # by hand: the same critic steps, then one backward and three steps
    torch.manual_seed(5)
    twin.generator_steps = 1
    captured = []
    twin_optim.update_generators = lambda loss, steps=1: captured.append(
        (loss, steps))
    twin.train_step(_data(reals), twin_optim)
    loss, _ = captured[0]
    adam = twin_optim['generator_0'].optimizer
    loss.backward()
    for _ in range(3):
        adam.step()
    for p, q in zip(model.generator.parameters(),
                    twin.generator.parameters()):
        assert torch.allclose(p, q, atol=1e-7)


def test_no_image_injection_and_clear_config_errors():
    torch.manual_seed(0)
    model, optim = _model()
    reals = _reals()
    start_scale(model, optim, 0, reals)
    start_scale(model, optim, 1, reals)
    with pytest.raises(ValueError, match='singan_app'):
        model.generate([None, None], start_image=reals[1], start_scale=1)
    with pytest.raises(ValueError, match='needs lr'):
        SinGANOptimWrapperConstructor(dict(
            generator=dict(optimizer=dict(type='Adam')),
            discriminator=dict(optimizer=dict(type='Adam'))))(model)
    with pytest.raises(ValueError, match='num_concurrent=3'):
        MODELS.build(dict(type='ConSinGAN', generator=dict(
            type='SinGANMultiScaleGenerator', num_scales=1),
            discriminator=dict(type='SinGANMultiScaleDiscriminator')))
    with pytest.raises(ValueError, match="'repeat'"):
        _model(generator_update='twice')


def test_inference_state_round_trip_and_shape_checks():
    torch.manual_seed(0)
    model, optim = _model()
    reals = _reals()
    for scale in range(3):
        start_scale(model, optim, scale, reals)
    state = model.export_inference_state()
    assert state['curr_stage'] == 2 and len(state['noise_weights']) == 3
    assert [n.shape for n in state['fixed_noises']] == [
        (1, 3, 20, 24), (1, 8, 28, 33), (1, 8, 31, 36)]
    fresh, _ = _model()
    fresh.load_state_dict(model.state_dict())
    fresh.load_inference_state(copy.deepcopy(state))
    assert fresh.sizes == SIZES[:3]
    assert torch.allclose(fresh.reconstruct(), model.reconstruct())
    singan_like = dict(state, fixed_noises=[
        np.zeros((1, 3, *s), np.float32) for s in SIZES[:3]])
    with pytest.raises(InferenceStateError, match='stage 1'):
        fresh.load_inference_state(singan_like)
    # the one validator checks ConSinGAN's arrays as SinGAN's
    damaged = copy.deepcopy(state)
    damaged['fixed_noises'][1][0, 0, 0, 0] = np.nan
    with pytest.raises(InferenceStateError, match='stage 1 has 1 non-finite'):
        fresh.load_inference_state(damaged)


def test_stage_optimizers_copy_keeps_groups_and_rates():
    model, optim = _model()
    reals = _reals()
    for scale in range(3):
        start_scale(model, optim, scale, reals)
    twin = copy.deepcopy(model)
    copied = optim.copy_for(twin)
    assert isinstance(copied, ScaleOptimizers)
    ours = [(g['name'], g['lr']) for g in
            optim['generator_2'].optimizer.param_groups]
    theirs = [(g['name'], g['lr']) for g in
              copied['generator_2'].optimizer.param_groups]
    assert ours == theirs
    assert copied['generator_2'].optimizer.param_groups[0]['params'][0] is \
        next(twin.generator.blocks[0].parameters())


def test_either_constructor_name_builds_the_models_groups():
    """The optimizers come from the model's groups, whatever the name."""
    model, optim = _model()
    other = SinGANOptimWrapperConstructor(dict(
        generator=dict(optimizer=dict(type='Adam', lr=LR)),
        discriminator=dict(optimizer=dict(type='Adam', lr=LR))))(model)
    assert sorted(other.keys()) == sorted(optim.keys())
    for name in optim.keys():
        ours = optim[name].optimizer.param_groups
        theirs = other[name].optimizer.param_groups
        assert [(g.get('name'), g['lr'], len(g['params'])) for g in ours] \
            == [(g.get('name'), g['lr'], len(g['params'])) for g in theirs]
    assert [g['name'] for g in optim['generator_1'].optimizer.param_groups
            ] == ['blocks.0', 'blocks.1', 'head', 'tail']
    start_scale(model, optim, 0, _reals())
    assert model.generator_lrs() == {0: 1.0}  # one optimizer per stage


def test_fast_preset_is_singan_trained_concurrently():
    cfg = Config.fromfile(f'{ROOT}/configs/singan/singan_balloons_fast.py')
    assert cfg.model.type == 'SinGAN' and cfg.model.num_concurrent == 3
    cfg = Config.fromfile(f'{ROOT}/configs/singan/consingan_balloons.py')
    assert cfg.model.type == 'ConSinGAN' and cfg.model.num_scales == 5
    assert cfg.train_dataloader.dataset.pyramid == 'consingan'


def test_applications_animation_runs_image_injection_names_the_preset():
    from singan.apis.animation import animate
    from singan.apis.manipulations import inject_image
    from singan.apis.super_resolution import super_resolve
    torch.manual_seed(0)
    model, optim = _model()
    reals = _reals()
    for scale in range(4):
        start_scale(model, optim, scale, reals)
    model.eval()
    assert animate(model, num_frames=3, start_scale=2).shape == (3, 3, 30, 36)
    with pytest.raises(ValueError, match='singan_app'):
        inject_image(model, reals[-1], start_scale=2)
    with pytest.raises(ValueError, match='singan_app'):
        super_resolve(model, reals[-1], factor=2.0)
