"""The feedback loop: plan, forecast, execute, measure, log and retrain, round after round on a world that moves on.

Round ``t`` of :meth:`FeedbackLoop.run`, on the world of period ``t - 1``, one method each:

1. **Plan** (:meth:`FeedbackLoop._plan`): features as of the world's cutoff (``features(world)``; by default
   :func:`~campaignkit.data.world_user_state`: user attributes, the observed purchase / view history and
   the cart state - an unbought recent cart, which a round of reminders clears - cheap at any number of rounds),
   plus the loop's own contact history (:func:`~campaignkit.loop.history.contact_history`: a contact ignored
   leaves fatigue, which no purchase history shows); every user scored by the current fold models (cross-fitted
   on the log so far) and planned with :func:`~campaignkit.design.assign` on their mean under the round's budget
   (``budget_per_user`` x users, on predicted spend). The design (:mod:`campaignkit.loop.design`) then gives a
   share ``explore`` of users a uniformly random campaign and withholds a share ``holdout`` of the others'
   planned contacts; every user's ``propensity`` is the probability this design gave them what they got.
2. **Forecast** (:meth:`FeedbackLoop._forecast`) the plan as executed on the users who follow it
   (:func:`~campaignkit.forecast.forecast_plan`, an interval of what the holdout will measure), the fold models
   corrected on the logged rows of the reserve - a share of users kept out of every fit - the initial randomised
   log and earlier rounds, each with its propensity and the features it was scored on.
3. **Execute** (:meth:`FeedbackLoop._execute`): :meth:`World.step <campaignkit.data.world.World.step>` runs every
   user's campaign and moves the world one window on; because this is the synthetic world, the exact expectation
   of the plan and the oracle's at the same budget (regret) are read first.
4. **Measure** (:meth:`FeedbackLoop._measure`) the realised lift against the holdout
   (:func:`~campaignkit.forecast.realised_lift`) and the holdout a test of the forecast lift would need.
5. **Log** (:meth:`FeedbackLoop._log`) the round (executed campaign as ``campaign_id``, its design
   ``propensity``, the outcomes; each row keyed by round and user, with the features the round was scored on)
   and **retrain**: cross-fit the model on the accumulated log (propensity-weighted when the model is built with
   ``weight_by_propensity=True``). The round leaves a :class:`~campaignkit.loop.round.RoundRecord`.

The regret is judged on the plan as designed for every user (before exploration replaced some of it): it
measures the decisions the model made. Forecast, realised and exact profit are for the plan as executed, the
users who followed it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from campaignkit.config import resolve_seed
from campaignkit.data import world_user_state
from campaignkit.data.schema import CAMPAIGN_LOG_COLUMNS, WORLD_COST_COLUMNS
from campaignkit.design import AssignmentProblem, assign
from campaignkit.errors import ParameterError
from campaignkit.evaluation import oracle_target, true_problem
from campaignkit.forecast import crossfit, forecast_plan, realised_lift
from campaignkit.loop.design import draw_design, holdout_needed
from campaignkit.loop.history import BOOKKEEPING, KEY_STRIDE, calibration_rows, contact_history, keyed
from campaignkit.loop.round import RoundPlan, RoundRecord, round_table
from campaignkit.models.prediction import Prediction

__all__ = ["FeedbackLoop", "LoopResult"]

LOG_COLUMNS: tuple[str, ...] = (*CAMPAIGN_LOG_COLUMNS, *WORLD_COST_COLUMNS)
"""Columns of the accumulated log the model learns from (``round``, ``world_user_id`` and
``planned_campaign_id`` are added, and dropped before fitting)."""

RUN_COLUMNS: tuple[str, ...] = LOG_COLUMNS[LOG_COLUMNS.index("target_category") :]
"""The columns of :data:`LOG_COLUMNS` a round's run gives (after what was sent and with which propensity)."""


@dataclass
class LoopResult:
    """What :meth:`FeedbackLoop.run` did.

    Attributes:
        rounds: One :class:`~campaignkit.loop.round.RoundRecord` per round.
        log: The accumulated log: ``LOG_COLUMNS`` keyed by round and user (``campaign_id`` what was sent,
            ``propensity`` the design's probability of it), ``round``, ``world_user_id`` and
            ``planned_campaign_id`` (the plan's choice; round 0, the initial randomised log: what was drawn).
        data: Feature rows of the logged users, one per (round, user) key (``user_id`` the key).
        realised: Per round, :func:`~campaignkit.forecast.realised_lift` of the executed plan (None for a round
            that planned nobody).
        forecasts: Per round, the :class:`~campaignkit.forecast.PlanForecast` of the executed plan.
        world: The world after the last round.
    """

    rounds: list[RoundRecord]
    log: pd.DataFrame
    data: pd.DataFrame
    realised: list = field(default_factory=list)
    forecasts: list = field(default_factory=list)
    world: object = None

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per round (columns: :data:`~campaignkit.loop.round.ROUND_COLUMNS`)."""
        return round_table(self.rounds)


@dataclass
class _State:
    """What the loop carries from one round to the next."""

    world: object
    users: pd.DataFrame
    log: pd.DataFrame
    data: pd.DataFrame
    cf: object
    reserved: np.ndarray


def _number(value) -> bool:
    return isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)


def _integer(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ParameterError(message)


class FeedbackLoop:
    """Run, hold out, measure, retrain: the campaign feedback loop on a world that moves on.

    Args:
        model: Unfitted kit model (cloned per fold), e.g.
            ``MediatedLearner(nonparticipants="observed", weight_by_propensity=True)``; its fold models both choose
            (on their mean, :meth:`Prediction.average <campaignkit.models.prediction.Prediction.average>` with
            ``ddof=1``: the fold models are a sample of the models the log could have given) and forecast.
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
        risk: Plan on the predicted profit uplift minus ``risk`` x its spread across the fold models (0: on the
            mean); a contact must then pay off by more than the models disagree about it.
        contact_history: Add the loop's own contact history to the features
            (:func:`~campaignkit.loop.history.contact_history`: how often earlier rounds contacted each user, and
            how often the contact was ignored - what leaves fatigue).
        reserve: Share of users, in (0, 1), kept out of every fit: all their logged rows only correct the
            forecast (a log no fold model was fitted on, at the price of fitting on fewer rows). Of the
            corrections ``bench/loop.py`` compared (on the plan users' own logged rows, each fold model on those
            of them it was not fitted on, each fold model on its unseen fold), the reserve's intervals alone held
            on every seed at both world sizes (``bench/README.md``). Raise it when intervals undercover, lower it
            when the model needs the rows.
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
        reserve: float = 0.25,
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
        self.reserve = reserve
        self.random_state = random_state

    # ----------------------------------------------------------------------------------------------- checks
    def _check(self, world, n_rounds) -> None:
        from campaignkit.data.world import World
        from campaignkit.loop.design import _check_shares

        _require(
            isinstance(world, World),
            f"world must be a campaignkit World (make_world(...)), got {type(world).__name__}",
        )
        _require(
            hasattr(self.model, "fit") and hasattr(self.model, "predict_outcomes"),
            f"model must be a kit model with fit and predict_outcomes, got {self.model!r}",
        )
        _require(_integer(n_rounds) and n_rounds >= 1, f"n_rounds must be an integer >= 1, got {n_rounds!r}")
        b = self.budget_per_user
        _require(_number(b) and np.isfinite(b) and b > 0, f"budget_per_user must be a number > 0, got {b!r}")
        _check_shares(self.explore, self.holdout)
        _require(
            _integer(self.n_folds) and self.n_folds >= 2,
            f"n_folds must be an integer >= 2, got {self.n_folds!r}",
        )
        _require(
            _number(self.risk) and np.isfinite(self.risk) and self.risk >= 0,
            f"risk must be a number >= 0, got {self.risk!r}",
        )
        r = self.reserve
        _require(_number(r) and 0 < r < 1, f"reserve must be a share in (0, 1), got {r!r}")
        _require(0 < self.confidence < 1, f"confidence must lie in (0, 1), got {self.confidence!r}")
        _require(
            self.window is None or (_integer(self.window) and self.window >= 1),
            f"window must be None or an integer >= 1, got {self.window!r}",
        )
        n = self._initial_count(world)
        _require(
            self.n_folds * 20 <= n <= world.n_users,
            f"initial_users={self.initial_users!r} gives {n} users; the first model needs between "
            f"{self.n_folds * 20} (20 per fold) and the world's {world.n_users}",
        )

    def _initial_count(self, world) -> int:
        u = self.initial_users
        _require(_number(u) and u > 0, f"initial_users must be a share in (0, 1] or a count >= 1, got {u!r}")
        return int(round(u * world.n_users)) if u <= 1 else int(u)

    # ------------------------------------------------------------------------------------------------ helpers
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

    def _fit(self, data: pd.DataFrame, log: pd.DataFrame, catalogue, reserved: np.ndarray, seed: int):
        """Cross-fit the model on the window of the log, the reserve's rows left out (they only calibrate)."""
        log = self._window(log)
        log = log[~log["world_user_id"].isin(reserved)].reset_index(drop=True)
        keep = data["user_id"].isin(log["user_id"])
        return crossfit(
            self.model,
            data[keep].reset_index(drop=True),
            log.drop(columns=BOOKKEEPING),
            catalogue,
            n_folds=self.n_folds,
            random_state=seed,
        )

    def _start(self, world, seeds) -> _State:
        """Round 0: the reserve, the initial randomised log and the first model."""
        users = self._user_table(world, None)
        uid = users["user_id"].to_numpy()
        reserved = uid[np.random.default_rng(int(seeds[2])).random(len(uid)) < self.reserve]
        init = world.log_randomised(n_users=self._initial_count(world), random_state=int(seeds[0]))
        log = init[list(LOG_COLUMNS)].copy()
        log["round"], log["world_user_id"] = 0, log["user_id"].to_numpy()
        log["planned_campaign_id"] = log["campaign_id"]  # the randomised log: what was drawn is what was sent
        data = keyed(users, 0)
        cf = self._fit(data, log, world.catalogue, reserved, int(seeds[1]))
        return _State(world, users, log, data, cf, reserved)

    # ------------------------------------------------------------------------------------------------- steps
    def _plan(self, state: _State, seed: int) -> RoundPlan:
        """Score the users, plan under the budget on the fold models' mean, and draw the design."""
        world, users = state.world, state.users
        ids = np.asarray(world.campaign_ids, dtype=object)
        targeted = world.catalogue["targets_category"].to_numpy(bool)
        preds = state.cf.predict(users)
        pred = Prediction.average(preds, ddof=1)  # the fold models: a sample of the models the log could give
        budget = float(self.budget_per_user) * len(users)
        plan = assign(AssignmentProblem.from_prediction(pred, risk=float(self.risk)), budget=budget)
        design = draw_design(
            plan.choice,
            explore=self.explore,
            holdout=self.holdout,
            n_campaigns=len(ids),
            rng=np.random.default_rng(seed),
        )
        uid, tc = users["user_id"].to_numpy(), np.asarray(pred.target_category)

        def frame(choice):
            return pd.DataFrame(
                {
                    "user_id": uid,
                    "campaign_id": ids[choice],
                    "target_category": np.where(targeted[choice], tc, -1),
                }
            )

        # the plan as executed: users who follow it, in campaigns with at least one user contacted (a campaign
        # whose few planned users were all held out sent nothing, and its lift cannot be measured)
        follow = design.exploited & (design.planned > 0)
        sent_to = np.bincount(design.planned[follow & ~design.held], minlength=len(ids)) > 0
        follow &= sent_to[design.planned]
        return RoundPlan(users, preds, budget, design, frame(design.planned), frame(design.executed), follow)

    def _forecast(self, state: _State, rp: RoundPlan, seed: int):
        """Forecast the executed plan, the fold models corrected on the reserve's logged rows."""
        data, preds, cal_log = calibration_rows(
            state.cf, rp.users, rp.predictions, state.data, self._window(state.log), state.reserved
        )
        return forecast_plan(
            state.cf,
            data,
            rp.executed_plan,
            holdout=self.holdout,
            confidence=self.confidence,
            n_boot=self.n_boot,
            random_state=seed,
            predictions=preds,
            calibration_log=cal_log,
        )

    @staticmethod
    def _execute(world, rp: RoundPlan, seed: int):
        """The world's exact values of the plans (read first), then the run: ``(truth, run, next_world)``."""
        uid = rp.user_id
        truth = {
            "lost_share": float(world.lost.mean()),
            "exact": world.evaluate_plan(rp.executed_plan)["incremental_profit"],
            "designed_profit": world.evaluate_plan(rp.designed)["incremental_profit"],
            "oracle_profit": assign(
                true_problem(world, uid, oracle_target(world, uid)), budget=rp.budget
            ).objective,
        }
        realised, next_world = world.step(rp.sent, holdout=0.0, random_state=seed)
        return truth, realised.set_index("user_id").loc[uid].reset_index(), next_world

    def _measure(self, rp: RoundPlan, run: pd.DataFrame, forecast: dict):
        """The realised lift of the executed plan, its total profit row and the holdout a test would need."""
        follow = rp.follow
        measured = run[follow].copy()
        measured["campaign_id"] = rp.designed["campaign_id"].to_numpy()[follow]
        measured["holdout"] = rp.design.held[follow]
        if follow.any():
            lift = realised_lift(measured, confidence=self.confidence)
            total = lift[(lift["campaign_id"] == "all") & (lift["metric"] == "incremental_profit")].iloc[0]
        else:  # the model saw no campaign worth its cost: nothing was planned, nothing to measure
            lift, total = None, {"value": 0.0, "se": 0.0}
        y = measured["profit"].to_numpy(dtype=float)
        held = measured["holdout"].to_numpy(dtype=bool)
        s1 = float(np.std(y[~held], ddof=1)) if (~held).sum() > 1 else 0.0
        s0 = float(np.std(y[held], ddof=1)) if held.sum() > 1 else s1  # too few held out: the contacted sd
        need = holdout_needed(
            forecast["forecast"] / max(int(follow.sum()), 1), s1, s0, max(int((~held).sum()), 1)
        )
        return lift, total, need

    @staticmethod
    def _log(state: _State, rp: RoundPlan, run: pd.DataFrame, rnd: int) -> None:
        """Append the round's rows (what was sent, with the design's propensity, keyed by round and user)."""
        new = run[["user_id", *RUN_COLUMNS]].copy()
        new.insert(1, "campaign_id", rp.sent["campaign_id"].to_numpy())
        new.insert(2, "propensity", rp.design.propensity)
        new["world_user_id"] = new["user_id"].to_numpy()
        new["user_id"] = rnd * KEY_STRIDE + new["world_user_id"].to_numpy(dtype=np.int64)
        new["round"] = rnd
        new["planned_campaign_id"] = rp.designed["campaign_id"].to_numpy()
        state.log = pd.concat([state.log, new[state.log.columns]], ignore_index=True)
        state.data = pd.concat([state.data, keyed(rp.users, rnd)], ignore_index=True)

    # -------------------------------------------------------------------------------------------------- run
    def _seeds(self, n_rounds: int) -> np.ndarray:
        """Four seeds per round (round 0: initial log, first fit, reserve; then design, run, fit, forecast)."""
        seeds = np.random.SeedSequence(resolve_seed(self.random_state)).generate_state(
            4 * (n_rounds + 1), np.uint32
        )
        return seeds.reshape(n_rounds + 1, 4).astype(np.int64)

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
        seeds = self._seeds(n_rounds)
        state = self._start(world, seeds[0])
        records, realised, forecasts = [], [], []
        for rnd in range(1, n_rounds + 1):
            t0 = time.perf_counter()
            s_design, s_run, s_fit, s_fc = (int(s) for s in seeds[rnd])
            if rnd > 1:
                state.users = self._user_table(state.world, state.log)
            rp = self._plan(state, s_design)
            fc = self._forecast(state, rp, s_fc)
            truth, run, next_world = self._execute(state.world, rp, s_run)
            lift, total, need = self._measure(rp, run, fc["incremental_profit"])
            self._log(state, rp, run, rnd)
            if self.retrain and rnd < n_rounds:
                state.cf = self._fit(state.data, state.log, world.catalogue, state.reserved, s_fit)
            realised.append(lift)
            forecasts.append(fc)
            records.append(self._record(rnd, state, rp, fc["incremental_profit"], truth, total, need, t0))
            state.world = next_world
        return LoopResult(records, state.log, state.data, realised, forecasts, state.world)

    @staticmethod
    def _record(
        rnd: int, state: _State, rp: RoundPlan, f, truth: dict, total, need, t0: float
    ) -> RoundRecord:
        """The round's row of the result table."""
        design, follow = rp.design, rp.follow
        oracle, designed = truth["oracle_profit"], truth["designed_profit"]
        return RoundRecord(
            round=rnd,
            period=int(state.world.period),
            n_users=len(rp.users),
            lost_share=truth["lost_share"],
            reach=int((design.planned > 0).sum()),
            explored=int(design.explored.sum()),
            planned=int(follow.sum()),
            held_out=int((design.held & follow).sum()),
            budget=rp.budget,
            forecast=float(f["forecast"]),
            lower=float(f["lower"]),
            upper=float(f["upper"]),
            realised=float(total["value"]),
            realised_se=float(total["se"]),
            inside=bool(f["lower"] <= total["value"] <= f["upper"]),
            exact=float(truth["exact"]),
            designed_profit=float(designed),
            oracle_profit=float(oracle),
            regret=float(oracle - designed),
            regret_share=float((oracle - designed) / oracle) if oracle else np.nan,
            holdout_needed=need,
            log_rows=len(state.log),
            seconds=time.perf_counter() - t0,
        )
