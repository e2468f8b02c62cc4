"""A tiny, randomly initialised chat model built on the spot, so training and chat tests need no downloaded weights.

    path = build_tiny_chat_model(tmp_path / "tiny")
    tok = AutoTokenizer.from_pretrained(path); model = AutoModelForCausalLM.from_pretrained(path)
    tok.apply_chat_template([{"role": "user", "content": "你好"}], add_generation_prompt=True)

The tokenizer is a byte-level BPE (any text round-trips, Chinese included) trained in milliseconds on a small built-in
chat corpus plus ``vocab_text``; the chat template marks turns with ``<|system|>``, ``<|user|>``, ``<|assistant|>`` and
ends each with ``<|end|>``, which is also the EOS token (so generation stops at the end of a turn, as with ChatML's
``<|im_end|>``). The model is a two-layer Llama (GQA, RoPE): the same code paths as a real Llama/Qwen checkpoint,
including LoRA's ``q_proj``/``k_proj``/``v_proj``/``o_proj`` targets. Weights are drawn 10x wider than Llama's
default (``initializer_range=0.2``): with 32 hidden units the default makes every logit ~0, and no adapter could
visibly fit a reply within a test's 30 steps. Same seed, same files.
"""
from __future__ import annotations

from pathlib import Path

BOS, EOS_DOC, PAD = "<s>", "</s>", "<pad>"
SYSTEM, USER, ASSISTANT, END = "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"
SPECIAL_TOKENS = [BOS, EOS_DOC, PAD, SYSTEM, USER, ASSISTANT, END]

# One line per role marker; no newline after <|end|>, so an assistant turn is exactly "<|assistant|>\n" + text + END.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ '<|system|>\n' + message['content'] + '<|end|>' }}"
    "{% elif message['role'] == 'user' %}{{ '<|user|>\n' + message['content'] + '<|end|>' }}"
    "{% elif message['role'] == 'assistant' %}{{ '<|assistant|>\n' + message['content'] + '<|end|>' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)

CORPUS = """\
你好，最近怎么样？
还行吧，就是有点忙。你呢？
我也挺好的，周末一起吃饭吗？
好啊，去哪儿吃？火锅还是烧烤？
哈哈哈哈，我都可以，你定吧。
今天加班到很晚，累死了。
早点休息，别太拼了。
明天见！晚安～
谢谢你，我知道了。
没问题，有事再找我。
你是谁？我是你的朋友。
我们下午三点在公司楼下见面。
这个电影真好看，推荐你也去看看。
Hi, how are you doing today?
Not bad, just a bit tired. What about you?
Let's grab dinner this weekend.
Sure, sounds good to me!
Thanks, see you tomorrow.
You are a helpful assistant that talks like the user.
"""


def _train_tokenizer(text: str):
    """Byte-level BPE: no unknown tokens whatever the test text, and merges keep Chinese at ~1 token a character."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, min_frequency=1, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(text.splitlines(), trainer=trainer)
    return tok


def build_tiny_chat_model(out_dir: Path, vocab_text: str | None = None, seed: int = 0) -> Path:
    """Write a tiny random Llama chat model and its tokenizer to ``out_dir`` (``from_pretrained``-loadable); returns
    ``out_dir``. ``vocab_text`` is added to the tokenizer's training corpus so a test's own text tokenises compactly.
    Deterministic for a given seed and text, and leaves the global RNG state untouched."""
    import torch
    from transformers import (
        GenerationConfig,
        LlamaConfig,
        LlamaForCausalLM,
        PreTrainedTokenizerFast,
    )

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = _train_tokenizer(CORPUS + (vocab_text or ""))
    tok = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token=BOS, eos_token=END, pad_token=PAD, unk_token=None,
                                  additional_special_tokens=[EOS_DOC, SYSTEM, USER, ASSISTANT],
                                  model_max_length=512, padding_side="right", clean_up_tokenization_spaces=False)
    tok.chat_template = CHAT_TEMPLATE
    ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    config = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=len(tok), max_position_embeddings=512,
                         bos_token_id=ids[BOS], eos_token_id=ids[END], pad_token_id=ids[PAD],
                         tie_word_embeddings=False, initializer_range=0.2)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(bos_token_id=ids[BOS], eos_token_id=[ids[END], ids[EOS_DOC]],
                                               pad_token_id=ids[PAD])
    model.save_pretrained(out_dir, safe_serialization=True)
    tok.save_pretrained(out_dir)
    return out_dir
