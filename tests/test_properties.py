"""Issue 6: property tests. Untrusted input never raises anything but the documented errors."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openness.license.assess import LicenseInputs, LicenseText, assess
from openness.prefilter import needles
from openness.rules import load_rules
from openness.sanitize import clean
from openness.scan import scan_paths
from openness.textio import decode, parse_front_matter, split_front_matter

RULES = load_rules()
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
legal_words = st.sampled_from(
    [
        "license",
        "non-commercial",
        "military",
        "700 million",
        "monthly active users",
        "you may not",
        "use",
        "model",
        "output",
        "\n",
        "\n\n",
        ". ",
        "---",
        "[red]",
        "\x1b[2J",
        "\u202e",
        ":",
        "&a",
        "*a",
        "{",
        "[",
        "]",
        "- ",
    ]
)
texts = st.one_of(st.text(max_size=400), st.lists(legal_words, max_size=80).map("".join))


@SETTINGS
@given(texts)
def test_card_front_matter_parsing_never_raises(text):
    block, _body, line = split_front_matter(text)
    assert line >= 1
    if block is not None:
        data, problem = parse_front_matter(block)
        assert isinstance(data, dict)
        assert problem is None or isinstance(problem, str)


@SETTINGS
@given(st.binary(max_size=600))
def test_decoding_any_bytes_gives_text_or_a_reason(data):
    decoded = decode(data)
    assert (decoded.text is None) == (decoded.problem is not None)


@SETTINGS
@given(texts)
def test_license_assessment_never_raises_and_never_passes_silently(text):
    result = assess(LicenseInputs(texts=[LicenseText(source="LICENSE", text=text)]), RULES)
    if result.osd_compliant is True:
        assert result.identified is not None or result.osi_approved
    for clause in result.clauses:
        assert clause.source == "LICENSE" and clause.line >= 1
        assert len(clause.excerpt or "") <= 300


@SETTINGS
@given(texts)
def test_sanitised_text_has_no_escape_or_bidi(text):
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", clean(text))


@SETTINGS
@given(st.text(alphabet="abcdemnoprstuvilyg %,.0123456789\n", max_size=300))
def test_prefilter_never_hides_a_match(text):
    """Whenever a clause regex matches, one of its needles is in the text."""
    lower = text.lower()
    for kind in RULES.kinds.values():
        for pattern in kind.patterns:
            if pattern.needles and pattern.regex.search(text):
                assert any(n in lower for n in pattern.needles), (kind.kind, pattern.regex)


def test_prefilter_needles_of_simple_patterns():
    assert needles(r"(?:monthly|daily)\s+active\s+users") == ("active",)
    assert needles(r"(?:not|never)\s+use\b[^.]{0,50}?(?:output|results?)") == ("output", "result")
    assert needles(r"(?:a|b)") is None  # too short to be worth a test
    assert needles(r"(?:x)?optional") == ("optional",)


python_sources = st.lists(
    st.sampled_from(
        [
            "from_pretrained(",
            "pipeline(model=",
            "hf_hub_download(repo_id=",
            "'org/name'",
            '"x/y"',
            "M = 'a/b'\n",
            "f'q/r'",
            ")",
            "(",
            "\n",
            "# openness: ignore[x]\n",
            "SentenceTransformer(",
            '"""doc from_pretrained("d/e")"""',
            "\\",
            "'",
            "x",
            " ",
            "..",
            "/",
            "@",
        ]
    ),
    max_size=60,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(python_sources, texts)
def test_reference_scanner_never_raises(tmp_path_factory, parts, yaml_text):
    root: Path = tmp_path_factory.mktemp("scan")
    (root / "app.py").write_text("".join(parts))
    (root / "config.yaml").write_text(yaml_text)
    (root / "models.txt").write_text(yaml_text)
    refs, problems = scan_paths([root], root=root)
    for ref in refs:
        assert ref.line >= 1
        assert "/" in ref.repo_id or ref.kind in ("python", "models.txt")
    assert all(isinstance(p, str) for p in problems)
