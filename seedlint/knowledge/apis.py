"""What the rules know about random number generators, seeding and determinism switches.

Pure data keyed by fully qualified name. Every entry rests on a fact in the research notes
(torch 2.13 sources, ``torch/random.py``, ``torch/utils/data/*``) or the libraries' own docs.
"""

from __future__ import annotations

import sys

from functools import lru_cache
from typing import Dict, FrozenSet, Optional, Tuple

# Canonical spellings: other import paths of the same object -> the name the rules use.
CANONICAL_PREFIXES: Tuple[Tuple[str, str], ...] = (
    ("torch.random.manual_seed", "torch.manual_seed"),
    ("torch.random.seed", "torch.seed"),
    ("torch.random.initial_seed", "torch.initial_seed"),
    ("torch.random.fork_rng", "torch.random.fork_rng"),
    ("torch.utils.data.dataloader.DataLoader", "torch.utils.data.DataLoader"),
    ("torch.utils.data.sampler.", "torch.utils.data."),
    ("torch.utils.data.dataset.random_split", "torch.utils.data.random_split"),
    ("torch.utils.data.distributed.DistributedSampler", "torch.utils.data.DistributedSampler"),
    ("torch.multiprocessing.spawn.spawn", "torch.multiprocessing.spawn"),
    ("torch.multiprocessing.start_processes", "torch.multiprocessing.start_processes"),
    ("torch._C._set_cudnn_benchmark", "torch.backends.cudnn.benchmark"),
    ("numpy.random.mtrand.", "numpy.random."),
    ("numpy.random._generator.", "numpy.random."),
    ("pytorch_lightning.", "lightning.pytorch."),
    ("lightning_fabric.", "lightning.fabric."),
)

_CANONICAL_STARTS = tuple(prefix for prefix, _ in CANONICAL_PREFIXES)

# nn.modules.<file>.<Name> is re-exported as nn.<Name>
NN_MODULES_PREFIX = "torch.nn.modules."


@lru_cache(maxsize=65536)
def canonical(name: str) -> str:
    """Map an import path to the canonical name the knowledge tables use."""
    if name.startswith(NN_MODULES_PREFIX):
        rest = name[len(NN_MODULES_PREFIX):]
        if "." in rest:
            return "torch.nn." + rest.split(".", 1)[1]
    if not name.startswith(_CANONICAL_STARTS):  # most names: one test
        return name
    for prefix, repl in CANONICAL_PREFIXES:
        if name.startswith(prefix):
            return repl + name[len(prefix):]
    return name


# ---------------------------------------------------------------------------------------------
# Global-RNG draws
PY_RANDOM_FUNCS: FrozenSet[str] = frozenset(
    "random randint choice choices shuffle sample uniform gauss normalvariate randrange getrandbits "
    "betavariate expovariate triangular lognormvariate vonmisesvariate gammavariate paretovariate "
    "weibullvariate randbytes binomialvariate".split()
)
# numpy's legacy module-level functions draw from the global RandomState (numpy/random/mtrand.pyx)
NP_LEGACY_FUNCS: FrozenSet[str] = frozenset(
    "rand randn randint random random_sample ranf sample choice shuffle permutation uniform normal "
    "standard_normal binomial poisson beta gamma exponential multivariate_normal dirichlet laplace "
    "lognormal logistic multinomial geometric gumbel hypergeometric negative_binomial noncentral_chisquare "
    "noncentral_f pareto power rayleigh standard_cauchy standard_exponential standard_gamma standard_t "
    "triangular vonmises wald weibull zipf chisquare f logseries bytes random_integers".split()
)
# what `from random import *` / `from numpy.random import *` bind that seedlint knows (their __all__: the draws,
# the seeding functions and the generator classes)
STAR_EXPORTS: Dict[str, FrozenSet[str]] = {
    "random": PY_RANDOM_FUNCS | {"seed", "getstate", "setstate", "Random", "SystemRandom"},
    "numpy.random": NP_LEGACY_FUNCS | {"seed", "get_state", "set_state", "RandomState", "default_rng", "Generator"},
}
TORCH_RANDOM_FUNCS: FrozenSet[str] = frozenset(
    {
        "torch.rand", "torch.randn", "torch.randint", "torch.randperm", "torch.rand_like", "torch.randn_like",
        "torch.randint_like", "torch.normal", "torch.bernoulli", "torch.multinomial", "torch.poisson",
        "torch.nn.functional.dropout", "torch.nn.functional.dropout1d", "torch.nn.functional.dropout2d",
        "torch.nn.functional.dropout3d", "torch.nn.functional.alpha_dropout",
        "torch.nn.functional.feature_alpha_dropout", "torch.nn.functional.gumbel_softmax",
        "torch.nn.functional.rrelu", "torch.dropout", "torch.cuda.FloatTensor.normal_",
    }
)
TORCH_INIT_PREFIX = "torch.nn.init."
TORCH_INIT_RANDOM: FrozenSet[str] = frozenset(
    "uniform_ normal_ trunc_normal_ xavier_uniform_ xavier_normal_ kaiming_uniform_ kaiming_normal_ "
    "orthogonal_ sparse_ uniform normal xavier_uniform xavier_normal kaiming_uniform kaiming_normal "
    "orthogonal sparse".split()
)
# Tensor methods that draw from the global torch RNG unless given generator=
TENSOR_RANDOM_METHODS: FrozenSet[str] = frozenset(
    "normal_ uniform_ bernoulli_ random_ exponential_ geometric_ cauchy_ log_normal_".split()
)
# torch.nn modules whose constructor draws parameter init from the global torch RNG
# (reset_parameters -> torch.nn.init.kaiming_uniform_ / uniform_ / normal_), and dropout layers.
NN_RANDOM_INIT: FrozenSet[str] = frozenset(
    "Linear Bilinear LazyLinear Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d "
    "LazyConv1d LazyConv2d LazyConv3d LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d "
    "Embedding EmbeddingBag RNN LSTM GRU RNNCell LSTMCell GRUCell MultiheadAttention Transformer "
    "TransformerEncoder TransformerDecoder TransformerEncoderLayer TransformerDecoderLayer "
    "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout RReLU".split()
)
# third-party calls that build new layers and draw their initial weights from the global torch RNG, as a torch.nn
# layer does: peft's get_peft_model adds LoRA adapters whose A matrices start from nn.init.kaiming_uniform_
# (peft 0.22.0: peft/tuners/lora/layer.py:364-370, reached through update_layer at :321 for the default
# init_lora_weights=True)
LIBRARY_INIT_DRAWS: FrozenSet[str] = frozenset({
    "peft.get_peft_model", "peft.mapping_func.get_peft_model",
    "peft.inject_adapter_in_model", "peft.mapping.inject_adapter_in_model",
})
# graph-network layer classes whose constructors draw their initial weights from the global torch RNG, as a torch.nn
# layer does (their reset_parameters: torch_geometric 2.8.1 nn/dense/linear.py:26-38, :116-118 -> nn/inits.py:30-33
# `uniform_`; dgl 2.1.0 nn/pytorch/conv/graphconv.py:322-338 `init.xavier_uniform_`): a class under these modules
# (a class without parameters among them counts too; it seldom comes first)
LAYER_LIBRARY_PREFIXES: Tuple[str, ...] = ("torch_geometric.nn.", "dgl.nn.")
# third-party functions that draw from a global RNG each time they are called -> the RNGs (the layer builders
# above among them)
LIBRARY_DRAWS: Dict[str, Tuple[str, ...]] = {
    **{name: ("torch",) for name in LIBRARY_INIT_DRAWS},
    # torch_geometric 2.8.1, utils/_negative_sampling.py: negative_sampling samples candidate edges with
    # sample() (:96, :109), which calls random.sample (:322-329); batched_negative_sampling calls it per graph;
    # structured_negative_sampling draws torch.randint (:258, :264)
    **{f"torch_geometric.utils.{m}{f}": ("random",) for m in ("", "_negative_sampling.", "negative_sampling.")
       for f in ("negative_sampling", "batched_negative_sampling")},
    **{f"torch_geometric.utils.{m}structured_negative_sampling": ("torch",)
       for m in ("", "_negative_sampling.", "negative_sampling.")},
}
# scikit-learn's splitters and shufflers draw from numpy's global RNG when given no random_state: they pass it to
# check_random_state, which returns "the RandomState singleton used by np.random" for None (scikit-learn 1.9.1
# sklearn/utils/validation.py:1477-1478). name -> (position of random_state, position of shuffle or None when
# it always draws, the default of shuffle); positions are those of releases before keyword-only arguments
# (0.24), KEYWORD_ONLY past a *args. train_test_split builds a ShuffleSplit / StratifiedShuffleSplit unless
# shuffle=False (model_selection/_split.py:2951-2966); shuffle and resample draw at once (utils/_indexing.py:531,
# :615); the k-fold classes draw when they split, and only with shuffle=True (_split.py:521, :627, :775,
# :1016); the shuffle-split and repeated classes always draw (_split.py:1648, :1675, :1948, :2378).
KEYWORD_ONLY = 10**6  # (a position no call reaches: the seed is looked up by keyword alone)
SKLEARN_DRAWS: Dict[str, Tuple[int, Optional[int], bool]] = {
    **{f"sklearn.{m}.train_test_split": (KEYWORD_ONLY, KEYWORD_ONLY, True)
       for m in ("model_selection", "model_selection._split", "cross_validation")},
    **{f"sklearn.utils.{m}{f}": (KEYWORD_ONLY, None, True) for m in ("", "_indexing.") for f in ("shuffle", "resample")},
    **{f"sklearn.model_selection.{m}{c}": (2, 1, False) for m in ("", "_split.")
       for c in ("KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold")},
    **{f"sklearn.model_selection.{m}{c}": (3, None, True) for m in ("", "_split.")
       for c in ("ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit")},
    **{f"sklearn.model_selection.{m}{c}": (2, None, True) for m in ("", "_split.")
       for c in ("RepeatedKFold", "RepeatedStratifiedKFold")},
}
# third-party calls that move a model to the GPU when there is one (SDL102's CUDA work): DeepSpeed's engine
# moves the module to its accelerator's device (deepspeed 0.19.8 runtime/engine.py:1944, :2094), which is
# `cuda:N` whenever torch sees a GPU (accelerator/real_accelerator.py:205-206, cuda_accelerator.py:65-68)
CUDA_PLACERS: FrozenSet[str] = frozenset({"deepspeed.initialize"})
# models that put themselves on CUDA whenever there is one unless given a device: sentence-transformers'
# SentenceTransformer / CrossEncoder / SparseEncoder with device=None (2.2.2 SentenceTransformer.py:103-107:
# "cuda" if torch.cuda.is_available(); 6.3.0 base/model.py:221-222 and util/environment.py:66, the same);
# name -> (position, keyword) of the device argument (keyword only since 3.x)
CUDA_BY_DEFAULT: Dict[str, Tuple[int, str]] = {
    "sentence_transformers.SentenceTransformer": (2, "device"),
    "sentence_transformers.SentenceTransformer.SentenceTransformer": (2, "device"),
    "sentence_transformers.sentence_transformer.model.SentenceTransformer": (KEYWORD_ONLY, "device"),
    "sentence_transformers.CrossEncoder": (3, "device"),
    "sentence_transformers.cross_encoder.CrossEncoder": (3, "device"),
    "sentence_transformers.cross_encoder.CrossEncoder.CrossEncoder": (3, "device"),
    "sentence_transformers.cross_encoder.model.CrossEncoder": (KEYWORD_ONLY, "device"),
    "sentence_transformers.SparseEncoder": (KEYWORD_ONLY, "device"),
    "sentence_transformers.sparse_encoder.SparseEncoder": (KEYWORD_ONLY, "device"),
}
# torch_geometric.device("auto") returns torch.device("cuda") whenever torch sees a GPU (torch_geometric 2.8.1
# device.py:28-37; exported as torch_geometric.device, __init__.py:13)
PYG_DEVICE: FrozenSet[str] = frozenset({"torch_geometric.device", "torch_geometric.device.device"})
TORCHVISION_RANDOM_EXTRA: FrozenSet[str] = frozenset(
    "ColorJitter RandAugment AutoAugment TrivialAugmentWide AugMix GaussianBlur ElasticTransform "
    "ScaleJitter MixUp CutMix".split()
)

# ---------------------------------------------------------------------------------------------
# Unseeded generator objects (SDL004): constructor -> index/keyword of the seed argument
RNG_CONSTRUCTORS: Dict[str, Tuple[int, str]] = {
    "numpy.random.default_rng": (0, "seed"),
    "numpy.random.RandomState": (0, "seed"),
    "numpy.random.PCG64": (0, "seed"),
    "numpy.random.PCG64DXSM": (0, "seed"),
    "numpy.random.MT19937": (0, "seed"),
    "numpy.random.Philox": (0, "seed"),
    "numpy.random.SFC64": (0, "seed"),
    "numpy.random.SeedSequence": (0, "entropy"),
    "random.Random": (0, "x"),
    # albumentations >= 1.4.21: every Compose keeps its own np.random.default_rng(seed) and random.Random(seed)
    # (albumentations/core/composition.py:117-119 in 1.4.21, :170-172 in 2.0.8); keyword only in practice
    "albumentations.Compose": (KEYWORD_ONLY, "seed"),
    "albumentations.ReplayCompose": (KEYWORD_ONLY, "seed"),
    "albumentations.core.composition.Compose": (KEYWORD_ONLY, "seed"),
    "albumentations.core.composition.ReplayCompose": (KEYWORD_ONLY, "seed"),
}
# albumentations transforms whose parameters are fixed: at their default p=1 they draw nothing from the Compose's
# RNGs (2.0.8: BasicTransform.should_apply, core/transforms_interface.py:293-296, draws only when 0 < p < 1; the
# get_params of these draws nothing), so a Compose of these alone augments the same way every run. Name -> how many
# positional arguments can never be p (older signatures put always_apply and p after them). LongestMaxSize /
# SmallestMaxSize draw when max_size is a list (geometric/resize.py:604, :725), PadIfNeeded and CenterCrop when
# their position is "random": see sdl004._fixed_transform.
ALBUMENTATIONS_FIXED = {"Normalize": 3, "ToTensorV2": 1, "ToTensor": 3, "Resize": 3, "CenterCrop": 2, "Crop": 4,
                        "ToFloat": 1, "FromFloat": 2, "ToRGB": 1, "PadIfNeeded": 4, "LongestMaxSize": 2,
                        "SmallestMaxSize": 2}
# webdataset's buffer shuffle: without rng= or seed= it makes random.Random(int((os.getpid() + time.time()) * 1e9))
# (webdataset 1.0.2, filters.py:352-355); as a pipeline stage the stream is not an argument:
# shuffle(bufsize, initial, rng, seed, handler)
WEBDATASET_SHUFFLES = frozenset({"webdataset.shuffle", "webdataset.filters.shuffle"})
WEBDATASET_SHUFFLE_RNG = ((2, "rng"), (3, "seed"))
# constructors whose seed is passed by keyword (never at a position)
ALBUMENTATIONS_COMPOSE = frozenset(k for k in RNG_CONSTRUCTORS if k.startswith("albumentations."))
NP_BIT_GENERATORS = frozenset(
    {"numpy.random.PCG64", "numpy.random.PCG64DXSM", "numpy.random.MT19937", "numpy.random.Philox", "numpy.random.SFC64"}
)
TORCH_GENERATOR = "torch.Generator"

# ---------------------------------------------------------------------------------------------
# Seeding calls of the libraries themselves: name -> RNGs seeded (torch/random.py:49-86 for torch)
BASE_SEEDERS: Dict[str, FrozenSet[str]] = {
    "torch.manual_seed": frozenset({"torch"}),
    "numpy.random.seed": frozenset({"numpy"}),
    "random.seed": frozenset({"random"}),
}
# Seeding calls that take an explicit seed value as their first argument (for SDL005 / SDL008)
SEED_ARG_CALLS: FrozenSet[str] = frozenset(
    {"torch.manual_seed", "numpy.random.seed", "random.seed", "torch.cuda.manual_seed", "torch.cuda.manual_seed_all",
     "numpy.random.default_rng", "numpy.random.RandomState", "random.Random", "numpy.random.SeedSequence",
     "numpy.random.PCG64", "numpy.random.MT19937", "numpy.random.Philox", "numpy.random.SFC64",
     "numpy.random.PCG64DXSM", "torch.Generator.manual_seed"}
)

# ---------------------------------------------------------------------------------------------
# Entropy sources (SDL005)
ENTROPY_CALLS: FrozenSet[str] = frozenset(
    {
        "time.time", "time.time_ns", "time.perf_counter", "time.perf_counter_ns", "time.monotonic",
        "time.monotonic_ns", "time.process_time", "time.process_time_ns", "time.clock_gettime",
        "time.clock_gettime_ns", "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
        "datetime.date.today", "os.urandom", "os.getpid", "os.getrandom", "uuid.uuid1", "uuid.uuid4",
        "secrets.randbits", "secrets.randbelow", "secrets.token_bytes", "secrets.token_hex", "secrets.choice",
        "secrets.token_urlsafe", "random.SystemRandom", "builtins.hash", "torch.seed", "torch.random.seed",
        "numpy.random.SeedSequence().entropy",
    }
)
ENTROPY_PREFIXES: Tuple[str, ...] = ("random.SystemRandom.", "secrets.")

# ---------------------------------------------------------------------------------------------
# Determinism switches
DETERMINISTIC_CALL = "torch.use_deterministic_algorithms"
DEBUG_MODE_CALL = "torch.set_deterministic_debug_mode"
CUDNN = "torch.backends.cudnn"
CUDNN_BENCHMARK = "torch.backends.cudnn.benchmark"

# the standard library's top-level modules (a fallback list before Python 3.10)
STDLIB: FrozenSet[str] = frozenset(getattr(sys, "stdlib_module_names", ())) or frozenset(
    "os sys re json math time random collections typing functools itertools logging pathlib abc copy io "
    "argparse dataclasses enum warnings subprocess multiprocessing threading datetime uuid secrets hashlib "
    "pickle shutil tempfile glob inspect contextlib asyncio string textwrap operator numbers __future__".split())

# What deterministic mode may act on beyond the op table, kept as evidence that a program needs it (SDL101 /
# SDL102): cuDNN's RNNs (the RNN and LSTM docstrings include cudnn_rnn_determinism.md, torch 2.13
# torch/nn/modules/rnn.py:606, :978; GRU shares their cuDNN kernels), compiled code
# (`use_deterministic_algorithms` sets Inductor's deterministic mode: research notes, torch/__init__.py:1531-1533),
# models loaded whole, whose layers are not visible, and attention, whose fused kernels seedlint does not claim
# to be deterministic: each is taken as "may vary", so a program using one is reported as before.
KERNEL_EVIDENCE = frozenset({
    "torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN", "torch.nn.MultiheadAttention", "torch.nn.Transformer",
    "torch.nn.TransformerEncoderLayer", "torch.nn.TransformerDecoderLayer", "torch.nn.TransformerEncoder",
    "torch.nn.TransformerDecoder", "torch.nn.functional.scaled_dot_product_attention",
    "torch.nn.functional.multi_head_attention_forward", "torch.compile", "torch.hub.load", "torch.jit.load",
})
# Third-party packages that build no network (or only the layers a project writes itself): importing one is no
# sign of a kernel seedlint cannot see. Any other third-party import is (a model zoo, a framework's layers).
NO_KERNEL_PACKAGES = frozenset({
    "numpy", "scipy", "pandas", "sklearn", "matplotlib", "seaborn", "plotly", "PIL", "cv2", "imageio", "skimage",
    "albumentations", "tqdm", "yaml", "ruamel", "toml", "tomli", "h5py", "zarr", "lmdb", "pyarrow", "datasets",
    "tokenizers", "sentencepiece", "nltk", "jieba", "wandb", "tensorboard", "tensorboardX", "mlflow", "comet_ml",
    "neptune", "clearml", "omegaconf", "hydra", "absl", "fire", "click", "typer", "rich", "loguru", "termcolor",
    "colorama", "tabulate", "requests", "psutil", "pynvml", "GPUtil", "einops", "gym", "gymnasium", "mujoco",
    "mujoco_py", "dm_control", "dm_env", "pybullet", "ale_py", "atari_py", "procgen", "minigrid", "networkx",
    "d4rl", "minari", "metaworld", "gym_minigrid",  # (offline-RL datasets and environments: numpy, no layers)
    # DGL's message passing runs in its own kernels (gspmm, edge_softmax), which torch's deterministic mode does not
    # reach: its layers are no sign that the mode matters (the torch ops a program runs still are)
    "dgl",
    "roboschool", "pybullet_envs", "highway_env", "vizdoom", "retro", "nle", "crafter", "pettingzoo", "supersuit",
    "mlagents_envs", "gym_super_mario_bros", "nes_py", "robosuite", "dmc2gym", "safety_gym", "gym_anytrading",
    "optuna", "lightning", "pytorch_lightning", "lightning_fabric", "accelerate", "soundfile", "librosa",
    "jsonargparse", "tyro", "simple_parsing", "easydict", "addict", "munch", "dotenv", "filelock", "git",
    "pkg_resources", "setuptools", "packaging", "six", "attr", "attrs", "pydantic", "cloudpickle", "joblib", "dill",
    "IPython", "ipdb", "visdom", "pyyaml", "json5", "natsort", "pytz", "dateutil", "numba",
    # downloading, storage, file formats and cluster launchers
    "huggingface_hub", "boto3", "botocore", "s3fs", "fsspec", "gdown", "webdataset", "braceexpand", "submitit",
    "jsonlines", "ujson", "orjson", "msgpack", "regex", "ftfy", "pycocotools", "nibabel", "pydicom", "SimpleITK",
    "xarray", "netCDF4", "shapely", "pyproj", "rasterio", "statsmodels", "sympy",
    # plotting; text processing and scoring
    "altair", "bokeh", "spacy", "gensim", "tiktoken", "sacrebleu", "sacremoses", "subword_nmt", "rouge_score",
    "editdistance", "Levenshtein", "unidecode", "inflect", "emoji", "langdetect", "pycocoevalcap",
    # building C++ / CUDA extensions of the project's own (their code is not a layer library)
    "cppimport", "pybind11", "cffi", "Cython", "ninja",
    # torch itself (its layers and calls are facts of their own: ops, KERNEL_EVIDENCE), and seedlint's runtime
    "torch", "seedlint",
})
# what of torchvision / torchaudio / torchtext builds no network
NO_KERNEL_SUBMODULES = frozenset({"transforms", "datasets", "utils", "io", "data", "vocab", "legacy"})
# calls into the parts of torchvision / torchaudio that build networks (a bare `import torchvision` says
# nothing by itself: what the file calls through it does)
# model libraries whose networks are built of convolutions, attention or message passing: an import of one is no
# doubtful sign that deterministic mode matters (SDL102 names any other library that is a program's only sign)
MODEL_LIBRARIES: FrozenSet[str] = frozenset(
    "transformers diffusers peft timm open_clip sentence_transformers segmentation_models_pytorch ultralytics "
    "fairseq detectron2 mmdet mmseg mmcv mmpretrain monai kornia torch_geometric torchvision "
    "torchaudio speechbrain torchtune yolov5 trl".split()
)
KERNEL_PREFIXES = ("torchvision.models.", "torchvision.ops.", "torchaudio.models.", "torchaudio.pipelines.",
                   "torchtext.models.", "torchtext.nn.")
CUDNN_DETERMINISTIC = "torch.backends.cudnn.deterministic"

# ---------------------------------------------------------------------------------------------
# Data loading
DATALOADER = "torch.utils.data.DataLoader"
RANDOM_SAMPLERS: FrozenSet[str] = frozenset(
    {"torch.utils.data.RandomSampler", "torch.utils.data.SubsetRandomSampler", "torch.utils.data.WeightedRandomSampler"}
)
RANDOM_SPLIT = "torch.utils.data.random_split"
# where `generator` may also be passed by position (torch 2.13: torch/utils/data/sampler.py:131-136, 201, 244-249;
# dataset.py:449-452; the DataLoader's is its 13th parameter)
GENERATOR_POSITIONS: Dict[str, int] = {
    DATALOADER: 12, "torch.utils.data.RandomSampler": 3, "torch.utils.data.SubsetRandomSampler": 1,
    "torch.utils.data.WeightedRandomSampler": 3, RANDOM_SPLIT: 2,
}
DISTRIBUTED_SAMPLER = "torch.utils.data.DistributedSampler"

# command-line runners that call the function they are given, in this process:
# name -> (position, keyword) of that function (fire.Fire(main), typer.run(main), absl's app.run(main) ...)
CLI_RUNNERS: Dict[str, Tuple[int, str]] = {
    "fire.Fire": (0, "component"),
    "typer.run": (0, "function"),
    "jsonargparse.CLI": (0, "components"),
    "tyro.cli": (0, "f"),
    "absl.app.run": (0, "main"),
    "defopt.run": (0, "funcs"),
    "plac.call": (0, "obj"),
    # detectron2's launcher runs main_func(*args): in this process on one GPU, in one spawned process per GPU
    # otherwise (detectron2/engine/launch.py launch)
    "detectron2.engine.launch": (0, "main_func"),
    "detectron2.engine.launch.launch": (0, "main_func"),
}

SPAWN_CALLS: Dict[str, Tuple[int, str]] = {
    # name -> (position, keyword) of the target function
    "torch.multiprocessing.spawn": (0, "fn"),
    "torch.multiprocessing.start_processes": (0, "fn"),
    "multiprocessing.Process": (1, "target"),
    "torch.multiprocessing.Process": (1, "target"),
    "multiprocessing.context.Process": (1, "target"),
}

ENV_SETTERS: FrozenSet[str] = frozenset({"os.environ.setdefault", "os.environ.update", "os.putenv"})

# ---------------------------------------------------------------------------------------------
# Training: an op that is nondeterministic only in its backward (SDL301/SDL302) matters only to a program that
# runs a backward pass, and autograd computes gradients only when asked: `Tensor.backward()` (which calls
# `torch.autograd.backward`) or `torch.autograd.grad` (torch 2.13: torch/_tensor.py:566-630,
# torch/autograd/__init__.py:255, :434). A program shows that it may train by such a call, by building an
# optimizer, or by handing the work to a trainer (`trainer.fit(model)`, `trainer.train()`,
# `accelerator.backward(loss)`, `self.manual_backward(loss)`). The names are matched generously: a program is
# taken for an inference-only one only when nothing it runs looks like training.
AUTOGRAD_CALLS: FrozenSet[str] = frozenset({"torch.autograd.backward", "torch.autograd.grad"})
OPTIMIZER_MODULES: Tuple[str, ...] = ("torch.optim.",)


@lru_cache(maxsize=8192)
def is_training_call(name: str) -> bool:
    """Does a call of ``name`` (a method name, or a function's qualified name) look like training?"""
    if name in AUTOGRAD_CALLS:
        return True
    mod, _, leaf = name.rpartition(".")
    if mod and name.startswith(OPTIMIZER_MODULES) and leaf[:1].isupper():
        return True  # torch.optim.AdamW(...), torch.optim.lr_scheduler.StepLR(...)
    return (leaf in ("backward", "fit", "train") or leaf.endswith(("_backward", "_train", "_training", "_fit"))
            or leaf.startswith(("fit_", "train_", "training_")))
