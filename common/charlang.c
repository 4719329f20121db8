/* charlang.c - the made-up character language and its exact entropies
 * (see charlang.h). */
#include "charlang.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define V CHARLANG_VOCAB
#define PAIRS (V * V)

/* Power iteration stops when a step moves the distribution by less than
 * this (L1); the entropies are then right to about as many digits. */
#define STATIONARY_TOLERANCE 1e-14
#define STATIONARY_MAX_ITERATIONS 200000

char charlang_char(int token)
{
    return token == 0 ? ' ' : (char)('a' + token - 1);
}

int charlang_token(char c)
{
    if (c == ' ') return 0;
    return c >= 'a' && c <= 'z' ? c - 'a' + 1 : -1;
}

/* Draws the sparse tables: first each character's successors S(c), then,
 * for every context (a, b, c), which of S(c) it allows and how likely each is. */
static void draw_tables(CharLang *lang, Rng *rng)
{
    const CharLangConfig *cfg = &lang->cfg;
    unsigned char successors[V][V];
    for (int c = 0; c < V; c++) {
        /* A random order of the letters 1..26; S(c) is its first few, plus
         * the space for a letter (words end), so a space never follows a space. */
        int letters[V - 1];
        for (int i = 0; i < V - 1; i++) letters[i] = i + 1;
        rng_shuffle(rng, letters, V - 1);
        int n = 0;
        if (c != 0) successors[c][n++] = 0;
        for (int i = 0; n < cfg->successors; i++) successors[c][n++] = (unsigned char)letters[i];
    }
    for (int ctx = 0; ctx < CHARLANG_CONTEXTS; ctx++) {
        int c = ctx % V;
        int allowed[V];
        for (int i = 0; i < cfg->successors; i++) allowed[i] = successors[c][i];
        rng_shuffle(rng, allowed, cfg->successors);
        int k = 1 + (int)rng_below(rng, (uint32_t)cfg->choices);
        double total = 0.0;
        for (int i = 0; i < k; i++) {
            lang->next[ctx][i] = (unsigned char)allowed[i];
            /* weights in [0.2, 1.2): no choice is negligible, none certain */
            lang->prob[ctx][i] = 0.2 + rng_uniform(rng);
            total += lang->prob[ctx][i];
        }
        for (int i = 0; i < k; i++) lang->prob[ctx][i] /= total;
        lang->count[ctx] = k;
    }
}

/* The context after `ctx` when token d comes next: drop the oldest character. */
static int shift(int ctx, int d)
{
    return (ctx % PAIRS) * V + d;
}

/* One step of the lazy chain, out = (in + in P) / 2: it has the same
 * stationary distribution as the chain itself, and cannot oscillate even if
 * the chain is periodic. Returns the L1 distance between in and out. */
static double lazy_step(const CharLang *lang, const double *in, double *out)
{
    for (int ctx = 0; ctx < CHARLANG_CONTEXTS; ctx++) out[ctx] = 0.5 * in[ctx];
    for (int ctx = 0; ctx < CHARLANG_CONTEXTS; ctx++) {
        if (in[ctx] == 0.0) continue;
        for (int k = 0; k < lang->count[ctx]; k++)
            out[shift(ctx, lang->next[ctx][k])] += 0.5 * in[ctx] * lang->prob[ctx][k];
    }
    double moved = 0.0;
    for (int ctx = 0; ctx < CHARLANG_CONTEXTS; ctx++) moved += fabs(out[ctx] - in[ctx]);
    return moved;
}

/* Iterates from `start` (overwritten with the result) until it stops moving.
 * Returns 0, or -1 if it did not converge. `work` holds CHARLANG_CONTEXTS doubles. */
static int stationary_from(const CharLang *lang, double *start, double *work)
{
    for (int it = 0; it < STATIONARY_MAX_ITERATIONS; it++) {
        double moved = lazy_step(lang, start, work);
        memcpy(start, work, sizeof(double) * CHARLANG_CONTEXTS);
        if (moved < STATIONARY_TOLERANCE) return 0;
    }
    return -1;
}

static double plogp_sum(const double *p, int n)
{
    double h = 0.0;
    for (int i = 0; i < n; i++)
        if (p[i] > 0.0) h -= p[i] * log(p[i]);
    return h;
}

/* The entropies from the stationary distribution pi of 3-character windows:
 * H(X | 2 before) = H(3 in a row) - H(2 in a row), and so on down. */
static void compute_entropies(CharLang *lang)
{
    const double *pi = lang->stationary;
    double pair[PAIRS] = {0}, single[V] = {0};
    for (int ctx = 0; ctx < CHARLANG_CONTEXTS; ctx++) {
        pair[ctx / V] += pi[ctx];   /* the first two characters of the window */
        single[ctx / PAIRS] += pi[ctx];
    }
    double h3 = plogp_sum(pi, CHARLANG_CONTEXTS), h2 = plogp_sum(pair, PAIRS), h1 = plogp_sum(single, V);
    double rate = 0.0;
    for (int ctx = 0; ctx < CHARLANG_CONTEXTS; ctx++)
        if (pi[ctx] > 0.0) rate += pi[ctx] * plogp_sum(lang->prob[ctx], lang->count[ctx]);
    lang->entropy[0] = h1;
    lang->entropy[1] = h2 - h1;
    lang->entropy[2] = h3 - h2;
    lang->entropy[3] = rate;
}

CharLang *charlang_new(const CharLangConfig *cfg, char *err, size_t errlen)
{
    if (cfg->successors < 2 || cfg->successors > V - 1 || cfg->choices < 1 ||
        cfg->choices > CHARLANG_MAX_CHOICES || cfg->choices > cfg->successors) {
        snprintf(err, errlen, "the language needs 2 <= successors <= 26 and 1 <= choices <= "
                 "min(8, successors) (got successors=%d, choices=%d)", cfg->successors, cfg->choices);
        return NULL;
    }
    CharLang *lang = calloc(1, sizeof *lang);
    double *other = malloc(sizeof(double) * CHARLANG_CONTEXTS);
    double *work = malloc(sizeof(double) * CHARLANG_CONTEXTS);
    if (!lang || !other || !work) {
        snprintf(err, errlen, "out of memory");
        free(lang), free(other), free(work);
        return NULL;
    }
    lang->cfg = *cfg;
    Rng rng;
    rng_seed(&rng, cfg->seed, 41);
    draw_tables(lang, &rng);

    /* The stationary distribution, from a uniform start; then again from the
     * likeliest context alone. If some contexts could never reach others, the
     * two starts would end in different distributions, and text from one
     * start would not have the floor computed from the other. */
    for (int ctx = 0; ctx < CHARLANG_CONTEXTS; ctx++) lang->stationary[ctx] = 1.0 / CHARLANG_CONTEXTS;
    int ok = stationary_from(lang, lang->stationary, work) == 0;
    int likeliest = 0;
    for (int ctx = 1; ctx < CHARLANG_CONTEXTS; ctx++)
        if (lang->stationary[ctx] > lang->stationary[likeliest]) likeliest = ctx;
    memset(other, 0, sizeof(double) * CHARLANG_CONTEXTS);
    other[likeliest] = 1.0;
    ok = ok && stationary_from(lang, other, work) == 0;
    double gap = 0.0;
    for (int ctx = 0; ctx < CHARLANG_CONTEXTS; ctx++) gap += fabs(other[ctx] - lang->stationary[ctx]);
    free(other);
    free(work);
    if (!ok || gap > 1e-9) {
        snprintf(err, errlen, "the language drawn from seed %llu has no single stationary "
                 "distribution; choose another seed", (unsigned long long)cfg->seed);
        free(lang);
        return NULL;
    }
    compute_entropies(lang);
    return lang;
}

void charlang_free(CharLang *lang)
{
    free(lang);
}

/* An index drawn from probabilities p[n] that sum to 1. */
static int draw(Rng *rng, const double *p, int n)
{
    double u = rng_uniform(rng), cumulative = 0.0;
    int last = 0;
    for (int k = 0; k < n; k++) {
        if (p[k] == 0.0) continue;
        cumulative += p[k];
        last = k;
        if (u < cumulative) return k;
    }
    return last;   /* u beyond a total that rounding left just short of 1 */
}

void charlang_generate(const CharLang *lang, uint64_t seed, unsigned char *tokens, size_t n)
{
    Rng rng;
    rng_seed(&rng, seed, 43);
    int ctx = draw(&rng, lang->stationary, CHARLANG_CONTEXTS);
    tokens[0] = (unsigned char)(ctx / PAIRS);
    tokens[1] = (unsigned char)(ctx / V % V);
    tokens[2] = (unsigned char)(ctx % V);
    for (size_t i = CHARLANG_ORDER; i < n; i++) {
        int d = lang->next[ctx][draw(&rng, lang->prob[ctx], lang->count[ctx])];
        tokens[i] = (unsigned char)d;
        ctx = shift(ctx, d);
    }
}

double charlang_window_floor(const CharLang *lang, int window)
{
    double total = 0.0;
    for (int t = 0; t < window; t++) total += lang->entropy[t < CHARLANG_ORDER ? t : CHARLANG_ORDER];
    return total / window;
}

double charlang_cross_entropy(const CharLang *lang, const unsigned char *tokens, size_t n)
{
    double total = 0.0;
    for (size_t i = CHARLANG_ORDER; i < n; i++) {
        int ctx = (tokens[i - 3] * V + tokens[i - 2]) * V + tokens[i - 1];
        double p = 0.0;
        for (int k = 0; k < lang->count[ctx]; k++)
            if (lang->next[ctx][k] == tokens[i]) p = lang->prob[ctx][k];
        total -= log(p);   /* p == 0 (a text not from this language) gives +inf */
    }
    return total / (double)(n - CHARLANG_ORDER);
}
