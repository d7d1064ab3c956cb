"""The domain dictionary keeps residents' words whole (intents/data/userdict.txt)."""

import pytest


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("小区的充电桩坏了", "充电桩"),
        ("有人飞线充电", "飞线充电"),
        ("楼下电瓶车停满了", "电瓶车"),
        ("晚上跳广场舞", "广场舞"),
        ("又有人高空抛物", "高空抛物"),
        ("门口井盖松了", "井盖"),
        ("物业费又涨了", "物业费"),
        ("路边好多僵尸车", "僵尸车"),
        ("遛狗不牵绳", "不牵绳"),
        ("想办居住证", "居住证"),
    ],
)
def test_domain_words_come_out_whole(classifier, text, word):
    assert word in classifier.tokens(text)


def test_tokens_are_exact_for_a_typical_message(classifier):
    assert classifier.tokens("楼道里有人飞线充电") == ["楼道", "里", "有人", "飞线充电"]


def test_every_userdict_line_has_a_word_a_frequency_and_a_tag():
    from intents.lexicon import default_userdict_path

    lines = default_userdict_path().read_text("utf-8").splitlines()
    assert len(lines) >= 200
    for line in lines:
        word, freq, tag = line.split(" ")
        assert word and int(freq) > 0 and tag.isalpha()
    words = [line.split(" ")[0] for line in lines]
    assert len(words) == len(set(words))


def test_the_whole_dictionary_reads_as_jieba_reads_it():
    """min_freq 1 keeps every word: the same prefix dictionary and total as jieba's own."""
    import jieba

    from intents.tokenizer import read_dictionary

    plain = jieba.Tokenizer()
    with plain.get_dict_file() as raw:
        expected = plain.gen_pfdict(raw)
    with plain.get_dict_file() as raw:
        assert read_dictionary(raw, 1) == expected


def test_rare_words_are_left_out_unless_they_touch_a_lexicon_word():
    from intents.tokenizer import _Related, read_dictionary

    lines = [line.encode() for line in (
        "翘起来 3 l\n",  # holds 翘起
        "乱收 2 v\n",  # lies inside 乱收费
        "游乐区 3 n\n",  # nothing of ours
        "管道 1005 n\n",  # common
    )]
    freq, total = read_dictionary(lines, 10, _Related(["翘起", "乱收费"]))
    assert total == 3 + 2 + 3 + 1005
    assert freq["翘起来"] == 3 and freq["乱收"] == 2 and freq["管道"] == 1005
    assert "游乐区" not in freq and "游乐" not in freq  # nor its prefixes
