from intents.normalize import SIMPLIFIED, TRADITIONAL, Normalizer, has_content

normalize = Normalizer()


def test_full_width_letters_digits_and_spaces_become_half_width():
    assert normalize("３号楼　ＡＢ单元").text == "3号楼 ab单元"


def test_traditional_is_converted_and_remembered():
    result = normalize("社區的電梯壞了")
    assert result.text == "社区的电梯坏了"
    assert result.script == TRADITIONAL


def test_simplified_with_characters_shared_by_both_scripts_stays_simplified():
    # 著 and 乾 exist in Simplified too; one of them must not flip the script.
    assert normalize("著名的乾隆公园").script == SIMPLIFIED
    assert normalize("楼下垃圾没人收").script == SIMPLIFIED


def test_emoji_and_repeated_whitespace_are_noise():
    assert normalize("  路灯\t坏了😡😡👍🏻\n\n好几天 ").text == "路灯 坏了 好几天"


def test_reply_is_rendered_in_the_users_script():
    assert normalize.to_script("已收到，工单 #42（环境卫生）", TRADITIONAL) == (
        "已收到，工單 #42（環境衛生）"
    )
    assert normalize.to_script("已收到", SIMPLIFIED) == "已收到"


def test_has_content():
    assert has_content("路灯")
    assert has_content("ok")
    assert not has_content("。。。！？")
    assert not has_content("")


def test_lone_surrogates_are_dropped_before_conversion():
    # A broken client or a bad JSON escape can hand us half a surrogate pair; OpenCC (and
    # anything else that encodes UTF-8) would raise on it.
    text = ("楼道燈壞了\ud800，" + "好几天没人修\udfff" * 20) * 40
    assert len(text) > 5000
    result = normalize(text)
    assert "\ud800" not in result.text and "\udfff" not in result.text
    assert result.text.startswith("楼道灯坏了,")
    assert normalize.to_script("已收到\ud83d", TRADITIONAL) == "已收到"


def test_the_classifier_survives_lone_surrogates(classifier):
    result = classifier.classify("电梯坏了\udc00" * 1500)
    assert result.category == "elevator"
