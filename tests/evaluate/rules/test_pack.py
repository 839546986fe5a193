from __future__ import annotations

from pathlib import Path

import pytest

from keel.core.errors import InvalidInput
from keel.evaluate.rules.pack import load_pack, load_packs

GOOD_RULE = """
[[rules]]
id = "topic.tax"
kind = "topic"
category = "TAX"
severity = "info"
message = "Tax content."
patterns = ['\\btax\\b']
"""


def write_pack(directory: Path, name: str, body: str, version: str = "1.0.0") -> Path:
    path = directory / name
    path.write_text(f'pack = "{path.stem}"\nversion = "{version}"\n{body}', encoding="utf-8")
    return path


def test_builtin_packs_load_with_versions_and_every_rule_family() -> None:
    packs = load_packs()
    assert all(pack.version.count(".") == 2 for pack in packs)
    kinds = {rule.kind for pack in packs for rule in pack.rules}
    assert kinds == {"topic", "disclaimer", "prohibited", "confidential"}
    categories = {rule.category for pack in packs for rule in pack.rules if rule.kind == "topic"}
    assert {"TAX", "SECURITY", "LEGAL"} <= categories


def test_bad_severity_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    path = write_pack(tmp_path, "bad.toml", GOOD_RULE.replace('"info"', '"urgent"'))
    with pytest.raises(InvalidInput) as caught:
        load_pack(path)
    assert caught.value.field == "rules[0].severity"
    assert caught.value.message.startswith("bad.toml: rules[0].severity")


def test_invalid_regular_expression_is_refused_naming_the_pattern_list(tmp_path: Path) -> None:
    path = write_pack(tmp_path, "regex.toml", GOOD_RULE.replace("\\btax\\b", "(unclosed"))
    with pytest.raises(InvalidInput) as caught:
        load_pack(path)
    assert caught.value.field == "rules[0].patterns"
    assert "regex.toml" in caught.value.message
    assert "not a valid regular expression" in caught.value.message


def test_missing_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "noversion.toml"
    path.write_text('pack = "noversion"\n' + GOOD_RULE, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_pack(path)
    assert caught.value.field == "version"


def test_unknown_field_in_a_rule_is_refused(tmp_path: Path) -> None:
    path = write_pack(tmp_path, "typo.toml", GOOD_RULE + "sevrity = 'high'\n")
    with pytest.raises(InvalidInput) as caught:
        load_pack(path)
    assert caught.value.field == "rules[0].sevrity"


def test_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("pack = [", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_pack(path)
    assert "broken.toml" in caught.value.message


def test_rule_defined_in_two_packs_is_refused(tmp_path: Path) -> None:
    write_pack(tmp_path, "a.toml", GOOD_RULE)
    write_pack(tmp_path, "b.toml", GOOD_RULE)
    with pytest.raises(InvalidInput) as caught:
        load_packs(tmp_path)
    assert "already defined in a" in caught.value.message


def test_disclaimer_naming_an_unknown_rule_is_refused(tmp_path: Path) -> None:
    write_pack(
        tmp_path,
        "d.toml",
        """
[[rules]]
id = "disclaimer.tax"
kind = "disclaimer"
category = "TAX"
severity = "medium"
message = "Needs a disclaimer."
requires_for_rules = ["topic.nowhere"]
accepted = ['not tax advice']
""",
    )
    with pytest.raises(InvalidInput) as caught:
        load_packs(tmp_path)
    assert caught.value.field == "rules[0].requires_for_rules"
