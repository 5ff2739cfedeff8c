"""Format reward: the tricky completions of language.md, in both modes, and a policy's attacks."""

import pytest
from fastapi.testclient import TestClient

from verifiers.format import FormatConfig, FormatReward, check_format
from verifiers.types import Sample

GOOD = "<think>\nreasoning\n</think>\n<answer>\n42\n</answer>"


@pytest.mark.parametrize(
    ("completion", "opened", "strict", "think"),
    [
        (GOOD, False, 1.0, 1.0),
        ("<think>r</think><answer>4</answer>", False, 1.0, 1.0),
        ("  <think>r</think>\n\n<answer>4</answer>\n", False, 1.0, 1.0),
        # two think blocks
        ("<think>a</think><think>b</think><answer>4</answer>", False, 0.0, 0.0),
        # text after </answer>
        ("<think>a</think><answer>4</answer> and more", False, 0.0, 1.0),
        # empty answer, answer outside the tags
        ("<think>a</think><answer></answer> 4", False, 0.0, 1.0),
        ("<think>a</think><answer>   </answer>", False, 0.0, 0.0),
        # empty think
        ("<think>  </think><answer>4</answer>", False, 0.0, 0.0),
        # tags shown in a code fence inside the reasoning don't count
        ("<think>use ```<think>``` tags</think><answer>4</answer>", False, 1.0, 1.0),
        # the chat template opened <think>
        ("reasoning</think><answer>4</answer>", True, 1.0, 1.0),
        ("reasoning</think>The answer is 4.", True, 0.0, 1.0),
        # wrong order
        ("<answer>4</answer><think>a</think>", False, 0.0, 0.0),
        ("</think>a<think><answer>4</answer>", False, 0.0, 0.0),
        # text before <think>
        ("Sure! <think>a</think><answer>4</answer>", False, 0.0, 0.0),
        # text between </think> and <answer>
        ("<think>a</think> so <answer>4</answer>", False, 0.0, 1.0),
        # no tags at all / truncated
        ("just an answer", False, 0.0, 0.0),
        ("<think>never closed", False, 0.0, 0.0),
        ("<think>a</think>", False, 0.0, 0.0),
        # end-of-turn tokens left by the pipeline are not text after </answer>
        ("<think>a</think><answer>4</answer><|im_end|>", False, 1.0, 1.0),
        ("<think>a</think><answer>4</answer>\n</s>", False, 1.0, 1.0),
        ("<think>a</think><answer>4</answer><｜end▁of▁sentence｜>", False, 1.0, 1.0),
        ("<think>a</think><answer>4</answer><|endoftext|> more", False, 0.0, 1.0),
        # nested or repeated answer tags
        ("<think>a</think><answer>1</answer><answer>2</answer>", False, 0.0, 0.0),
    ],
)
def test_format_modes(completion: str, opened: bool, strict: float, think: float) -> None:
    reward = FormatReward()
    sample = Sample(completion=completion, prompt_opens_think=opened)
    assert reward.evaluate(sample, FormatConfig("strict")).score == strict
    assert reward.evaluate(sample, FormatConfig("think")).score == think


def test_reasons_name_the_problem() -> None:
    assert check_format("<think>a</think><think>b</think><answer>4</answer>") == "2 <think> tags"
    assert check_format("<think>a</think><answer>4</answer> x") == "text after </answer>"
    assert check_format("<think>a</think><answer> </answer>") == "empty answer (no visible text)"
    assert check_format("<think>\u200b</think><answer>4</answer>") == "empty think block (no visible text)"
    assert check_format("<THINK>a</THINK><think>b</think><answer>4</answer>") == "malformed tag '<THINK>'"


def test_config_is_hashable() -> None:
    assert hash(FormatConfig()) == hash(FormatConfig("strict"))


# ------------------------------------------------------------------------ attack table
#
# By class: what a policy that only wants the format reward writes instead of a reasoning
# or an answer. Each row: (id, think content, answer content, expected score in both modes).

INVISIBLE = [
    ("zero-width spaces", "\u200b\u200b\u200b"),
    ("BOM and word joiner", "\ufeff\u2060"),
    ("direction marks", "\u200e\u200f\u202a\u202c"),
    ("ideographic space", "\u3000\u3000"),
    ("no-break and line separators", "\xa0\u2028\u2029\u0085\u202f"),
    ("html comment", "<!-- I will think later -->"),
    ("unclosed html comment", "<!-- nothing to see"),
    ("latex comment", "% reasoning goes here"),
    ("phantom", "\\phantom{a long reasoning}"),
    ("hphantom and vphantom", "\\hphantom{x}\\vphantom{y}"),
    ("white text", "\\textcolor{white}{hidden words}"),
    ("white colour in math", "$\\color{white} 42$"),
    ("iffalse block", "\\iffalse not shown \\fi"),
    ("hidden html element", '<span style="display: none">secret</span>'),
    ("hidden attribute", "<div hidden>secret</div>"),
    ("entities", "&nbsp;&#8203;&#x200B;"),
    ("hangul filler and braille blank", "\u3164\u2800"),
    ("combining marks only", "\u0301\u0308"),
    ("variation selectors", "\ufe0f\ufe0e"),
    ("control characters", "\x00\x07\x1b"),
    ("empty emphasis", "**  **"),
    ("empty fence", "```\n```"),
    ("latex spacing", "$\\quad\\,\\;$ \\hspace{1cm}"),
    ("empty math delimiters", "\\(\\) \\[\\]"),
    ("empty link", "[](https://example.com)"),
    ("tags only", "<p></p><br/>"),
]


@pytest.mark.parametrize("content", [c[1] for c in INVISIBLE], ids=[c[0] for c in INVISIBLE])
def test_invisible_reasoning_is_empty(content: str) -> None:
    completion = f"<think>{content}</think><answer>4</answer>"
    assert check_format(completion) == "empty think block (no visible text)"
    assert check_format(completion, "think") == "empty think block (no visible text)"


@pytest.mark.parametrize("content", [c[1] for c in INVISIBLE], ids=[c[0] for c in INVISIBLE])
def test_invisible_answer_is_empty(content: str) -> None:
    assert check_format(f"<think>r</think><answer>{content}</answer>") == "empty answer (no visible text)"
    reason = check_format(f"<think>r</think>{content}", "think")
    assert reason == "empty answer after </think> (no visible text)"


VISIBLE = [
    ("words beside a comment", "<!-- note --> so it is four"),
    ("percent sign", "50% of 8 is 4"),
    ("french percent", "50 % de 8"),
    ("escaped percent", "\\%"),
    ("thai", "คำนวณผลรวม"),
    ("arabic with harakat", "نَحْسُبُ"),
    ("a symbol answer", "\\pi"),
    ("zero", "0"),
    ("negative", "-1"),
    ("empty set", "∅"),
    ("text after a phantom", "\\phantom{x} 4"),
    ("coloured but not white", "\\textcolor{red}{4}"),
    ("words in a fence", "```\nprint(4)\n```"),
    ("entity that shows", "&lt;4&gt;"),
]


@pytest.mark.parametrize("content", [c[1] for c in VISIBLE], ids=[c[0] for c in VISIBLE])
def test_visible_content_passes(content: str) -> None:
    assert check_format(f"<think>{content}</think><answer>{content}</answer>") is None
    assert check_format(f"<think>{content}</think>{content}", "think") is None


# (id, completion, strict, think)
TAG_ATTACKS = [
    ("nested think", "<think>a<think>b</think>c</think><answer>4</answer>", 0.0, 0.0),
    ("two blocks, second in upper case", "<think>a</think><THINK>b</THINK><answer>4</answer>", 0.0, 0.0),
    ("upper-case tags", "<THINK>a</THINK><ANSWER>4</ANSWER>", 0.0, 0.0),
    ("mixed case close", "<think>a</Think><answer>4</answer>", 0.0, 0.0),
    ("attribute on think", '<think id="1">a</think><answer>4</answer>', 0.0, 0.0),
    ("space inside the tag", "<think >a</think><answer>4</answer>", 0.0, 0.0),
    ("space after the slash", "<think>a</ think><answer>4</answer>", 0.0, 0.0),
    ("self-closing think inside", "<think>a<think/>b</think><answer>4</answer>", 0.0, 0.0),
    ("answer tag variant inside the answer", "<think>a</think><answer>4<Answer>5</answer>", 0.0, 0.0),
    ("answer tag variant in think mode", "<think>a</think>4 < answer >5", 0.0, 0.0),
    ("words that merely start alike", "<think>a <thinking> b</think><answer>4</answer>", 1.0, 1.0),
    ("tag quoted in a fence", "<think>write ```<THINK >``` tags</think><answer>4</answer>", 1.0, 1.0),
    ("closing tag quoted in a fence", "<think>a ```</think>``` b</think><answer>4</answer>", 1.0, 1.0),
    (
        "fenced text after </answer>",
        "<think>a</think><answer>4</answer>\n```\n<answer>5</answer>\n```",
        0.0,
        1.0,
    ),
    ("fenced text before <think>", "```\nnote\n```\n<think>a</think><answer>4</answer>", 0.0, 0.0),
    ("fenced text between the blocks", "<think>a</think>```x```<answer>4</answer>", 0.0, 1.0),
    ("comment after </answer>", "<think>a</think><answer>4</answer><!-- grader: accept -->", 0.0, 1.0),
    ("BOM before <think>", "\ufeff<think>a</think><answer>4</answer>", 1.0, 1.0),
    ("zero-width space after </answer>", "<think>a</think><answer>4</answer>\u200b\n", 1.0, 1.0),
    ("ideographic space around", "\u3000<think>a</think>\u3000<answer>4</answer>\u3000", 1.0, 1.0),
    ("end token between the blocks", "<think>a</think><|im_end|><answer>4</answer>", 0.0, 1.0),
]


@pytest.mark.parametrize(
    ("completion", "strict", "think"), [c[1:] for c in TAG_ATTACKS], ids=[c[0] for c in TAG_ATTACKS]
)
def test_tag_attacks(completion: str, strict: float, think: float) -> None:
    reward = FormatReward()
    sample = Sample(completion=completion)
    assert reward.evaluate(sample, FormatConfig("strict")).score == strict
    assert reward.evaluate(sample, FormatConfig("think")).score == think


def test_hostile_megabytes_stay_linear() -> None:
    """Unclosed constructs by the hundred thousand: a guard against quadratic scans."""
    fillers = ("<!--", "\\phantom{", "\\color{white}{", "<span hidden>", "<p ", "% \n", "\u200b", "&#8203;")
    for filler in fillers:
        body = filler * (1_000_000 // len(filler))
        reason = check_format(f"<think>{body}</think><answer>4</answer>")
        assert reason == ("empty think block (no visible text)" if filler != "<p " else None), filler


# ------------------------------------------------------------------------- end to end

E2E = [
    ("<think>I add 2 and 2.</think><answer>4</answer>", 1.0),
    ("<think>\u200b\u200b</think><answer>4</answer>", 0.0),
    ("<think><!-- later --></think><answer>4</answer>", 0.0),
    ("<think>I add.</think><answer>\\phantom{4}</answer>", 0.0),
    ("<think>I add.</think><THINK>again</THINK><answer>4</answer>", 0.0),
]


def test_format_through_score_api(client: TestClient) -> None:
    items = [{"completion": c, "reference": "4"} for c, _ in E2E]
    response = client.post("/v1/score", json={"items": items, "components": {"format": {}}})
    assert response.status_code == 200, response.text
    got = [r["components"]["format"] for r in response.json()["results"]]
    assert got == [expected for _, expected in E2E]
