"""Compose verl's ``ppo_trainer`` config with command-line overrides; print ``reward.custom_reward_function``.

Run with the verl venv's interpreter (``scripts/verl-venv.sh``): the overrides come as a
JSON list on stdin, exactly as a shell would hand them to ``verl.trainer.main_ppo``, and
Hydra parses them with its own grammar. A refused override exits 3 with Hydra's message.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    import verl
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import OmegaConf

    overrides = json.loads(sys.stdin.read())
    config_dir = Path(verl.__file__).parent / "trainer" / "config"
    try:
        with initialize_config_dir(config_dir=str(config_dir), version_base=None):
            config = compose(config_name="ppo_trainer", overrides=overrides)
    except HydraException as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    fn = OmegaConf.to_container(config.reward.custom_reward_function, resolve=True)
    print(json.dumps({"verl": verl.__version__, "custom_reward_function": fn}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
