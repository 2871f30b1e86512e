"""The feedback loop: score, plan, run with a holdout and exploration, measure, compare, log, retrain, advance.

Round ``t`` of :meth:`FeedbackLoop.run`, on the world of period ``t - 1``:

1. **Features as of the world's cutoff** (``features(world)``; by default
   :func:`~campaignkit.forecast.audit.world_user_state`: user attributes, the observed purchase / view history and
   the cart state - an unbought recent cart, which a round of reminders clears - cheap at any number of rounds),
   plus the loop's own contact history (:func:`contact_history`: a contact ignored leaves fatigue, which no
   purchase history shows).
2. **Score** every user with the current fold models (cross-fitted on the log so far) and **plan** with
   :func:`~campaignkit.design.assign` under the round's budget (``budget_per_user`` x users, on predicted spend):
   on the fold models' mean, or (``planning="crossfit"``) on each user's prediction by the one fold model fitted on
   none of the user's logged rows, which alone also forecasts the user.
3. **Design** (:mod:`campaignkit.loop.design`): a share ``explore`` of users gets a uniformly random campaign, a
   share ``holdout`` of the others' planned contacts is withheld; every user's ``propensity`` is the probability
   this design gave them what they got.
4. **Forecast** the plan as executed on the users who follow it (:func:`~campaignkit.forecast.forecast_plan`, an
   interval of what the holdout will measure; by default (``calibration="reserve"``) the fold models are
   corrected on the logged rows of a share of users kept out of every fit - the initial randomised log and earlier
   rounds, each with its propensity and the features it was scored on - rather than each on the fold it never
   saw; ``"plan_log"``: on the logged rows of the plan's own users; ``"plan_folds"``: each fold model on the plan users'
   logged rows held out from its fit) and **run** it: :meth:`World.step
   <campaignkit.data.world.World.step>` executes every user's campaign and moves the world one window on.
5. **Measure** the realised lift against the holdout (:func:`~campaignkit.forecast.realised_lift`) and put it
   beside the forecast and, because this is the synthetic world, beside the exact expectation of the plan and the
   oracle's at the same budget (regret).
6. **Log** the round (executed campaign as ``campaign_id``, its design ``propensity``, the outcomes; each row keyed
   by round and user, with the features the round was scored on) and **retrain**: cross-fit the model on the
   accumulated log (propensity-weighted when the model is built with ``weight_by_propensity=True``).

The regret is judged on the plan as designed for every user (before exploration replaced some of it): it
measures the decisions the model made. Forecast, realised and exact profit are for the plan as executed, the
users who followed it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from campaignkit.config import resolve_seed
from campaignkit.design import AssignmentProblem, assign
from campaignkit.design.compare import oracle_problem
from campaignkit.errors import ParameterError
from campaignkit.forecast import crossfit, forecast_plan, realised_lift
from campaignkit.forecast.audit import world_user_state
from campaignkit.loop.design import draw_design, holdout_needed
from campaignkit.models.prediction import PREDICTION_FIELDS, Prediction

__all__ = [
    "FeedbackLoop",
    "LoopResult",
    "ROUND_COLUMNS",
    "KEY_STRIDE",
    "HISTORY_COLUMNS",
    "CALIBRATIONS",
    "PLANNINGS",
    "calibration_rows",
    "calibration_folds",
    "contact_history",
    "mean_prediction",
    "held_out_folds",
    "out_of_fold_prediction",
]

KEY_STRIDE = 10**10
"""A logged row's ``user_id`` is ``round x KEY_STRIDE + user_id`` (round 0: the initial randomised log), so the
same user scored in two rounds has two feature rows, each as of its round's cutoff."""

LOG_COLUMNS = (
    "user_id",
    "campaign_id",
    "propensity",
    "target_category",
    "participated",
    "converted",
    "revenue",
    "retained",
    "discount_cost",
    "contact_cost",
    "profit",
)
"""Columns of the accumulated log the model learns from (``round``, ``world_user_id`` and
``planned_campaign_id`` are added, and dropped before fitting)."""

_BOOKKEEPING = ["round", "world_user_id", "planned_campaign_id"]

ROUND_COLUMNS = {
    "round": "round number (1 = the first plan)",
    "period": "the world's period the round was scored and run in",
    "n_users": "users in the world",
    "lost_share": "share of users lost (churned) before the round",
    "reach": "users the designed plan contacts (before exploration)",
    "explored": "users given a uniformly random campaign",
    "planned": "users following the plan who were planned a campaign (the executed plan's reach; a campaign "
    "whose planned users were all held out is left out)",
    "held_out": "of those, users held out (got control)",
    "budget": "the round's budget on predicted spend",
    "forecast": "forecast incremental profit of the executed plan",
    "lower": "lower end of the forecast interval",
    "upper": "upper end of the forecast interval",
    "realised": "incremental profit measured against the holdout",
    "realised_se": "its standard error",
    "inside": "the measured profit lies in the forecast interval",
    "exact": "exact expected incremental profit of the executed plan (the world's truth)",
    "designed_profit": "exact expected incremental profit of the plan as designed for every user",
    "oracle_profit": "exact incremental profit of the oracle's plan at the same budget",
    "regret": "oracle_profit - designed_profit",
    "regret_share": "regret / oracle_profit",
    "holdout_needed": "held-out users a test of the forecast lift needs at 80% power (two-sided 5%)",
    "log_rows": "rows of the accumulated log after the round",
    "seconds": "wall time of the round",
}
"""The result table's columns, one row per round, and what each means."""


def mean_prediction(preds: list[Prediction]) -> Prediction:
    """The average of the fold models' predictions (same users, same catalogue).

    Args:
        preds: Predictions of the same users, e.g. ``cf.predict(data)``.

    Returns:
        A :class:`~campaignkit.models.prediction.Prediction` whose fields are the means, with the spread across
        the predictions in ``std`` (``profit_uplift`` included, for a risk-averse plan; the sample sd,
        :meth:`~campaignkit.models.prediction.Prediction.average` with ``ddof=1``: the fold models are a sample of
        the models the log could have given); the first prediction's target categories.
    """
    return Prediction.average(preds, ddof=1)


def out_of_fold_prediction(preds: list[Prediction], fold: np.ndarray) -> Prediction:
    """Each user's prediction by one fold model: row ``i`` of ``preds[fold[i]]``.

    Args:
        preds: Predictions of the same users, one per fold model (``cf.predict(users)``).
        fold: Array of shape (n_users,) of ints: the fold model whose prediction each user gets
            (:func:`held_out_folds`: the one not fitted on any of the user's rows).

    Returns:
        A :class:`~campaignkit.models.prediction.Prediction`: the fields and target categories of each user's
        fold model; ``std`` is the spread across all the fold models (as :func:`mean_prediction`'s), so that a
        plan with ``risk > 0`` still penalises the models' disagreement.
    """
    fold = np.asarray(fold)
    if not preds or fold.shape != (len(preds[0].user_id),):
        raise ParameterError("out_of_fold_prediction needs predictions and one fold per user")
    if (fold < 0).any() or (fold >= len(preds)).any():
        raise ParameterError(f"fold must lie in [0, {len(preds)}): one of the {len(preds)} predictions")
    first, at = preds[0], np.arange(len(fold))
    fields = {
        f: np.array([getattr(p, f) for p in preds])[fold, at]
        for f in PREDICTION_FIELDS
        if getattr(first, f) is not None
    }
    target = np.array([np.asarray(p.target_category) for p in preds])[fold, at]
    return Prediction(
        user_id=first.user_id,
        campaign_ids=first.campaign_ids,
        std=mean_prediction(preds).std,
        target_category=target,
        **fields,
    )


def held_out_folds(cf, user_id: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each world user, the fold of a cross-fit whose model was fitted on none of the user's logged rows.

    ``cf``'s log is keyed by round and user (:data:`KEY_STRIDE`) and must have been cross-fitted with every row of
    a world user in one fold (``crossfit(groups=world user)``, as ``FeedbackLoop(planning="crossfit")`` does);
    a user with no row in it (not logged yet, outside the window, in the reserve) was seen by no fold model and
    gets a fold at random.

    Args:
        cf: The fold models (:class:`~campaignkit.forecast.CrossFit`).
        user_id: Array of shape (n_users,): world ids of the users to place.
        rng: Draws the folds of users without rows.

    Returns:
        Array of shape (n_users,) of ints in ``[0, cf.n_folds)``.

    Raises:
        ParameterError: Rows of one world user lie in different folds of ``cf``.
    """
    world_user = cf.log["user_id"].to_numpy(dtype=np.int64) % KEY_STRIDE
    folds = pd.Series(np.asarray(cf.fold)).groupby(world_user)
    split = folds.nunique() > 1
    if split.any():
        raise ParameterError(
            f"world user {int(split.index[split][0])}'s logged rows lie in different folds: cross-fit with "
            "groups=world user id so that one fold model never saw any of a user's rows"
        )
    user_fold = folds.first()
    pos = user_fold.index.get_indexer(np.asarray(user_id, dtype=np.int64))
    drawn = rng.integers(0, cf.n_folds, size=len(pos))
    return np.where(pos >= 0, user_fold.to_numpy()[np.maximum(pos, 0)], drawn).astype(np.int64)


PLANNINGS = ("pooled", "crossfit")
"""How a round's plan is chosen from the fold models (see :class:`FeedbackLoop`'s ``planning``)."""

CALIBRATIONS = ("plan_log", "plan_folds", "reserve", "folds")
"""What a round's forecast is corrected on (see :class:`FeedbackLoop`'s ``calibration``)."""

CALIBRATION_OFFSET = 1000 * KEY_STRIDE
"""Added to a logged row's key when the row is put beside the current users for a forecast's calibration
(round 0's keys are the users' own ids)."""


def calibration_rows(cf, users: pd.DataFrame, preds: list, data: pd.DataFrame, log: pd.DataFrame, plan_users):
    """What a round's forecast is corrected on: the logged rows of the plan's users, as they were logged.

    The rows keep the features each round scored them on (``data``) and the design's propensity; they are
    re-keyed (:data:`CALIBRATION_OFFSET`) and stacked under the current users, so that one model input holds both
    the plan's users and the calibration rows.

    Args:
        cf: The fold models (:class:`~campaignkit.forecast.CrossFit`).
        users: The current users' features (``user_id`` the world's id).
        preds: ``cf.predict(users)``.
        data: Feature rows of the logged users, keyed as the log's ``user_id``.
        log: The accumulated log (with ``world_user_id``).
        plan_users: World ids of the users the plan covers.

    Returns:
        ``(data, predictions, calibration_log)`` for :func:`~campaignkit.forecast.forecast_plan`: ``users`` with
        the calibration rows' features below them, the fold models' predictions of both, and the calibration
        rows (``user_id`` re-keyed); ``calibration_log`` is None when the plan's users have no logged rows.
    """
    rows = log[log["world_user_id"].isin(np.asarray(plan_users))]
    if rows.empty:
        return users, preds, None
    keys = rows["user_id"].to_numpy(dtype=np.int64)
    feats = data.set_index("user_id").loc[keys].reset_index()
    feats["user_id"] = keys + CALIBRATION_OFFSET
    cal_log = rows.drop(columns=_BOOKKEEPING).assign(user_id=keys + CALIBRATION_OFFSET).reset_index(drop=True)
    both = pd.concat([users, feats[users.columns]], ignore_index=True)
    extra = cf.predict(feats[users.columns])
    return both, [Prediction.concat([p, q]) for p, q in zip(preds, extra, strict=True)], cal_log


def calibration_folds(cf, calibration_log: pd.DataFrame) -> np.ndarray:
    """The fold of a cross-fit each calibration row was held out from (``forecast_plan``'s ``calibration_fold``).

    A calibration row (re-keyed by :func:`calibration_rows`) that is a row of ``cf``'s log takes the fold whose
    model did not see it (``cf.fold``); a row ``cf`` was not fitted on (outside its window, logged after it) gets
    -1: no fold model saw it.

    Args:
        cf: The fold models (:class:`~campaignkit.forecast.CrossFit`).
        calibration_log: The calibration rows :func:`calibration_rows` returned (``user_id`` re-keyed).

    Returns:
        Array of shape (n_calibration_rows,) of ints in ``[-1, cf.n_folds)``.
    """
    user_fold = pd.Series(np.asarray(cf.fold), index=cf.log["user_id"].to_numpy(dtype=np.int64))
    user_fold = user_fold[~user_fold.index.duplicated()]  # a user's rows stay in one fold
    keys = calibration_log["user_id"].to_numpy(dtype=np.int64) - CALIBRATION_OFFSET
    pos = user_fold.index.get_indexer(keys)
    return np.where(pos >= 0, user_fold.to_numpy()[np.maximum(pos, 0)], -1).astype(np.int64)


HISTORY_COLUMNS = ("loop_contacts", "loop_ignored")
"""Contact-history features the loop adds (``contact_history=True``): contacts in earlier rounds, and contacts
ignored (sent a campaign, did not take part), each earlier round counting half as much as the next."""


def contact_history(log: pd.DataFrame | None, user_id: np.ndarray) -> dict:
    """What the loop itself sent each user before: the features a marketer's contact history gives.

    Args:
        log: The loop's accumulated log (``round``, ``world_user_id``, ``campaign_id``, ``participated``), or None.
        user_id: Array of shape (n_users,): the users to describe.

    Returns:
        ``{column: array of shape (n_users,)}`` for :data:`HISTORY_COLUMNS`; the initial randomised log (round 0)
        is not a contact the world saw and counts for nothing.
    """
    out = {c: np.zeros(len(user_id)) for c in HISTORY_COLUMNS}
    if log is None or not (log["round"] > 0).any():
        return out
    past = log[log["round"] > 0]
    age = past["round"].max() - past["round"].to_numpy()
    decay = 0.5**age
    sent = (past["campaign_id"].astype(str) != "control").to_numpy()
    ignored = sent & ~past["participated"].to_numpy(dtype=bool)
    pos = pd.Index(user_id).get_indexer(past["world_user_id"].to_numpy())
    ok = pos >= 0
    np.add.at(out["loop_contacts"], pos[ok], (decay * sent)[ok])
    np.add.at(out["loop_ignored"], pos[ok], (decay * ignored)[ok])
    return out


@dataclass
class LoopResult:
    """What :meth:`FeedbackLoop.run` did.

    Attributes:
        table: One row per round (columns: :data:`ROUND_COLUMNS`).
        log: The accumulated log: ``LOG_COLUMNS`` keyed by round and user (``campaign_id`` what was sent,
            ``propensity`` the design's probability of it), ``round``, ``world_user_id`` and
            ``planned_campaign_id`` (the plan's choice; round 0, the initial randomised log: what was drawn).
        data: Feature rows of the logged users, one per (round, user) key (``user_id`` the key).
        realised: Per round, :func:`~campaignkit.forecast.realised_lift` of the executed plan (None for a round
            that planned nobody).
        forecasts: Per round, the :class:`~campaignkit.forecast.PlanForecast` of the executed plan.
        world: The world after the last round.
    """

    table: pd.DataFrame
    log: pd.DataFrame
    data: pd.DataFrame
    realised: list = field(default_factory=list)
    forecasts: list = field(default_factory=list)
    world: object = None


class FeedbackLoop:
    """Run, hold out, measure, retrain: the campaign feedback loop on a world that moves on.

    Args:
        model: Unfitted kit model (cloned per fold), e.g.
            ``MediatedLearner(nonparticipants="observed", weight_by_propensity=True)``; its fold models both choose
            and forecast.
        budget_per_user: Each round's budget on predicted spend (discount + contact cost), per user of the world.
        holdout: Share of planned contacts withheld to measure the lift, in (0, 1).
        explore: Share of users given a uniformly random campaign, in [0, 1).
        initial_users: Users (share of the world if < 1, else a count) of the randomised log the first model
            learns from (logged on the world of round 0 before the loop starts).
        n_folds: Cross-fitting folds (>= 2).
        confidence: Nominal coverage of the forecast intervals.
        retrain: Refit on the accumulated log after every round (False: keep the first model, for comparison).
        window: Keep the last ``window`` rounds of logs (the initial log counts as round 0); None keeps all.
        features: ``world -> DataFrame`` with ``user_id`` and the model's features as of the world's cutoff.
        n_boot: Bootstrap replicates of each forecast.
        contact_history: Add the loop's own contact history to the features (:func:`contact_history`: how often
            earlier rounds contacted each user, and how often the contact was ignored - what leaves fatigue).
        risk: Plan on the predicted profit uplift minus ``risk`` x its spread across the fold models (0: on the
            mean); a contact must then pay off by more than the models disagree about it.
        calibration: What the forecast is corrected on: ``"reserve"`` (default) keeps a random share ``reserve`` of
            the users out of every fit and corrects every fold model on all their logged rows (a log no model was
            fitted on, at the price of fitting on fewer rows; the only setting whose intervals held on every seed
            of ``bench/loop.py`` at both world sizes it was run at); ``"plan_log"`` - every fold model on every
            logged row of the plan's users (:func:`calibration_rows`), each row seen by all but one fold model,
            whose correction is then partly in-sample; ``"plan_folds"`` - each fold model on the logged rows of the
            plan's users it was not fitted on (:func:`calibration_folds`; as ``"plan_log"`` in a round where some
            fold model has no such row); ``"folds"`` - each fold model on the fold of the log it never saw (the
            plan is chosen by all fold models together, so this correction leans towards their optimism: see
            :func:`~campaignkit.forecast.forecast_plan`). ``bench/loop.py`` measures them.
        reserve: Share of users, in (0, 1), whose logged rows only calibrate (``calibration="reserve"``).
        planning: How the fold models choose: ``"pooled"`` (default) - every user's campaign on the mean of all fold
            models (:func:`mean_prediction`), each of which, but one, was fitted on the user's logged rows, so the
            plan's users are selected partly on their own lucky outcomes; ``"crossfit"`` - the folds are drawn by
            world user across rounds (``crossfit(groups=...)``), each user's campaign is chosen on the prediction
            of the one fold model fitted on none of the user's rows (:func:`held_out_folds`,
            :func:`out_of_fold_prediction`; a random fold for a user without rows) and the user's share of the
            forecast is that model's alone (``forecast_plan(user_fold=...)``), corrected on rows it was not
            fitted on: ``calibration`` must then be ``"plan_folds"`` (each model on its own plan users' logged
            rows; in a round where a fold model has none, as ``"folds"``), ``"reserve"`` or ``"folds"``. The
            budget, holdout and exploration are as in ``"pooled"``; ``risk`` still penalises the spread across
            all the fold models.
        random_state: Seed of everything the loop draws (initial log, folds, designs, runs).
    """

    def __init__(
        self,
        model,
        *,
        budget_per_user: float = 0.25,
        holdout: float = 0.1,
        explore: float = 0.1,
        initial_users: float = 0.5,
        n_folds: int = 2,
        confidence: float = 0.9,
        retrain: bool = True,
        window: int | None = None,
        features=world_user_state,
        n_boot: int = 100,
        risk: float = 0.0,
        contact_history: bool = True,
        calibration: str = "reserve",
        reserve: float = 0.25,
        planning: str = "pooled",
        random_state=0,
    ):
        self.model = model
        self.budget_per_user = budget_per_user
        self.holdout = holdout
        self.explore = explore
        self.initial_users = initial_users
        self.n_folds = n_folds
        self.confidence = confidence
        self.retrain = retrain
        self.window = window
        self.features = features
        self.n_boot = n_boot
        self.risk = risk
        self.contact_history = contact_history
        self.calibration = calibration
        self.reserve = reserve
        self.planning = planning
        self.random_state = random_state

    # ----------------------------------------------------------------------------------------------- checks
    def _check(self, world, n_rounds) -> None:
        from campaignkit.data.world import World
        from campaignkit.loop.design import _check_shares

        if not isinstance(world, World):
            raise ParameterError(
                f"world must be a campaignkit World (make_world(...)), got {type(world).__name__}"
            )
        if not (hasattr(self.model, "fit") and hasattr(self.model, "predict_outcomes")):
            raise ParameterError(
                f"model must be a kit model with fit and predict_outcomes, got {self.model!r}"
            )
        if isinstance(n_rounds, bool) or not isinstance(n_rounds, (int, np.integer)) or n_rounds < 1:
            raise ParameterError(f"n_rounds must be an integer >= 1, got {n_rounds!r}")
        b = self.budget_per_user
        if (
            isinstance(b, bool)
            or not isinstance(b, (int, float, np.floating))
            or not np.isfinite(b)
            or b <= 0
        ):
            raise ParameterError(f"budget_per_user must be a number > 0, got {b!r}")
        _check_shares(self.explore, self.holdout)
        if (
            isinstance(self.n_folds, bool)
            or not isinstance(self.n_folds, (int, np.integer))
            or self.n_folds < 2
        ):
            raise ParameterError(f"n_folds must be an integer >= 2, got {self.n_folds!r}")
        if (
            isinstance(self.risk, bool)
            or not isinstance(self.risk, (int, float, np.floating))
            or not (np.isfinite(self.risk) and self.risk >= 0)
        ):
            raise ParameterError(f"risk must be a number >= 0, got {self.risk!r}")
        if self.calibration not in CALIBRATIONS:
            raise ParameterError(f"calibration must be one of {CALIBRATIONS}, got {self.calibration!r}")
        if self.planning not in PLANNINGS:
            raise ParameterError(f"planning must be one of {PLANNINGS}, got {self.planning!r}")
        if self.planning == "crossfit" and self.calibration == "plan_log":
            raise ParameterError(
                'planning="crossfit" forecasts each user by the fold model not fitted on their rows; '
                'calibration="plan_log" would correct it on rows it was fitted on: use "plan_folds", "reserve" '
                'or "folds"'
            )
        r = self.reserve
        if isinstance(r, bool) or not isinstance(r, (int, float, np.floating)) or not 0 < r < 1:
            raise ParameterError(f"reserve must be a share in (0, 1), got {r!r}")
        if not 0 < self.confidence < 1:
            raise ParameterError(f"confidence must lie in (0, 1), got {self.confidence!r}")
        if self.window is not None and (
            isinstance(self.window, bool) or not isinstance(self.window, (int, np.integer)) or self.window < 1
        ):
            raise ParameterError(f"window must be None or an integer >= 1, got {self.window!r}")
        n = self._initial_count(world)
        if not self.n_folds * 20 <= n <= world.n_users:
            raise ParameterError(
                f"initial_users={self.initial_users!r} gives {n} users; the first model needs between "
                f"{self.n_folds * 20} (20 per fold) and the world's {world.n_users}"
            )

    def _initial_count(self, world) -> int:
        u = self.initial_users
        if isinstance(u, bool) or not isinstance(u, (int, float, np.floating)) or u <= 0:
            raise ParameterError(f"initial_users must be a share in (0, 1] or a count >= 1, got {u!r}")
        return int(round(u * world.n_users)) if u <= 1 else int(u)

    # ------------------------------------------------------------------------------------------------ round
    def _user_table(self, world, log: pd.DataFrame | None = None) -> pd.DataFrame:
        users = self.features(world)
        if not isinstance(users, pd.DataFrame) or "user_id" not in users.columns:
            raise ParameterError("features(world) must return a DataFrame with a user_id column")
        users = users.reset_index(drop=True)
        if self.contact_history:
            users = users.assign(**contact_history(log, users["user_id"].to_numpy()))
        return users

    def _window(self, log: pd.DataFrame) -> pd.DataFrame:
        """The rows of the log the models learn from (the last ``window`` rounds)."""
        if self.window is not None:
            log = log[log["round"] > log["round"].max() - self.window]
        return log.reset_index(drop=True)

    def _fit(self, data: pd.DataFrame, log: pd.DataFrame, catalogue, seed: int):
        log = self._window(log)
        if self._reserved is not None:  # the reserve's rows only calibrate
            log = log[~log["world_user_id"].isin(self._reserved)].reset_index(drop=True)
        keep = data["user_id"].isin(log["user_id"])
        groups = log["world_user_id"].to_numpy() if self.planning == "crossfit" else None
        return crossfit(
            self.model,
            data[keep].reset_index(drop=True),
            log.drop(columns=_BOOKKEEPING),
            catalogue,
            n_folds=self.n_folds,
            groups=groups,
            random_state=seed,
        )

    @staticmethod
    def _keyed(users: pd.DataFrame, rnd: int) -> pd.DataFrame:
        keyed = users.copy()
        keyed["user_id"] = rnd * KEY_STRIDE + keyed["user_id"].to_numpy(dtype=np.int64)
        return keyed

    def run(self, world, n_rounds: int = 5) -> LoopResult:
        """Run ``n_rounds`` rounds from ``world`` (see the module docstring).

        Args:
            world: The :class:`~campaignkit.data.world.World` of round 1 (left unchanged).
            n_rounds: Rounds to run.

        Returns:
            A :class:`LoopResult` (``table``: one row per round).

        Raises:
            ParameterError: On a bad setting (named in the message), before any work.
        """
        self._check(world, n_rounds)
        seeds = np.random.SeedSequence(resolve_seed(self.random_state)).generate_state(
            4 * (n_rounds + 1), np.uint32
        )
        seeds = seeds.reshape(n_rounds + 1, 4).astype(np.int64)
        catalogue = world.catalogue
        ids = np.asarray(world.campaign_ids, dtype=object)
        k = len(ids)
        targeted = catalogue["targets_category"].to_numpy(bool)

        users = self._user_table(world, None)
        self._reserved = None
        if self.calibration == "reserve":
            uid0 = users["user_id"].to_numpy()
            self._reserved = uid0[np.random.default_rng(int(seeds[0, 2])).random(len(uid0)) < self.reserve]
        init = world.log_randomised(n_users=self._initial_count(world), random_state=int(seeds[0, 0]))
        log = init[list(LOG_COLUMNS)].copy()
        log["round"], log["world_user_id"] = 0, log["user_id"].to_numpy()
        log["planned_campaign_id"] = log["campaign_id"]  # the randomised log: what was drawn is what was sent
        data = self._keyed(users, 0)
        cf = self._fit(data, log, catalogue, int(seeds[0, 1]))
        rows, realised_all, forecasts = [], [], []
        for rnd in range(1, n_rounds + 1):
            t0 = time.perf_counter()
            s_design, s_run, s_fit, s_fc = (int(s) for s in seeds[rnd])
            if rnd > 1:
                users = self._user_table(world, log)
            uid = users["user_id"].to_numpy()
            preds = cf.predict(users)
            own = None  # the fold model each user is planned and forecast by (None: all, averaged)
            if self.planning == "crossfit":
                own = held_out_folds(cf, uid, np.random.default_rng([s_design, 1]))
                pred = out_of_fold_prediction(preds, own)
            else:
                pred = mean_prediction(preds)
            budget = float(self.budget_per_user) * len(uid)
            plan = assign(AssignmentProblem.from_prediction(pred, risk=float(self.risk)), budget=budget)
            design = draw_design(
                plan.choice,
                explore=self.explore,
                holdout=self.holdout,
                n_campaigns=k,
                rng=np.random.default_rng(s_design),
            )
            tc = np.asarray(pred.target_category)
            sent = pd.DataFrame(
                {
                    "user_id": uid,
                    "campaign_id": ids[design.executed],
                    "target_category": np.where(targeted[design.executed], tc, -1),
                }
            )
            designed = pd.DataFrame(
                {
                    "user_id": uid,
                    "campaign_id": ids[design.planned],
                    "target_category": np.where(targeted[design.planned], tc, -1),
                }
            )
            # the plan as executed: users who follow it, in campaigns with at least one user contacted (a campaign
            # whose few planned users were all held out sent nothing, and its lift cannot be measured)
            follow = design.exploited & (design.planned > 0)
            sent_to = np.bincount(design.planned[follow & ~design.held], minlength=k) > 0
            follow &= sent_to[design.planned]
            executed_plan = designed[follow].reset_index(drop=True)
            fc_data, fc_preds, cal_log, cal_fold = users, preds, None, None
            if self.calibration != "folds":
                cal_users = executed_plan["user_id"].to_numpy() if self._reserved is None else self._reserved
                fc_data, fc_preds, cal_log = calibration_rows(
                    cf, users, preds, data, self._window(log), cal_users
                )
            if self.calibration == "plan_folds" and cal_log is not None:
                cal_fold = calibration_folds(cf, cal_log)
                if not all(((cal_fold == f) | (cal_fold == -1)).any() for f in range(cf.n_folds)):
                    cal_fold = None  # a fold model with no held-out row of the plan's users: as "plan_log"
            user_fold = None
            if own is not None:
                if cal_log is not None and self._reserved is None and cal_fold is None:
                    # a fold model without held-out rows of the plan's users: each on its unseen fold ("folds")
                    fc_data, fc_preds, cal_log = users, preds, None
                user_fold = np.concatenate([own, np.zeros(len(fc_data) - len(own), dtype=np.int64)])
            fc = forecast_plan(
                cf,
                fc_data,
                executed_plan,
                holdout=self.holdout,
                confidence=self.confidence,
                n_boot=self.n_boot,
                random_state=s_fc,
                predictions=fc_preds,
                calibration_log=cal_log,
                calibration_fold=cal_fold,
                user_fold=user_fold,
            )
            lost_share = float(world.lost.mean())
            exact = world.evaluate_plan(executed_plan)["incremental_profit"]
            designed_profit = world.evaluate_plan(designed)["incremental_profit"]
            oracle_profit = assign(oracle_problem(world, uid), budget=budget).objective
            realised, next_world = world.step(sent, holdout=0.0, random_state=s_run)
            run = realised.set_index("user_id").loc[uid].reset_index()
            measured = run[follow].copy()
            measured["campaign_id"] = ids[design.planned[follow]]
            measured["holdout"] = design.held[follow]
            if follow.any():
                lift = realised_lift(measured, confidence=self.confidence)
                total = lift[(lift["campaign_id"] == "all") & (lift["metric"] == "incremental_profit")].iloc[
                    0
                ]
            else:  # the model saw no campaign worth its cost: nothing was planned, nothing to measure
                lift, total = None, {"value": 0.0, "se": 0.0}
            realised_all.append(lift)
            forecasts.append(fc)
            f = fc["incremental_profit"]
            y = measured["profit"].to_numpy(dtype=float)
            held = measured["holdout"].to_numpy(dtype=bool)
            s1 = float(np.std(y[~held], ddof=1)) if (~held).sum() > 1 else 0.0
            s0 = (
                float(np.std(y[held], ddof=1)) if held.sum() > 1 else s1
            )  # too few held out: the contacted sd
            need = holdout_needed(
                f["forecast"] / max(int(follow.sum()), 1), s1, s0, max(int((~held).sum()), 1)
            )
            # the round's log: what was sent, with the design's propensity, keyed by round and user
            new = run[["user_id", *LOG_COLUMNS[3:]]].copy()
            new.insert(1, "campaign_id", ids[design.executed])
            new.insert(2, "propensity", design.propensity)
            new["world_user_id"] = new["user_id"].to_numpy()
            new["user_id"] = rnd * KEY_STRIDE + new["world_user_id"].to_numpy(dtype=np.int64)
            new["round"] = rnd
            new["planned_campaign_id"] = ids[design.planned]
            log = pd.concat([log, new[log.columns]], ignore_index=True)
            data = pd.concat([data, self._keyed(users, rnd)], ignore_index=True)
            if self.retrain and rnd < n_rounds:
                cf = self._fit(data, log, catalogue, s_fit)
            rows.append(
                {
                    "round": rnd,
                    "period": int(world.period),
                    "n_users": len(uid),
                    "lost_share": lost_share,
                    "reach": int((design.planned > 0).sum()),
                    "explored": int(design.explored.sum()),
                    "planned": int(follow.sum()),
                    "held_out": int((design.held & follow).sum()),
                    "budget": budget,
                    "forecast": float(f["forecast"]),
                    "lower": float(f["lower"]),
                    "upper": float(f["upper"]),
                    "realised": float(total["value"]),
                    "realised_se": float(total["se"]),
                    "inside": bool(f["lower"] <= total["value"] <= f["upper"]),
                    "exact": float(exact),
                    "designed_profit": float(designed_profit),
                    "oracle_profit": float(oracle_profit),
                    "regret": float(oracle_profit - designed_profit),
                    "regret_share": float((oracle_profit - designed_profit) / oracle_profit)
                    if oracle_profit
                    else np.nan,
                    "holdout_needed": need,
                    "log_rows": len(log),
                    "seconds": time.perf_counter() - t0,
                }
            )
            world = next_world
        table = pd.DataFrame(rows, columns=list(ROUND_COLUMNS))
        return LoopResult(table, log, data, realised_all, forecasts, world)
