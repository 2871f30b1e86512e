r"""The synthetic e-commerce world: a structural causal model with known campaign-effect truth.

Build one with :func:`make_world`; write a large one to Parquet with :func:`write_world_parquet`.

- :mod:`.core` - the :class:`World` object and :func:`make_world`
- :mod:`.traits` - latent traits, observable user attributes and the item table
- :mod:`.history` - event histories: sessions, funnels, drift, weekly rhythm, promo days
- :mod:`.generate` - block-wise generation of users, traits and events for any range of user ids
- :mod:`.response` - the response equations: exact expectations and coupled sampling of outcomes
- :mod:`.plans` - campaign logs (randomised, targeted), exact plan evaluation, sampled plan execution
- :mod:`.advance` - the world one period on, after a plan has run
- :mod:`.tables` - the users as a model input, as a marketer observes them at the cutoff
- :mod:`.drivers` - which latent traits drive each campaign's effect
- :mod:`.parquet` - a world of any size to partitioned Parquet, chunk by chunk, and back
- :mod:`.summary` / :mod:`.plots` - numbers and plots that describe a world

Structural equations
--------------------
Notation: ``σ`` is the logistic function, ``logit`` its inverse, ``W`` the campaign window in days,
``D`` the history window, ``t ∈ [0, 1]`` the position in the history window.

**Latent traits** (per user, :mod:`.traits`): value ``z ~ N(0,1)``; activity (sessions/day)
``λ = 0.062·exp(0.55 z + 0.75 ε + 0.1 log1p(tenure/365))`` (heavy-tailed); churning users
(``P = σ(-1.2 - 0.5 z)``) get a slowing rhythm ``decline ~ U(0.8, 3)``, others ``decline ~ N(0, 0.25)``;
extra quantity ``q = exp(log 0.4 + 0.3 z + 0.5 ε)``; price sensitivity ``s = σ(-0.5 z + 0.35 (2 - age) + ε)``;
deal seeking ``d = σ(0.7 logit s - 0.3 + 0.8 ε)``; contact fatigue ``f ~ Beta(1.4, 3.2)``; channel
affinities ``a_ch = 0.05 + 0.9 σ(·)`` (email rises with age, app push falls); member tier from
``0.8 z + 0.6 ε``; funnel rates ``cart ~ Beta(2, 14)``, ``buy ~ Beta(3, 3.5)·(0.55 + 0.45 σ(z))``; tastes
``τ_old ~ Dir(0.35 K π)``, drift ``ρ ~ Beta(1.5, 2.5)``, current interest ``τ_new = (1-ρ) τ_old + ρ Dir(0.35 K π)``;
basket ``B = (τ_new · mean_price)(1 + q)``. Observables (age band, region, tier, tenure, preferred channel
= argmax affinity, 15 % noise) are correlated with the traits.

**History** (:mod:`.history`): sessions ~ Poisson process with intensity
``λ · exp(-decline (t - ½)) · weekly[dow]``, plus ``1.5 λ d`` extra sessions on promo days and a burst of
``λ ρ`` sessions a day over the last 21 days that browse only the current interest; views per session
~ Geometric(mean 2.3); a view at ``t`` takes its category from ``τ_new`` w.p. ``t³`` (always in a burst
session) else from ``τ_old`` - tastes shifted recently, so drift shows only in *recent* views; an item
by Zipf popularity; ``fav`` w.p. ``fav``, ``cart`` w.p. ``cart·(1 + 0.4 promo)``, ``purchase | cart``
w.p. ``buy·(1 + 0.8 d promo)`` (else abandoned), quantity ``1 + Poisson(q)``, 15 % off on promo days.
``open_cart`` = the user's last cart is < 7 days old and unbought.

**Control outcomes** over ``W`` days (:func:`.response.baseline`): current rate ``λ_now = λ e^{-decline/2}``;
``μ = W λ_now 2.3 cart buy``; ``p0 = 1 - e^{-μ}·(1 - 0.25 buy open_cart)``; spend of a converter
``m0 = B μ / (1 - e^{-μ})``; churn ``c0 = σ(-2.2 + 1.1 decline - 0.45 log(λ_now/0.1) - 0.3 log1p(tenure/365))``.

**Campaign response** (:func:`.response.branches`) for campaign ``c`` (type, depth δ, threshold T, amount A,
channel, targeted) and target category ``k`` with match ``x = τ_new[k]``: the message is *seen* w.p.
``r = a_channel``; a seen user *engages* w.p. ``e = σ(θ)`` with
``θ = -2.4 + 7 δ (0.3 + s + d) + log(σ(2.5 log(1.6B/T)) + 1e-3)[T>0] + (1.2 d - 0.4)[flash]
+ (0.9 tier - 1.2)[member] + (0.6 tier - 0.3)[points] + log(0.08 + 2.4 x)[targeted] + 0.8 (a - ½)``,
with ``θ = -3.2 + 3.8 open_cart`` for reminders and ``-2.2`` (+ match term) for recommendations.
Engaged users convert w.p. ``σ(logit p0 + 1 + 4δ + 1.2 open_cart[reminder] + x[targeted])`` and spend
``m_eng`` (``m0 (1 + 1.2 δ s)`` for proportional discounts, at least ``1.05 T`` with a threshold);
seen-but-ignoring users are annoyed: ``σ(logit p0 - 2.6 ι_ch f)`` (ι = 0.5 email, 1 SMS, 0.75 push) -
the **sleeping dogs** are fatigued users with low engagement. Churn: ``σ(logit c0 - 0.9)`` if engaged,
``σ(logit c0 + 2 ι_ch f)`` if annoyed. Expected outcomes mix the three branches (unseen ``1-r``,
ignored ``r(1-e)``, engaged ``re``) exactly; discount (``A``, or ``δ m_eng``) is paid only by engaged
converters; ``profit = margin·revenue - discount - contact_cost``.

**Sampling** draws five uniforms per user (seen, engaged, converted, churned, spend noise) shared by all
arms (common random numbers); realised spend is ``m·exp(0.6 Z - 0.18)`` (mean one).

Sequence-only signal: the current interest ``τ_new`` shows in recent views, reminder response in an
open cart, churn in a slowing rhythm; lifetime aggregates blur all three.
"""

from campaignkit.data.world import summary
from campaignkit.data.world.core import OUTCOME_METRICS, World, make_world
from campaignkit.data.world.drivers import DRIVER_TRAITS, campaign_drivers
from campaignkit.data.world.parquet import read_world_parquet, write_world_parquet
from campaignkit.data.world.plans import observed_cart, observed_rfm
from campaignkit.data.world.summary import *  # noqa: F403
from campaignkit.data.world.tables import world_user_state, world_user_table

__all__ = [
    "OUTCOME_METRICS",
    "World",
    "make_world",
    "write_world_parquet",
    "read_world_parquet",
    "observed_cart",
    "observed_rfm",
    "world_user_table",
    "world_user_state",
    *summary.__all__,
    "DRIVER_TRAITS",
    "campaign_drivers",
]
