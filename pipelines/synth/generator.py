"""Realistic synthetic "Daily Papers" dumps in the real text format, for demo, tests and benchmarks.

A synthetic dump looks like the real ones described in ``shared/FORMAT.md``: the page chrome
("Daily Papers" is sometimes absent), a date line without a year (``Aug 25``), then title and
abstract paragraphs alternating, every paragraph one line, separated by one blank line, ending with
a newline. Every dump parses with ``pipelines.dumps.parse.parse_dumps`` into exactly the listings
generated.

The content reads like ML research. About 30 themes (mixture of experts, LoRA, quantization,
diffusion, GNNs, RL, code generation, genomics, ... see ``_RAW_THEMES``) each carry a vocabulary of
key phrases; a paper belongs to one or two themes and its title and abstract use their phrases, so
downstream topic matching has something to find. Theme popularity drifts slowly over the days, so
there are trends to find too.

* One dump per consecutive day from ``start``; 50-100 papers per dump.
* ``relist_share`` of the listings in a dump re-list papers seen in earlier dumps (trending papers,
  recent ones favoured, a few long-lived "classics"); the rest are new papers with unique titles.
  A re-listed paper keeps its abstract; within one dump a paper appears at most once.
* ``variant_share`` of the re-listings write the title slightly differently (case, double spaces,
  a dash variant, full-width or other NFKC forms, punctuation) while keeping its ``paper_id`` under
  ``pipelines.dumps.identity``. Variants draw from their own random stream, so the choice and order
  of papers for a seed do not depend on ``variant_share``.
* Deterministic for a seed: only seeded ``random.Random`` instances are used, never the global RNG.

Speed: sentences are not built word by word per paper. Each theme has pools of ready sentences,
joined into ready abstract chunks: a fixed corpus built once per process on first use (from an RNG
seeded by the theme's name), while the seed decides which papers are written from it. An abstract
is three chunks picked to fit a target length, generated once per paper and reused when the paper
is re-listed. Only recent papers (plus a small reservoir of older ones) are kept in memory, so any
number of dumps streams in constant memory.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
import math
import os
import random
import re
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["SyntheticDump", "generate_dumps", "write_dumps"]

_CHROME_TOP = ("new", "Get trending papers in your email inbox!", "Subscribe")
_CHROME_DAILY = "Daily Papers"
_CHROME_BY = "byAK and the research community"
_DAILY_PAPERS_ABSENT_SHARE = 0.25

_TITLE_MIN_CHARS, _TITLE_MAX_CHARS = 15, 180
_ABSTRACT_MIN_CHARS, _ABSTRACT_MAX_CHARS = 1_300, 2_000
_URL_SHARE = 0.25
_CUT_SHARE = 0.03  # abstracts cut off mid-word (or mid-URL), as some real ones are
_SECOND_THEME_SHARE = 0.4
_NAMED_TITLE_SHARE = 0.55
_EXCLAIM_TITLE_SHARE = 0.03

_RECENT_DAYS = 30  # re-listings mostly come from papers first listed in the last month ...
_CLASSICS = 300  # ... and sometimes from a reservoir sample of older papers
_CLASSIC_RELIST_SHARE = 0.15

# Sentences per section and theme, then ready-made abstract chunks assembled from them.
_POOL_SIZES = {
    "context": 120,
    "gap": 80,
    "propose": 120,
    "method": 240,
    "experiment": 140,
    "result": 80,
    "closing": 60,
    "head": 240,
    "tail": 160,
    "exclaim": 30,
    "name": 400,
}
_INTRO_CHUNKS, _METHOD_CHUNKS, _EVAL_CHUNKS = 200, 400, 200
_METHOD_CHUNK_MAX_SENTENCES = 7


def _split(text: str) -> tuple[str, ...]:
    return tuple(item for item in text.split("|") if item)


@dataclass(frozen=True)
class SyntheticDump:
    """One generated dump: the file name to save it under, its text and its listing date."""

    file_name: str
    text: str
    listing_date: dt.date


# --------------------------------------------------------------------------------------------------
# Vocabulary. Each field is a "|"-separated list. ``field``: plural noun phrases naming the area;
# ``problem``, ``technique`` (with article), ``task``: noun phrases for sentences; ``term``:
# title-case key phrases for titles; ``part``: fragments for method names.
# --------------------------------------------------------------------------------------------------

_THEME_FIELDS = (
    "field",
    "problem",
    "technique",
    "task",
    "bench",
    "metric",
    "data",
    "baseline",
    "term",
    "part",
)

_RAW_THEMES: dict[str, tuple[float, dict[str, str]]] = {
    "mixture_of_experts": (
        1.5,
        {
            "field": "mixture-of-experts (MoE) models|sparse mixture-of-experts language models"
            "|sparsely activated transformers|MoE architectures with fine-grained experts",
            "problem": "load imbalance across experts|routing collapse|the high communication cost of"
            " expert parallelism|expert redundancy|the memory footprint of inactive experts"
            "|unstable router training",
            "technique": "a token-adaptive top-k router|an auxiliary-loss-free load balancing strategy"
            "|shared expert isolation|expert merging based on weight similarity|a dynamic expert"
            " offloading scheme|a hierarchical gating network|fine-grained expert segmentation"
            "|a differentiable sparse router",
            "task": "language modeling|instruction following|multilingual translation"
            "|multi-task learning|efficient inference on consumer GPUs",
            "bench": "MMLU|HellaSwag|ARC-Challenge|GSM8K|PIQA|WinoGrande",
            "metric": "perplexity|accuracy|throughput|expert utilization",
            "data": "tokens|instruction-response pairs",
            "baseline": "dense transformers|Switch Transformer|Mixtral-8x7B|GShard|DeepSeekMoE",
            "term": "Mixture-of-Experts|Sparse MoE|Expert Routing|Mixture of Experts"
            "|MoE Language Models|Expert Specialization|Sparse Experts|Load Balancing",
            "part": "MoE|Expert|Router|Sparse|Gate|Mix",
        },
    ),
    "peft_lora": (
        1.5,
        {
            "field": "parameter-efficient fine-tuning (PEFT) methods|low-rank adaptation (LoRA)"
            " techniques|adapter-based fine-tuning approaches|prompt tuning methods",
            "problem": "the gap between LoRA and full fine-tuning|catastrophic interference between"
            " adapters|the rank bottleneck of low-rank updates|sensitivity to the choice of rank and"
            " learning rate|the memory cost of fine-tuning billion-parameter models"
            "|slow convergence of low-rank updates",
            "technique": "a weight-decomposed low-rank adaptation|a mixture of LoRA experts"
            "|quantized low-rank adapters|an adaptive rank allocation scheme|orthogonal fine-tuning"
            "|a shared low-rank basis across layers|prefix tuning with learned soft prompts"
            "|gradient-free adapter merging",
            "task": "instruction tuning|domain adaptation|commonsense reasoning|multi-task fine-tuning"
            "|personalized text generation",
            "bench": "GLUE|SuperGLUE|MT-Bench|AlpacaEval|VTAB-1k|the commonsense reasoning suite",
            "metric": "accuracy|win rate|trainable parameter count|GPU memory",
            "data": "instruction examples|labelled examples",
            "baseline": "full fine-tuning|LoRA|DoRA|QLoRA|AdaLoRA|prefix tuning",
            "term": "Parameter-Efficient Fine-Tuning|LoRA|Low-Rank Adaptation|Adapters|PEFT"
            "|Fine-Tuning|Prompt Tuning",
            "part": "LoRA|Adapt|Tune|PEFT|Rank",
        },
    ),
    "quantization_compression": (
        1.5,
        {
            "field": "quantized large language models|model compression techniques|low-bit neural"
            " networks|post-training quantization (PTQ) methods|structured pruning methods",
            "problem": "activation outliers that dominate quantization error|severe accuracy loss"
            " below 4 bits|the memory bandwidth bottleneck of autoregressive decoding|the cost of"
            " calibration on large datasets|the degradation of pruned models on long-tail knowledge",
            "technique": "rotation-based outlier suppression|mixed-precision weight quantization"
            "|a Hessian-aware rounding scheme|2:4 structured sparsity|knowledge distillation from the"
            " full-precision teacher|vector quantization with learned codebooks|low-rank compensation"
            " of quantization error|layer-wise pruning guided by activation statistics",
            "task": "on-device inference|LLM serving|edge deployment|efficient inference",
            "bench": "WikiText-2|C4|LAMBADA|MMLU|ImageNet",
            "metric": "perplexity|bits per weight|memory footprint|end-to-end latency",
            "data": "calibration samples",
            "baseline": "GPTQ|AWQ|SmoothQuant|SparseGPT|Wanda|round-to-nearest quantization",
            "term": "Quantization|Post-Training Quantization|Low-Bit LLMs|Model Compression|Pruning"
            "|Knowledge Distillation|4-bit Inference|Weight Quantization",
            "part": "Quant|Q|Bit|Prune|Compress|Sparse",
        },
    ),
    "diffusion": (
        2.0,
        {
            "field": "diffusion models|latent diffusion models|text-to-image diffusion models"
            "|score-based generative models|flow matching models",
            "problem": "the slow iterative sampling of diffusion models|poor compositional alignment"
            " between prompts and images|exposure bias during sampling|memorization of training"
            " images|the lack of fine-grained spatial control",
            "technique": "consistency distillation|classifier-free guidance with adaptive scales"
            "|a rectified flow formulation|a diffusion transformer (DiT) backbone|attention-based"
            " layout control|a training-free guidance scheme|a learned ODE solver"
            "|score distillation sampling",
            "task": "text-to-image generation|image editing|image super-resolution|subject-driven"
            " generation|image inpainting",
            "bench": "MS-COCO|ImageNet 256x256|GenEval|DrawBench|T2I-CompBench|LAION-Aesthetics",
            "metric": "FID|CLIP score|sampling steps|human preference",
            "data": "text-image pairs|images",
            "baseline": "Stable Diffusion XL|DALL-E 3|DDIM|DPM-Solver|latent consistency models",
            "term": "Diffusion Models|Latent Diffusion|Text-to-Image Diffusion|Flow Matching"
            "|Diffusion Transformers|Score-Based Generative Models|Image Generation",
            "part": "Diff|Flow|Dream|Paint|Fusion|Gen",
        },
    ),
    "graph_neural_networks": (
        1.0,
        {
            "field": "graph neural networks (GNNs)|graph transformers|message-passing neural networks"
            "|graph foundation models",
            "problem": "over-smoothing in deep message passing|heterophily between neighbouring nodes"
            "|over-squashing of long-range information|poor scalability to billion-edge graphs"
            "|limited expressivity beyond the Weisfeiler-Leman test",
            "technique": "a spectral positional encoding|a heterophily-aware aggregation scheme"
            "|graph rewiring based on curvature|subgraph sampling with historical embeddings"
            "|a structure-aware graph tokenizer|contrastive graph pretraining"
            "|a mixture of graph experts",
            "task": "node classification|link prediction|molecular property prediction"
            "|graph classification|knowledge graph completion",
            "bench": "OGB|ogbn-arxiv|Cora|PubMed|ZINC|the Long Range Graph Benchmark",
            "metric": "accuracy|ROC-AUC|MRR|Hits@50",
            "data": "graphs|molecular graphs",
            "baseline": "GCN|GAT|GraphSAGE|GraphGPS|GIN",
            "term": "Graph Neural Networks|Graph Transformers|Message Passing|GNNs|Heterophilic Graphs"
            "|Graph Foundation Models|Graph Learning",
            "part": "Graph|GNN|GT|Node|Edge",
        },
    ),
    "reinforcement_learning": (
        1.0,
        {
            "field": "deep reinforcement learning (RL) agents|model-based reinforcement learning"
            " methods|offline reinforcement learning algorithms|policy gradient methods",
            "problem": "sample inefficiency|the exploration-exploitation trade-off|distribution shift"
            " in offline datasets|reward misspecification|unstable value estimation with function"
            " approximation",
            "technique": "a learned world model|conservative Q-learning|a decision transformer"
            "|intrinsic curiosity rewards|trust-region policy optimization|hindsight experience"
            " replay|a diffusion policy|ensemble-based uncertainty estimation",
            "task": "continuous control|offline reinforcement learning|multi-agent coordination"
            "|sparse-reward exploration|game playing",
            "bench": "Atari 100k|D4RL|MuJoCo|the DeepMind Control Suite|ProcGen|NetHack",
            "metric": "normalized return|success rate|sample efficiency",
            "data": "environment steps|trajectories",
            "baseline": "PPO|SAC|DreamerV3|CQL|IQL",
            "term": "Reinforcement Learning|Offline RL|Model-Based RL|Policy Optimization"
            "|World Models|Deep RL|Exploration",
            "part": "RL|Dreamer|Policy|Q|Agent",
        },
    ),
    "code_generation": (
        1.5,
        {
            "field": "code large language models|code generation models|neural program synthesis"
            " systems|LLM-based coding assistants",
            "problem": "hallucinated APIs in generated code|poor repository-level context"
            " understanding|the lack of execution feedback during generation|data contamination in"
            " coding benchmarks|weak performance on low-resource programming languages",
            "technique": "execution-guided self-repair|repository-level retrieval of code context"
            "|reinforcement learning from unit test feedback|a fill-in-the-middle training objective"
            "|synthetic instruction data derived from open-source code|test-driven program synthesis",
            "task": "code generation|program repair|code completion|software engineering tasks"
            "|code translation",
            "bench": "HumanEval|MBPP|SWE-bench|LiveCodeBench|DS-1000|CRUXEval",
            "metric": "pass@1|resolve rate|exact match",
            "data": "code files|programming problems",
            "baseline": "Codex|StarCoder2|DeepSeek-Coder|Code Llama|GPT-4",
            "term": "Code Generation|Code LLMs|Program Synthesis|Code Completion"
            "|Software Engineering Agents|Automated Program Repair",
            "part": "Code|Coder|Prog|Dev|Repo",
        },
    ),
    "biology_genomics": (
        1.0,
        {
            "field": "protein language models|genomic foundation models|biological sequence models"
            "|DNA language models",
            "problem": "the scarcity of labelled experimental data|the difficulty of modelling"
            " long-range genomic interactions|poor generalization to novel protein families"
            "|the gap between sequence and structure representations",
            "technique": "masked language modelling over amino acid sequences|a structure-aware"
            " tokenizer|an equivariant graph network over residues|a hybrid transformer-Mamba backbone"
            " for nucleotides|contrastive alignment of sequence and structure|diffusion over protein"
            " backbones",
            "task": "protein structure prediction|protein design|variant effect prediction"
            "|gene expression prediction|drug discovery|single-cell analysis",
            "bench": "ProteinGym|CASP15|the GUE benchmark|PDBbind|TAPE",
            "metric": "Spearman correlation|TM-score|AUROC|RMSD",
            "data": "protein sequences|genomes|single-cell profiles",
            "baseline": "ESM-2|AlphaFold2|DNABERT-2|Nucleotide Transformer|HyenaDNA",
            "term": "Protein Language Models|Genomics|DNA Language Models|Protein Design"
            "|Single-Cell Foundation Models|Drug Discovery|Molecular Biology",
            "part": "Prot|DNA|Gene|Bio|Fold|Cell",
        },
    ),
    "time_series": (
        1.0,
        {
            "field": "time series forecasting models|time series foundation models|transformer-based"
            " forecasters|temporal sequence models",
            "problem": "non-stationarity|distribution shift between training and test periods"
            "|error accumulation in long-horizon forecasting|irregular sampling and missing values"
            "|weak cross-variable dependency modelling",
            "technique": "patch-based tokenization of time series|reversible instance normalization"
            "|frequency-domain decomposition|channel-independent linear heads|a pretrained LLM"
            " reprogrammed for forecasting|seasonal-trend decomposition",
            "task": "long-term time series forecasting|time series anomaly detection|time series"
            " imputation|probabilistic forecasting|traffic prediction",
            "bench": "ETTh1|Electricity|Weather|Traffic|M4|the Monash archive",
            "metric": "MSE|MAE|CRPS",
            "data": "time steps|time series",
            "baseline": "PatchTST|Informer|DLinear|TimesNet|iTransformer",
            "term": "Time Series Forecasting|Time Series Foundation Models|Forecasting"
            "|Anomaly Detection|Temporal Modeling|Multivariate Time Series",
            "part": "Time|TS|Former|Cast|Temporal",
        },
    ),
    "speech_audio": (
        1.0,
        {
            "field": "speech recognition systems|text-to-speech (TTS) models|spoken language models"
            "|audio language models|neural audio codecs",
            "problem": "poor robustness to accents and background noise|the high latency of"
            " streaming recognition|poor prosody in zero-shot voice cloning|the scarcity of"
            " transcribed speech for low-resource languages",
            "technique": "self-supervised speech representations|a neural codec language model"
            "|a streaming conformer encoder|flow-matching based acoustic modeling|discrete speech"
            " tokens from residual vector quantization|CTC-attention hybrid decoding",
            "task": "automatic speech recognition (ASR)|zero-shot text-to-speech|speech translation"
            "|voice conversion|speaker verification|audio captioning",
            "bench": "LibriSpeech|Common Voice|VCTK|AudioCaps|FLEURS",
            "metric": "word error rate (WER)|MOS|speaker similarity|real-time factor",
            "data": "hours of speech|audio clips",
            "baseline": "Whisper|wav2vec 2.0|VALL-E|HuBERT|Tacotron 2",
            "term": "Speech Recognition|Text-to-Speech|Spoken Language Models|Audio Language Models"
            "|Voice Cloning|Speech Synthesis|ASR",
            "part": "Speech|Voice|Audio|Whisper|Sound|Wav",
        },
    ),
    "vision_language": (
        2.5,
        {
            "field": "vision-language models (VLMs)|multimodal large language models (MLLMs)"
            "|large multimodal models|contrastive image-text models",
            "problem": "object hallucination|weak fine-grained visual grounding|the quadratic cost of"
            " high-resolution image tokens|misalignment between visual and textual representations"
            "|poor understanding of charts and documents",
            "technique": "a dynamic high-resolution visual tokenizer|visual instruction tuning"
            "|token pruning for visual inputs|a cross-modal connector with learnable queries"
            "|contrastive image-text pretraining|interleaved image-text pretraining",
            "task": "visual question answering|image captioning|document understanding"
            "|visual grounding|multimodal reasoning",
            "bench": "MMMU|MMBench|TextVQA|POPE|ChartQA|DocVQA",
            "metric": "accuracy|CIDEr|hallucination rate",
            "data": "image-text pairs|visual instructions",
            "baseline": "LLaVA-1.5|Qwen-VL|CLIP|BLIP-2|GPT-4V",
            "term": "Vision-Language Models|Multimodal LLMs|Multimodal Large Language Models"
            "|Visual Instruction Tuning|Vision-Language Pretraining|MLLMs|Multimodal Understanding",
            "part": "VL|Vision|LLaVA|Vis|Lens|Eye",
        },
    ),
    "reasoning": (
        3.0,
        {
            "field": "large reasoning models|large language models (LLMs) with chain-of-thought (CoT)"
            " prompting|reasoning-oriented language models|test-time scaling methods",
            "problem": "overthinking on simple problems|error propagation in long reasoning chains"
            "|the high inference cost of long chains of thought|unfaithful intermediate reasoning"
            " steps|reward hacking of outcome-based verifiers",
            "technique": "process reward models|reinforcement learning with verifiable rewards"
            "|Monte Carlo tree search over reasoning steps|self-consistency decoding|adaptive"
            " test-time compute allocation|chain-of-thought distillation|group relative policy"
            " optimization (GRPO)",
            "task": "mathematical reasoning|multi-step reasoning|theorem proving"
            "|commonsense reasoning|logical reasoning",
            "bench": "GSM8K|MATH|AIME 2024|GPQA|ARC-AGI|OlympiadBench",
            "metric": "accuracy|pass@k|token usage",
            "data": "reasoning traces|math problems",
            "baseline": "OpenAI o1|DeepSeek-R1|best-of-N sampling|majority voting",
            "term": "Chain-of-Thought|Test-Time Scaling|Reasoning|LLM Reasoning"
            "|Mathematical Reasoning|Reasoning Models|Test-Time Compute",
            "part": "Reason|Think|R1|CoT|Math|Logic",
        },
    ),
    "state_space_models": (
        1.0,
        {
            "field": "state space models (SSMs)|Mamba-based architectures|linear recurrent models"
            "|selective state space models",
            "problem": "the quadratic complexity of self-attention|the limited recall ability of"
            " fixed-size recurrent states|the difficulty of parallel training for recurrent models"
            "|weak in-context retrieval",
            "technique": "a selective scan mechanism|a hybrid attention-SSM block|structured state"
            " matrices with a diagonal plus low-rank parameterization|a bidirectional Mamba encoder"
            "|gated linear attention|a hardware-aware parallel scan",
            "task": "long sequence modeling|language modeling|image classification|audio modeling",
            "bench": "Long Range Arena|the Pile|ImageNet-1K|PG-19|RULER",
            "metric": "perplexity|throughput|accuracy",
            "data": "tokens",
            "baseline": "Transformer++|Mamba|Mamba-2|RWKV|S4",
            "term": "State Space Models|Mamba|Linear Attention|Selective State Spaces|SSMs"
            "|Linear RNNs",
            "part": "Mamba|SSM|S4|Scan|Hyena",
        },
    ),
    "adversarial_robustness": (
        1.0,
        {
            "field": "deep neural networks|adversarially trained classifiers|robust vision models"
            "|safety-aligned language models",
            "problem": "vulnerability to imperceptible adversarial perturbations|jailbreak attacks via"
            " crafted prompts|the trade-off between robustness and clean accuracy|gradient masking"
            "|poor transferability of defences",
            "technique": "adversarial training with generated data|randomized smoothing|a certified"
            " defence based on Lipschitz constraints|universal adversarial suffixes|input"
            " purification with diffusion models|a gradient-based red-teaming procedure",
            "task": "image classification under attack|jailbreak detection|certified robustness"
            "|backdoor defence",
            "bench": "RobustBench|CIFAR-10|ImageNet-C|AdvBench|HarmBench",
            "metric": "robust accuracy|attack success rate|certified radius",
            "data": "adversarial examples",
            "baseline": "PGD adversarial training|TRADES|AutoAttack|GCG",
            "term": "Adversarial Robustness|Adversarial Attacks|Jailbreak Attacks"
            "|Certified Robustness|Adversarial Training|Backdoor Attacks",
            "part": "Robust|Adv|Shield|Guard|Attack",
        },
    ),
    "benchmarks_evaluation": (
        1.5,
        {
            "field": "evaluation protocols for large language models|benchmark suites"
            "|LLM-as-a-judge methods|public leaderboards",
            "problem": "benchmark contamination|the saturation of existing benchmarks|the"
            " unreliability of automatic metrics|the position bias of LLM judges|the lack of"
            " evaluation for long-tail capabilities",
            "technique": "a contamination-resistant dynamic benchmark|human-verified test items"
            "|an LLM-as-a-judge protocol with calibrated rubrics|item response theory for benchmark"
            " analysis|a hierarchical taxonomy of capabilities",
            "task": "model evaluation|holistic evaluation of LLMs|capability assessment"
            "|multilingual evaluation",
            "bench": "MMLU-Pro|BIG-Bench Hard|HELM|Chatbot Arena|Humanity's Last Exam",
            "metric": "agreement with human judgements|accuracy|Kendall's tau",
            "data": "test items|human annotations",
            "baseline": "GPT-4o|Claude 3.5 Sonnet|Llama-3-70B|Gemini 1.5 Pro",
            "term": "Benchmark|Evaluation|LLM Evaluation|LLM-as-a-Judge|Benchmarking|Leaderboards",
            "part": "Bench|Eval|Arena|Judge|Test",
        },
    ),
    "retrieval_augmented_generation": (
        1.5,
        {
            "field": "retrieval-augmented generation (RAG) systems|retrieval-augmented language"
            " models|dense retrievers|search-augmented LLMs",
            "problem": "the retrieval of irrelevant or noisy passages|conflicts between retrieved and"
            " parametric knowledge|the latency of multi-hop retrieval|poor attribution of generated"
            " claims",
            "technique": "adaptive retrieval triggered by model uncertainty|a learned reranker"
            "|graph-based knowledge indexing|query rewriting with self-reflection|late-interaction"
            " dense retrieval|context compression of retrieved documents",
            "task": "open-domain question answering|multi-hop question answering|fact verification"
            "|knowledge-intensive tasks",
            "bench": "Natural Questions|HotpotQA|TriviaQA|MS MARCO|BEIR|KILT",
            "metric": "exact match|recall@k|nDCG@10|faithfulness",
            "data": "passages|documents",
            "baseline": "vanilla RAG|Self-RAG|ColBERTv2|BM25|GraphRAG",
            "term": "Retrieval-Augmented Generation|RAG|Dense Retrieval|Retrieval|GraphRAG"
            "|Question Answering",
            "part": "RAG|Retrieve|Search|Index|Memo",
        },
    ),
    "agents": (
        2.0,
        {
            "field": "LLM-based agents|autonomous agents|multi-agent systems built on LLMs"
            "|tool-augmented language models|web agents",
            "problem": "error compounding over long-horizon tasks|unreliable tool calls|the lack of"
            " persistent memory|inefficient exploration of complex environments|coordination"
            " failures among agents",
            "technique": "a hierarchical planner with reflection|a tool-use curriculum|a shared"
            " episodic memory|self-evolving agent workflows|multi-agent debate|trajectory-level"
            " reinforcement learning",
            "task": "web navigation|tool use|task planning|computer use|embodied decision making",
            "bench": "WebArena|GAIA|AgentBench|OSWorld|ToolBench|ALFWorld",
            "metric": "success rate|task completion rate|cost per task",
            "data": "agent trajectories",
            "baseline": "ReAct|Reflexion|AutoGPT|GPT-4 with function calling",
            "term": "LLM Agents|Autonomous Agents|Multi-Agent Systems|Tool Use|Web Agents"
            "|Agentic Workflows",
            "part": "Agent|Act|Tool|Mind|Pilot",
        },
    ),
    "robotics": (
        1.0,
        {
            "field": "robot learning systems|vision-language-action (VLA) models|robotic"
            " manipulation policies|embodied agents",
            "problem": "the sim-to-real gap|poor generalization to unseen objects and scenes|the cost"
            " of collecting teleoperation data|compounding errors in imitation learning",
            "technique": "imitation learning from human videos|a diffusion policy with action"
            " chunking|sim-to-real transfer with domain randomization|a vision-language-action"
            " transformer|language-conditioned skill primitives",
            "task": "robotic manipulation|dexterous grasping|legged locomotion|autonomous driving"
            "|visual navigation",
            "bench": "RLBench|LIBERO|Open X-Embodiment|CALVIN|nuScenes",
            "metric": "success rate|collision rate",
            "data": "demonstrations|robot trajectories",
            "baseline": "RT-2|OpenVLA|behaviour cloning|Diffusion Policy",
            "term": "Robot Manipulation|Robot Learning|Vision-Language-Action Models|Embodied AI"
            "|Robotics|Autonomous Driving",
            "part": "Robo|Bot|Arm|Grasp|Drive",
        },
    ),
    "3d_vision": (
        1.2,
        {
            "field": "neural radiance fields (NeRF)|3D Gaussian splatting methods|3D generative"
            " models|neural scene representations",
            "problem": "slow per-scene optimization|floating artifacts in sparse-view reconstruction"
            "|the memory cost of millions of Gaussians|the multi-view inconsistency of generated"
            " assets",
            "technique": "3D Gaussian splatting with adaptive density control|a feed-forward"
            " reconstruction transformer|multi-view diffusion priors|multi-resolution hash-grid"
            " encodings|score distillation sampling from 2D diffusion models|a triplane"
            " representation",
            "task": "novel view synthesis|3D reconstruction|text-to-3D generation|SLAM"
            "|3D scene understanding",
            "bench": "Mip-NeRF 360|Tanks and Temples|ScanNet|Objaverse|DTU",
            "metric": "PSNR|SSIM|LPIPS|Chamfer distance",
            "data": "posed images|3D assets",
            "baseline": "3D Gaussian Splatting|Instant-NGP|Mip-NeRF 360|DreamFusion",
            "term": "Gaussian Splatting|Neural Radiance Fields|NeRF|3D Generation"
            "|Novel View Synthesis|3D Reconstruction",
            "part": "GS|NeRF|Splat|3D|Mesh",
        },
    ),
    "video_generation": (
        1.5,
        {
            "field": "video diffusion models|video generation models|video large language models"
            "|text-to-video generators",
            "problem": "temporal inconsistency between frames|the prohibitive cost of generating long"
            " videos|limited motion control|weak long-range temporal reasoning",
            "technique": "a spatiotemporal diffusion transformer|causal video VAE compression"
            "|motion-aware attention|keyframe-based autoregressive extension|camera pose"
            " conditioning|temporal token merging",
            "task": "text-to-video generation|video editing|video understanding|image animation"
            "|long video question answering",
            "bench": "VBench|UCF-101|MSR-VTT|Video-MME|Kinetics-600",
            "metric": "FVD|CLIPSIM|temporal consistency",
            "data": "video clips|video-caption pairs",
            "baseline": "Sora|CogVideoX|Stable Video Diffusion|AnimateDiff",
            "term": "Video Generation|Video Diffusion|Text-to-Video|Video Understanding|Video LLMs"
            "|Long Video Generation",
            "part": "Video|Vid|Motion|Frame|Anim",
        },
    ),
    "federated_learning": (
        0.8,
        {
            "field": "federated learning (FL) systems|decentralized training methods|cross-device"
            " federated learning methods|personalized federated learning approaches",
            "problem": "statistical heterogeneity across clients|communication overhead|client drift"
            "|stragglers and partial participation",
            "technique": "federated averaging with server momentum|personalized client heads"
            "|gradient compression|federated parameter-efficient fine-tuning|clustered client"
            " aggregation",
            "task": "federated fine-tuning of LLMs|on-device learning|cross-silo collaboration",
            "bench": "LEAF|FEMNIST|CIFAR-100 with Dirichlet partitions|Shakespeare",
            "metric": "accuracy|communication rounds",
            "data": "clients",
            "baseline": "FedAvg|FedProx|SCAFFOLD|FedPer",
            "term": "Federated Learning|Personalized Federated Learning|Decentralized Learning"
            "|Federated Fine-Tuning",
            "part": "Fed|FL|Client|Dist",
        },
    ),
    "privacy": (
        0.8,
        {
            "field": "privacy-preserving machine learning methods|differentially private training"
            " algorithms|machine unlearning methods|language models trained on sensitive data",
            "problem": "memorization of personal data|membership inference attacks|the utility cost"
            " of differential privacy|incomplete removal of unlearned knowledge",
            "technique": "differentially private stochastic gradient descent (DP-SGD)|gradient-ascent"
            " based unlearning|private synthetic data generation|a canary-based auditing procedure"
            "|secure aggregation",
            "task": "private fine-tuning|machine unlearning|privacy auditing|data extraction defence",
            "bench": "TOFU|WMDP|CIFAR-10|the Enron email corpus",
            "metric": "privacy budget epsilon|forget quality|attack AUC",
            "data": "private records",
            "baseline": "DP-SGD|gradient ascent|retraining from scratch",
            "term": "Differential Privacy|Machine Unlearning|Privacy|Membership Inference"
            "|Private Training|Data Privacy",
            "part": "Priv|DP|Forget|Secure|Shade",
        },
    ),
    "alignment_rlhf": (
        1.5,
        {
            "field": "aligned language models|preference optimization methods|reinforcement learning"
            " from human feedback (RLHF) pipelines|reward models",
            "problem": "reward hacking|sycophancy|the cost of collecting human preference data"
            "|misalignment between reward models and true human preferences|over-refusal of benign"
            " requests",
            "technique": "direct preference optimization (DPO)|a constitutional self-critique loop"
            "|iterative on-policy preference learning|reward model ensembles|AI feedback (RLAIF) with"
            " rubric-based judges|KL-regularized policy optimization",
            "task": "instruction following|harmlessness and helpfulness|value alignment"
            "|safe response generation",
            "bench": "AlpacaEval 2.0|MT-Bench|Arena-Hard|TruthfulQA|HH-RLHF",
            "metric": "win rate|reward|refusal rate",
            "data": "preference pairs|human comparisons",
            "baseline": "PPO-based RLHF|DPO|SimPO|KTO|supervised fine-tuning",
            "term": "RLHF|Preference Optimization|Alignment|LLM Alignment|Reward Modeling"
            "|Direct Preference Optimization|AI Safety",
            "part": "Align|Pref|Reward|Safe|Harmony",
        },
    ),
    "long_context_attention": (
        1.5,
        {
            "field": "long-context language models|efficient attention mechanisms|KV cache compression"
            " methods|sparse attention transformers",
            "problem": "the quadratic cost of self-attention|the memory footprint of the key-value"
            " (KV) cache|the lost-in-the-middle phenomenon|poor length extrapolation beyond the"
            " training context",
            "technique": "FlashAttention-style IO-aware kernels|rotary position embedding (RoPE)"
            " interpolation|KV cache eviction based on attention scores|block-sparse attention"
            "|ring attention across devices|sliding-window attention with global tokens",
            "task": "long-context understanding|long document summarization|long-context retrieval"
            "|efficient inference",
            "bench": "LongBench|RULER|Needle-in-a-Haystack|InfiniteBench|ZeroSCROLLS",
            "metric": "accuracy|time to first token|KV cache size|tokens per second",
            "data": "long documents|tokens",
            "baseline": "full attention|StreamingLLM|H2O|YaRN|FlashAttention-2",
            "term": "Long-Context LLMs|Efficient Attention|KV Cache Compression|Sparse Attention"
            "|Long Context|Context Extension",
            "part": "Long|Flash|KV|Attn|Span",
        },
    ),
    "continual_learning": (
        0.8,
        {
            "field": "continual learning methods|lifelong learning systems|class-incremental learners"
            "|continually pretrained language models",
            "problem": "catastrophic forgetting|the stability-plasticity dilemma|the memory cost of"
            " replay buffers|task-recency bias",
            "technique": "experience replay with generative rehearsal|elastic weight consolidation"
            "|prompt-based continual learning|dynamic architecture expansion|orthogonal gradient"
            " projection",
            "task": "class-incremental learning|continual pretraining|domain-incremental learning"
            "|online learning",
            "bench": "Split CIFAR-100|ImageNet-R|CORe50|TRACE",
            "metric": "average accuracy|backward transfer|forgetting",
            "data": "tasks",
            "baseline": "EWC|iCaRL|L2P|DualPrompt",
            "term": "Continual Learning|Lifelong Learning|Catastrophic Forgetting"
            "|Incremental Learning|Continual Pretraining",
            "part": "CL|Life|Grow|Recall",
        },
    ),
    "medical_imaging": (
        1.0,
        {
            "field": "medical image analysis models|medical foundation models|clinical AI systems"
            "|radiology report generators",
            "problem": "the scarcity of expert annotations|domain shift between hospitals and"
            " scanners|class imbalance in rare diseases|the lack of interpretability required for"
            " clinical adoption",
            "technique": "self-supervised pretraining on unlabelled scans|a 3D segmentation"
            " transformer|federated training across hospitals|report generation grounded in image"
            " regions|a universal prompt-driven segmentation model",
            "task": "medical image segmentation|disease classification|radiology report generation"
            "|lesion detection|medical visual question answering",
            "bench": "BraTS|MIMIC-CXR|CheXpert|BTCV|MedMNIST|AMOS",
            "metric": "Dice score|AUC|BLEU-4|sensitivity",
            "data": "CT scans|chest X-rays|whole-slide images",
            "baseline": "nnU-Net|TransUNet|MedSAM|SAM|UNETR",
            "term": "Medical Image Segmentation|Medical Imaging|Radiology Report Generation"
            "|Medical Foundation Models|Computational Pathology|Clinical AI",
            "part": "Med|Radio|Path|Scan|Clinic",
        },
    ),
    "recommendation": (
        0.8,
        {
            "field": "recommender systems|sequential recommendation models|generative recommenders"
            "|click-through rate (CTR) prediction models",
            "problem": "data sparsity|the cold-start problem|popularity bias|the cost of serving"
            " billion-scale item catalogues",
            "technique": "semantic item IDs from residual quantization|LLM-based user profiling"
            "|contrastive sequence augmentation|a graph collaborative filtering encoder|a generative"
            " retrieval decoder",
            "task": "sequential recommendation|CTR prediction|conversational recommendation"
            "|next-basket recommendation",
            "bench": "MovieLens-1M|Amazon Beauty|Yelp|Criteo|KuaiRec",
            "metric": "NDCG@10|Recall@20|AUC",
            "data": "user interactions",
            "baseline": "SASRec|BERT4Rec|LightGCN|DIN|TIGER",
            "term": "Recommender Systems|Sequential Recommendation|Generative Recommendation"
            "|Recommendation|CTR Prediction|Collaborative Filtering",
            "part": "Rec|Rank|Item|User",
        },
    ),
    "pretraining_scaling": (
        1.2,
        {
            "field": "large language models (LLMs)|foundation models|pretrained transformers"
            "|small language models",
            "problem": "the diminishing returns of scaling compute|low-quality web data|the cost of"
            " pretraining from scratch|training instabilities at scale",
            "technique": "compute-optimal scaling laws|model-based data filtering|curriculum data"
            " mixing|a warmup-stable-decay learning-rate schedule|synthetic textbook-quality data"
            "|byte-level tokenization",
            "task": "language model pretraining|multilingual language modeling|data curation"
            "|knowledge acquisition",
            "bench": "the Pile|FineWeb|RedPajama|MMLU|HellaSwag",
            "metric": "validation loss|downstream accuracy|training FLOPs",
            "data": "tokens|web documents",
            "baseline": "Llama 3|Chinchilla|GPT-3|Pythia|OLMo",
            "term": "Scaling Laws|Language Model Pretraining|Data Curation|Small Language Models"
            "|Foundation Models|LLM Pretraining",
            "part": "LM|Scale|Pile|Chin|GPT",
        },
    ),
    "interpretability": (
        1.0,
        {
            "field": "mechanistic interpretability methods|sparse autoencoders (SAEs)|probing"
            " classifiers|attribution methods for transformers",
            "problem": "polysemantic neurons|the superposition of features|the unfaithfulness of"
            " post-hoc explanations|the difficulty of scaling circuit discovery",
            "technique": "sparse dictionary learning on residual streams|activation patching"
            "|automated circuit discovery|linear probes on hidden states|steering vectors derived"
            " from contrastive prompts",
            "task": "feature attribution|model editing|behaviour steering|knowledge localization",
            "bench": "IOI|Tracr|CounterFact|ZsRE",
            "metric": "reconstruction loss|faithfulness|edit success",
            "data": "activations",
            "baseline": "integrated gradients|ROME|MEMIT|linear probing",
            "term": "Mechanistic Interpretability|Sparse Autoencoders|Interpretability|Model Editing"
            "|Activation Steering|Explainability",
            "part": "Lens|Probe|Circuit|SAE|Trace",
        },
    ),
    "self_supervised_vision": (
        1.0,
        {
            "field": "self-supervised vision models|vision transformers (ViTs)|contrastive"
            " representation learning methods|masked image modelling approaches",
            "problem": "dimensional collapse of learned representations|the reliance on heavy data"
            " augmentation|the quadratic cost of high-resolution vision transformers"
            "|shortcut learning",
            "technique": "masked autoencoding with high masking ratios|joint-embedding predictive"
            " architectures|self-distillation with momentum teachers|register tokens|multi-crop"
            " contrastive learning",
            "task": "image classification|semantic segmentation|object detection|linear probing"
            "|few-shot transfer",
            "bench": "ImageNet-1K|COCO|ADE20K|iNaturalist|Pascal VOC",
            "metric": "top-1 accuracy|mIoU|AP",
            "data": "unlabelled images",
            "baseline": "DINOv2|MAE|SimCLR|CLIP|I-JEPA",
            "term": "Self-Supervised Learning|Vision Transformers|Representation Learning"
            "|Contrastive Learning|Masked Image Modeling|Visual Representations",
            "part": "ViT|DINO|Vision|Mask|Siam",
        },
    ),
    "multilingual_translation": (
        0.8,
        {
            "field": "multilingual language models|machine translation systems|cross-lingual"
            " transfer methods",
            "problem": "the curse of multilinguality|the scarcity of data for low-resource languages"
            "|off-target translation|cultural bias",
            "technique": "language-adaptive vocabulary expansion|iterative back-translation"
            "|cross-lingual instruction tuning|language-specific adapters",
            "task": "machine translation|cross-lingual transfer|multilingual question answering",
            "bench": "FLORES-200|XNLI|WMT23|Belebele|TyDi QA",
            "metric": "BLEU|chrF++|COMET",
            "data": "parallel sentences",
            "baseline": "NLLB-200|mT5|XLM-R|BLOOM",
            "term": "Multilingual LLMs|Machine Translation|Low-Resource Languages"
            "|Cross-Lingual Transfer",
            "part": "Lingo|Poly|Trans|Babel",
        },
    ),
}

_GENERIC = {
    "adj": "efficient|scalable|robust|training-free|lightweight|unified|modular|plug-and-play"
    "|data-efficient|principled|adaptive|general-purpose|simple|hierarchical",
    "goal": "reduce redundant computation|capture long-range dependencies|preserve task-relevant"
    " information|stabilize optimization|improve generalization to unseen domains|exploit the"
    " structure of the input|balance accuracy and efficiency|suppress spurious correlations"
    "|recover fine-grained details|scale gracefully with model size|share knowledge across tasks",
    "requirement": "additional labelled data|architectural modifications|access to model"
    " gradients|costly retraining|human annotations|task-specific tuning",
    "cost": "memory usage|inference latency|training time|GPU hours|communication overhead"
    "|the number of trainable parameters",
    "size": "125M|350M|1B|1.3B|1.5B|3B|7B|8B",
    "bigsize": "13B|14B|32B|34B|70B|72B|175B",
    "noun": "Robustness|Efficiency|Limits|Role|Scalability|Generalization|Expressivity",
}

_TEMPLATES = {
    "context": (
        "Recent advances in {field} have led to remarkable progress on {task} and {task2}.",
        "{field} have emerged as a powerful paradigm for {task}, yet their behaviour at scale"
        " remains poorly understood.",
        "Over the past few years, {field} have become the de facto standard for {task}.",
        "{field} are increasingly deployed in real-world applications such as {task} and {task2}.",
        "There is growing interest in {field}, driven by their success on {task}.",
        "{task} is a fundamental problem in machine learning, with applications ranging from"
        " {task2} to {task3}.",
        "Large-scale pretraining has made {field} a central component of modern systems for"
        " {task}.",
        "The rapid growth of {field} has created new opportunities for {task}, but also new"
        " challenges.",
        "Scaling {field} to billions of parameters has unlocked strong performance on {task}.",
        "{field} have achieved impressive results across a wide range of benchmarks, including"
        " {bench} and {bench2}.",
        "Recent work has shown that {field} can benefit substantially from {technique}.",
    ),
    "gap": (
        "However, existing approaches suffer from {problem}, which limits their applicability in"
        " practice.",
        "Despite this progress, {problem} remains a major obstacle, particularly for {task}.",
        "Unfortunately, most prior work overlooks {problem}, leading to suboptimal performance"
        " and high computational cost.",
        "A key limitation of current methods is {problem}, which becomes increasingly severe as"
        " models grow.",
        "Yet {problem} and {problem2} continue to hinder reliable deployment.",
        "In particular, conventional methods rely on heuristics that fail to address {problem}.",
        "Moreover, it remains unclear how {problem} interacts with {problem2} in realistic"
        " settings.",
        "These methods typically require {requirement} and do not scale to {task}.",
        "As a result, {problem} has become a bottleneck for {field} in resource-constrained"
        " settings.",
    ),
    "propose": (
        "In this paper, we introduce @M@, a {adj} framework that addresses {problem} through"
        " {technique}.",
        "To bridge this gap, we propose @M@, a {adj} approach based on {technique}.",
        "We present @M@, which combines {technique} with {technique2} to enable {adj} {task}.",
        "In this work, we propose @M@, a novel method that leverages {technique} to mitigate"
        " {problem}.",
        "To address these challenges, we develop @M@, a {adj} and {adj2} pipeline built around"
        " {technique}.",
        "This paper presents @M@, a simple yet effective recipe that applies {technique} to"
        " {task}.",
        "We introduce @M@, the first {adj} system that unifies {task} and {task2} within a single"
        " model.",
        "To this end, we propose @M@, which revisits {technique} from the perspective of"
        " {problem}.",
    ),
    "method": (
        "Specifically, @M@ employs {technique} to {goal}.",
        "At its core, @M@ relies on {technique}, which allows the model to {goal}.",
        "We further introduce {technique} designed to {goal}.",
        "Unlike prior work, our method does not require {requirement}, making it easy to"
        " integrate into existing pipelines for {task}.",
        "The key insight is that {problem} can be largely mitigated with {technique}.",
        "In addition, we propose {technique} to {goal}, together with a theoretical analysis of"
        " its convergence.",
        "Concretely, we first apply {technique} and then refine the result with {technique2}.",
        "We also provide a theoretical analysis showing that @M@ provably reduces {problem} under"
        " mild assumptions.",
        "To make training tractable, we adopt {technique} and a curriculum over increasingly"
        " difficult examples.",
        "@M@ is trained on {count} {data} and further refined with {technique}.",
        "To support this study, we curate a new dataset of {count} {data} covering {task} and"
        " {task2}.",
        "Our design decouples {task} from {task2}, enabling {adj} training and inference.",
        "Building on this observation, @M@ uses {technique} to {goal} without {requirement}.",
        "We show that {technique} is complementary to {technique2} and combine both in a single"
        " {adj} objective.",
    ),
    "experiment": (
        "Extensive experiments on {bench}, {bench2} and {bench3} demonstrate that @M@"
        " consistently outperforms strong baselines.",
        "We evaluate @M@ on {n} benchmarks spanning {task} and {task2}, including {bench} and"
        " {bench2}.",
        "Experiments across {n} datasets show that @M@ achieves state-of-the-art {metric} on"
        " {bench}.",
        "Empirical results on {bench} show that our approach matches the performance of much"
        " larger models.",
        "We conduct comprehensive ablation studies to analyse the contribution of each component"
        " of @M@.",
        "On {bench}, @M@ improves {metric} by {pct} over the previous best method.",
        "Compared with {baseline}, @M@ reduces {cost} by {factor} with negligible loss in"
        " {metric}.",
        "Across {n} model families, @M@ yields gains of up to {pct} in {metric} over {baseline}.",
    ),
    "result": (
        "Notably, @M@ achieves a {factor} speedup at inference while improving {metric} by {pct}.",
        "Our best model surpasses {baseline} by {pct} on average across all tasks.",
        "Remarkably, a {size} model trained with @M@ rivals {baseline} at {bigsize} parameters.",
        "Furthermore, @M@ generalizes well to unseen {task} without any task-specific tuning.",
        "These gains hold across model scales from {size} to {bigsize} parameters.",
        "In particular, @M@ reduces {cost} by {pct} compared with {baseline}.",
    ),
    "closing": (
        "We believe @M@ offers a practical path towards {adj} {task}.",
        "Our findings shed light on {problem} and open new directions for future research on"
        " {field}.",
        "We hope this work will serve as a foundation for future research on {field}.",
        "These results highlight the potential of {technique} for {task}.",
        "Overall, our study provides practical guidelines for practitioners working on {task}.",
    ),
    "head": (
        "{Adj} {term}",
        "{Adj} {Technique}",
        "Rethinking {term}",
        "Towards {Adj} {term}",
        "Scaling {term}",
        "Revisiting {Problem}",
        "Mitigating {Problem}",
        "Taming {Problem}",
        "Understanding {Problem} in {term}",
        "Unlocking {Adj} {term}",
        "A Survey of {term}",
        "Boosting {Task}",
        "{Technique}",
        "Learning {Adj} {term}",
        "Beyond {Baseline}",
        "Demystifying {term}",
        "On the {noun} of {term}",
        "When {term} Meets {term2}",
        "{Adj} and {Adj2} {term}",
    ),
    "tail": (
        "for {Task}",
        "via {Technique}",
        "with {Technique}",
        "for {Adj} {Task}",
        "in {term}",
        "through {Technique}",
        "at Scale",
        "without {Requirement}",
        "Using {Technique}",
        "on {bench}",
        "for {term}",
    ),
    "exclaim": (
        "{term} Is All You Need!",
        "Mind the {Problem}!",
        "Just Add {Technique}!",
        "Less Is More for {Task}!",
        "Look Ma, No {Requirement}!",
        "{Technique} Works!",
    ),
}

_NAME_PREFIXES = _split(
    "Flux|Orca|Hydra|Nova|Zeta|Aurora|Lumen|Sigma|Delta|Echo|Atlas|Prism|Vega|Titan|Helix|Kite"
    "|Nimbus|Quill|Raven|Sage|Tango|Umbra|Vertex|Wisp|Zephyr|Astra|Beacon|Cobalt|Dyna|Ember"
    "|Falcon|Glide|Halo|Iris|Jade|Kairos|Lotus|Mosaic|Nexus|Omni|Pulse|Quasar|Ripple|Spark"
    "|Tidal|Unity|Vortex|Weave|Xpert|Yoda|Zen|Meta|Fast|Deep|Open|Mini|Hyper|Omega|Turbo"
)
_NAME_SUFFIXES = ("-Lite", "-X", "Former", "Net", "GPT", "-Zero", "Star", "-Pro", "-VL", "Bench")
_NAME_VERSIONS = ("-7B", "-R1", "2", "-v2", "-3B", "-XL", "1.5")
_ACRONYM_LETTERS = "ABCDEFGHIJKLMNOPRSTUVW"
_SMALL_WORDS = frozenset(_split("a|an|the|of|for|in|on|with|and|or|to|via|from|by|at|as|is"))

_GITHUB_ORGS = _split(
    "facebookresearch|google-research|microsoft|OpenGVLab|thunlp|apple|NVlabs|allenai"
    "|stanfordnlp|mit-han-lab|deepseek-ai|QwenLM|THUDM|salesforce|ByteDance-Seed|OpenBMB"
    "|kaist-ai|princeton-nlp|tatsu-lab|huggingface|EleutherAI|baaivision|sail-sg|OpenLMLab"
)
_HF_ORGS = _split(
    "meta-llama|Qwen|mistralai|microsoft|allenai|nvidia|google|deepseek-ai|openbmb|BAAI"
    "|HuggingFaceTB|stabilityai|tiiuae|ibm-granite"
)
_HANDLE_PARTS = _split(
    "zhang|wang|li|liu|chen|yang|huang|zhao|wu|zhou|xu|sun|ma|zhu|hu|guo|he|lin|luo|kim|lee|park"
    "|singh|kumar|patel|smith|jones|garcia|muller|rossi|silva|tanaka|sato|ivanov|nguyen|tran"
    "|alex|wei|jun|hao|yu|xin|lei|ming|tao|amir|nora|omar|lena|sam|rui|kai|yan|bo|jie|chen"
)
_URL_TEMPLATES = (
    "Code is available at https://github.com/{user}/{repo}.",
    "Our code and models are publicly available at https://github.com/{user}/{repo}.",
    "The code is released at https://gitlab.com/{user}/{repo}.",
    "Models and data are available at https://huggingface.co/{org}/{repo}.",
    "We release our dataset at https://huggingface.co/datasets/{org}/{repo}.",
    "Project page: https://{user}.github.io/{repo}/.",
    "Code: https://github.com/{user}/{repo}, project page: https://{user}.github.io/{repo}.",
    "The benchmark and the framework are available on GitHub (https://github.com/{user}/{repo})"
    " and documentation can be found at https://{user}.github.io/{repo}/.",
)

_KEY_DROP = bytes(c for c in range(256) if not (chr(c).isascii() and chr(c).isalnum()))
_ARTICLE_BEFORE_VOWEL = re.compile(r"\b[aA] (?=[aeioAEIO])")
_PARENTHETICAL = re.compile(r"\s*\([^)]*\)")
_REPO_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DASHES = ("\u2010", "\u2011", "\u2013", "\u2014")  # hyphen, non-breaking hyphen, en, em dash


@dataclass(frozen=True, eq=False)
class _Theme:
    name: str
    weight: float
    vocab: dict[str, tuple[str, ...]]


_THEMES: tuple[_Theme, ...] = tuple(
    _Theme(name, weight, {key: _split(fields[key]) for key in _THEME_FIELDS})
    for name, (weight, fields) in _RAW_THEMES.items()
)
_GENERIC_VOCAB = {key: _split(value) for key, value in _GENERIC.items()}


def _titlecase(phrase: str) -> str:
    """Title-case a phrase for use in a paper title, keeping acronyms and small words as is."""
    phrase = _PARENTHETICAL.sub("", phrase)
    if phrase.startswith(("a ", "an ", "the ")):
        phrase = phrase.split(" ", 1)[1]
    words = []
    for w_index, word in enumerate(phrase.split(" ")):
        parts = []
        for p_index, part in enumerate(word.split("-")):
            # Small words stay lower-case inside ("Mixture-of-Experts", "Tuning for Code"), but
            # not at the start of the title or of a compound ("In-Context").
            starts = p_index == 0 and (w_index == 0 or "-" in word)
            if part.islower() and (starts or part not in _SMALL_WORDS):
                part = part[0].upper() + part[1:]
            parts.append(part)
        words.append("-".join(parts))
    return " ".join(words)


def _slots(template: str) -> tuple[str, ...]:
    """The distinct slot names of a ``str.format`` template, in order."""
    names = (name for _, name, _, _ in string.Formatter().parse(template) if name)
    return tuple(dict.fromkeys(names))


_PARSED_TEMPLATES = {
    section: tuple((template, _slots(template)) for template in templates)
    for section, templates in _TEMPLATES.items()
}


def _fill(
    template: str,
    slots: tuple[str, ...],
    vocab: dict[str, tuple[str, ...]],
    rnd: Callable[[], float],
) -> str:
    """Fill a template's slots from the vocabulary (``key2``/``key3`` differ from ``key``)."""
    values: dict[str, str] = {}
    for key in slots:
        if key == "pct":
            value = f"{0.8 + 17.0 * rnd() * rnd():.1f}%"
        elif key == "factor":
            value = f"{1.3 + 6.0 * rnd() * rnd():.1f}x"
        elif key == "n":
            value = str(3 + int(rnd() * 28))
        elif key == "count":
            value = f"{1 + int(rnd() * 900)}{'KMB'[int(rnd() * 3)]}"
        else:
            base = key.rstrip("23")
            options = vocab[base]
            value = options[int(rnd() * len(options))]
            if base != key:
                taken = (values.get(base), values.get(base + "2"))
                for _ in range(4):
                    if value not in taken:
                        break
                    value = options[int(rnd() * len(options))]
        values[key] = value
    return _ARTICLE_BEFORE_VOWEL.sub("an ", template.format_map(values))


@dataclass(frozen=True, eq=False)
class _ThemePools:
    """One theme's ready-made material.

    Title fragments: ``names`` (method names), ``heads``, ``tails`` (with ``tail_words``, the last
    word of each tail) and ``exclaims``. Abstract chunks: ``intro`` (context, gap and proposal
    sentences), ``method`` (1-7 method sentences, sorted by length, ``method_lengths``, so an
    abstract can pick one that fits its target length) and ``evaluation`` (experiments, results).
    Sentences name the method ``@M@``; no chunk repeats a sentence template.
    """

    names: tuple[str, ...]
    heads: tuple[str, ...]
    tails: tuple[str, ...]
    tail_words: tuple[str, ...]
    exclaims: tuple[str, ...]
    intro: tuple[str, ...]
    method: tuple[str, ...]
    method_lengths: tuple[int, ...]
    evaluation: tuple[str, ...]


@functools.cache
def _theme_pools(theme: _Theme) -> _ThemePools:
    """Ready-made sentences, abstract chunks, title fragments and method names of one theme.

    Built once per process on first use, from an RNG seeded by the theme's name alone: the pools
    are a fixed corpus (like a vocabulary), while the seed of ``generate_dumps`` decides which
    papers are written from them. That keeps every ``generate_dumps`` call after the first fast.
    """
    rng = random.Random(f"synth-pools:{theme.name}")
    vocab = _vocabulary(theme)
    rnd = rng.random
    text: dict[str, list[str]] = {}
    template_of: dict[str, list[int]] = {}
    for section, templates in _PARSED_TEMPLATES.items():
        capitalize = section != "tail"
        indices = [int(rnd() * len(templates)) for _ in range(_POOL_SIZES[section])]
        out = []
        for index in indices:
            template, slots = templates[index]
            filled = _fill(template, slots, vocab, rnd)
            out.append(filled[0].upper() + filled[1:] if capitalize else filled)
        text[section] = out
        template_of[section] = indices

    def chunk(sections: list[str]) -> str:
        """Join one sentence per entry of ``sections``, never the same template twice."""
        used: set[tuple[str, int]] = set()
        picked = []
        for section in sections:
            sentences, templates = text[section], template_of[section]
            for _ in range(6):
                i = int(rnd() * len(sentences))
                if (section, templates[i]) not in used:
                    break
            used.add((section, templates[i]))
            picked.append(sentences[i])
        return " ".join(picked)

    intro = [
        chunk(["context"] * (1 + (rnd() < 0.5)) + ["gap", "propose"]) for _ in range(_INTRO_CHUNKS)
    ]
    method = sorted(
        (
            chunk(["method"] * (1 + int(rnd() * _METHOD_CHUNK_MAX_SENTENCES)))
            for _ in range(_METHOD_CHUNKS)
        ),
        key=len,
    )
    evaluation = [
        chunk(
            ["experiment"] * (1 + (rnd() < 0.5)) + ["result"] + (["closing"] if rnd() < 0.4 else [])
        )
        for _ in range(_EVAL_CHUNKS)
    ]
    return _ThemePools(
        names=tuple(_method_name(theme, rng) for _ in range(_POOL_SIZES["name"])),
        heads=tuple(text["head"]),
        tails=tuple(text["tail"]),
        tail_words=tuple(tail.rsplit(" ", 1)[-1] for tail in text["tail"]),
        exclaims=tuple(text["exclaim"]),
        intro=tuple(intro),
        method=tuple(method),
        method_lengths=tuple(len(m) for m in method),
        evaluation=tuple(evaluation),
    )


@functools.cache
def _vocabulary(theme: _Theme) -> dict[str, tuple[str, ...]]:
    """A theme's slot vocabulary; a capitalised key (``Task``) holds the title-case forms."""
    vocab = {**_GENERIC_VOCAB, **theme.vocab}
    for key, options in list(vocab.items()):
        vocab[key.capitalize()] = tuple(dict.fromkeys(_titlecase(option) for option in options))
    return vocab


def _method_name(theme: _Theme, rng: random.Random) -> str:
    """A made-up method name in the styles of real ones: ``FluxMoE``, ``SpQR``, ``Orca-2``."""
    rnd = rng.random
    parts = theme.vocab["part"]
    part = parts[int(rnd() * len(parts))]
    prefix = _NAME_PREFIXES[int(rnd() * len(_NAME_PREFIXES))]
    style = rnd()
    if style < 0.35:
        name = prefix + part
    elif style < 0.55:
        name = part + _NAME_SUFFIXES[int(rnd() * len(_NAME_SUFFIXES))]
    elif style < 0.8:
        letters = [_ACRONYM_LETTERS[int(rnd() * len(_ACRONYM_LETTERS))] for _ in range(3)]
        extra = int(rnd() * 3)
        letters += [_ACRONYM_LETTERS[int(rnd() * len(_ACRONYM_LETTERS))] for _ in range(extra)]
        if rnd() < 0.25:
            letters[1] = letters[1].lower()
        if rnd() < 0.15:
            letters.insert(2, str(2 + int(rnd() * 7)))
        name = "".join(letters)
    else:
        name = prefix + "-" + part if rnd() < 0.5 else prefix
    decoration = rnd()
    if decoration < 0.04:
        name += "++"
    elif decoration < 0.08:
        name += "^{2}"
    elif decoration < 0.25:
        name += _NAME_VERSIONS[int(rnd() * len(_NAME_VERSIONS))]
    return name


def _title_key(title: str) -> bytes:
    """Identity key of an ASCII title (what ``identity.title_key`` computes for ASCII text)."""
    return title.encode().lower().translate(None, _KEY_DROP)


def _variant(title: str, rng: random.Random) -> str:
    """The same title written slightly differently; identical under ``identity.title_key``."""
    rnd = rng.random
    for _ in range(8):
        kind = int(rnd() * 6)
        if kind == 0:  # case change
            out = (title.lower(), title.upper(), title.title())[int(rnd() * 3)]
        elif kind == 1:  # a double space
            spaces = [i for i, c in enumerate(title) if c == " "]
            if not spaces:
                continue
            i = spaces[int(rnd() * len(spaces))]
            out = title[:i] + "  " + title[i + 1 :]
        elif kind == 2:  # dash variant
            if "-" not in title:
                continue
            out = title.replace("-", _DASHES[int(rnd() * len(_DASHES))])
        elif kind == 3:  # full-width letters and digits in one word (NFKC folds them back)
            words = title.split(" ")
            i = int(rnd() * len(words))
            words[i] = "".join(
                chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in words[i]
            )
            out = " ".join(words)
        elif kind == 4:  # other NFKC forms: ligature, superscript two
            out = title.replace("fi", "\ufb01").replace("^{2}", "\u00b2")
        else:  # punctuation change
            if ": " in title:
                out = title.replace(": ", (" - ", " \u2014 ", ", ", " ")[int(rnd() * 4)], 1)
            else:
                out = title + "."
        if out != title:
            return out
    return title + "."


@dataclass(frozen=True)
class PlantedPhrase:
    """A phrase that starts to appear at dump ``start_dump`` (0-based) in ``share`` of the new
    papers of every dump from then on (re-listings of those papers carry it too): a burst to test
    emerging-term detection on."""

    phrase: str
    start_dump: int
    share: float

    def __post_init__(self) -> None:
        if not self.phrase.strip():
            raise ValueError("a planted phrase must not be empty")
        if self.start_dump < 0:
            raise ValueError("a planted phrase's start dump must not be negative")
        if not 0.0 < self.share <= 1.0:
            raise ValueError("a planted phrase's share must be in (0, 1]")

    @classmethod
    def parse(cls, text: str) -> PlantedPhrase:
        """``PHRASE@DUMP:SHARE``, e.g. ``spectral routing@20:0.3``."""
        phrase, at, rest = text.rpartition("@")
        start, colon, share = rest.partition(":")
        try:
            numbers = (int(start), float(share)) if at and colon else None
        except ValueError:
            numbers = None
        if numbers is None:
            raise ValueError(f"--plant {text!r} is not PHRASE@DUMP:SHARE (e.g. 'x routing@20:0.3')")
        return cls(phrase.strip(), *numbers)


# How a planted phrase enters an abstract: as an aside at the end of its first sentence, with
# nothing but stop words and brackets around it, so that the phrase itself is what bursts and no
# carrier phrase ("builds on spectral") bursts with it.
_PLANT_ASIDES = ("({phrase})", "(with {phrase})", "(as with {phrase})")


class _Paper(NamedTuple):
    number: int
    title: str
    abstract: str


class _Generator:
    """State of one ``generate_dumps`` run: RNGs, pools, recent papers and used title keys."""

    def __init__(
        self,
        seed: int,
        relist_share: float,
        variant_share: float,
        papers_per_dump: tuple[int, int],
        plants: Sequence[PlantedPhrase] = (),
    ) -> None:
        self.rng = random.Random(seed)
        # planting draws from its own generator: the dumps are otherwise the same with or without
        self.plant_rng = random.Random(f"synth-plants:{seed}")
        self.plants = tuple(plants)
        self.variant_rng = random.Random(f"synth-variants:{seed}")
        self.relist_share = relist_share
        self.variant_share = variant_share
        self.low, self.high = papers_per_dump
        self.recent: list[_Paper] = []
        self.classics: list[_Paper] = []
        self.evicted = 0
        self.keys: set[bytes] = set()
        self.papers = 0
        rnd = self.rng.random
        # Theme popularity drifts: each theme's weight oscillates with its own period and phase.
        self.drift = [
            (theme.weight, 200.0 + 800.0 * rnd(), 2.0 * math.pi * rnd(), 0.3 + 0.5 * rnd())
            for theme in _THEMES
        ]
        self.users = [self._handle() for _ in range(400)]

    def _handle(self) -> str:
        rnd = self.rng.random
        first = _HANDLE_PARTS[int(rnd() * len(_HANDLE_PARTS))]
        second = _HANDLE_PARTS[int(rnd() * len(_HANDLE_PARTS))]
        style = rnd()
        if style < 0.4:
            return first + second
        if style < 0.7:
            return f"{first}-{second}"
        return f"{first}{second}{int(rnd() * 100)}"

    def dump(self, index: int, day: dt.date, day_number: int) -> SyntheticDump:
        rng = self.rng
        rnd = rng.random
        cum: list[float] = []
        total = 0.0
        for weight, period, phase, amplitude in self.drift:
            swing = amplitude * math.sin(2.0 * math.pi * day_number / period + phase)
            total += weight * (1.0 + swing)
            cum.append(total)

        n_papers = self.low + int(rnd() * (self.high - self.low + 1))
        n_relist = min(round(n_papers * self.relist_share), len(self.recent) + len(self.classics))
        listings = [(paper, True) for paper in self._relisted(n_relist)]
        new = [self._new_paper(cum, total) for _ in range(n_papers - len(listings))]
        new = [self._plant(paper, index) for paper in new]
        listings += [(paper, False) for paper in new]
        rng.shuffle(listings)

        paragraphs = list(_CHROME_TOP)
        if rnd() >= _DAILY_PAPERS_ABSENT_SHARE:
            paragraphs.append(_CHROME_DAILY)
        paragraphs.append(_CHROME_BY)
        paragraphs.append(f"{calendar.month_abbr[day.month]} {day.day}")
        vrnd = self.variant_rng.random
        for paper, relisted in listings:
            title = paper.title
            if relisted and vrnd() < self.variant_share:
                title = _variant(title, self.variant_rng)
            paragraphs.append(title)
            paragraphs.append(paper.abstract)
        file_name = f"{index:05d}_{rng.getrandbits(64):016x}.txt"

        self._remember(new, n_papers)
        return SyntheticDump(file_name, "\n\n".join(paragraphs) + "\n", day)

    def _plant(self, paper: _Paper, index: int) -> _Paper:
        """``paper`` with each planted phrase due at dump ``index`` put into its abstract (an aside
        at the end of the first sentence) with the phrase's probability."""
        abstract = paper.abstract
        for plant in self.plants:
            if index < plant.start_dump or self.plant_rng.random() >= plant.share:
                continue
            aside = _PLANT_ASIDES[int(self.plant_rng.random() * len(_PLANT_ASIDES))]
            first_end = abstract.find(". ")
            first_end = first_end if first_end >= 0 else len(abstract)
            abstract = (
                f"{abstract[:first_end]} {aside.format(phrase=plant.phrase)}{abstract[first_end:]}"
            )
        return paper if abstract is paper.abstract else paper._replace(abstract=abstract)

    def _relisted(self, k: int) -> list[_Paper]:
        """``k`` distinct earlier papers, mostly recent ones (the most recent favoured)."""
        rnd = self.rng.random
        recent, classics = self.recent, self.classics
        chosen: dict[int, _Paper] = {}
        attempts = 0
        while len(chosen) < k and attempts < 50 * k + 100:
            attempts += 1
            if classics and (rnd() < _CLASSIC_RELIST_SHARE or not recent):
                paper = classics[int(rnd() * len(classics))]
            else:
                r = rnd()
                paper = recent[len(recent) - 1 - int(r * r * len(recent))]
            chosen.setdefault(paper.number, paper)
        if len(chosen) < k:  # only with a tiny history: take the most recent papers left
            for paper in reversed(recent + classics):
                if len(chosen) >= k:
                    break
                chosen.setdefault(paper.number, paper)
        return list(chosen.values())

    def _remember(self, new: list[_Paper], n_papers: int) -> None:
        """Add new papers to the recent ones; retire the oldest into the classics reservoir."""
        self.recent.extend(new)
        keep = _RECENT_DAYS * max(1, n_papers - round(n_papers * self.relist_share))
        excess = len(self.recent) - keep
        if excess <= 0:
            return
        rnd = self.rng.random
        for paper in self.recent[:excess]:
            self.evicted += 1
            if len(self.classics) < _CLASSICS:
                self.classics.append(paper)
            else:
                j = int(rnd() * self.evicted)
                if j < _CLASSICS:
                    self.classics[j] = paper
        del self.recent[:excess]

    def _new_paper(self, cum: list[float], total: float) -> _Paper:
        """A new paper of one or two themes, with a unique title and its abstract."""
        rnd = self.rng.random
        last = len(_THEMES) - 1
        primary = _THEMES[min(bisect.bisect_right(cum, rnd() * total), last)]
        secondary = primary
        if rnd() < _SECOND_THEME_SHARE:
            secondary = _THEMES[min(bisect.bisect_right(cum, rnd() * total), last)]
        p, s = _theme_pools(primary), _theme_pools(secondary)
        title, name = self._title(p, s)
        self.papers += 1
        return _Paper(self.papers, title, self._abstract(p, s, name))

    def _title(self, p: _ThemePools, s: _ThemePools) -> tuple[str, str]:
        """A new, unique title (head from the primary theme, tail from the secondary one) and the
        method name the abstract uses."""
        rnd = self.rng.random
        names, heads, tails, tail_words = p.names, p.heads, s.tails, s.tail_words
        for attempt in range(20):
            name = names[int(rnd() * len(names))]
            if attempt >= 10:  # crowded: make the name itself new
                name = f"{name}-v{attempt - 8}"
            head = heads[int(rnd() * len(heads))]
            t = int(rnd() * len(tails))
            if tail_words[t] in head:  # no "LLM Alignment for Alignment"
                continue
            form = rnd()
            if form < _EXCLAIM_TITLE_SHARE:
                title = f"{name}: {p.exclaims[int(rnd() * len(p.exclaims))]}"
            elif form < _EXCLAIM_TITLE_SHARE + _NAMED_TITLE_SHARE or attempt >= 10:
                title = f"{name}: {head} {tails[t]}"
            else:
                title = f"{head} {tails[t]}"
            if len(title) > _TITLE_MAX_CHARS:
                title = title[: title.rindex(" ", 0, _TITLE_MAX_CHARS)]
            key = _title_key(title)
            if len(title) >= _TITLE_MIN_CHARS and key not in self.keys:
                self.keys.add(key)
                return title, name
        raise RuntimeError("could not draw a unique title")  # pragma: no cover

    def _abstract(self, p: _ThemePools, s: _ThemePools, name: str) -> str:
        """An abstract of about 1,300-2,000 characters: intro, method and evaluation chunks.

        The intro comes from the primary theme ``p``, the method part from the secondary one ``s``
        (the same pools for a one-theme paper), the evaluation from either.
        """
        rnd = self.rng.random
        intro = p.intro[int(rnd() * len(p.intro))]
        evaluation = (p if rnd() < 0.5 else s).evaluation
        evaluation = evaluation[int(rnd() * len(evaluation))]
        url = self._url(name) if rnd() < _URL_SHARE else ""
        target = _ABSTRACT_MIN_CHARS + 50 + int(rnd() * 600)
        room = target - len(intro) - len(evaluation) - len(url) - 3
        # The longest method chunk that fits, or one of the few just below it.
        i = bisect.bisect_right(s.method_lengths, room) - 1 - int(rnd() * 8)
        method = s.method[max(0, min(i, len(s.method) - 1))]
        if url:
            text = f"{intro} {method} {evaluation} {url}".replace("@M@", name)
        else:
            text = f"{intro} {method} {evaluation}".replace("@M@", name)
        if rnd() < _CUT_SHARE and len(text) > _ABSTRACT_MIN_CHARS + 50:
            cut = _ABSTRACT_MIN_CHARS + int(rnd() * (len(text) - _ABSTRACT_MIN_CHARS - 10))
            text = text[:cut].rstrip()
        return text

    def _url(self, name: str) -> str:
        rnd = self.rng.random
        repo = _REPO_UNSAFE.sub("", name.replace("^{2}", "2").replace("++", "-plus"))
        if rnd() < 0.3:
            repo = repo.lower()
        user = (
            _GITHUB_ORGS[int(rnd() * len(_GITHUB_ORGS))]
            if rnd() < 0.3
            else self.users[int(rnd() * len(self.users))]
        )
        org = _HF_ORGS[int(rnd() * len(_HF_ORGS))] if rnd() < 0.5 else user
        template = _URL_TEMPLATES[int(rnd() * len(_URL_TEMPLATES))]
        return template.format(user=user, repo=repo, org=org)


def generate_dumps(
    n_dumps: int,
    seed: int = 0,
    relist_share: float = 1 / 3,
    variant_share: float = 0.05,
    start: dt.date = dt.date(2025, 1, 6),
    papers_per_dump: tuple[int, int] = (50, 100),
    plants: Sequence[PlantedPhrase] = (),
) -> Iterator[SyntheticDump]:
    """Yield ``n_dumps`` synthetic dumps, one per consecutive day from ``start`` (deterministic);
    ``plants`` put phrases into new papers from a given dump on (see ``PlantedPhrase``)."""
    low, high = papers_per_dump
    if n_dumps < 0:
        raise ValueError("n_dumps must not be negative")
    if not 1 <= low <= high:
        raise ValueError("papers_per_dump must be (low, high) with 1 <= low <= high")
    if not 0.0 <= relist_share < 1.0:
        raise ValueError("relist_share must be in [0, 1)")
    if not 0.0 <= variant_share <= 1.0:
        raise ValueError("variant_share must be in [0, 1]")
    generator = _Generator(seed, relist_share, variant_share, (low, high), plants)
    # Arguments are checked on the call above; the dumps themselves are made lazily.
    return (
        generator.dump(index, start + dt.timedelta(days=index), index) for index in range(n_dumps)
    )


def write_dumps(out_dir: Path, n_dumps: int, seed: int = 0, **kwargs: Any) -> list[Path]:
    """Write ``generate_dumps(n_dumps, seed, **kwargs)`` to ``out_dir``, each file atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for dump in generate_dumps(n_dumps, seed, **kwargs):
        path = out_dir / dump.file_name
        part = out_dir / (dump.file_name + ".part")
        noon = dt.datetime.combine(dump.listing_date, dt.time(12), tzinfo=dt.UTC).timestamp()
        try:
            part.write_bytes(dump.text.encode("utf-8"))
            os.utime(part, (noon, noon))  # before the rename: the visible file is final at once
            os.replace(part, path)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        paths.append(path)
    return paths
