"""Understanding what a resident wrote: normalisation, jieba tokens, the lexicon, fuzzy matching.

Pure after loading: `Classifier.from_files()` once at start-up, then `classify(text)`.
"""

from intents.classifier import Classifier
from intents.lexicon import LexiconError, check_lexicon, load_lexicon
from intents.model import CATEGORIES, INTENTS, Classification, Location, Match

__all__ = [
    "CATEGORIES",
    "INTENTS",
    "Classification",
    "Classifier",
    "LexiconError",
    "Location",
    "Match",
    "check_lexicon",
    "load_lexicon",
]
