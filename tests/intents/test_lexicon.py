from pathlib import Path

import pytest

from intents.lexicon import LexiconError, check_lexicon, load_lexicon

HEADER = "[weights]\nstrong = 3.0\nmedium = 2.0\nweak = 1.0\nnegative = -2.0\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "lexicon.toml"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def errors(path: Path) -> list[str]:
    return [f.message for f in check_lexicon(path) if f.level == "error"]


def test_the_shipped_lexicon_is_clean():
    assert errors(None) == []  # type: ignore[arg-type]
    assert [f for f in check_lexicon() if f.level == "warning"] == []


def test_unknown_category_is_reported_and_refused(tmp_path):
    path = write(tmp_path, '[categories.parking]\nstrong = ["停车位"]\n')
    assert any("unknown section [categories.parking]" in e for e in errors(path))
    with pytest.raises(LexiconError, match="categories.parking"):
        load_lexicon(path)


def test_entry_listed_twice_in_one_category(tmp_path):
    path = write(tmp_path, '[categories.road]\nstrong = ["路灯"]\nweak = ["路灯"]\n')
    assert errors(path) == ["[road] '路灯' listed 2 times (strong, weak)"]


def test_cue_shared_by_two_categories(tmp_path):
    path = write(
        tmp_path,
        '[categories.road]\nstrong = ["漏水"]\n[categories.utilities]\nmedium = ["漏水"]\n',
    )
    assert errors(path) == ["'漏水' is a cue of 2 sections: road, utilities"]


def test_a_negative_cue_may_name_another_categorys_word(tmp_path):
    path = write(
        tmp_path,
        '[categories.noise]\nstrong = ["噪音"]\nnegative = ["狗叫"]\n'
        '[categories.pets]\nstrong = ["狗叫"]\n',
    )
    assert errors(path) == []


def test_single_character_entry_and_empty_part(tmp_path):
    path = write(tmp_path, '[categories.road]\nstrong = ["坑", "井盖+"]\nweak = ["灯+暗"]\n')
    found = errors(path)
    assert "[road] single-character entry '坑' matches too much; use 'X+Y'" in found
    assert "[road] empty entry or '+' part: '井盖+'" in found
    assert len(found) == 2


def test_broken_toml_is_one_clear_error(tmp_path):
    path = tmp_path / "lexicon.toml"
    path.write_text("[categories.road\nstrong = [", encoding="utf-8")
    [finding] = check_lexicon(path)
    assert finding.level == "error" and "not valid TOML" in finding.message
    with pytest.raises(LexiconError, match="not valid TOML"):
        load_lexicon(path)


def test_wrong_shapes_are_refused(tmp_path):
    with pytest.raises(LexiconError, match="must be a list of strings"):
        load_lexicon(write(tmp_path, '[categories.road]\nstrong = "路灯"\n'))
    with pytest.raises(LexiconError, match="unknown keys: strongest"):
        load_lexicon(write(tmp_path, '[categories.road]\nstrongest = ["路灯"]\n'))
    with pytest.raises(LexiconError, match="file not found"):
        load_lexicon(tmp_path / "missing.toml")


def test_phrase_entries_split_into_parts(tmp_path):
    lexicon = load_lexicon(write(tmp_path, '[urgency]\nstrong = ["电梯 + 困"]\n'))
    [cue] = lexicon.for_target("urgency")
    assert cue.parts == ("电梯", "困") and cue.is_phrase and cue.points == 3.0
