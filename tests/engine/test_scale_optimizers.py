"""ScaleOptimizers: one object sets the rates of, reduces and steps a scale."""
import pytest
import torch
import torch.nn as nn

from singan.engine import ScaleOptimizers, SinGANOptimWrapperConstructor


class _Nets:
    """What the constructor asks of a model: scales and parameter groups."""

    def __init__(self, num: int) -> None:
        self.nets = {n: [nn.Linear(2, 1) for _ in range(num)]
                     for n in ('generator', 'discriminator')}

    def scale_modules(self, net: str):
        return self.nets[net]

    def optimizer_groups(self, net: str, scale: int):
        return [dict(params=list(self.nets[net][scale].parameters()),
                     lr_mult=1.0)]


def _optimizers(num: int = 3):
    model = _Nets(num)
    optim = SinGANOptimWrapperConstructor(dict(
        generator=dict(optimizer=dict(type='Adam', lr=1e-3)),
        discriminator=dict(optimizer=dict(type='Adam', lr=2e-3))))(model)
    return model, optim


def _lr(optim: ScaleOptimizers, name: str) -> float:
    return optim[name].param_groups[0]['lr']


def test_rates_of_the_scale_and_its_concurrent_scales():
    _, optim = _optimizers()
    assert sorted(optim.keys()) == [
        'discriminator_0', 'discriminator_1', 'discriminator_2',
        'generator_0', 'generator_1', 'generator_2']
    optim.set_scale(2, {0: 0.01, 1: 0.1, 2: 1.0})
    optim.set_lr_factor(0.1)
    assert _lr(optim, 'generator_2') == pytest.approx(1e-4)
    assert _lr(optim, 'generator_1') == pytest.approx(1e-5)
    assert _lr(optim, 'generator_0') == pytest.approx(1e-6)
    assert _lr(optim, 'discriminator_2') == pytest.approx(2e-4)
    assert optim.get_lr() == dict(lr_g=[pytest.approx(1e-4)],
                                  lr_d=[pytest.approx(2e-4)])
    optim.set_scale(1)  # the factor stays until the loop changes it
    assert _lr(optim, 'generator_1') == pytest.approx(1e-4)


def test_one_backward_reduces_and_steps_every_learning_scale():
    model, optim = _optimizers()
    optim.set_scale(2, {1: 0.1, 2: 1.0})
    reduced = []
    optim.reduce_gradients = lambda params: reduced.extend(params)
    gens = model.scale_modules('generator')
    before = [[p.clone() for p in g.parameters()] for g in gens]
    x = torch.ones(1, 2)
    optim.update_generators((gens[1](x) + gens[2](x)).sum())
    params = {id(p) for g in gens[1:] for p in g.parameters()}
    assert {id(p) for p in reduced} == params  # both scales, once each
    assert len(reduced) == len(params)
    changed = [any(not torch.equal(p, q) for p, q in zip(g.parameters(), b))
               for g, b in zip(gens, before)]
    assert changed == [False, True, True]
    assert all(p.grad is None or not p.grad.any()
               for g in gens for p in g.parameters())  # zeroed after step


def test_copy_for_a_model_copy_has_fresh_state_and_the_same_rates():
    model, optim = _optimizers(2)
    optim.set_scale(1)
    optim.set_lr_factor(0.1)
    copy_model = _Nets(2)
    copied = optim.copy_for(copy_model)
    assert _lr(copied, 'generator_1') == pytest.approx(1e-4)
    ours = {id(p) for p in copied['generator_1'].param_groups[0]['params']}
    assert ours == {id(p) for p in copy_model.scale_modules('generator')[1]
                    .parameters()}


class _Grouped(_Nets):
    """Two groups per generator optimizer, the second at a tenth."""

    def optimizer_groups(self, net: str, scale: int):
        groups = super().optimizer_groups(net, scale)
        if net == 'generator':
            extra = self.nets['discriminator'][scale]  # any other module
            groups += [dict(params=list(extra.parameters()), lr_mult=0.1,
                            name='slow')]
        return groups


def test_group_rates_times_optimizer_multiplier_times_schedule():
    model = _Grouped(2)
    optim = SinGANOptimWrapperConstructor(dict(
        generator=dict(optimizer=dict(type='Adam', lr=1e-3)),
        discriminator=dict(optimizer=dict(type='Adam', lr=2e-3))))(model)
    optim.set_scale(1, {0: 0.5, 1: 1.0})
    optim.set_lr_factor(0.1)
    rates = [g['lr'] for g in optim['generator_0'].optimizer.param_groups]
    assert rates == pytest.approx([1e-3 * 0.5 * 0.1, 1e-4 * 0.5 * 0.1])
    assert optim.get_lr()['lr_g'] == [pytest.approx(1e-4)]  # fastest group
    copied = optim.copy_for(_Grouped(2))
    assert [g['lr'] for g in copied['generator_0'].optimizer.param_groups
            ] == pytest.approx(rates)
    assert copied['generator_0'].optimizer.param_groups[1]['name'] == 'slow'


def test_steps_apply_one_gradient_several_times():
    model, optim = _optimizers(1)
    optim.set_scale(0)
    gen = model.scale_modules('generator')[0]
    optim.update_generators(gen(torch.ones(1, 2)).sum(), steps=3)
    state = optim['generator_0'].optimizer.state
    assert {int(s['step']) for s in state.values()} == {3}
