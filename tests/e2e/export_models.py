#!/usr/bin/python3
"""Export the end-to-end test models of txc with PyTorch.

Run with Debian's Python (it has torch, onnx and numpy):

    /usr/bin/python3 tests/e2e/export_models.py            # tiny models -> tests/e2e/models/
    /usr/bin/python3 tests/e2e/export_models.py --full-size bert-base --out /tmp/txc-models
    /usr/bin/python3 tests/e2e/export_models.py --full-size gpt2 --out /tmp/txc-models
    /usr/bin/python3 tests/e2e/export_models.py --full-size gpt2-past --out /tmp/txc-models

Tiny models (committed, each folder holds model.onnx, input_<name>.npy,
output_<name>.npy and manifest.txt):

    bert_tiny_opset{14,17}       BERT-like encoder (input_ids, attention_mask,
                                 token_type_ids -> last_hidden_state)
    gpt2_tiny_opset{14,17}       GPT-2-like decoder (input_ids -> logits)
    gpt2_tiny_past_opset{14,17}  same weights, with KV past
                                 (input_ids, past_key_i, past_value_i
                                  -> logits, present_key_i, present_value_i)
    llama_tiny_opset{14,17}      LLaMA-like decoder: RMSNorm, RoPE, GQA 4/2 heads,
                                 SiLU-gated MLP (input_ids -> logits)
    vit_tiny_opset{14,17}        ViT-like classifier: Conv2d patches, class token
                                 (pixel_values -> logits)
    whisper_encoder_tiny_opset{14,17}
                                 Whisper-like audio encoder: 2 Conv1d, sinusoidal
                                 positions (input_features -> last_hidden_state)

The models are written by hand in the style of Hugging Face transformers
(which is not needed), so the exported graphs have the same shape arithmetic,
mask construction and op patterns as real BERT / GPT-2 / LLaMA / ViT / Whisper
exports.

Full-size models (--full-size) have random weights and no test data; they are
for import-time measurements and must not be committed.
"""

import argparse
import math
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 0
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "models")

# --------------------------------------------------------------------------
# Configurations
# --------------------------------------------------------------------------

BERT_TINY = dict(vocab_size=100, num_layers=2, hidden=64, num_heads=2,
                 intermediate=128, max_positions=64, type_vocab_size=2,
                 layer_norm_eps=1e-12)
BERT_BASE = dict(vocab_size=30522, num_layers=12, hidden=768, num_heads=12,
                 intermediate=3072, max_positions=512, type_vocab_size=2,
                 layer_norm_eps=1e-12)
GPT2_TINY = dict(vocab_size=100, num_layers=2, hidden=64, num_heads=2,
                 n_positions=64, layer_norm_eps=1e-5)
GPT2_SMALL = dict(vocab_size=50257, num_layers=12, hidden=768, num_heads=12,
                  n_positions=1024, layer_norm_eps=1e-5)
LLAMA_TINY = dict(vocab_size=100, num_layers=2, hidden=64, num_heads=4,
                  num_kv_heads=2, intermediate=128, rms_norm_eps=1e-6,
                  rope_theta=10000.0)
VIT_TINY = dict(image_size=32, patch_size=8, num_channels=3, hidden=64,
                num_layers=2, num_heads=2, intermediate=128, num_labels=10,
                layer_norm_eps=1e-12)
WHISPER_ENCODER_TINY = dict(num_mel_bins=16, hidden=64, num_layers=2, num_heads=2,
                            ffn=128, max_source_positions=64, layer_norm_eps=1e-5)


# --------------------------------------------------------------------------
# BERT-like encoder
# --------------------------------------------------------------------------

class BertSelfAttention(nn.Module):
    def __init__(self, hidden, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.head_size = hidden // num_heads
        self.all_head_size = hidden
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)

    def transpose_for_scores(self, x):
        # [b, s, h] -> [b, heads, s, head_size], as HF does it (size() + view).
        new_shape = x.size()[:-1] + (self.num_heads, self.head_size)
        x = x.view(new_shape)
        return x.permute(0, 2, 1, 3)

    def forward(self, hidden_states, extended_mask):
        q = self.transpose_for_scores(self.query(hidden_states))
        k = self.transpose_for_scores(self.key(hidden_states))
        v = self.transpose_for_scores(self.value(hidden_states))
        scores = torch.matmul(q, k.transpose(-1, -2))
        scores = scores / math.sqrt(self.head_size)
        scores = scores + extended_mask
        probs = F.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v)
        ctx = ctx.permute(0, 2, 1, 3).contiguous()
        new_shape = ctx.size()[:-2] + (self.all_head_size,)
        return ctx.view(new_shape)


class BertLayer(nn.Module):
    def __init__(self, hidden, num_heads, intermediate, eps):
        super().__init__()
        self.attention = BertSelfAttention(hidden, num_heads)
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.output = nn.Linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x, extended_mask):
        a = self.attention(x, extended_mask)
        x = self.attention_norm(self.attention_output(a) + x)
        h = F.gelu(self.intermediate(x))  # erf GELU
        return self.output_norm(self.output(h) + x)


class BertEncoderModel(nn.Module):
    def __init__(self, vocab_size, num_layers, hidden, num_heads, intermediate,
                 max_positions, type_vocab_size, layer_norm_eps):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, hidden)
        self.position_embeddings = nn.Embedding(max_positions, hidden)
        self.token_type_embeddings = nn.Embedding(type_vocab_size, hidden)
        self.embeddings_norm = nn.LayerNorm(hidden, eps=layer_norm_eps)
        self.register_buffer("position_ids",
                             torch.arange(max_positions).expand((1, -1)))
        self.layers = nn.ModuleList(
            BertLayer(hidden, num_heads, intermediate, layer_norm_eps)
            for _ in range(num_layers))

    def forward(self, input_ids, attention_mask, token_type_ids):
        seq_length = input_ids.size(1)
        position_ids = self.position_ids[:, :seq_length]
        x = (self.word_embeddings(input_ids)
             + self.token_type_embeddings(token_type_ids)
             + self.position_embeddings(position_ids))
        x = self.embeddings_norm(x)
        # HF get_extended_attention_mask: [b, s] -> [b, 1, 1, s], additive.
        ext = attention_mask[:, None, None, :].to(dtype=x.dtype)
        ext = (1.0 - ext) * -10000.0
        for layer in self.layers:
            x = layer(x, ext)
        return x


# --------------------------------------------------------------------------
# GPT-2-like decoder
# --------------------------------------------------------------------------

def gpt2_gelu(x):
    # GPT-2's "gelu_new": tanh approximation.
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi)
                                       * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, hidden, num_heads, n_positions):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = hidden // num_heads
        self.split_size = hidden
        self.register_buffer(
            "bias",
            torch.tril(torch.ones((n_positions, n_positions), dtype=torch.bool))
            .view(1, 1, n_positions, n_positions))
        self.c_attn = nn.Linear(hidden, 3 * hidden)
        self.c_proj = nn.Linear(hidden, hidden)

    def split_heads(self, t):
        new_shape = t.size()[:-1] + (self.num_heads, self.head_dim)
        t = t.view(new_shape)
        return t.permute(0, 2, 1, 3)  # [b, heads, s, head_dim]

    def merge_heads(self, t):
        t = t.permute(0, 2, 1, 3).contiguous()
        new_shape = t.size()[:-2] + (self.num_heads * self.head_dim,)
        return t.view(new_shape)

    def attn(self, q, k, v):
        w = torch.matmul(q, k.transpose(-1, -2))
        w = w / torch.full([], v.size(-1) ** 0.5, dtype=w.dtype, device=w.device)
        query_length, key_length = q.size(-2), k.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length:key_length, :key_length]
        mask_value = torch.finfo(w.dtype).min
        mask_value = torch.full([], mask_value, dtype=w.dtype, device=w.device)
        w = torch.where(causal_mask, w, mask_value)
        w = F.softmax(w, dim=-1)
        return torch.matmul(w, v)

    def forward(self, x, layer_past=None):
        q, k, v = self.c_attn(x).split(self.split_size, dim=2)
        q = self.split_heads(q)
        k = self.split_heads(k)
        v = self.split_heads(v)
        if layer_past is not None:
            past_key, past_value = layer_past
            k = torch.cat((past_key, k), dim=-2)
            v = torch.cat((past_value, v), dim=-2)
        present = (k, v)
        a = self.merge_heads(self.attn(q, k, v))
        return self.c_proj(a), present


class GPT2Block(nn.Module):
    def __init__(self, hidden, num_heads, n_positions, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden, eps=eps)
        self.attn = GPT2Attention(hidden, num_heads, n_positions)
        self.ln_2 = nn.LayerNorm(hidden, eps=eps)
        self.c_fc = nn.Linear(hidden, 4 * hidden)
        self.c_proj = nn.Linear(4 * hidden, hidden)

    def forward(self, x, layer_past=None):
        a, present = self.attn(self.ln_1(x), layer_past)
        x = x + a
        x = x + self.c_proj(gpt2_gelu(self.c_fc(self.ln_2(x))))
        return x, present


class GPT2LMModel(nn.Module):
    def __init__(self, vocab_size, num_layers, hidden, num_heads, n_positions,
                 layer_norm_eps):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, hidden)
        self.wpe = nn.Embedding(n_positions, hidden)
        self.h = nn.ModuleList(
            GPT2Block(hidden, num_heads, n_positions, layer_norm_eps)
            for _ in range(num_layers))
        self.ln_f = nn.LayerNorm(hidden, eps=layer_norm_eps)

    def run(self, input_ids, past=None):
        """past: list of (key, value) per layer or None. Returns logits, presents."""
        input_shape = input_ids.size()
        input_ids = input_ids.view(-1, input_shape[-1])
        past_length = 0 if past is None else past[0][0].size(-2)
        position_ids = torch.arange(past_length, input_shape[-1] + past_length,
                                    dtype=torch.long, device=input_ids.device)
        position_ids = position_ids.unsqueeze(0).view(-1, input_shape[-1])
        x = self.wte(input_ids) + self.wpe(position_ids)
        presents = []
        for i, block in enumerate(self.h):
            x, present = block(x, None if past is None else past[i])
            presents.append(present)
        x = self.ln_f(x)
        logits = F.linear(x, self.wte.weight)  # tied LM head
        return logits, presents


class GPT2NoPast(nn.Module):
    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids):
        logits, _ = self.lm.run(input_ids)
        return logits


class GPT2WithPast(nn.Module):
    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1])
                for i in range(len(past_flat) // 2)]
        logits, presents = self.lm.run(input_ids, past)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        return tuple(out)


# --------------------------------------------------------------------------
# LLaMA-like decoder (RMSNorm, rotary embeddings, grouped-query attention)
# --------------------------------------------------------------------------

class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        # As HF computes it: in float32, x * rsqrt(mean(x^2) + eps) * weight.
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


class LlamaRotaryEmbedding(nn.Module):
    """HF >= 4.38 form: cos/sin computed from position_ids inside the model."""

    def __init__(self, dim, base):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, x, position_ids):
        inv_freq_expanded = self.inv_freq[None, :, None].float().expand(
            position_ids.shape[0], -1, 1)
        position_ids_expanded = position_ids[:, None, :].float()
        freqs = (inv_freq_expanded.float() @ position_ids_expanded.float()).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(dtype=x.dtype), emb.sin().to(dtype=x.dtype)


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    return (q * cos) + (rotate_half(q) * sin), (k * cos) + (rotate_half(k) * sin)


def repeat_kv(hidden_states, n_rep):
    # [b, kv_heads, s, d] -> [b, kv_heads * n_rep, s, d], as HF's repeat_kv.
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(
        batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


class LlamaAttention(nn.Module):
    def __init__(self, hidden, num_heads, num_kv_heads):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = hidden // num_heads
        self.num_key_value_heads = num_kv_heads
        self.num_key_value_groups = num_heads // num_kv_heads
        self.q_proj = nn.Linear(hidden, num_heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, num_kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, num_kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(num_heads * self.head_dim, hidden, bias=False)

    def forward(self, x, cos, sin, causal_mask):
        bsz, q_len, _ = x.size()
        q = self.q_proj(x).view(bsz, q_len, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(bsz, q_len, self.num_key_value_heads,
                                self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(bsz, q_len, self.num_key_value_heads,
                                self.head_dim).transpose(1, 2)
        q, k = apply_rotary_pos_emb(q, k, cos, sin)
        k = repeat_kv(k, self.num_key_value_groups)
        v = repeat_kv(v, self.num_key_value_groups)
        w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
        w = w + causal_mask
        w = F.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        a = torch.matmul(w, v)
        a = a.transpose(1, 2).contiguous().reshape(bsz, q_len, -1)
        return self.o_proj(a)


class LlamaMLP(nn.Module):
    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, hidden, num_heads, num_kv_heads, intermediate, eps):
        super().__init__()
        self.input_layernorm = LlamaRMSNorm(hidden, eps)
        self.self_attn = LlamaAttention(hidden, num_heads, num_kv_heads)
        self.post_attention_layernorm = LlamaRMSNorm(hidden, eps)
        self.mlp = LlamaMLP(hidden, intermediate)

    def forward(self, x, cos, sin, causal_mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, causal_mask)
        return x + self.mlp(self.post_attention_layernorm(x))


def make_causal_mask(bsz, tgt_len, dtype):
    # HF's _make_causal_mask (no past): [b, 1, s, s], 0 on and below the
    # diagonal, float32 min above it.
    mask = torch.full((tgt_len, tgt_len), torch.finfo(dtype).min)
    mask_cond = torch.arange(mask.size(-1))
    mask.masked_fill_(mask_cond < (mask_cond + 1).view(mask.size(-1), 1), 0)
    mask = mask.to(dtype)
    return mask[None, None, :, :].expand(bsz, 1, tgt_len, tgt_len)


class LlamaLMModel(nn.Module):
    def __init__(self, vocab_size, num_layers, hidden, num_heads, num_kv_heads,
                 intermediate, rms_norm_eps, rope_theta):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab_size, hidden)
        self.layers = nn.ModuleList(
            LlamaDecoderLayer(hidden, num_heads, num_kv_heads, intermediate, rms_norm_eps)
            for _ in range(num_layers))
        self.norm = LlamaRMSNorm(hidden, rms_norm_eps)
        self.rotary_emb = LlamaRotaryEmbedding(hidden // num_heads, rope_theta)
        self.lm_head = nn.Linear(hidden, vocab_size, bias=False)

    def forward(self, input_ids):
        bsz, seq_length = input_ids.shape
        position_ids = torch.arange(0, seq_length, dtype=torch.long).unsqueeze(0)
        x = self.embed_tokens(input_ids)
        cos, sin = self.rotary_emb(x, position_ids)
        causal_mask = make_causal_mask(bsz, seq_length, x.dtype)
        for layer in self.layers:
            x = layer(x, cos, sin, causal_mask)
        return self.lm_head(self.norm(x))


# --------------------------------------------------------------------------
# ViT-like image classifier
# --------------------------------------------------------------------------

class ViTSelfAttention(BertSelfAttention):
    def forward(self, hidden_states):
        q = self.transpose_for_scores(self.query(hidden_states))
        k = self.transpose_for_scores(self.key(hidden_states))
        v = self.transpose_for_scores(self.value(hidden_states))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size)
        probs = F.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.size()[:-2] + (self.all_head_size,))


class ViTLayer(nn.Module):
    def __init__(self, hidden, num_heads, intermediate, eps):
        super().__init__()
        self.layernorm_before = nn.LayerNorm(hidden, eps=eps)
        self.attention = ViTSelfAttention(hidden, num_heads)
        self.attention_output = nn.Linear(hidden, hidden)
        self.layernorm_after = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.output = nn.Linear(intermediate, hidden)

    def forward(self, x):
        x = self.attention_output(self.attention(self.layernorm_before(x))) + x
        return self.output(F.gelu(self.intermediate(self.layernorm_after(x)))) + x


class ViTClassifier(nn.Module):
    def __init__(self, image_size, patch_size, num_channels, hidden, num_layers,
                 num_heads, intermediate, num_labels, layer_norm_eps):
        super().__init__()
        num_patches = (image_size // patch_size) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, hidden))
        self.position_embeddings = nn.Parameter(torch.zeros(1, num_patches + 1, hidden))
        self.projection = nn.Conv2d(num_channels, hidden, kernel_size=patch_size,
                                    stride=patch_size)
        self.layers = nn.ModuleList(
            ViTLayer(hidden, num_heads, intermediate, layer_norm_eps)
            for _ in range(num_layers))
        self.layernorm = nn.LayerNorm(hidden, eps=layer_norm_eps)
        self.classifier = nn.Linear(hidden, num_labels)

    def forward(self, pixel_values):
        batch_size = pixel_values.shape[0]
        x = self.projection(pixel_values).flatten(2).transpose(1, 2)
        cls_tokens = self.cls_token.expand(batch_size, -1, -1)
        x = torch.cat((cls_tokens, x), dim=1) + self.position_embeddings
        for layer in self.layers:
            x = layer(x)
        x = self.layernorm(x)
        return self.classifier(x[:, 0, :])


# --------------------------------------------------------------------------
# Whisper-like audio encoder
# --------------------------------------------------------------------------

def sinusoids(length, channels, max_timescale=10000):
    """Whisper's sinusoidal position table [length, channels]."""
    log_timescale_increment = np.log(max_timescale) / (channels // 2 - 1)
    inv_timescales = torch.exp(-log_timescale_increment * torch.arange(channels // 2))
    scaled_time = torch.arange(length)[:, np.newaxis] * inv_timescales[np.newaxis, :]
    return torch.cat([torch.sin(scaled_time), torch.cos(scaled_time)], dim=1)


class WhisperAttention(nn.Module):
    """HF's (pre-SDPA) WhisperAttention: scaled q, 3-D bmm over bsz * heads."""

    def __init__(self, hidden, num_heads):
        super().__init__()
        self.embed_dim = hidden
        self.num_heads = num_heads
        self.head_dim = hidden // num_heads
        self.scaling = self.head_dim ** -0.5
        self.k_proj = nn.Linear(hidden, hidden, bias=False)
        self.v_proj = nn.Linear(hidden, hidden)
        self.q_proj = nn.Linear(hidden, hidden)
        self.out_proj = nn.Linear(hidden, hidden)

    def _shape(self, tensor, seq_len, bsz):
        return tensor.view(bsz, seq_len, self.num_heads, self.head_dim).transpose(1, 2).contiguous()

    def forward(self, hidden_states):
        bsz, tgt_len, _ = hidden_states.size()
        q = self.q_proj(hidden_states) * self.scaling
        k = self._shape(self.k_proj(hidden_states), -1, bsz)
        v = self._shape(self.v_proj(hidden_states), -1, bsz)
        proj_shape = (bsz * self.num_heads, -1, self.head_dim)
        q = self._shape(q, tgt_len, bsz).view(*proj_shape)
        k = k.reshape(*proj_shape)
        v = v.reshape(*proj_shape)
        w = F.softmax(torch.bmm(q, k.transpose(1, 2)), dim=-1)
        a = torch.bmm(w, v)
        a = a.view(bsz, self.num_heads, tgt_len, self.head_dim).transpose(1, 2)
        a = a.reshape(bsz, tgt_len, self.embed_dim)
        return self.out_proj(a)


class WhisperEncoderLayer(nn.Module):
    def __init__(self, hidden, num_heads, ffn, eps):
        super().__init__()
        self.self_attn_layer_norm = nn.LayerNorm(hidden, eps=eps)
        self.self_attn = WhisperAttention(hidden, num_heads)
        self.final_layer_norm = nn.LayerNorm(hidden, eps=eps)
        self.fc1 = nn.Linear(hidden, ffn)
        self.fc2 = nn.Linear(ffn, hidden)

    def forward(self, x):
        x = x + self.self_attn(self.self_attn_layer_norm(x))
        return x + self.fc2(F.gelu(self.fc1(self.final_layer_norm(x))))


class WhisperEncoderModel(nn.Module):
    def __init__(self, num_mel_bins, hidden, num_layers, num_heads, ffn,
                 max_source_positions, layer_norm_eps):
        super().__init__()
        self.conv1 = nn.Conv1d(num_mel_bins, hidden, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(hidden, hidden, kernel_size=3, stride=2, padding=1)
        self.register_buffer("embed_positions", sinusoids(max_source_positions, hidden))
        self.layers = nn.ModuleList(
            WhisperEncoderLayer(hidden, num_heads, ffn, layer_norm_eps)
            for _ in range(num_layers))
        self.layer_norm = nn.LayerNorm(hidden, eps=layer_norm_eps)

    def forward(self, input_features):
        x = F.gelu(self.conv1(input_features))
        x = F.gelu(self.conv2(x))
        x = x.permute(0, 2, 1)
        # HF requires 3000 frames and adds the whole table; here the table is
        # sliced to the length so that frames can stay symbolic.
        x = x + self.embed_positions[:x.shape[1]]
        for layer in self.layers:
            x = layer(x)
        return self.layer_norm(x)


# --------------------------------------------------------------------------
# Construction with a fixed seed
# --------------------------------------------------------------------------

def randomize(model, emb_std):
    """Make weights "interesting": non-trivial LayerNorm affine parameters,
    non-zero biases, embeddings large enough that attention is not uniform."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(1.0 + 0.1 * torch.randn_like(m.weight))
                m.bias.copy_(0.1 * torch.randn_like(m.bias))
            elif isinstance(m, LlamaRMSNorm):
                m.weight.copy_(1.0 + 0.1 * torch.randn_like(m.weight))
            elif isinstance(m, nn.Embedding):
                m.weight.normal_(0.0, emb_std)
            elif isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)):
                fan_in = m.weight[0].numel()
                m.weight.normal_(0.0, 1.0 / math.sqrt(fan_in))
                if m.bias is not None:
                    m.bias.normal_(0.0, 0.05)
    return model


def make_bert(cfg):
    torch.manual_seed(SEED)
    return randomize(BertEncoderModel(**cfg), emb_std=0.5).eval()


def make_gpt2(cfg):
    torch.manual_seed(SEED)
    return randomize(GPT2LMModel(**cfg), emb_std=0.5).eval()


def make_llama(cfg):
    torch.manual_seed(SEED)
    return randomize(LlamaLMModel(**cfg), emb_std=0.5).eval()


def make_vit(cfg):
    torch.manual_seed(SEED)
    model = randomize(ViTClassifier(**cfg), emb_std=0.5)
    with torch.no_grad():
        model.cls_token.normal_(0.0, 0.5)
        model.position_embeddings.normal_(0.0, 0.5)
    return model.eval()


def make_whisper_encoder(cfg):
    torch.manual_seed(SEED)
    return randomize(WhisperEncoderModel(**cfg), emb_std=0.5).eval()


# --------------------------------------------------------------------------
# Export helpers
# --------------------------------------------------------------------------

TOTAL = "past_sequence + sequence"


def bert_spec(num_layers):
    inputs = ["input_ids", "attention_mask", "token_type_ids"]
    outputs = ["last_hidden_state"]
    axes = {n: {0: "batch", 1: "sequence"} for n in inputs + outputs}
    return inputs, outputs, axes


def gpt2_spec(num_layers):
    inputs = ["input_ids"]
    outputs = ["logits"]
    axes = {n: {0: "batch", 1: "sequence"} for n in inputs + outputs}
    return inputs, outputs, axes


def gpt2_past_spec(num_layers):
    inputs = ["input_ids"]
    outputs = ["logits"]
    axes = {"input_ids": {0: "batch", 1: "sequence"},
            "logits": {0: "batch", 1: "sequence"}}
    for i in range(num_layers):
        for kind in ("key", "value"):
            inputs.append(f"past_{kind}_{i}")
            outputs.append(f"present_{kind}_{i}")
            axes[f"past_{kind}_{i}"] = {0: "batch", 2: "past_sequence"}
            axes[f"present_{kind}_{i}"] = {0: "batch", 2: TOTAL}
    return inputs, outputs, axes


def llama_spec(num_layers):
    return gpt2_spec(num_layers)


def vit_spec(num_layers):
    return (["pixel_values"], ["logits"],
            {"pixel_values": {0: "batch"}, "logits": {0: "batch"}})


def whisper_encoder_spec(num_layers):
    # The output length is ceil(frames / 2) (conv2 has stride 2, padding 1);
    # the dim name follows Optimum's "encoder_sequence_length / 2".
    return (["input_features"], ["last_hidden_state"],
            {"input_features": {0: "batch", 2: "frames"},
             "last_hidden_state": {0: "batch", 1: "frames / 2"}})


def export(module, args, path, opset, spec):
    inputs, outputs, axes = spec
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(module, tuple(args), path, opset_version=opset,
                          input_names=inputs, output_names=outputs,
                          dynamic_axes=axes, do_constant_folding=True,
                          export_params=True)
        pin_static_dims(path, spec, module(*args))


def pin_static_dims(path, spec, results):
    """Declare the static dims of the graph outputs that the exporter lost.

    torch 1.13's shape inference forgets every dim of a Slice with a dynamic
    end (whisper's position table sliced to the length), so the output is
    declared [batch, frames / 2, <generated name>] although its last dim is 64.
    Such a dim (not a dynamic axis) gets the size PyTorch produced; the file is
    rewritten only when something changed."""
    inputs, outputs, axes = spec
    if isinstance(results, torch.Tensor):
        results = (results,)
    model = onnx.load(path, load_external_data=False)
    changed = False
    for vi, r in zip(model.graph.output, results):
        for i, d in enumerate(vi.type.tensor_type.shape.dim):
            if i not in axes.get(vi.name, {}) and not d.HasField("dim_value"):
                d.dim_value = r.shape[i]  # clears dim_param (a oneof)
                changed = True
    if changed:
        onnx.save(model, path)


def op_types(model):
    ops = set()

    def walk(graph):
        for n in graph.node:
            ops.add(n.op_type if not n.domain else n.domain + "." + n.op_type)
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)
                for g in a.graphs:
                    walk(g)
    walk(model.graph)
    return sorted(ops)


def dims_of(value_info):
    t = value_info.type.tensor_type
    return [d.dim_param if d.HasField("dim_param") else d.dim_value
            for d in t.shape.dim]


def check_onnx(path, spec, expect_external=False):
    """check_model, no external data, every dynamic axis symbolic in the graph."""
    inputs, outputs, axes = spec
    model = onnx.load(path, load_external_data=False)
    onnx.checker.check_model(path)  # path form also works for large models
    ext = [i.name for i in model.graph.initializer
           if i.data_location == onnx.TensorProto.EXTERNAL]
    if ext and not expect_external:
        raise AssertionError(f"{path}: {len(ext)} initializers use external data")
    got_in = [i.name for i in model.graph.input]
    got_out = [o.name for o in model.graph.output]
    if got_in != inputs or got_out != outputs:
        raise AssertionError(f"{path}: inputs {got_in} / outputs {got_out}, "
                             f"expected {inputs} / {outputs}")
    for vi in list(model.graph.input) + list(model.graph.output):
        d = dims_of(vi)
        for axis, name in axes[vi.name].items():
            if d[axis] != name:
                raise AssertionError(f"{path}: {vi.name} dim {axis} is {d[axis]!r}, "
                                     f"expected symbolic {name!r}")
        for axis, v in enumerate(d):
            if axis not in axes[vi.name] and not isinstance(v, int):
                raise AssertionError(f"{path}: {vi.name} dim {axis} is {v!r}, "
                                     f"expected static")
    return model


# --------------------------------------------------------------------------
# A minimal NumPy evaluator for the ONNX ops these exports use. There is no
# onnxruntime for Debian's Python; this runs the exported graphs themselves,
# at the test shapes and at other shapes, to prove they are correct and that
# the dynamic axes really are dynamic (no shape baked in by tracing).
# --------------------------------------------------------------------------

_erf = np.frompyfunc(math.erf, 1, 1)


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _ints(x):
    return [int(v) for v in np.asarray(x).reshape(-1)]


def _conv(x, w, b, a):
    """ONNX Conv, any number of spatial dims, group 1, explicit pads."""
    assert a.get("group", 1) == 1 and a.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET")
    nsp = x.ndim - 2
    ks = w.shape[2:]
    strides = a.get("strides", [1] * nsp)
    dil = a.get("dilations", [1] * nsp)
    pads = a.get("pads", [0] * (2 * nsp))
    xp = np.pad(x, [(0, 0), (0, 0)] + [(pads[i], pads[i + nsp]) for i in range(nsp)])
    outs = [(xp.shape[2 + i] - dil[i] * (ks[i] - 1) - 1) // strides[i] + 1
            for i in range(nsp)]
    y = np.zeros((x.shape[0], w.shape[0], *outs), dtype=np.float64)
    for k in np.ndindex(*ks):
        idx = tuple(slice(k[i] * dil[i], k[i] * dil[i] + (outs[i] - 1) * strides[i] + 1,
                          strides[i]) for i in range(nsp))
        patch = xp[(slice(None), slice(None)) + idx]            # [n, c, *outs]
        y += np.einsum("nc...,oc->no...", patch, w[(slice(None), slice(None)) + k])
    if b is not None:
        y += b.reshape((1, -1) + (1,) * nsp)
    return y.astype(x.dtype)


def _np_op(op, x, a):
    """x: list of input arrays (None for absent optional inputs); a: attributes."""
    if op in ("Add", "Sub", "Mul", "Div", "Pow"):
        f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
             "Div": np.divide, "Pow": np.power}[op]
        if op == "Div" and np.issubdtype(x[0].dtype, np.integer):
            return [x[0] // x[1]]
        return [f(x[0], x[1]).astype(x[0].dtype)]
    if op in ("Sqrt", "Tanh", "Cos", "Sin", "Exp"):
        return [getattr(np, op.lower())(x[0])]
    if op == "Neg":
        return [np.negative(x[0])]
    if op == "Reciprocal":
        return [(1 / x[0]).astype(x[0].dtype)]
    if op == "Sigmoid":
        return [(1 / (1 + np.exp(-x[0]))).astype(x[0].dtype)]
    if op in ("Equal", "Less", "Greater"):
        f = {"Equal": np.equal, "Less": np.less, "Greater": np.greater}[op]
        return [f(x[0], x[1])]
    if op == "Not":
        return [np.logical_not(x[0])]
    if op == "Expand":
        shape = _ints(x[1])
        # ONNX Expand broadcasts both ways (a 1 in the shape keeps the input dim).
        out = np.broadcast_shapes(x[0].shape, tuple(shape))
        return [np.broadcast_to(x[0], out).copy()]
    if op == "Flatten":
        ax = a.get("axis", 1) % max(x[0].ndim, 1)
        return [x[0].reshape(int(np.prod(x[0].shape[:ax])), -1)]
    if op == "Gemm":
        A = x[0].T if a.get("transA", 0) else x[0]
        B = x[1].T if a.get("transB", 0) else x[1]
        y = a.get("alpha", 1.0) * (A @ B)
        if len(x) > 2 and x[2] is not None:
            y = y + a.get("beta", 1.0) * x[2]
        return [y.astype(x[0].dtype)]
    if op == "Conv":
        return [_conv(x[0], x[1], x[2] if len(x) > 2 else None, a)]
    if op == "Erf":
        return [_erf(x[0]).astype(x[0].dtype)]
    if op == "Identity":
        return [x[0]]
    if op == "Constant":
        return [onnx.numpy_helper.to_array(a["value"])]
    if op == "ConstantOfShape":
        v = onnx.numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return [np.full(_ints(x[0]), v.reshape(-1)[0], dtype=v.dtype)]
    if op == "Shape":
        return [np.array(x[0].shape, dtype=np.int64)[a.get("start", 0):a.get("end")]]
    if op == "Cast":
        return [x[0].astype(onnx.helper.tensor_dtype_to_np_dtype(a["to"])
                            if hasattr(onnx.helper, "tensor_dtype_to_np_dtype")
                            else onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]])]
    if op == "Gather":
        return [np.take(x[0], x[1], axis=a.get("axis", 0))]
    if op == "Concat":
        return [np.concatenate(x, axis=a["axis"])]
    if op == "Unsqueeze":
        y = x[0]
        for ax in sorted(v % (y.ndim + len(_ints(x[1]))) for v in _ints(x[1])):
            y = np.expand_dims(y, ax)
        return [y]
    if op == "Squeeze":
        axes = _ints(x[1]) if len(x) > 1 and x[1] is not None else None
        return [np.squeeze(x[0], axis=None if axes is None else tuple(axes))]
    if op == "Reshape":
        shape = _ints(x[1])
        if not a.get("allowzero", 0):
            shape = [x[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
        return [x[0].reshape(shape)]
    if op == "Transpose":
        return [np.transpose(x[0], a.get("perm"))]
    if op == "Slice":
        starts, ends = _ints(x[1]), _ints(x[2])
        axes = _ints(x[3]) if len(x) > 3 and x[3] is not None else list(range(len(starts)))
        steps = _ints(x[4]) if len(x) > 4 and x[4] is not None else [1] * len(starts)
        idx = [slice(None)] * x[0].ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            idx[ax] = slice(s, e, st)  # Python slicing clamps like ONNX
        return [x[0][tuple(idx)]]
    if op == "Split":
        ax = a.get("axis", 0)
        sizes = _ints(x[1]) if len(x) > 1 and x[1] is not None else a.get("split")
        return np.split(x[0], np.cumsum(sizes)[:-1], axis=ax)
    if op == "Range":
        return [np.arange(x[0], x[1], x[2]).astype(x[0].dtype)]
    if op == "Where":
        return [np.where(x[0], x[1], x[2])]
    if op == "MatMul":
        return [np.matmul(x[0], x[1])]
    if op == "ReduceMean":
        return [np.mean(x[0], axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))]
    if op == "Softmax":
        ax = a.get("axis", -1)
        e = np.exp(x[0] - x[0].max(axis=ax, keepdims=True))
        return [e / e.sum(axis=ax, keepdims=True)]
    if op == "LayerNormalization":
        ax = a.get("axis", -1)
        axes = tuple(range(ax % x[0].ndim, x[0].ndim))
        mean = x[0].mean(axis=axes, keepdims=True)
        var = ((x[0] - mean) ** 2).mean(axis=axes, keepdims=True)
        y = (x[0] - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * x[1]
        return [(y + x[2] if len(x) > 2 and x[2] is not None else y).astype(x[0].dtype)]
    raise NotImplementedError(f"numpy evaluator: no {op}")


def run_onnx_numpy(model, feeds):
    env = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    env.update(feeds)
    for node in model.graph.node:
        x = [env[n] if n else None for n in node.input]
        for name, val in zip(node.output, _np_op(node.op_type, x, _attrs(node))):
            env[name] = np.asarray(val)
    return {o.name: env[o.name] for o in model.graph.output}


def compare(model, feeds, expected, what, tol=1e-4):
    got = run_onnx_numpy(model, feeds)
    worst = 0.0
    for name, ref in expected.items():
        g = got[name]
        if g.shape != ref.shape:
            raise AssertionError(f"{what}: {name} shape {g.shape}, expected {ref.shape}")
        err = float(np.max(np.abs(g.astype(np.float64) - ref)) / (1.0 + np.max(np.abs(ref))))
        if err > tol:
            raise AssertionError(f"{what}: {name} differs from PyTorch (rel err {err:.2e})")
        worst = max(worst, err)
    return worst


def fmt_dims(d):
    return "[" + ", ".join(str(x) for x in d) + "]"


def write_test_data(folder, model, feeds, results):
    """feeds/results: dict name -> np.ndarray, names in ONNX order."""
    lines = [f"# {os.path.basename(folder)}: generated by tests/e2e/export_models.py",
             f"# opset {model.opset_import[0].version}; "
             f"kind name dtype onnx_shape test_shape file"]
    elem = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64"}
    for kind, vis, data in (("input", model.graph.input, feeds),
                            ("output", model.graph.output, results)):
        for vi in vis:
            arr = np.ascontiguousarray(data[vi.name])
            dtype = elem[vi.type.tensor_type.elem_type]
            assert arr.dtype == np.dtype(dtype), (vi.name, arr.dtype, dtype)
            fname = f"{kind}_{vi.name}.npy"
            np.save(os.path.join(folder, fname), arr)
            lines.append(f"{kind} {vi.name} {dtype} {fmt_dims(dims_of(vi))} "
                         f"{fmt_dims(arr.shape)} {fname}")
    with open(os.path.join(folder, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def folder_size(folder):
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))


# --------------------------------------------------------------------------
# Test inputs and PyTorch-side consistency checks
# --------------------------------------------------------------------------

BATCH, SEQ, PAST = 2, 7, 5
FRAMES = 20  # whisper_encoder_tiny test input length (mel frames)


def bert_inputs(batch, seq, gen):
    input_ids = torch.randint(0, 100, (batch, seq), generator=gen, dtype=torch.long)
    attention_mask = torch.ones(batch, seq, dtype=torch.long)
    if batch > 1 and seq > 3:
        attention_mask[1, seq - 3:] = 0  # row 1 is padded (last 3 tokens)
    token_type_ids = torch.zeros(batch, seq, dtype=torch.long)
    token_type_ids[:, seq // 2:] = 1  # second segment
    return input_ids, attention_mask, token_type_ids


def close(a, b, tol=1e-5):
    return torch.allclose(a, b, rtol=tol, atol=tol)


def check_bert(model, ids, mask, tt):
    with torch.no_grad():
        ref = model(ids, mask, tt)
        # 1. batch 1 per row gives the same result (batch is independent).
        for r in range(ids.shape[0]):
            one = model(ids[r:r + 1], mask[r:r + 1], tt[r:r + 1])
            assert close(one[0], ref[r]), "bert: batch rows not independent"
        # 2. padded row: dropping the padded tokens gives the same valid outputs.
        n = int(mask[1].sum())
        short = model(ids[1:2, :n], mask[1:2, :n], tt[1:2, :n])
        assert close(short[0], ref[1, :n]), "bert: padding mask not applied"
        # 3. another batch/sequence runs and has the expected shape.
        g = torch.Generator().manual_seed(123)
        other = model(*bert_inputs(3, 11, g))
        assert other.shape == (3, 11, ref.shape[-1])
    return "rows independent, padding masked, batch 3/seq 11 ok"


def check_gpt2(lm, ids, past_ids):
    with torch.no_grad():
        full, _ = lm.run(ids)
        # causal: a prefix gives the prefix of the logits
        pre, _ = lm.run(ids[:, :4])
        assert close(pre, full[:, :4]), "gpt2: causal mask broken"
        # batch rows independent
        one, _ = lm.run(ids[1:2])
        assert close(one[0], full[1]), "gpt2: batch rows not independent"
        # past: running prefix then the rest with its KV past matches one pass
        cat = torch.cat([past_ids, ids], dim=1)
        whole, whole_presents = lm.run(cat)
        _, past = lm.run(past_ids)
        with_past, presents = lm.run(ids, past)
        assert close(with_past, whole[:, past_ids.shape[1]:], 1e-4), \
            "gpt2: KV past result differs from a single pass"
        for (k, v), (wk, wv) in zip(presents, whole_presents):
            assert close(k, wk, 1e-4) and close(v, wv, 1e-4)
        # other shapes
        g = torch.Generator().manual_seed(123)
        o_ids = torch.randint(0, 100, (3, 11), generator=g)
        o_past = [(k[:1].expand(3, -1, -1, -1)[:, :, :2], v[:1].expand(3, -1, -1, -1)[:, :, :2])
                  for k, v in past]
        o_logits, o_pres = lm.run(o_ids, o_past)
        assert o_logits.shape == (3, 11, 100) and o_pres[0][0].shape == (3, 2, 13, 32)
    return ("causal prefix ok, rows independent, past+new == single pass, "
            "batch 3/seq 11/past 2 ok")


def check_llama(model, ids):
    with torch.no_grad():
        full = model(ids)
        pre = model(ids[:, :4])
        assert close(pre, full[:, :4]), "llama: causal mask broken"
        one = model(ids[1:2])
        assert close(one[0], full[1]), "llama: batch rows not independent"
        g = torch.Generator().manual_seed(123)
        # repeat_kv is repeat_interleave over the head axis (KV head j serves
        # query heads j * n_rep ... j * n_rep + n_rep - 1).
        kv = torch.randn(2, 2, 5, 16, generator=g)
        assert torch.equal(repeat_kv(kv, 2), kv.repeat_interleave(2, dim=1))
        # RMSNorm: x / sqrt(mean(x^2) + eps) * w.
        norm = model.layers[0].input_layernorm
        x = torch.randn(2, 3, 64, generator=g)
        want = x / torch.sqrt((x * x).mean(-1, keepdim=True) + 1e-6) * norm.weight
        assert close(norm(x), want), "llama: RMSNorm"
        # RoPE: rotated q.k depends only on the relative position.
        q, k = torch.randn(1, 1, 1, 16, generator=g), torch.randn(1, 1, 1, 16, generator=g)
        dots = []
        for p0 in (0, 5):
            pos = torch.tensor([[p0, p0 + 3]])
            cos, sin = model.rotary_emb(q, pos)
            rq, _ = apply_rotary_pos_emb(q, q, cos[:, :1], sin[:, :1])
            _, rk = apply_rotary_pos_emb(k, k, cos[:, 1:], sin[:, 1:])
            dots.append(float((rq * rk).sum()))
        assert abs(dots[0] - dots[1]) < 1e-4, "llama: RoPE not relative"
        other = model(torch.randint(0, 100, (3, 11), generator=g))
        assert other.shape == (3, 11, 100)
    return ("causal prefix ok, rows independent, repeat_kv == repeat_interleave, "
            "RMSNorm formula ok, RoPE relative, batch 3/seq 11 ok")


def check_vit(model, px):
    with torch.no_grad():
        ref = model(px)
        one = model(px[1:2])
        assert close(one[0], ref[1]), "vit: batch rows not independent"
        # The stride-8 convolution is a matmul over 8x8 patches in raster order.
        b, p = px.shape[0], 8
        patches = px.unfold(2, p, p).unfold(3, p, p)          # [b, 3, 4, 4, 8, 8]
        patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(b, 16, -1)
        conv = model.projection
        want = patches @ conv.weight.reshape(conv.weight.shape[0], -1).T + conv.bias
        got = conv(px).flatten(2).transpose(1, 2)
        assert close(got, want, 1e-4), "vit: patch embedding"
        g = torch.Generator().manual_seed(123)
        assert model(torch.randn(3, 3, 32, 32, generator=g)).shape == (3, 10)
    return "rows independent, patch embedding == unfold + matmul, batch 3 ok"


def check_whisper_encoder(model, feats):
    with torch.no_grad():
        ref = model(feats)
        one = model(feats[1:2])
        assert close(one[0], ref[1]), "whisper: batch rows not independent"
        table = model.embed_positions.numpy()
        t = np.arange(table.shape[0])[:, None]
        inv = np.exp(-np.log(10000) / 31 * np.arange(32))[None, :]
        assert np.allclose(table, np.concatenate([np.sin(t * inv), np.cos(t * inv)], 1),
                           atol=1e-5), "whisper: sinusoids"
        g = torch.Generator().manual_seed(123)
        for frames, n in ((20, 10), (33, 17), (2, 1)):
            out = model(torch.randn(3, 16, frames, generator=g))
            assert out.shape == (3, n, 64), (frames, out.shape)
    return "rows independent, sinusoid table ok, frames 20/33/2 -> 10/17/1 ok"


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def bert_case(bert, batch, seq, gen):
    ids, mask, tt = bert_inputs(batch, seq, gen)
    with torch.no_grad():
        out = bert(ids, mask, tt)
    feeds = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(),
             "token_type_ids": tt.numpy()}
    return feeds, {"last_hidden_state": out.numpy()}


def gpt2_case(lm, batch, seq, gen):
    ids = torch.randint(0, 100, (batch, seq), generator=gen, dtype=torch.long)
    with torch.no_grad():
        logits, _ = lm.run(ids)
    return {"input_ids": ids.numpy()}, {"logits": logits.numpy()}


def gpt2_past_case(lm, batch, seq, past_seq, gen):
    # The past is the real KV cache of a prefix, so the data is the second step
    # of an actual generation.
    ids = torch.randint(0, 100, (batch, seq), generator=gen, dtype=torch.long)
    past_ids = torch.randint(0, 100, (batch, past_seq), generator=gen, dtype=torch.long)
    with torch.no_grad():
        if past_seq:
            _, past = lm.run(past_ids)
        else:
            h = lm.h[0].attn
            empty = torch.zeros(batch, h.num_heads, 0, h.head_dim)
            past = [(empty, empty)] * len(lm.h)
        logits, presents = lm.run(ids, past)
    feeds, results = {"input_ids": ids.numpy()}, {"logits": logits.numpy()}
    for i, ((pk, pv), (k, v)) in enumerate(zip(past, presents)):
        feeds[f"past_key_{i}"], feeds[f"past_value_{i}"] = pk.numpy(), pv.numpy()
        results[f"present_key_{i}"], results[f"present_value_{i}"] = k.numpy(), v.numpy()
    return feeds, results


def llama_case(model, batch, seq, gen):
    ids = torch.randint(0, 100, (batch, seq), generator=gen, dtype=torch.long)
    with torch.no_grad():
        logits = model(ids)
    return {"input_ids": ids.numpy()}, {"logits": logits.numpy()}


def vit_case(model, batch, gen):
    px = torch.randn(batch, 3, 32, 32, generator=gen)
    with torch.no_grad():
        logits = model(px)
    return {"pixel_values": px.numpy()}, {"logits": logits.numpy()}


def whisper_encoder_case(model, batch, frames, gen):
    feats = torch.randn(batch, 16, frames, generator=gen)
    with torch.no_grad():
        out = model(feats)
    return {"input_features": feats.numpy()}, {"last_hidden_state": out.numpy()}


def export_tiny(out_dir):
    summary = []
    gen = torch.Generator().manual_seed(SEED)
    other = torch.Generator().manual_seed(SEED + 1)

    bert = make_bert(BERT_TINY)
    lm = make_gpt2(GPT2_TINY)
    notes = {
        "bert": check_bert(bert, *bert_inputs(BATCH, SEQ, torch.Generator().manual_seed(7))),
        "gpt2": check_gpt2(lm, torch.randint(0, 100, (BATCH, SEQ), generator=other),
                           torch.randint(0, 100, (BATCH, PAST), generator=other)),
    }
    # (family, module, example args, spec, test case, other-shape cases)
    families = []
    test = bert_case(bert, BATCH, SEQ, gen)
    families.append(("bert_tiny", "bert", bert, bert_spec(2), test,
                     [bert_case(bert, 3, 11, other), bert_case(bert, 1, 1, other)]))
    test = gpt2_case(lm, BATCH, SEQ, gen)
    families.append(("gpt2_tiny", "gpt2", GPT2NoPast(lm).eval(), gpt2_spec(2), test,
                     [gpt2_case(lm, 3, 11, other), gpt2_case(lm, 1, 1, other)]))
    test = gpt2_past_case(lm, BATCH, SEQ, PAST, gen)
    families.append(("gpt2_tiny_past", "gpt2", GPT2WithPast(lm).eval(),
                     gpt2_past_spec(2), test,
                     [gpt2_past_case(lm, 3, 11, 2, other),
                      gpt2_past_case(lm, 1, 1, 9, other),   # one-token decode step
                      gpt2_past_case(lm, 2, 4, 0, other)]))  # empty past

    # Newer families draw from their own generators, so adding one does not
    # change the data of the others.
    llama = make_llama(LLAMA_TINY)
    gen, other = torch.Generator().manual_seed(SEED), torch.Generator().manual_seed(SEED + 1)
    notes["llama"] = check_llama(llama, torch.randint(0, 100, (BATCH, SEQ), generator=other))
    test = llama_case(llama, BATCH, SEQ, gen)
    families.append(("llama_tiny", "llama", llama, llama_spec(2), test,
                     [llama_case(llama, 3, 11, other), llama_case(llama, 1, 1, other)]))

    vit = make_vit(VIT_TINY)
    gen, other = torch.Generator().manual_seed(SEED), torch.Generator().manual_seed(SEED + 1)
    notes["vit"] = check_vit(vit, torch.randn(BATCH, 3, 32, 32, generator=other))
    test = vit_case(vit, BATCH, gen)
    families.append(("vit_tiny", "vit", vit, vit_spec(2), test,
                     [vit_case(vit, 3, other), vit_case(vit, 1, other)]))

    whisper = make_whisper_encoder(WHISPER_ENCODER_TINY)
    gen, other = torch.Generator().manual_seed(SEED), torch.Generator().manual_seed(SEED + 1)
    notes["whisper"] = check_whisper_encoder(
        whisper, torch.randn(BATCH, 16, FRAMES, generator=other))
    test = whisper_encoder_case(whisper, BATCH, FRAMES, gen)
    families.append(("whisper_encoder_tiny", "whisper", whisper, whisper_encoder_spec(2),
                     test, [whisper_encoder_case(whisper, 3, 33, other),  # odd frames
                            whisper_encoder_case(whisper, 1, 2, other)]))

    for family, kind, module, spec, (feeds, results), others in families:
        args = [torch.from_numpy(feeds[n]) for n in spec[0]]
        for opset in (14, 17):
            name = f"{family}_opset{opset}"
            folder = os.path.join(out_dir, name)
            path = os.path.join(folder, "model.onnx")
            export(module, args, path, opset, spec)
            model = check_onnx(path, spec)
            write_test_data(folder, model, feeds, results)
            err = compare(model, feeds, results, name)
            shapes = []
            for f, r in others:
                err = max(err, compare(model, f, r, name))
                shapes.append("x".join(str(d) for d in f[spec[0][0]].shape)
                              + (f"+past{f['past_key_0'].shape[2]}" if "past_key_0" in f else ""))
            summary.append((name, model, folder, notes[kind],
                            f"NumPy run of the ONNX graph matches PyTorch at "
                            f"{'x'.join(str(d) for d in feeds[spec[0][0]].shape)} and {', '.join(shapes)} (max rel err {err:.1e})"))

    print(f"Exported {len(summary)} models to {out_dir}")
    for name, model, folder, note, onnx_note in summary:
        print(f"\n== {name}  ({folder_size(folder)} bytes in folder, "
              f"model.onnx {os.path.getsize(os.path.join(folder, 'model.onnx'))} bytes)")
        for vi in model.graph.input:
            print(f"   in  {vi.name:17s} {fmt_dims(dims_of(vi))}")
        for vi in model.graph.output:
            print(f"   out {vi.name:17s} {fmt_dims(dims_of(vi))}")
        print(f"   {len(model.graph.node)} nodes, ops: {' '.join(op_types(model))}")
        print(f"   onnx.checker ok, dynamic axes symbolic; {onnx_note}")
        print(f"   PyTorch: {note}")


def export_full(which, out_dir):
    if which == "bert-base":
        model = make_bert(BERT_BASE)
        ids = torch.randint(0, 100, (1, 8))
        args = (ids, torch.ones_like(ids), torch.zeros_like(ids))
        spec = bert_spec(BERT_BASE["num_layers"])
        name, module = "bert_base_opset17", model
    elif which == "gpt2":
        lm = make_gpt2(GPT2_SMALL)
        args = (torch.randint(0, 100, (1, 8)),)
        spec = gpt2_spec(GPT2_SMALL["num_layers"])
        name, module = "gpt2_opset17", GPT2NoPast(lm).eval()
    elif which == "gpt2-past":
        lm = make_gpt2(GPT2_SMALL)
        L, H = GPT2_SMALL["num_layers"], GPT2_SMALL["num_heads"]
        D = GPT2_SMALL["hidden"] // H
        args = [torch.randint(0, 100, (1, 1))] + [torch.zeros(1, H, 4, D)] * (2 * L)
        spec = gpt2_past_spec(L)
        name, module = "gpt2_past_opset17", GPT2WithPast(lm).eval()
    else:
        raise SystemExit(f"unknown --full-size {which!r}")
    path = os.path.join(out_dir, name, "model.onnx")
    export(module, args, path, 17, spec)
    size = os.path.getsize(path)
    model = check_onnx(path, spec, expect_external=size >= 2 ** 31)
    print(f"{path}: {size} bytes, {len(model.graph.node)} nodes, "
          f"{len(model.graph.initializer)} initializers")
    print(f"   ops: {' '.join(op_types(model))}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--full-size", choices=["bert-base", "gpt2", "gpt2-past"],
                   help="export a full-size model with random weights (opset 17)")
    p.add_argument("--out", help="output directory (default: tests/e2e/models for "
                   "tiny models; required with --full-size)")
    a = p.parse_args()
    torch.set_grad_enabled(False)
    if a.full_size:
        if not a.out:
            p.error("--full-size needs --out DIR (full-size models are not committed)")
        if os.path.abspath(a.out).startswith(os.path.abspath(HERE)):
            p.error("--out must be outside tests/e2e (full-size models are not committed)")
        export_full(a.full_size, a.out)
    else:
        export_tiny(a.out or DEFAULT_OUT)


if __name__ == "__main__":
    main()
