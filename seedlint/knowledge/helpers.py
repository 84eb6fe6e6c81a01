"""Third-party seeding helpers and framework switches, and what each one really does.

Each entry names the library function by its fully qualified import path(s) and cites the source
file it was read from (see the research notes on how frameworks seed). ``seeds`` lists the global
RNGs it seeds; ``deterministic`` says whether it enables deterministic algorithms
(``True`` always, ``"kwarg:NAME"`` when that argument is truthy); ``none_seed`` says what a
``None`` seed does ("entropy": a fresh seed from the clock / OS; "fixed": a fixed default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Optional, Tuple, Union

ALL = frozenset({"random", "numpy", "torch"})


@dataclass(frozen=True)
class Helper:
    names: Tuple[str, ...]
    seeds: FrozenSet[str]
    source: str
    deterministic: Union[bool, str] = False
    warn_only: Union[bool, str] = False
    seed_param: Optional[Tuple[int, str]] = (0, "seed")
    none_seed: str = "required"  # "required" | "entropy" | "fixed"
    default_seed_is_none: bool = False
    # a constructor that seeds when it runs (transformers Trainer)
    is_constructor: bool = False
    # `deterministic` sets only cuDNN's flags (cudnn.deterministic / benchmark), not deterministic algorithms
    cudnn_only: bool = False
    # returns a seed instead of seeding (mmdet's init_random_seed): None -> a random one
    returns_seed: bool = False


# transformers' Trainer and trl's trainers built on it: the constructor seeds (set_seed(args.seed), or
# enable_full_determinism with args.full_determinism: transformers 5.24.0 trainer.py:419) and moves the model to
# args.device (trainer.py:481-504), which is cuda:0 whenever a GPU is visible (training_args.py:1944-1946)
HF_TRAINERS = ("transformers.Trainer", "transformers.trainer.Trainer", "transformers.Seq2SeqTrainer",
               "transformers.trainer_seq2seq.Seq2SeqTrainer",
               "trl.SFTTrainer", "trl.DPOTrainer", "trl.RewardTrainer", "trl.PPOTrainer", "trl.GRPOTrainer",
               # sentence-transformers >= 3: subclasses of transformers' Trainer (6.3.0 base/trainer.py:89, :280)
               "sentence_transformers.SentenceTransformerTrainer",
               "sentence_transformers.trainer.SentenceTransformerTrainer",
               "sentence_transformers.sentence_transformer.trainer.SentenceTransformerTrainer",
               "sentence_transformers.CrossEncoderTrainer", "sentence_transformers.cross_encoder.CrossEncoderTrainer",
               "sentence_transformers.cross_encoder.trainer.CrossEncoderTrainer",
               "sentence_transformers.SparseEncoderTrainer", "sentence_transformers.sparse_encoder.SparseEncoderTrainer",
               "sentence_transformers.sparse_encoder.trainer.SparseEncoderTrainer")
# what they are given as `args`: full_determinism=True switches deterministic mode on
HF_TRAINING_ARGUMENTS = ("transformers.TrainingArguments", "transformers.training_args.TrainingArguments",
                         "transformers.Seq2SeqTrainingArguments",
                         "transformers.training_args_seq2seq.Seq2SeqTrainingArguments",
                         "trl.SFTConfig", "trl.DPOConfig", "trl.RewardConfig", "trl.PPOConfig", "trl.GRPOConfig",
                         "sentence_transformers.SentenceTransformerTrainingArguments",
                         "sentence_transformers.training_args.SentenceTransformerTrainingArguments",
                         "sentence_transformers.sentence_transformer.training_args.SentenceTransformerTrainingArguments",
                         "sentence_transformers.CrossEncoderTrainingArguments",
                         "sentence_transformers.cross_encoder.CrossEncoderTrainingArguments",
                         "sentence_transformers.SparseEncoderTrainingArguments",
                         "sentence_transformers.sparse_encoder.SparseEncoderTrainingArguments")

HELPERS: Tuple[Helper, ...] = (
    Helper(
        names=(
            "lightning.fabric.utilities.seed.seed_everything", "lightning.seed_everything",
            "lightning.pytorch.seed_everything", "lightning.pytorch.trainer.seed_everything",
            "lightning.fabric.seed_everything", "lightning.fabric.Fabric.seed_everything",
            "lightning.pytorch.utilities.seed.seed_everything",
        ),
        seeds=ALL, source="lightning 2.6: lightning/fabric/utilities/seed.py:20-69",
        none_seed="fixed", default_seed_is_none=True,
    ),
    Helper(
        names=("lightning.fabric.utilities.seed.reset_seed",), seeds=ALL, seed_param=None,
        source="lightning 2.6: lightning/fabric/utilities/seed.py (re-runs seed_everything from PL_GLOBAL_SEED)",
    ),
    Helper(
        names=("transformers.set_seed", "transformers.trainer_utils.set_seed"), seeds=ALL,
        deterministic="kwarg:deterministic", source="transformers: src/transformers/trainer_utils.py set_seed",
    ),
    Helper(
        names=("transformers.enable_full_determinism", "transformers.trainer_utils.enable_full_determinism"),
        seeds=ALL, deterministic=True, warn_only="kwarg:warn_only",
        source="transformers: src/transformers/trainer_utils.py enable_full_determinism",
    ),
    Helper(
        names=HF_TRAINERS,
        seeds=ALL, seed_param=None, is_constructor=True,
        source="transformers: src/transformers/trainer.py Trainer.__init__ calls set_seed(args.seed); "
        "TrainingArguments.seed defaults to 42",
    ),
    Helper(
        # the Trainer calls enable_full_determinism(args.seed) instead of set_seed when the arguments it is given
        # ask for it (transformers 5.24.0 trainer.py:419; training_args.py:1284-1286, default False)
        names=HF_TRAINING_ARGUMENTS, seeds=frozenset(), seed_param=None, deterministic="kwarg:full_determinism",
        source="transformers 5.24.0: src/transformers/trainer.py:419, training_args.py:1284-1286",
    ),
    Helper(
        names=("accelerate.utils.set_seed", "accelerate.utils.random.set_seed"), seeds=ALL,
        deterministic="kwarg:deterministic", source="accelerate: src/accelerate/utils/random.py set_seed",
    ),
    Helper(
        names=("mmengine.runner.set_random_seed", "mmengine.runner.utils.set_random_seed"), seeds=ALL,
        deterministic="kwarg:deterministic", none_seed="entropy", default_seed_is_none=True,
        source="mmengine: mmengine/runner/utils.py set_random_seed (None -> sync_random_seed(): np.random.randint)",
    ),
    Helper(
        names=("mmcv.runner.set_random_seed", "mmcv.runner.utils.set_random_seed"), seeds=ALL,
        deterministic="kwarg:deterministic", cudnn_only=True,
        source="mmcv 1.x: mmcv/runner/utils.py set_random_seed (deterministic: cudnn flags only)",
    ),
    Helper(
        names=("mmdet.apis.set_random_seed", "mmdet.apis.train.set_random_seed", "mmcls.apis.set_random_seed",
               "mmcls.apis.train.set_random_seed", "mmseg.apis.set_random_seed", "mmseg.apis.train.set_random_seed"),
        seeds=ALL, deterministic="kwarg:deterministic", cudnn_only=True,
        source="mmdet/mmcls/mmseg 2.x: <pkg>/apis/train.py set_random_seed (random, numpy, torch; deterministic: "
        "cudnn.deterministic=True, cudnn.benchmark=False)",
    ),
    Helper(
        names=("mmdet.apis.init_random_seed", "mmdet.apis.train.init_random_seed", "mmcls.apis.init_random_seed",
               "mmcls.apis.train.init_random_seed", "mmseg.apis.init_random_seed", "mmseg.apis.train.init_random_seed"),
        seeds=frozenset(), none_seed="entropy", default_seed_is_none=True, returns_seed=True,
        source="mmdet/mmcls/mmseg 2.x: <pkg>/apis/train.py init_random_seed (seed=None -> np.random.randint(2**31) "
        "on rank 0, broadcast to the other ranks)",
    ),
    Helper(
        names=("detectron2.utils.env.seed_all_rng",), seeds=ALL, none_seed="entropy", default_seed_is_none=True,
        source="detectron2: detectron2/utils/env.py seed_all_rng (None -> pid + time + urandom)",
    ),
    Helper(
        names=("detectron2.engine.default_setup", "detectron2.engine.defaults.default_setup"), seeds=ALL,
        seed_param=None,
        source="detectron2: detectron2/engine/defaults.py default_setup calls seed_all_rng(None if seed < 0 else "
        "seed + rank) with cfg.SEED (a config value: seeding is counted, its default is not known here)",
    ),
    Helper(
        names=("ultralytics.utils.torch_utils.init_seeds",), seeds=ALL, deterministic="kwarg:deterministic",
        warn_only=True, source="ultralytics: ultralytics/utils/torch_utils.py init_seeds",
    ),
    Helper(names=("timm.utils.random_seed", "timm.utils.random.random_seed"), seeds=ALL,
           source="timm: timm/utils/random.py random_seed(seed=42, rank=0)"),
    Helper(names=("fastai.torch_core.set_seed", "fastai.basics.set_seed", "fastai.vision.all.set_seed",
                  "fastai.text.all.set_seed", "fastai.tabular.all.set_seed"), seeds=ALL,
           source="fastai: fastai/torch_core.py set_seed"),
    Helper(names=("keras.utils.set_random_seed", "keras.src.utils.rng_utils.set_random_seed",
                  "tensorflow.keras.utils.set_random_seed"), seeds=frozenset({"random", "numpy"}),
           source="keras: keras/src/utils/rng_utils.py set_random_seed (torch only under the torch backend)"),
    Helper(names=("ignite.utils.manual_seed",), seeds=ALL, source="pytorch-ignite: ignite/utils.py manual_seed"),
    Helper(
        names=("monai.utils.set_determinism", "monai.utils.misc.set_determinism"), seeds=ALL,
        deterministic="kwarg:use_deterministic_algorithms", none_seed="entropy",
        source="MONAI: monai/utils/misc.py set_determinism (seed=None disables determinism)",
    ),
    Helper(names=("torch_geometric.seed_everything", "torch_geometric.seed.seed_everything"), seeds=ALL,
           source="PyG: torch_geometric/seed.py seed_everything"),
    Helper(names=("stable_baselines3.common.utils.set_random_seed",), seeds=ALL,
           source="stable-baselines3: stable_baselines3/common/utils.py set_random_seed"),
    Helper(names=("composer.utils.reproducibility.seed_all",), seeds=ALL,
           source="composer: composer/utils/reproducibility.py seed_all"),
    Helper(names=("composer.utils.reproducibility.configure_deterministic_mode",), seeds=frozenset(),
           seed_param=None, deterministic=True,
           source="composer: composer/utils/reproducibility.py configure_deterministic_mode"),
    Helper(names=("torchtune.training.set_seed", "torchtune.training.seed.set_seed"), seeds=ALL,
           none_seed="entropy", default_seed_is_none=True,
           source="torchtune: torchtune/training/seed.py set_seed (None -> torch.randint on rank 0)"),
    Helper(names=("diffusers.training_utils.set_seed",), seeds=ALL,
           source="diffusers: src/diffusers/training_utils.py set_seed"),
    Helper(names=("diffusers.utils.torch_utils.enable_full_determinism",
                  "diffusers.utils.testing_utils.enable_full_determinism"), seeds=frozenset(), seed_param=None,
           deterministic=True, source="diffusers: src/diffusers/utils/torch_utils.py enable_full_determinism"),
    Helper(names=("ray.train.torch.enable_reproducibility",), seeds=ALL, deterministic=True,
           source="ray: python/ray/train/torch/train_loop_utils.py enable_reproducibility"),
    Helper(names=("seedlint.runtime.seed_everything",), seeds=ALL, deterministic=True,
           source="seedlint: seedlint/runtime (deterministic=True by default)"),
)

HELPERS_BY_NAME: Dict[str, Helper] = {n: h for h in HELPERS for n in h.names}

# Framework switches: constructor -> keyword -> meaning
# lightning Trainer(deterministic=True|"warn") calls torch.use_deterministic_algorithms
# (lightning/pytorch/trainer/connectors/accelerator_connector.py); Trainer(benchmark=True) sets
# cudnn.benchmark; LightningCLI(seed_everything_default=...) calls seed_everything.
LIGHTNING_TRAINERS = frozenset({"lightning.pytorch.Trainer", "lightning.Trainer", "lightning.pytorch.trainer.Trainer",
                                "lightning.pytorch.trainer.trainer.Trainer"})
# Lightning Fabric(accelerator="cuda" | "gpu") puts the model and the data on CUDA (fabric.setup / to_device)
LIGHTNING_FABRICS = frozenset({"lightning.fabric.Fabric", "lightning.Fabric", "lightning.fabric.fabric.Fabric"})
LIGHTNING_CLI = frozenset({"lightning.pytorch.cli.LightningCLI", "lightning.pytorch.LightningCLI",
                           "lightning.LightningCLI"})


def helper_for(name: str) -> Optional[Helper]:
    return HELPERS_BY_NAME.get(name)

# Seeding helpers called as a method of an object whose type a file does not show: `fabric.seed_everything(42)`
# on `fabric = L.Fabric(...)` is Lightning's `Fabric.seed_everything`, a staticmethod that calls
# `seed_everything(seed, workers=True by default)` (lightning 2.6: lightning/fabric/fabric.py:1103-1114).
METHOD_HELPERS: Dict[str, str] = {"seed_everything": "lightning.fabric.Fabric.seed_everything"}
