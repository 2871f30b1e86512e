"""Already-fitted models scored on the held-out rows of a randomised log, clustered by unit (computed only).

:mod:`~campaignkit.evaluation.randomised` refits its models per seed; these two take the predictions of models
fitted once on the train rows and score them on the held-out rows of the same split:

- :func:`heldout_qini` - each model's ranking of an offer's rows and the control rows by its predicted uplift of
  that offer: the normalised Qini coefficient with a bootstrap interval that resamples whole units.
- :func:`offer_calibration` - a model's mean predicted uplift of each offer beside the offer's measured effect on
  the same rows (difference in means, unit-clustered interval): is the effect's *scale* right, offer by offer?
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.data.catalogue import validate_catalogue
from campaignkit.data.schema import log_units
from campaignkit.errors import ParameterError
from campaignkit.evaluation.offers import _as_tuple, _outcome_values, offer_effects
from campaignkit.evaluation.randomised import PREDICTION_OF
from campaignkit.metrics import bootstrap_interval, qini_coefficient
from campaignkit.models.prediction import Prediction

__all__ = ["heldout_qini", "offer_calibration"]


def _prediction_rows(pred: Prediction, log: pd.DataFrame) -> np.ndarray:
    """Row of ``pred`` of every log row (by ``user_id``), or a clear error."""
    rows = pd.Index(pred.user_id).get_indexer(log["user_id"].to_numpy())
    if (rows < 0).any():
        bad = int(np.flatnonzero(rows < 0)[0])
        raise ParameterError(
            f"log row {bad}: user_id {log['user_id'].iloc[bad]!r} has no prediction (predict the held-out rows)"
        )
    return rows


def heldout_qini(
    predictions: dict,
    test_log: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    arms,
    outcomes=("converted",),
    control: str = "control",
    n_boot: int = 200,
    confidence: float = 0.95,
    random_state=None,
) -> pd.DataFrame:
    """Qini coefficient of each model's uplift ranking of each offer against control, on held-out rows.

    Args:
        predictions: ``{model name: Prediction}`` of (at least) the rows of ``test_log``.
        test_log: Held-out rows of a randomised log (``unit_id`` when a customer has several).
        catalogue: The campaigns (profit is computed from it when the log has no ``profit`` column).
        arms: Offer id(s) scored, one at a time, against ``control``.
        outcomes: Logged outcome column(s) (``participated``, ``converted``, ``revenue``) or ``profit``.
        control: The control arm's id.
        n_boot: Bootstrap draws of whole units for the interval (0: no interval, NaN bounds).
        confidence: Nominal coverage of the interval.
        random_state: Seed of the bootstrap.

    Returns:
        One row per (model, arm, outcome): ``qini``, ``ci_low``, ``ci_high``, ``n_rows``, ``n_units``.

    Raises:
        ParameterError: An arm not in the catalogue, or an outcome no prediction field predicts.
    """
    cat = validate_catalogue(catalogue)
    ids = cat["campaign_id"].astype(str).tolist()
    campaign = test_log["campaign_id"].astype(str).to_numpy()
    units = log_units(test_log, warn=True)
    rows_out = []
    for arm in _as_tuple(arms):
        if arm not in ids or arm == control:
            raise ParameterError(f"arm {arm!r} is not a campaign of the catalogue other than {control!r}")
        keep = np.isin(campaign, [arm, control])
        treated = (campaign[keep] == arm).astype(int)
        for outcome in _as_tuple(outcomes):
            if outcome not in PREDICTION_OF:
                raise ParameterError(f"outcome {outcome!r} is not one of {list(PREDICTION_OF)}")
            y = _outcome_values(test_log, cat, outcome)[keep]
            for name, pred in predictions.items():
                score = pred.uplift(PREDICTION_OF[outcome])[_prediction_rows(pred, test_log), ids.index(arm)]
                ci = (
                    bootstrap_interval(
                        qini_coefficient, y, score[keep], treated, n_boot=n_boot, confidence=confidence,
                        random_state=random_state, stratify=False, groups=units[keep],
                    )
                    if n_boot > 0
                    else None
                )  # fmt: skip
                rows_out.append(
                    {
                        "model": name,
                        "arm": arm,
                        "outcome": outcome,
                        "qini": qini_coefficient(y, score[keep], treated),
                        "ci_low": np.nan if ci is None else ci.lower,
                        "ci_high": np.nan if ci is None else ci.upper,
                        "n_rows": int(keep.sum()),
                        "n_units": int(pd.unique(units[keep]).size),
                    }
                )
    return pd.DataFrame(rows_out)


def offer_calibration(
    prediction: Prediction,
    test_log: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    outcome: str = "profit",
    control: str = "control",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """A model's mean predicted uplift of each offer beside the offer's measured effect on the same rows.

    The measured effect is :func:`~campaignkit.evaluation.offer_effects` on ``test_log`` (difference in means
    against control, interval clustered by unit); the prediction is the model's uplift of the offer averaged
    over *all* held-out rows (the randomisation makes each arm's rows a sample of them).

    Args:
        prediction: The model's :class:`~campaignkit.models.prediction.Prediction` of the held-out rows.
        test_log: Held-out rows of a randomised log.
        catalogue: The campaigns.
        outcome: ``profit`` or a logged outcome column (``participated``, ``converted``, ``revenue``).
        control: The control arm's id.
        confidence: Level of the measured interval.

    Returns:
        One row per offer: ``offer``, ``predicted`` (mean predicted uplift), ``measured`` (the effect),
        ``se``, ``ci_low``, ``ci_high``, ``inside`` (the prediction lies in the interval), ``n_offer``.

    Raises:
        ParameterError: ``outcome`` is not one a prediction field predicts.
    """
    if outcome not in PREDICTION_OF:
        raise ParameterError(f"outcome {outcome!r} is not one of {list(PREDICTION_OF)}")
    cat = validate_catalogue(catalogue)
    ids = cat["campaign_id"].astype(str).tolist()
    measured = offer_effects(
        test_log, catalogue=cat, outcomes=(outcome,), control=control, confidence=confidence
    ).set_index("offer")
    uplift = prediction.uplift(PREDICTION_OF[outcome])[_prediction_rows(prediction, test_log)]
    out = pd.DataFrame(
        {
            "offer": measured.index,
            "predicted": [float(uplift[:, ids.index(o)].mean()) for o in measured.index],
            "measured": measured["effect"].to_numpy(),
            "se": measured["se"].to_numpy(),
            "ci_low": measured["ci_low"].to_numpy(),
            "ci_high": measured["ci_high"].to_numpy(),
            "n_offer": measured["n_offer"].to_numpy(),
        }
    )
    out.insert(6, "inside", (out["predicted"] >= out["ci_low"]) & (out["predicted"] <= out["ci_high"]))
    return out
