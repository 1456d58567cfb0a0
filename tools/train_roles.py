"""Train and evaluate the mono role classifier on the annotated dialogues.

The pipeline fits the classifier itself when first used (``qa_pipeline.role_classifier
.default_classifier``: deterministic, a fraction of a second), so there is no model file
to ship; this script is for whoever edits ``models/role_dialogues.txt``::

    python tools/train_roles.py                 # cross-validated accuracy + the strongest features
    python tools/train_roles.py --data my.txt   # another annotated file, same format
    python tools/train_roles.py --folds 10

It prints the turn accuracy of the classifier alone and with the dialogue smoothing on
dialogues held out of training, the fit time, and the features that point most
strongly to each role.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa_pipeline.role_classifier import (  # noqa: E402
    ContentRoleOptions, RoleClassifier, label_turns, training_dialogues)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="annotated dialogues (default: models/role_dialogues.txt)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    options = ContentRoleOptions()
    dialogues = training_dialogues(args.data)
    turns = [t for d in dialogues for t in d]
    print(f"{len(dialogues)} dialogues, {len(turns)} turns "
          f"({sum(r == 'agent' for r, _ in turns)} agent, {sum(r == 'customer' for r, _ in turns)} customer)")
    raw = smooth = 0
    for k in range(args.folds):
        train = [t for i, d in enumerate(dialogues) if i % args.folds != k for t in d]
        clf = RoleClassifier(C=options.C).fit([t for _, t in train], [r for r, _ in train])
        for i, d in enumerate(dialogues):
            if i % args.folds == k:
                texts, truth = [t for _, t in d], [r for r, _ in d]
                raw += sum((p >= 0.5) == (r == "agent") for p, r in zip(clf.predict_agent(texts), truth))
                smooth += sum(a == b for a, b in zip(label_turns(texts, options, clf).roles, truth))
    print(f"held-out turn accuracy ({args.folds} folds by dialogue): classifier {raw / len(turns):.3f}, "
          f"with dialogue smoothing {smooth / len(turns):.3f}")
    t = time.perf_counter()
    clf = RoleClassifier(C=options.C).fit([t for _, t in turns], [r for r, _ in turns])
    print(f"fit on all turns: {time.perf_counter() - t:.2f} s, {len(clf.vectorizer_.vocabulary_)} features")
    names = clf.vectorizer_.get_feature_names_out()
    order = clf.model_.coef_[0].argsort()
    print("agent:   ", "  ".join(names[j] for j in order[::-1][: args.top]))
    print("customer:", "  ".join(names[j] for j in order[: args.top]))


if __name__ == "__main__":
    main()
