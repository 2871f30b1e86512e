"""A structural model of price offers (满减 thresholds, coupons, percent discounts), for choosing their parameters.

A campaign's parameters are usually chosen among configurations the log never tried: a 满减 at another threshold
or depth. Gradient boosting cannot extrapolate in an attribute it saw at two values, and a log's two threshold
campaigns may even show the same participation (a deeper discount at a higher threshold), so the effects of depth
and threshold cannot be told apart from those campaigns alone. :class:`PriceOfferModel` brings the structure of a
price offer instead, each part fitted on the log:

- **participation**: ``logit P(take part) = f(x, channel) + depth x (b + c . x) + log F(T)`` - a penalised logistic
  regression on every logged price offer, in which depth acts the same way whatever the offer's type (so percent
  discounts at two depths pin its effect down), and ``F(T) = sigmoid(kappa (mu - log T))`` is the chance that the
  order a user would place reaches the threshold ``T`` (1 without a threshold); ``kappa`` and ``mu`` are fitted with
  the rest by maximum likelihood, so thresholds the log never tried follow the fitted reachability curve;
- **a participant's purchase**: ``logit P(buy | take part) = logit P(buy | control, x) + a + g x depth``; the order
  of a participant of a threshold offer is the order the user would place anyway, pulled up to the threshold
  (``max(m(x), lam T)`` with ``lam >= 1``: only orders of at least ``T`` redeem), that of a proportional discount
  ``m(x) (1 + gamma x depth)``; the discount paid is the catalogue's cost model (the fixed amount, or depth x
  order);
- **everyone else**: those contacted who do not take part, by channel, and control, from gradient boosting.

Expected outcomes combine them (``revenue = p x buy x order + (1 - p) x revenue of non-participants``), so profit
follows the catalogue's identity. With ``n_bootstrap`` the participation part is refitted on bootstrap samples of
users and the predictions carry the sd of the profit uplift it implies (``std["profit_uplift"]``): the
uncertainty of extrapolating to thresholds and depths far from the log's, for choosing on a lower bound
(:func:`~campaignkit.design.choose_parameters`' ``risk``).

Only price offers (:data:`PRICE_OFFER_TYPES`, not category-targeted) and control are modelled: the fit ignores a
log's other campaigns and scoring another type raises an error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, logit

from campaignkit.config import resolve_seed
from campaignkit.errors import ParameterError
from campaignkit.models.boosting import Boosting, BoostingLearner, fit_boosting, predict_boosting
from campaignkit.models.inputs import UserData
from campaignkit.models.prediction import Prediction

__all__ = ["PriceOfferModel", "PRICE_OFFER_TYPES", "threshold_reach"]

PRICE_OFFER_TYPES: tuple[str, ...] = ("threshold_discount", "percent_discount", "coupon")
"""Campaign types :class:`PriceOfferModel` describes: money off an order, with or without a threshold."""

_DEPTH_UNIT = 0.1  # depth enters the participation model in units of 10 points (a scale the penalty suits)
_REACH_STARTS = ((1.0, 50.0), (2.0, 100.0), (4.0, 200.0))  # (kappa, exp(mu)) starting points of the fit
_MIN_ROWS = 10


def threshold_reach(threshold, kappa: float, mu: float) -> np.ndarray:
    """``log F(T)``: the log chance that an order reaches the threshold, ``-softplus(-kappa (mu - log T))``.

    Args:
        threshold: Array of thresholds (0: no threshold, log chance 0).
        kappa: Steepness of the reachability curve (> 0).
        mu: Log of the threshold half the orders reach.

    Returns:
        Array of the same shape, <= 0.
    """
    t = np.asarray(threshold, dtype=float)
    u = kappa * (mu - np.log(np.maximum(t, 1e-9)))
    return np.where(t > 0, -np.logaddexp(0.0, -u), 0.0)


def _fit_participation(design, y, threshold, weight, c, start):
    """Penalised logistic regression with the threshold-reach offset; returns ``(w, b, log kappa, mu)`` stacked."""
    n, k = design.shape
    lam = 1.0 / c
    log_t = np.log(np.maximum(threshold, 1e-9))
    has = threshold > 0

    def loss(theta):
        w, b, kappa, mu = theta[:k], theta[k], np.exp(theta[k + 1]), theta[k + 2]
        u = kappa * (mu - log_t)
        z = design @ w + b + np.where(has, -np.logaddexp(0.0, -u), 0.0)
        g = weight * (expit(z) - y)
        dz_du = np.where(has, expit(-u), 0.0) * g
        value = np.sum(weight * (np.logaddexp(0.0, z) - y * z)) + 0.5 * lam * w @ w
        grad = np.concatenate([design.T @ g + lam * w, [g.sum(), np.sum(dz_du * u), np.sum(dz_du * kappa)]])
        return value, grad

    best = None
    starts = (
        [start]
        if start is not None
        else [np.concatenate([np.zeros(k + 1), [np.log(kp), np.log(m)]]) for kp, m in _REACH_STARTS]
    )
    for x0 in starts:
        res = minimize(loss, x0, jac=True, method="L-BFGS-B", options={"maxiter": 3000})
        if best is None or res.fun < best.fun:
            best = res
    return best.x


def _participation(theta, design, threshold):
    k = design.shape[1]
    return expit(
        design @ theta[:k] + theta[k] + threshold_reach(threshold, np.exp(theta[k + 1]), theta[k + 2])
    )


class PriceOfferModel(BoostingLearner):
    """Structural model of price offers: participation with a threshold-reach curve, a participant's order pulled
    up to the threshold, the catalogue's discount (see the module docstring).

    Args:
        c: Inverse strength of the L2 penalty of the participation model (features are standardised).
        n_bootstrap: Bootstrap refits of the participation model (0: none, no ``std`` in predictions).
        boosting: Gradient-boosting settings of the gradient-boosting parts
            (:class:`~campaignkit.models.boosting.Boosting`).
        n_threads: OpenMP threads while fitting and predicting (see :class:`~campaignkit.models.SLearner`).
        random_state: Seed.
        weight_by_propensity: Weight each log row by ``1 / propensity`` (normalised per arm).
    """

    def __init__(
        self,
        c: float = 1.0,
        n_bootstrap: int = 0,
        boosting: Boosting | None = None,
        n_threads: int | None = 1,
        random_state=None,
        weight_by_propensity: bool = False,
    ):
        super().__init__(boosting, n_threads, random_state, weight_by_propensity)
        self.c, self.n_bootstrap = c, n_bootstrap

    def _validate_params(self) -> None:
        if not (isinstance(self.c, (int, float, np.floating)) and np.isfinite(self.c) and self.c > 0):
            raise ParameterError(f"c must be a finite number > 0, got {self.c!r}")
        if not isinstance(self.n_bootstrap, (int, np.integer)) or self.n_bootstrap < 0:
            raise ParameterError(f"n_bootstrap must be an integer >= 0, got {self.n_bootstrap!r}")

    @staticmethod
    def _offers(catalogue: pd.DataFrame) -> np.ndarray:
        return catalogue["type"].isin(PRICE_OFFER_TYPES).to_numpy() & ~catalogue["targets_category"].to_numpy(
            bool
        )

    @property
    def reach_(self) -> tuple[float, float]:
        """The fitted threshold-reach curve: ``(kappa, exp(mu))``, the threshold half the orders reach."""
        return float(np.exp(self.participation_[-2])), float(np.exp(self.participation_[-1]))

    def _onehot(self, channel: np.ndarray) -> np.ndarray:
        return (np.asarray(channel)[:, None] == np.asarray(self.channels_)[None, :]).astype(float)

    def _design(self, xs: np.ndarray, depth: np.ndarray, channel: np.ndarray) -> np.ndarray:
        d = (np.asarray(depth, dtype=float) / _DEPTH_UNIT)[:, None]
        return np.hstack([xs, d * xs, d, self._onehot(channel)])

    def _fit(self, data: UserData, log: pd.DataFrame, rows, arms) -> None:
        seed = resolve_seed(self.random_state, bits=31)
        cat = self.catalogue_
        offer = self._offers(cat)[arms]
        ctrl = arms == 0
        if ctrl.sum() < _MIN_ROWS or offer.sum() < _MIN_ROWS:
            raise ParameterError(
                f"PriceOfferModel needs at least {_MIN_ROWS} control rows and {_MIN_ROWS} rows of price offers "
                f"({', '.join(PRICE_OFFER_TYPES)}, not category-targeted); the log has {int(ctrl.sum())} and "
                f"{int(offer.sum())}"
            )
        depths = cat["depth"].to_numpy(float)[arms][offer]
        if np.unique(depths).size < 2:
            raise ParameterError(
                "PriceOfferModel needs logged price offers at two depths at least, to learn depth"
            )
        x = self._features(data)
        self.mean_, self.scale_ = x.mean(0), x.std(0)
        self.scale_[self.scale_ == 0] = 1.0
        x = x[rows]
        w = self._row_weights(log, arms)
        w = np.ones(len(log)) if w is None else np.asarray(w, dtype=float)
        params = self._params()
        y_part = log["participated"].to_numpy(dtype=float)
        conv = log["converted"].to_numpy(dtype=float)
        rev = log["revenue"].to_numpy(dtype=float)
        depth = cat["depth"].to_numpy(float)[arms]
        thr = cat["threshold"].to_numpy(float)[arms]
        amount = cat["amount"].to_numpy(float)[arms]
        channel = cat["channel"].astype(str).to_numpy()[arms]
        self.channels_ = sorted(set(channel[offer]))

        # control: buying and the order a buyer places
        buyers = ctrl & (conv > 0)
        if buyers.sum() < _MIN_ROWS:
            raise ParameterError(f"PriceOfferModel needs at least {_MIN_ROWS} buyers under control")
        self.buy_ = fit_boosting("binary", x[ctrl], conv[ctrl], seed, params, w[ctrl])
        self.order_ = fit_boosting(
            "reg", x[buyers], rev[buyers], seed, {**params, "loss": "gamma"}, w[buyers]
        )
        # contacted, not taking part: by channel
        xc = np.hstack([x, self._onehot(channel)])
        ignored = offer & (y_part == 0)
        self.ignored_buy_ = fit_boosting("binary", xc[ignored], conv[ignored], seed, params, w[ignored])
        self.ignored_revenue_ = fit_boosting("reg", xc[ignored], rev[ignored], seed, params, w[ignored])

        # participation, with the threshold-reach curve
        xs = (x[offer] - self.mean_) / self.scale_
        design = self._design(xs, depth[offer], channel[offer])
        self.participation_ = _fit_participation(
            design, y_part[offer], thr[offer], w[offer], float(self.c), None
        )
        rng = np.random.default_rng(seed)
        users = rows[offer]
        uniq = np.unique(users)
        self.participation_boot_ = []
        for _ in range(int(self.n_bootstrap)):
            counts = np.bincount(rng.choice(uniq, len(uniq)), minlength=int(users.max()) + 1)[users]
            self.participation_boot_.append(
                _fit_participation(
                    design, y_part[offer], thr[offer], w[offer] * counts, float(self.c), self.participation_
                )
            )

        # a participant's purchase: a lift on the control log-odds, growing with depth
        part = offer & (y_part > 0)
        base = logit(np.clip(predict_boosting(self.buy_, x[part]), 1e-6, 1 - 1e-6))

        def nll(ab):
            z = base + ab[0] + ab[1] * depth[part]
            return np.sum(w[part] * (np.logaddexp(0.0, z) - conv[part] * z))

        self.buy_lift_ = (
            minimize(nll, np.zeros(2), method="L-BFGS-B").x if part.sum() >= _MIN_ROWS else np.zeros(2)
        )
        # a participant's order: pulled up to the threshold, or raised by a proportional discount
        order_all = predict_boosting(self.order_, x)
        pb = part & (conv > 0)
        at_t, prop = pb & (thr > 0), pb & (thr <= 0) & (amount <= 0)
        self.pull_up_ = 1.0
        if at_t.sum() >= _MIN_ROWS:
            self.pull_up_ = float(
                minimize_scalar(
                    lambda lam: np.sum(
                        w[at_t] * (rev[at_t] - np.maximum(order_all[at_t], lam * thr[at_t])) ** 2
                    ),
                    bounds=(1.0, 3.0),
                    method="bounded",
                ).x
            )
        else:
            warnings.warn(
                "too few buyers of threshold offers to fit the pull-up; it is taken as 1",
                UserWarning,
                stacklevel=3,
            )
        self.order_lift_ = 0.0
        if prop.sum() >= _MIN_ROWS:
            self.order_lift_ = float(
                minimize_scalar(
                    lambda gam: np.sum(
                        w[prop] * (rev[prop] - order_all[prop] * (1 + gam * depth[prop])) ** 2
                    ),
                    bounds=(0.0, 10.0),
                    method="bounded",
                ).x
            )

    def _predict(self, data: UserData, catalogue: pd.DataFrame, target_category) -> Prediction:
        offers = self._offers(catalogue)
        types = catalogue["type"].astype(str).to_numpy()
        bad = [
            c
            for c, o, t in zip(catalogue["campaign_id"], offers, types, strict=True)
            if not o and t != "control"
        ]
        if bad:
            raise ParameterError(
                f"PriceOfferModel scores control and price offers ({', '.join(PRICE_OFFER_TYPES)}, not "
                f"category-targeted) only; the catalogue also has {bad}"
            )
        unseen = sorted(set(catalogue["channel"].astype(str)[offers]) - set(self.channels_))
        if unseen:
            raise ParameterError(f"PriceOfferModel saw no price offer on channel(s) {unseen} in the log")
        n, m = len(data), len(catalogue)
        x = self._features(data)
        xs = (x - self.mean_) / self.scale_
        buy0 = np.clip(predict_boosting(self.buy_, x), 1e-6, 1 - 1e-6)
        order0 = predict_boosting(self.order_, x)
        thetas = [self.participation_, *self.participation_boot_]
        out = {f: np.zeros((n, m)) for f in ("participate", "convert", "revenue", "discount")}
        boot_profit = np.zeros((len(thetas) - 1, n, m))
        out["convert"][:, 0], out["revenue"][:, 0] = buy0, buy0 * order0
        margin = catalogue["margin_rate"].to_numpy(float)
        others = {}  # per channel: buying and revenue of those contacted who do not take part
        for ch in sorted(set(catalogue["channel"].astype(str)[offers])):
            xc = np.hstack([x, self._onehot(np.full(n, ch))])
            others[ch] = (
                predict_boosting(self.ignored_buy_, xc),
                predict_boosting(self.ignored_revenue_, xc),
            )
        for j in np.flatnonzero(offers):
            row = catalogue.iloc[j]
            d, t, amt, ch = (
                float(row["depth"]),
                float(row["threshold"]),
                float(row["amount"]),
                str(row["channel"]),
            )
            design = self._design(xs, np.full(n, d), np.full(n, ch))
            buy = expit(logit(buy0) + self.buy_lift_[0] + self.buy_lift_[1] * d)
            order = np.maximum(order0, self.pull_up_ * t) if t > 0 else order0 * (1 + self.order_lift_ * d)
            paid = amt if amt > 0 else d * order
            other_buy, other_rev = others[ch]
            ps = [_participation(th, design, np.full(n, t)) for th in thetas]
            p = ps[0]
            out["participate"][:, j] = p
            out["convert"][:, j] = p * buy + (1 - p) * other_buy
            out["revenue"][:, j] = p * buy * order + (1 - p) * other_rev
            out["discount"][:, j] = p * buy * paid
            for b, pb in enumerate(ps[1:]):
                boot_profit[b, :, j] = (
                    pb * (margin[j] * buy * order - buy * paid) + (1 - pb) * margin[j] * other_rev
                )
        pred = self._finish(out, catalogue, data, target_category)
        if len(thetas) > 1:
            boot_profit[:, :, 0] = margin[0] * out["revenue"][:, 0]
            # the refits differ in participation only: each bootstrap member predicts profit (before contact,
            # which cancels in the uplift), the other fields stay unset
            members = [
                Prediction(pred.user_id, pred.campaign_ids, None, None, None, None, profit, None)
                for profit in boot_profit
            ]
            pred.std["profit_uplift"] = Prediction.average(members, ddof=0).std["profit_uplift"]
        return pred
