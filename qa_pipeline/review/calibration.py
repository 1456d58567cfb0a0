"""Calibration: how far reviewers agree with the automatic checks and with each other, and a
queue ranker learnt from their decisions.

A *judgement* is one reviewer's verdict on one check of one call, from that reviewer's latest
decisions (the same rule as :func:`state._verdict`): the check-level decision if there is one,
else ``agree`` if any of the check's findings was agreed, ``dispute`` if only disputes.

Labels are ``fail``/``pass``. The automatic label is the stored ``checks.status`` (``n/a`` and
``manual`` checks are left out). The human label follows the verdict: agreeing keeps the
automatic label, disputing flips it (a disputed failure should have passed; a disputed pass
should have failed).

Every figure carries its ``n``; a kappa that cannot be computed honestly is ``None`` with a
``reason`` (too few items, no variation, or one side constant, where kappa is 0 by construction
and says nothing about agreement).

Caveat: the automatic label is the *current* one; a call re-scored under changed rules after it
was reviewed is compared with its new result.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..store import Store, reviews, utcnow

LABELS = ("fail", "pass")
MIN_KAPPA_ITEMS = 5  # fewer paired labels than this: kappa is not reported
MIN_TRAIN_CALLS = 20  # fewer labelled calls than this: the ranker is not trained
MIN_PER_CLASS = 2  # cross-validation needs at least two calls of each outcome
MAX_FOLDS = 5
MODEL_FILE = "queue_ranker.joblib"
METRICS_FILE = "queue_ranker.json"
DONE = ("reviewed", "appealed", "ruled")  # review states that take a call out of the queue
BASE_FEATURES = ("score", "fatal", "flagged", "duration_s", "n_failed", "fail_hits", "max_similarity")
JUDGEMENT_COLUMNS = ["call_id", "check_id", "user", "verdict", "auto", "human", "title"]


# -- judgements ------------------------------------------------------------------------------
def judgements(store: Store) -> pd.DataFrame:
    """One row per (call, check, reviewer) with a verdict: ``verdict`` (agree|dispute), ``auto`` and
    ``human`` (fail|pass), ``title``. Only checks whose automatic status is fail or pass."""
    ev = reviews.decisions_frame(store)
    if ev.empty:
        return pd.DataFrame(columns=JUDGEMENT_COLUMNS)
    ev = ev.drop_duplicates(["call_id", "user", "target"], keep="last")  # each reviewer's latest decision
    ev["check_id"] = ev["target"].str.split("#", n=1).str[0]
    keys = ["call_id", "check_id", "user"]
    # as state._verdict: a check-level decision wins, else agree if any finding was agreed
    finding = (ev[ev["kind"] == "finding"].assign(agree=lambda d: d["value"] == "agree")
               .groupby(keys)["agree"].any().map({True: "agree", False: "dispute"}))
    check = ev[ev["kind"] == "check"].set_index(keys)["value"]
    verdict = check.combine_first(finding).rename("verdict").reset_index()
    auto = reviews.auto_statuses(store, LABELS, judged_only=True).rename(columns={"auto_status": "auto"})
    out = verdict.merge(auto, on=["call_id", "check_id"], how="inner")
    flip = {"fail": "pass", "pass": "fail"}
    out["human"] = np.where(out["verdict"] == "agree", out["auto"], out["auto"].map(flip))
    return out[JUDGEMENT_COLUMNS].sort_values(["check_id", "call_id", "user"], ignore_index=True)


def _pairs(j: pd.DataFrame) -> pd.DataFrame:
    """Pairs of reviewers' human labels on the same check of the same call (reviewer a < b by name)."""
    cols = ["call_id", "check_id", "user", "human"]
    m = j[cols].merge(j[cols], on=["call_id", "check_id"], suffixes=("_a", "_b"))
    return m[m["user_a"] < m["user_b"]].reset_index(drop=True)


# -- statistics ------------------------------------------------------------------------------
def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), nd)


def _wilson(k: int, n: int, z: float = 1.959964) -> list[float] | None:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return None
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [_r(max(0.0, centre - half)), _r(min(1.0, centre + half))]


def _kappa(a, b, who: tuple[str, str]) -> dict[str, Any]:
    """Cohen's kappa between two label lists, with n, observed agreement and, when None, why."""
    from sklearn.metrics import cohen_kappa_score

    a, b = list(a), list(b)
    n = len(a)
    out: dict[str, Any] = {"n": n, "agreement": _r(sum(x == y for x, y in zip(a, b)) / n) if n else None,
                           "kappa": None, "reason": None}
    if n < MIN_KAPPA_ITEMS:
        out["reason"] = f"only {n} paired label(s); kappa needs at least {MIN_KAPPA_ITEMS}"
    elif len(set(a) | set(b)) < 2:
        out["reason"] = f"every label is '{a[0]}': no variation, so kappa is undefined"
    elif len(set(a)) < 2 or len(set(b)) < 2:
        side, labels = (who[0], a) if len(set(a)) < 2 else (who[1], b)
        auto = side == who[0] == "the automatic"
        out["reason"] = (f"{side} labels are all '{labels[0]}'"
                         + (" (only automatic failures were judged)" if auto and labels[0] == "fail" else "")
                         + ", so kappa is 0 by construction and says nothing; read the agreement"
                         + (" and precision" if auto else "") + " instead")
    else:
        out["kappa"] = _r(cohen_kappa_score(a, b, labels=list(LABELS)))
    return out


def _precision(j: pd.DataFrame) -> dict[str, Any]:
    f = j[j["auto"] == "fail"]
    n, k = len(f), int((f["verdict"] == "agree").sum())
    return {"n": n, "n_calls": int(f["call_id"].nunique()), "confirmed": k, "value": _r(k / n) if n else None,
            "ci95": _wilson(k, n)}


def _auto_pass(j: pd.DataFrame) -> dict[str, Any]:
    p = j[j["auto"] == "pass"]
    n, k = len(p), int((p["verdict"] == "agree").sum())
    return {"n": n, "agreed": k, "missed": n - k, "value": _r(k / n) if n else None}


def _between(pairs: pd.DataFrame) -> dict[str, Any]:
    out = _kappa(pairs["human_a"], pairs["human_b"], ("the first reviewer's", "the second reviewer's"))
    return {"n_calls": int(pairs["call_id"].nunique()), "n_pairs": out.pop("n"), **out}


def _block(j: pd.DataFrame, pairs: pd.DataFrame) -> dict[str, Any]:
    agreed = int((j["verdict"] == "agree").sum())
    return {"n_calls": int(j["call_id"].nunique()), "n_reviewers": int(j["user"].nunique()),
            "n_judgements": len(j), "agreed": agreed, "disputed": len(j) - agreed,
            "precision": _precision(j), "auto_pass": _auto_pass(j),
            "kappa_auto_human": _kappa(j["auto"], j["human"], ("the automatic", "the reviewers'")),
            "kappa_reviewers": _between(pairs)}


def agreement(store: Store) -> dict[str, Any]:
    """Agreement of reviewers with the automatic checks and with each other (JSON-serializable).

    ``totals`` and each entry of ``checks`` hold: ``n_calls`` (calls judged), ``n_reviewers``,
    ``n_judgements`` (reviewer × call), ``agreed``, ``disputed``, ``precision`` (of automatic failures:
    ``n``, ``n_calls``, ``confirmed``, ``value``, ``ci95``), ``auto_pass`` (``n``, ``agreed``, ``missed``,
    ``value``), ``kappa_auto_human`` (``n``, ``agreement``, ``kappa``, ``reason``) and
    ``kappa_reviewers`` (``n_calls`` judged by ≥2 reviewers, ``n_pairs``, ``agreement``, ``kappa``,
    ``reason``). ``reviewer_pairs`` gives kappa per pair of reviewers over all checks, ``reviewers``
    each reviewer's counts.
    """
    j = judgements(store)
    pairs = _pairs(j)
    checks = []
    for cid, g in j.groupby("check_id", sort=False):
        checks.append({"check_id": cid, "title": g["title"].dropna().iloc[0] if g["title"].notna().any() else None,
                       **_block(g, pairs[pairs["check_id"] == cid])})
    checks.sort(key=lambda c: (-c["n_judgements"], c["check_id"]))
    reviewer_pairs = []
    for (a, b), g in pairs.groupby(["user_a", "user_b"]):
        reviewer_pairs.append({"a": a, "b": b, "n_calls": int(g["call_id"].nunique()),
                               **{("n_pairs" if k == "n" else k): v
                                  for k, v in _kappa(g["human_a"], g["human_b"], (f"{a}'s", f"{b}'s")).items()}})
    reviewers = []
    for user, g in j.groupby("user"):
        agreed = int((g["verdict"] == "agree").sum())
        reviewers.append({"user": user, "n_calls": int(g["call_id"].nunique()), "n_judgements": len(g),
                          "agreed": agreed, "disputed": len(g) - agreed, "dispute_rate": _r(1 - agreed / len(g)),
                          "precision": _precision(g)})
    return {"generated_at": utcnow().isoformat() + "Z", "min_kappa_items": MIN_KAPPA_ITEMS,
            "totals": _block(j, pairs), "checks": checks, "reviewer_pairs": reviewer_pairs, "reviewers": reviewers,
            "notes": ["A judgement is one reviewer's latest verdict on one check of one call.",
                      "precision: share of judged automatic failures the reviewer confirmed (ci95: Wilson).",
                      "auto_pass: judged automatic passes; 'missed' = the reviewer says it should have failed.",
                      "kappa_auto_human: Cohen's kappa of automatic vs reviewer labels (fail/pass) over judgements.",
                      "kappa_reviewers: Cohen's kappa over pairs of reviewers who judged the same check of the same "
                      "call (first = reviewer name earlier in sort order).",
                      "Automatic labels are the current ones: a call re-scored after review is compared with its "
                      "new result."]}


# -- queue ranker ----------------------------------------------------------------------------
def _features(store: Store, *, labelled: bool, include_reviewed: bool = False) -> pd.DataFrame:
    """Feature frame (index call_id) of the calls the ranker learns from (``labelled``) or ranks."""
    calls, fails, sim = reviews.ranker_frames(store, labelled=labelled, include_reviewed=include_reviewed, done=DONE)
    X = calls.set_index("call_id")
    for col in ("score", "duration_s"):
        X[col] = pd.to_numeric(X[col], errors="coerce").astype(float)
    for col in ("fatal", "flagged"):
        X[col] = X[col].map(lambda v: float(bool(v)) if v is not None and v == v else 0.0)
    X["n_failed"] = fails.groupby("call_id").size().reindex(X.index, fill_value=0).astype(float)
    X["fail_hits"] = fails.groupby("call_id")["hits"].sum().reindex(X.index, fill_value=0).astype(float)
    X["max_similarity"] = sim.set_index("call_id")["max_similarity"].reindex(X.index).astype(float)
    if not fails.empty:
        onehot = pd.crosstab(fails["call_id"], fails["check_id"]).clip(upper=1)
        onehot.columns = [f"fail:{x}" for x in onehot.columns]
        X = X.join(onehot.astype(float), how="left")
    return X.fillna({col: 0.0 for col in X.columns if col.startswith("fail:")})


def _pipeline():
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                     ("scale", StandardScaler()),
                     ("model", LogisticRegression(class_weight="balanced", max_iter=2000))])


def train_ranker(store: Store, out_dir: Path) -> dict[str, Any]:
    """Learn which calls with automatic failures reviewers confirm (``call_reviews.confirmed``).

    Returns the metrics (also saved in ``out_dir/queue_ranker.json`` and, with the fitted
    pipeline and its feature names, in ``out_dir/queue_ranker.joblib``), or
    ``{"trained": False, "reason": ..., "n": ..., "n_confirmed": ..., "n_disputed": ...}`` when there
    are too few labelled calls or too few of one outcome (nothing is written then).
    """
    import json

    import joblib
    import sklearn
    from sklearn.model_selection import StratifiedKFold, cross_validate

    X = _features(store, labelled=True)
    y = X.pop("confirmed").map(lambda v: int(bool(v))).to_numpy()
    n, pos = len(y), int(y.sum())
    counts = {"n": n, "n_confirmed": pos, "n_disputed": n - pos}
    if n < MIN_TRAIN_CALLS:
        return {"trained": False, "reason": f"only {n} reviewed call(s) with a decision on their automatic failures; "
                                            f"the ranker needs at least {MIN_TRAIN_CALLS}", **counts}
    if min(pos, n - pos) < MIN_PER_CLASS:
        which = "confirmed" if pos < MIN_PER_CLASS else "disputed"
        return {"trained": False, "reason": f"{min(pos, n - pos)} {which} call(s) among {n}: it needs at least "
                                            f"{MIN_PER_CLASS} confirmed and {MIN_PER_CLASS} disputed to learn and "
                                            "cross-validate", **counts}
    names = list(BASE_FEATURES) + sorted(col for col in X.columns if col.startswith("fail:"))
    X = X.reindex(columns=names)
    folds = max(2, min(MAX_FOLDS, pos, n - pos))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    scores = cross_validate(_pipeline(), X, y, cv=cv, scoring=("accuracy", "roc_auc", "balanced_accuracy"), n_jobs=1)
    model = _pipeline().fit(X, y)
    coef = dict(zip(names, model.named_steps["model"].coef_[0]))
    baseline = max(pos, n - pos) / n

    def stat(key: str) -> tuple[float | None, float | None]:
        v = scores[f"test_{key}"]
        return _r(float(np.mean(v))), _r(float(np.std(v)))

    acc, acc_sd = stat("accuracy")
    auc, auc_sd = stat("roc_auc")
    bal, bal_sd = stat("balanced_accuracy")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics = {"trained": True, "trained_at": utcnow().isoformat() + "Z", **counts,
               "class_balance": {"confirmed": _r(pos / n), "disputed": _r((n - pos) / n)},
               "cv_folds": folds, "accuracy": acc, "accuracy_std": acc_sd, "roc_auc": auc, "roc_auc_std": auc_sd,
               "balanced_accuracy": bal, "balanced_accuracy_std": bal_sd,
               "baseline_accuracy": _r(baseline),
               "baseline": "always predict the majority outcome ("
                           + ("confirmed" if pos >= n - pos else "disputed") + ")",
               "beats_baseline": bool(acc is not None and acc > baseline),
               "features": names,
               "coefficients": {k: _r(v) for k, v in sorted(coef.items(), key=lambda kv: -abs(kv[1]))},
               "model_path": str(out_dir / MODEL_FILE), "metrics_path": str(out_dir / METRICS_FILE),
               "note": f"stratified {folds}-fold cross-validation on the reviewers' own decisions; calls reach "
                       "reviewers mostly through the queue, so the labels lean towards what the queue showed"}
    joblib.dump({"model": model, "features": names, "metrics": metrics, "sklearn_version": sklearn.__version__},
                out_dir / MODEL_FILE)
    (out_dir / METRICS_FILE).write_text(json.dumps(metrics, ensure_ascii=False, indent=2), encoding="utf-8")
    return metrics


def rank_calls(store: Store, model_path: str | Path, *, include_reviewed: bool = False) -> dict[str, float]:
    """Probability that a reviewer confirms each scored, flagged (or fatal) call, highest first.

    By default only calls not yet reviewed: no review state, or ``in_review`` without a verdict on
    its automatic failures yet (``call_reviews.confirmed`` null); with ``include_reviewed`` every
    flagged call."""
    import joblib

    path = Path(model_path)
    if not path.is_file():
        raise InputError(f"{path}: no queue ranker here; train one first (train_ranker) or give the right path")
    bundle = joblib.load(path)
    X = _features(store, labelled=False, include_reviewed=include_reviewed).drop(columns="confirmed")
    if X.empty:
        return {}
    X = X.reindex(columns=bundle["features"])
    X[[col for col in X.columns if col.startswith("fail:")]] = X.filter(like="fail:").fillna(0.0)
    model = bundle["model"]
    proba = model.predict_proba(X)[:, list(model.classes_).index(1)]
    ranked = sorted(zip(X.index, proba), key=lambda kv: (-kv[1], kv[0]))
    return {cid: round(float(p), 4) for cid, p in ranked}


# -- the sheet's items refitted to reviewers' decisions (qa calibrate → qa score --calibration) -----------------
MIN_ITEM_REVIEWS = 10  # fewer judgements of an item than this: its documented defaults stay
LOW_CONFIDENCE = 0.6
AGREEMENT_SLACK = 0.0  # a fit may not cost agreement with the reviewers, whatever its confidences
ITEM_C = 10.0  # weak regularization: a few dozen judgements per item, three features


def sheet_judgements(store: Store) -> pd.DataFrame:
    """One row per (call, item, reviewer) with a verdict on an automatic pass/fail/partial: ``auto``
    (fail|pass; partial counts as fail), the scorer's own ``confidence`` and ``hits`` (before any
    calibration: ``score_detail.calibration.original`` when the call was scored with one), ``human``."""
    from ..store.calls import stored_report

    cols = ["call_id", "check_id", "user", "verdict", "auto", "confidence", "hits", "human"]
    ev = reviews.decisions_frame(store)
    if ev.empty:
        return pd.DataFrame(columns=cols)
    ev = ev.drop_duplicates(["call_id", "user", "target"], keep="last")
    ev["check_id"] = ev["target"].str.split("#", n=1).str[0]
    keys = ["call_id", "check_id", "user"]
    finding = (ev[ev["kind"] == "finding"].assign(agree=lambda d: d["value"] == "agree")
               .groupby(keys)["agree"].any().map({True: "agree", False: "dispute"}))
    check = ev[ev["kind"] == "check"].set_index(keys)["value"]
    verdict = check.combine_first(finding).rename("verdict").reset_index()
    rows = []
    for call_id, group in verdict.groupby("call_id"):
        report = stored_report(store, call_id) or {}
        original = ((report.get("score_detail") or {}).get("calibration") or {}).get("original") or {}
        checks = {c.get("id"): c for c in report.get("checks") or ()}
        for v in group.itertuples(index=False):
            c = original.get(v.check_id) or checks.get(v.check_id)
            if not c or c.get("status") not in ("pass", "fail", "partial"):
                continue
            auto = "pass" if c["status"] == "pass" else "fail"
            human = auto if v.verdict == "agree" else {"fail": "pass", "pass": "fail"}[auto]
            rows.append((call_id, v.check_id, v.user, v.verdict, auto, float(c.get("confidence") or 0.0),
                         int(c.get("hits") or 0), human))
    return pd.DataFrame(rows, columns=cols)


def _agreement_block(auto, human) -> dict[str, Any]:
    return _kappa(auto, human, ("the automatic", "the reviewers'"))


def fit_sheet(store: Store, out_dir: str | Path | None = None, *, min_reviews: int = MIN_ITEM_REVIEWS,
              low_confidence: float = LOW_CONFIDENCE) -> dict[str, Any]:
    """Fit each checklist item to the reviewers' decisions and save a versioned model.

    Per item with at least ``min_reviews`` judgements and both outcomes: a logistic regression
    (:mod:`qa_pipeline.sheet_calibration` features) evaluated by stratified cross-validation. It
    is kept only when its cross-validated agreement with the reviewers is at least the automatic
    verdicts'; otherwise, and for items with too few reviews, the documented defaults apply.

    Returns
    -------
    dict
        ``items[]`` (``check_id``, ``n``, ``before``/``after`` {agreement, kappa, reason},
        ``model``: logistic | defaults, ``reason``), ``wrong`` (automatic verdicts the reviewers
        overturned, and how many of them each confidence puts under ``low_confidence``),
        ``version``, ``path`` (``None`` when no item was fitted: nothing is written).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from ..sheet_calibration import (DEFAULT_DIR, FEATURES, ItemModel, SheetCalibration, calibrated_verdict, features,
                                     make_version)

    j = sheet_judgements(store)
    items, models = [], {}
    # verdicts the reviewers would overturn, before (automatic) and after (refitted, cross-validated), and
    # how many of them low_confidence lists: what a reviewer who checks only that list would fix
    wrong = {"n": 0, "low_before": 0, "n_after": 0, "low_after": 0}
    for check_id, g in j.groupby("check_id", sort=True):
        X = np.array([features(a, c, h) for a, c, h in zip(g["auto"], g["confidence"], g["hits"])])
        y = (g["human"] == "fail").to_numpy().astype(int)
        entry: dict[str, Any] = {"check_id": check_id, "n": len(g), "before": _agreement_block(g["auto"], g["human"]),
                                 "after": None, "model": "defaults", "reason": None}
        wrong_mask = (g["auto"] != g["human"]).to_numpy()
        minority = int(min(y.sum(), len(y) - y.sum()))
        conf_after = g["confidence"].to_numpy()
        wrong_after = wrong_mask
        if len(g) < min_reviews:
            entry["reason"] = f"only {len(g)} judgement(s); at least {min_reviews} are needed"
        elif minority == 0:
            entry["reason"] = f"the reviewers always say '{'fail' if y[0] else 'pass'}': nothing to fit"
        else:
            model = LogisticRegression(C=ITEM_C, max_iter=1000)
            if minority >= 2:
                cv = StratifiedKFold(n_splits=min(MAX_FOLDS, minority), shuffle=True, random_state=0)
                p = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
            else:  # one reviewer decision of the rarer outcome: in-sample, said so
                p = model.fit(X, y).predict_proba(X)[:, 1]
            auto_fail = (g["auto"] == "fail").to_numpy()
            decided = [calibrated_verdict(bool(a), float(q)) for a, q in zip(auto_fail, p)]
            pred = np.array(["fail" if f else "pass" for f, _ in decided])
            conf = np.array([c for _, c in decided])
            entry["after"] = _agreement_block(pred, g["human"])
            entry["after"]["cross_validated"] = minority >= 2
            # Brier score of "the reviewer says fail": the model's p against the defaults' confidence
            p_default = np.where(auto_fail, g["confidence"], 1 - g["confidence"])
            entry["before"]["brier"] = _r(float(np.mean((p_default - y) ** 2)))
            entry["after"]["brier"] = _r(float(np.mean((p - y) ** 2)))
            if entry["after"]["brier"] > entry["before"]["brier"]:
                entry["reason"] = "the fitted model's probabilities are no better than the defaults' confidence"
            elif entry["after"]["agreement"] < entry["before"]["agreement"] - AGREEMENT_SLACK:
                entry["reason"] = "the fitted model agrees with the reviewers less than the defaults do"
            else:
                model.fit(X, y)
                models[check_id] = ItemModel(check_id, tuple(float(c) for c in model.coef_[0]),
                                             float(model.intercept_[0]), len(g))
                entry["model"] = "logistic"
                conf_after, wrong_after = conf, pred != g["human"].to_numpy()
        wrong["n"] += int(wrong_mask.sum())
        wrong["low_before"] += int((g["confidence"].to_numpy()[wrong_mask] < low_confidence).sum())
        wrong["n_after"] += int(wrong_after.sum())
        wrong["low_after"] += int((conf_after[wrong_after] < low_confidence).sum())
        items.append(entry)
    created = utcnow().replace(microsecond=0).isoformat() + "Z"
    out: dict[str, Any] = {"generated_at": created, "n_judgements": len(j), "features": list(FEATURES),
                           "items": items, "wrong": wrong, "fitted": sorted(models), "version": None, "path": None}
    if not models:
        out["reason"] = ("no reviewer decisions in the store" if j.empty else
                         "no item had enough reviews of both outcomes, or a fit that beat the defaults")
        return out
    version = make_version(created, models)
    folder = Path(out_dir).expanduser() if out_dir is not None else DEFAULT_DIR.expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        cal = SheetCalibration(version, created, models, report={"items": items, "wrong": wrong})
        path = folder / f"{version}.json"
        path.write_text(cal.to_json(), "utf-8")
        (folder / "latest.json").write_text(cal.to_json(), "utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the calibration to {folder}: {exc.strerror or exc}") from None
    out.update(version=version, path=str(path), latest=str(folder / "latest.json"))
    return out
