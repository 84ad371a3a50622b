import numpy as np
import pytest

from movierec.data.ids import Vocabulary


def test_round_trip_and_unknown_ids():
    vocab = Vocabulary.from_values(np.array([50, 7, 7, 1000, 3]))
    assert len(vocab) == 4
    idx = vocab.index([3, 1000, 50])
    assert idx.tolist() == [0, 3, 2]
    assert vocab.ids(idx).tolist() == [3, 1000, 50]
    with pytest.raises(KeyError):
        vocab.index([4])
    assert vocab.index([4, 7, 2000], missing="negative").tolist() == [-1, 1, -1]
    assert 7 in vocab and 8 not in vocab
    with pytest.raises(IndexError):
        vocab.ids([4])


def test_empty_vocabulary():
    vocab = Vocabulary(np.array([], dtype=np.int64))
    assert vocab.index([1], missing="negative").tolist() == [-1]
