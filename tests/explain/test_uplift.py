"""explain_uplift: additivity for each kind of model, stability and clear errors.

One small world (1,500 users) and small models serve every explain test (``conftest.py``); the deep model is
explained for a few users only (its explainer is a permutation walk of the model itself).
"""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.errors import ParameterError, SchemaError
from campaignkit.explain import (
    additivity_error,
    explain_choice,
    explain_uplift,
    reason_code_stability,
)
from campaignkit.models import BehaviourUpliftModel, Boosting, MediatedLearner, SLearner, TLearner


def test_slearner_profit_is_exact_and_additive(world_data):
    world, data, log = world_data
    model = SLearner(boosting=Boosting(max_iter=20), random_state=0).fit(data, log, world.catalogue)
    e = explain_uplift(model, data, "threshold_200_40", user_ids=np.arange(200))
    assert e.exact and "exact" in e.method
    assert additivity_error(e) < 1e-6
    # the output is the model's own prediction, not the explainer's
    np.testing.assert_allclose(e.output, model.predict_uplift(data)[:200, 2])


def test_mediated_participation_exact_and_choice_is_a_difference(world_data, mediated):
    world, data, _ = world_data
    e = explain_uplift(mediated, data, "cart_reminder", outcome="participate", user_ids=np.arange(300))
    assert e.exact and additivity_error(e) < 1e-6
    ch = explain_choice(
        mediated, data, "cart_reminder", "percent_10", outcome="participate", user_ids=np.arange(300)
    )
    assert ch.exact and additivity_error(ch) < 1e-6
    up = mediated.predict_uplift(data, outcome="participate")[:300]
    ids = list(world.catalogue["campaign_id"])
    np.testing.assert_allclose(ch.output, up[:, ids.index("cart_reminder")] - up[:, ids.index("percent_10")])


def test_tlearner_profit_adds_up_exact_or_not(world_data):
    world, data, log = world_data
    model = TLearner(boosting=Boosting(max_iter=15), random_state=0).fit(data, log, world.catalogue)
    e = explain_uplift(model, data, "member_exclusive_15", user_ids=np.arange(40), n_background=10)
    # exact where no clip of the learner binds, else a permutation estimate: additive either way
    assert additivity_error(e) < 1e-6


@pytest.mark.slow  # deep-model SHAP over groups, twice: about 11 s
def test_deep_additivity_groups_and_stability(world_data, deep):
    world, data, _ = world_data
    kw = dict(user_ids=np.arange(8), n_background=6)
    e = explain_uplift(deep, data, "cart_reminder", random_state=0, **kw)
    assert not e.exact
    assert additivity_error(e, relative=True) < 0.01  # within 1% of the output spread
    assert any(f.startswith("event[") for f in e.feature_names)
    for by in ("event_type", "category", "recency"):
        g = e.grouped(by)
        np.testing.assert_allclose(g.reconstructed, e.reconstructed, atol=1e-9)
        assert not any(f.startswith("event[") for f in g.feature_names)
    assert "events: latest event" in e.grouped("recency").feature_names
    e2 = explain_uplift(deep, data, "cart_reminder", random_state=1, **kw)
    stab = reason_code_stability(e.grouped("event_type"), e2.grouped("event_type"), k=5)
    assert 0.0 <= stab <= 1.0
    assert stab >= 0.4  # two background samples agree on most of a user's top five
    p = explain_uplift(deep, data, "percent_20", outcome="participate", against="flash_sale_30", **kw)
    assert additivity_error(p, relative=True) < 0.01


def test_clear_errors(world_data, mediated):
    world, data, log = world_data
    with pytest.raises(ParameterError, match="unknown campaign 'nope'"):
        explain_uplift(mediated, data, "nope")
    with pytest.raises(ParameterError, match="unknown comparison campaign"):
        explain_choice(mediated, data, "cart_reminder", "nope")
    with pytest.raises(SchemaError, match="unknown_user"):
        explain_uplift(mediated, data, "cart_reminder", user_ids=[10**9])
    with pytest.raises(ParameterError, match="not fitted"):
        explain_uplift(MediatedLearner(), data, "cart_reminder")
    with pytest.raises(ParameterError, match="not fitted"):
        explain_uplift(BehaviourUpliftModel(), data, "cart_reminder")
    with pytest.raises(ParameterError, match="outcome"):
        explain_uplift(mediated, data, "cart_reminder", outcome="happiness")
    with pytest.raises(ParameterError, match="must differ"):
        explain_choice(mediated, data, "cart_reminder", "cart_reminder")
