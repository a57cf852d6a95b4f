"""Sentiment and theme accuracy on labeled public data, and their throughput, one worker.

    .venv/bin/python bench/insights.py [--datasets ../shared/datasets] [--themes 77]

Reads the datasets in place (see ../shared/datasets/README.md), never copies them:

  sentiment.<file>     accuracy (abstentions count wrong), accuracy_decided, macro_f1 (two
                       classes), abstained (the neutral band |compound| < 0.05, or unknown)
  themes               trained on Banking77 train.csv only; test.csv assigned the production
                       way; purity, adjusted Rand index and NMI against the 77 intents
  throughput           sentiment.score (language detection + VADER) and theme assignment,
                       one text at a time as the worker does, in one process: messages/s

Prints one JSON object.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpline.insights import accuracy, sentiment, themes  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT)
    parser.add_argument("--themes", type=int, default=77)
    args = parser.parse_args()
    figures: dict = {"sentiment_model": sentiment.model_name(), "sentiment": {}}

    every_sentence: list[str] = []
    for name in accuracy.SENTIMENT_FILES:
        rows = accuracy.read_sentences(args.datasets / "sentiment-labelled-sentences" / name)
        figures["sentiment"][name] = accuracy.sentiment_accuracy(rows)
        every_sentence += [text for text, _ in rows]

    train, _ = accuracy.read_intents(args.datasets / "banking77" / "train.csv")
    test, intents = accuracy.read_intents(args.datasets / "banking77" / "test.csv")
    started = time.perf_counter()
    figures["themes"] = accuracy.theme_accuracy(train, test, intents, k=args.themes)
    figures["themes"]["train_and_evaluate_s"] = round(time.perf_counter() - started, 1)

    sentiment.score("warm up")
    started = time.perf_counter()
    for text in every_sentence:
        sentiment.score(text)
    sentiment_rate = len(every_sentence) / (time.perf_counter() - started)

    fitted = themes.fit(train, k=args.themes)
    assigner = themes.Assigner(fitted.vectorizer, list(enumerate(t.weights for t in fitted.topics)))
    started = time.perf_counter()
    for text in test:
        assigner.assign([text])
    theme_rate = len(test) / (time.perf_counter() - started)
    figures["throughput_per_s"] = {
        "sentiment": round(sentiment_rate),
        "sentiment_texts": len(every_sentence),
        "theme_assignment": round(theme_rate),
        "theme_texts": len(test),
        "one_worker": True,
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
