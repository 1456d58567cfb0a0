"""Agent or customer, turn by turn, from what was said: for mono calls whose voices sound alike.

When the speaker encoder cannot tell the two voices apart (:mod:`qa_pipeline.diarize`),
the track is cut into turns (:func:`split_turns`: VAD pauses, plus pauses between
words inside a span) and every turn is classified by its words:

- a text classifier (scikit-learn: TF-IDF over characters, pinyin syllables and digit
  runs, then logistic regression) trained on annotated dialogues shipped with the
  package (``models/role_dialogues.txt``): service script, 您/请, questions about
  identifiers on one side; 我想/我要, numbers read out, complaints on the other. Pinyin
  features make ASR homophones (公号, 来点) count as the words they sound like. It is
  fitted when first used (about 0.1 s, deterministic);
- smoothed over the dialogue by a two-state hidden Markov model (Viterbi for the
  labels, forward-backward for each turn's posterior): a call opens with the agent more
  often than not, and the speaker changes between turns with ``switch_prob``, so a
  short 好的 or 嗯 takes the role the dialogue around it implies.

Each turn's posterior is its confidence; the call's ``confidence`` is their mean,
weighted by characters.

Example
-------
>>> clf = default_classifier()                                   # doctest: +SKIP
>>> clf.predict_agent(["您好，工号1024，很高兴为您服务", "我想查一下我的保单"])  # doctest: +SKIP
array([0.97, 0.08])
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import ConfigError
from .text import count_chars, normalize, pinyin, strip_punct
from .types import Utterance

ROLES = ("agent", "customer")
DATA_FILE = "role_dialogues.txt"
_DIGITS = re.compile(r"[0-9Xx]+")
_SENTENCE_END = set("。？！?!")
_LINE = re.compile(r"^(?P<who>[AC])\s*[:：]\s*(?P<text>.+)$")


@dataclass(frozen=True)
class ContentRoleOptions:
    """How turns are cut and labelled when roles come from content.

    Attributes
    ----------
    split_gap_s : a pause between two words at least this long inside one VAD span
        starts a new turn (VAD splits at 0.5 s pauses; speakers often change faster).
    split_at_sentence_end : also cut after a word that ends a sentence (。？！): when two
        people talk at once, one span can hold both, and Whisper still ends the sentence.
    min_piece_chars : a cut is made only if both sides keep at least this many characters.
    switch_prob : probability that the speaker changes across a pause of ``turn_gap_s`` or more.
    within_switch_prob : probability that it changes across no pause at all (a cut inside
        a VAD span, or a clause break); in between it rises linearly with the pause, so
        turns are mostly cut by real pauses.
    turn_gap_s : pauses at least this long are between turns.
    short_chars : a turn this short or shorter says little about its speaker (好的, 嗯): its
        classifier probability is pulled towards 0.5 in proportion, and the dialogue
        around it decides.
    agent_first_prob : probability that the agent speaks first.
    high, medium : call confidence (mean turn posterior) for ``high``/``medium``; below
        ``medium`` the roles are ``low`` and the call is flagged.
    min_role_share, sure_posterior : a call is ``low`` when one role has less than
        ``min_role_share`` of the characters, or not one turn of 4+ characters with a
        posterior of at least ``sure_posterior`` (one voice talking: its 好的 and 已经…了
        may read as the customer's, but never surely).
    C : inverse regularization of the logistic regression.
    """

    split_gap_s: float = 0.3
    split_at_sentence_end: bool = True
    min_piece_chars: int = 2
    switch_prob: float = 0.65
    within_switch_prob: float = 0.2
    turn_gap_s: float = 0.8
    short_chars: int = 6
    agent_first_prob: float = 0.75
    high: float = 0.85
    medium: float = 0.72
    min_role_share: float = 0.1
    sure_posterior: float = 0.8
    C: float = 4.0


def training_dialogues(path: str | Path | None = None) -> list[list[tuple[str, str]]]:
    """The annotated dialogues: a list of dialogues, each a list of (role, text).

    Parameters
    ----------
    path : a file in the ``A: …`` / ``C: …`` / ``---`` format (default: the shipped one).

    Raises
    ------
    ConfigError
        A line is neither a turn, a comment, blank nor ``---``.
    """
    if path is None:
        try:
            text = resources.files("qa_pipeline.registry").joinpath(DATA_FILE).read_text("utf-8")
            where = f"models/{DATA_FILE}"
        except (ModuleNotFoundError, FileNotFoundError):
            where = str(Path(__file__).resolve().parent.parent / "models" / DATA_FILE)
            text = Path(where).read_text("utf-8")
    else:
        where, text = str(path), Path(path).read_text("utf-8")
    dialogues: list[list[tuple[str, str]]] = [[]]
    for no, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line == "---":
            dialogues.append([])
            continue
        m = _LINE.match(line)
        if not m:
            raise ConfigError(f"{where}:{no}: expected 'A: text', 'C: text', '---' or '# comment', got {line[:30]!r}")
        dialogues[-1].append(("agent" if m["who"] == "A" else "customer", m["text"]))
    return [d for d in dialogues if d]


def features(text: str) -> list[str]:
    """The tokens a turn is classified by: characters (1–3-grams, digit runs as ``#``),
    toneless pinyin syllables (1–2-grams, so homophones count alike), digit-run lengths
    and the turn's length class."""
    plain = strip_punct(normalize(text))
    runs = _DIGITS.findall(plain)
    chars = _DIGITS.sub("#", plain)
    out = [chars[i: i + n] for n in (1, 2, 3) for i in range(len(chars) - n + 1)]
    syl = [s for s in pinyin(_DIGITS.sub("", plain)) if s.isalpha()]
    out += ["py:" + s for s in syl] + ["py:" + a + "_" + b for a, b in zip(syl, syl[1:])]
    out += ["num:long" if len(r) >= 6 else "num:short" for r in runs]
    n = len(plain)
    out.append("len:1-2" if n <= 2 else "len:3-6" if n <= 6 else "len:7-15" if n <= 15 else "len:16+")
    if chars:
        out += ["^" + chars[:2], chars[-2:] + "$"]
    return out


class RoleClassifier:
    """P(agent) of a turn's text. scikit-learn style: parameters in ``__init__``,
    learned state in ``fit`` (``vectorizer_``, ``model_``), which returns ``self``."""

    def __init__(self, *, C: float = 4.0) -> None:
        self.C = C

    def fit(self, texts: Sequence[str], roles: Sequence[str]) -> RoleClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer_ = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=1)
        x = self.vectorizer_.fit_transform(list(texts))
        y = np.array([r == "agent" for r in roles], int)
        self.model_ = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced").fit(x, y)
        return self

    def predict_agent(self, texts: Sequence[str]) -> np.ndarray:
        """P(agent) per text, shape (n,)."""
        if not len(texts):
            return np.zeros(0)
        return self.model_.predict_proba(self.vectorizer_.transform(list(texts)))[:, 1]

    def explain(self, text: str, top: int = 3) -> list[str]:
        """The features of ``text`` that pushed it most towards its predicted role."""
        x = self.vectorizer_.transform([text])
        coef = self.model_.coef_[0]
        names = self.vectorizer_.get_feature_names_out()
        contrib = [(x[0, j] * coef[j], names[j]) for j in x.nonzero()[1]]
        sign = 1 if self.predict_agent([text])[0] >= 0.5 else -1
        return [n for c, n in sorted(contrib, key=lambda t: -sign * t[0])[:top] if sign * c > 0]


_CLASSIFIER: dict[float, RoleClassifier] = {}
_LOCK = threading.Lock()


def default_classifier(C: float = 4.0) -> RoleClassifier:
    """The classifier fitted on the shipped dialogues, once per process."""
    with _LOCK:
        if C not in _CLASSIFIER:
            pairs = [t for d in training_dialogues() for t in d]
            _CLASSIFIER[C] = RoleClassifier(C=C).fit([t for _, t in pairs], [r for r, _ in pairs])
        return _CLASSIFIER[C]


def split_turns(utterances: Sequence[Utterance], options: ContentRoleOptions | None = None) -> list[Utterance]:
    """Cut utterances at pauses between words of at least ``split_gap_s``.

    VAD spans end at 0.5 s pauses; a change of speaker is often quicker. Each piece keeps
    the words on its side (times from the words, the outer edges from the span).
    Utterances without word times are kept whole.
    """
    options = options or ContentRoleOptions()
    out: list[Utterance] = []
    for u in utterances:
        ws = list(u.words)
        cuts = [i for i in range(1, len(ws)) if ws[i].start - ws[i - 1].end >= options.split_gap_s
                or (options.split_at_sentence_end and ws[i - 1].text[-1:] in _SENTENCE_END)]
        groups, last = [], 0
        for i in cuts:
            left = "".join(w.text for w in ws[last:i])
            right = "".join(w.text for w in ws[i:])
            if len(strip_punct(left)) >= options.min_piece_chars and len(strip_punct(right)) >= options.min_piece_chars:
                groups.append(ws[last:i])
                last = i
        groups.append(ws[last:])
        if len(groups) == 1:
            out.append(u)
            continue
        for k, g in enumerate(groups):
            raw = "".join(w.text for w in g)
            start = u.start if k == 0 else g[0].start
            end = u.end if k == len(groups) - 1 else g[-1].end
            end = max(end, start + 0.05)
            out.append(replace(u, start=round(float(start), 3), end=round(float(end), 3), text=normalize(raw),
                               raw_text=raw, words=tuple(g), rate_cpm=count_chars(raw) / (end - start) * 60))
    return out


@dataclass(frozen=True)
class ContentRoles:
    """Each turn's role and how sure, from the words and the dialogue around them.

    ``p_agent`` is the classifier's P(agent) per turn, ``posterior`` the smoothed
    probability of the chosen role; ``confidence`` their character-weighted mean.
    """

    roles: tuple[str, ...]
    p_agent: tuple[float, ...]
    posterior: tuple[float, ...]
    confidence: float
    level: str


def label_turns(texts: Sequence[str], options: ContentRoleOptions | None = None,
                classifier: RoleClassifier | None = None, *, gaps_s: Sequence[float] | None = None) -> ContentRoles:
    """Agent/customer for each turn of one dialogue, in order.

    Parameters
    ----------
    texts : the turns' texts in time order.
    gaps_s : the pause before each turn (the first is ignored); None: every pause is
        taken to be between turns.

    Returns
    -------
    ContentRoles
    """
    options = options or ContentRoleOptions()
    if not texts:
        return ContentRoles((), (), (), 0.5, "low")
    clf = classifier or default_classifier(options.C)
    p = np.clip(clf.predict_agent(texts), 1e-4, 1 - 1e-4)
    size = np.array([len(strip_punct(t)) for t in texts], float)
    p_used = 0.5 + (p - 0.5) * np.minimum(size / (options.short_chars + 1), 1.0)
    emit = np.stack([p_used, 1 - p_used], axis=1)  # P(role | words): the classes are balanced in training
    n = len(texts)
    gaps = list(gaps_s) if gaps_s is not None else [options.turn_gap_s] * n
    lo, hi = options.within_switch_prob, options.switch_prob
    sw = [lo + (hi - lo) * min(max(g, 0.0) / options.turn_gap_s, 1.0) for g in gaps]
    trans = np.array([[[1 - q, q], [q, 1 - q]] for q in sw])  # trans[i]: from turn i-1 to turn i
    start = np.array([options.agent_first_prob, 1 - options.agent_first_prob])
    # Viterbi (log space)
    lt, le = np.log(trans), np.log(emit)
    score = np.log(start) + le[0]
    back = np.zeros((n, 2), int)
    for i in range(1, n):
        cand = score[:, None] + lt[i]
        back[i] = np.argmax(cand, axis=0)
        score = cand[back[i], [0, 1]] + le[i]
    path = [int(np.argmax(score))]
    for i in range(n - 1, 0, -1):
        path.append(int(back[i][path[-1]]))
    path.reverse()
    # forward-backward (scaled) for each turn's posterior
    fwd = np.zeros((n, 2))
    fwd[0] = start * emit[0]
    fwd[0] /= fwd[0].sum()
    for i in range(1, n):
        fwd[i] = (fwd[i - 1] @ trans[i]) * emit[i]
        fwd[i] /= fwd[i].sum()
    bwd = np.ones((n, 2))
    for i in range(n - 2, -1, -1):
        bwd[i] = trans[i + 1] @ (emit[i + 1] * bwd[i + 1])
        bwd[i] /= bwd[i].sum()
    post = fwd * bwd
    post /= post.sum(axis=1, keepdims=True)
    chosen = post[np.arange(n), path]
    weight = np.array([max(len(strip_punct(t)), 1) for t in texts], float)
    conf = float(np.sum(chosen * weight) / weight.sum())
    roles = tuple(ROLES[k] for k in path)
    level = "high" if conf >= options.high else "medium" if conf >= options.medium else "low"
    share = float(weight[np.array(path) == 0].sum() / weight.sum())
    sure = {k for k, q, w in zip(path, chosen, weight) if q >= options.sure_posterior and w >= 4}
    if min(share, 1 - share) < options.min_role_share or len(sure) < 2:
        level = "low"  # (almost) one role only, or one role never clearly heard: one voice talking?
    return ContentRoles(roles, tuple(round(float(x), 3) for x in p), tuple(round(float(x), 3) for x in chosen),
                        round(conf, 3), level)


def cross_validate(folds: int = 5, options: ContentRoleOptions | None = None) -> dict[str, float]:
    """Turn accuracy on held-out dialogues: the classifier alone and with the smoothing."""
    options = options or ContentRoleOptions()
    dialogues = training_dialogues()
    raw_ok = smooth_ok = total = 0
    for k in range(folds):
        train = [t for i, d in enumerate(dialogues) if i % folds != k for t in d]
        clf = RoleClassifier(C=options.C).fit([t for _, t in train], [r for r, _ in train])
        for i, d in enumerate(dialogues):
            if i % folds != k:
                continue
            texts, truth = [t for _, t in d], [r for r, _ in d]
            p = clf.predict_agent(texts)
            raw_ok += sum((pa >= 0.5) == (r == "agent") for pa, r in zip(p, truth))
            smooth_ok += sum(a == b for a, b in zip(label_turns(texts, options, clf).roles, truth))
            total += len(d)
    return {"turns": total, "classifier": raw_ok / total, "smoothed": smooth_ok / total}
