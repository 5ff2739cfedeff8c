"""Format reward: the tricky completions of language.md, in both modes."""

import pytest

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
    assert check_format("<think>a</think><answer> </answer>") == "empty answer"


def test_config_is_hashable() -> None:
    assert hash(FormatConfig()) == hash(FormatConfig("strict"))
