/* gpt_layers.h - the layers of the tiny GPT (gpt.h): each one a forward and
 * a hand-written backward on plain float32 arrays, one function each, in the
 * style of Karpathy's llm.c (written anew here).
 *
 * Sizes: B windows of T positions, so N = B*T rows; C channels (n_embd), NH
 * heads of C/NH channels, OC output channels of a linear layer, V tokens.
 * Arrays are row-major: inp[N*C] holds row n at inp + n*C.
 *
 * A backward function ADDS (+=) into every gradient it writes, parameters and
 * inputs alike: a tensor that feeds two places (the residual stream, the
 * token embedding tied to the output layer) gets the sum of both gradients.
 * The caller zeroes the gradients once before the backward pass. */
#ifndef COMMON_GPT_LAYERS_H
#define COMMON_GPT_LAYERS_H

#define GPT_MAX_BLOCK_SIZE 256   /* the longest context attention handles */
#define LAYERNORM_EPS 1e-5f      /* nn.LayerNorm's default */

/* out = wte[token] + wpe[position]: token and position embeddings. */
void encoder_forward(float *out /* [N*C] */, const int *tokens /* [N] */,
                     const float *wte /* [V*C] */, const float *wpe /* [T*C] */, int B, int T, int C);
void encoder_backward(float *dwte /* [V*C] */, float *dwpe /* [T*C] */, const float *dout /* [N*C] */,
                      const int *tokens /* [N] */, int B, int T, int C);

/* Normalises each row to mean 0 and variance 1, then scales by weight and
 * shifts by bias; keeps each row's mean and 1/std for the backward pass. */
void layernorm_forward(float *out /* [N*C] */, float *mean /* [N] */, float *rstd /* [N] */,
                       const float *inp /* [N*C] */, const float *weight /* [C] */,
                       const float *bias /* [C] */, int N, int C);
void layernorm_backward(float *dinp /* [N*C] */, float *dweight /* [C] */, float *dbias /* [C] */,
                        const float *dout /* [N*C] */, const float *inp /* [N*C] */,
                        const float *weight /* [C] */, const float *mean /* [N] */,
                        const float *rstd /* [N] */, int N, int C);

/* out = inp weight^T + bias, as nn.Linear (weight is [OC x C]); bias may be NULL. */
void matmul_forward(float *out /* [N*OC] */, const float *inp /* [N*C] */,
                    const float *weight /* [OC*C] */, const float *bias /* [OC] or NULL */,
                    int N, int C, int OC);
/* dbias may be NULL (no bias). */
void matmul_backward(float *dinp /* [N*C] */, float *dweight /* [OC*C] */, float *dbias /* [OC] or NULL */,
                     const float *dout /* [N*OC] */, const float *inp /* [N*C] */,
                     const float *weight /* [OC*C] */, int N, int C, int OC);

/* Causal multi-head self-attention. Each row of qkv is [q | k | v], C each;
 * head h owns channels h*C/NH .. (h+1)*C/NH - 1 of each. Position t attends
 * to positions 0..t of its own window: att[b][h][t][t2] = softmax over t2 of
 * q_t . k_t2 / sqrt(C/NH), zero for t2 > t, and out_t = sum att v_t2.
 * T <= GPT_MAX_BLOCK_SIZE. */
void attention_forward(float *out /* [N*C] */, float *att /* [B*NH*T*T] */,
                       const float *qkv /* [N*3C] */, int B, int T, int C, int NH);
void attention_backward(float *dqkv /* [N*3C] */, const float *dout /* [N*C] */,
                        const float *qkv /* [N*3C] */, const float *att /* [B*NH*T*T] */,
                        int B, int T, int C, int NH);

/* GELU, the tanh approximation GPT-2 uses (nn.GELU(approximate="tanh")). */
void gelu_forward(float *out /* [n] */, const float *inp /* [n] */, int n);
void gelu_backward(float *dinp /* [n] */, const float *inp /* [n] */, const float *dout /* [n] */, int n);

/* out = a + b: the residual connection. It has no backward function: the
 * gradient of out reaches a and b unchanged (gpt.c keeps it in one buffer). */
void residual_forward(float *out /* [n] */, const float *a /* [n] */, const float *b /* [n] */, int n);

/* The sum over rows of -log softmax(logits)[target]; when dlogits is not
 * NULL, adds dloss * (softmax - one_hot(target)) to it: the gradient of
 * dloss times that sum (dloss = 1/N gives the mean's). */
double crossentropy_forward_backward(float *dlogits /* [N*V] or NULL */, const float *logits /* [N*V] */,
                                     const int *targets /* [N] */, int N, int V, float dloss);

#endif
