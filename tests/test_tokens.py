"""The format of tokens we issue: prefix, entropy, checksum."""

from harver_integration.tokens import ATS_TOKEN, hash_token, hashes_match


def test_it_mints_prefixed_tokens_with_a_valid_checksum():
    token = ATS_TOKEN.mint()

    assert token.startswith("hvr_ats_")
    assert len(token) == len("hvr_ats_") + 40 + 6
    assert ATS_TOKEN.is_well_formed(token)


def test_it_never_mints_the_same_token_twice():
    assert len({ATS_TOKEN.mint() for _ in range(1000)}) == 1000


def test_it_refuses_a_token_with_one_character_changed():
    token = ATS_TOKEN.mint()
    position = len("hvr_ats_") + 5
    replacement = "A" if token[position] != "A" else "B"
    tampered = token[:position] + replacement + token[position + 1 :]

    assert not ATS_TOKEN.is_well_formed(tampered)


def test_it_refuses_wrong_prefix_length_and_alphabet():
    token = ATS_TOKEN.mint()

    assert not ATS_TOKEN.is_well_formed("hvr_eng_" + token[len("hvr_ats_") :])
    assert not ATS_TOKEN.is_well_formed(token[:-1])
    assert not ATS_TOKEN.is_well_formed(token + "0")
    assert not ATS_TOKEN.is_well_formed(token[:10] + "-" + token[11:])
    assert not ATS_TOKEN.is_well_formed("")


def test_it_matches_only_the_hash_of_the_same_token():
    token = ATS_TOKEN.mint()

    assert hashes_match(token, hash_token(token))
    assert not hashes_match(ATS_TOKEN.mint(), hash_token(token))
