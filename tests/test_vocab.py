"""The policy for seed characters the model does not know."""

import pytest

from tempera.errors import TemperaError
from tempera.vocab import Vocabulary


def test_lowercase_model_folds_case_and_reports_it():
    vocab = Vocabulary(list(" abehist"), lowercase=True)
    encoding = vocab.encode_seed("This Is")
    assert encoding.text == "this is"
    assert encoding.folded and not encoding.dropped
    assert "lowercased" in encoding.report()


def test_unknown_characters_are_dropped_and_counted():
    vocab = Vocabulary(list(" abehist"), lowercase=True)
    encoding = vocab.encode_seed("this 😀 is <b>")
    assert encoding.text == "this  is b"
    assert encoding.dropped == ["😀", "<", ">"]
    assert encoding.dropped_count == 3
    assert "dropped 3 unknown characters" in encoding.report()
    assert vocab.decode(encoding.ids) == encoding.text


def test_a_cased_model_keeps_case_and_drops_what_it_lacks():
    vocab = Vocabulary(list(" Tehis"), lowercase=False)
    encoding = vocab.encode_seed("The this")
    assert encoding.text == "The this".replace("t", "")
    assert not encoding.folded and encoding.dropped == ["t"]


def test_empty_seed_is_an_error():
    with pytest.raises(TemperaError, match="empty"):
        Vocabulary(list("ab"), True).encode_seed("")


def test_seed_with_no_known_character_is_an_error():
    with pytest.raises(TemperaError, match="no character the model knows"):
        Vocabulary(list("ab"), True).encode_seed("xyz")
