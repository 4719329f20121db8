/* charlang.h - a made-up character language whose best possible loss is
 * known exactly: the text the tiny GPT (gpt.h) learns.
 *
 * The language is an order-3 Markov chain over 27 characters (space and
 * a..z): the next character depends on the three before it, through sparse
 * tables drawn from a seed.
 *   - Each character c has a few possible successors S(c), `successors` of
 *     them: a letter may be followed by a space (words end) and by a few
 *     letters, a space by a few letters only. So one character of context
 *     already rules out most of the alphabet (the bigram entropy is well
 *     below the unigram entropy).
 *   - Each 3-character context (a, b, c) allows only 1..`choices` of the
 *     characters in S(c), with random weights. So the two characters before c
 *     matter too: a model must look three characters back to reach the floor.
 * Because the tables are known, the stationary distribution of 3-character
 * contexts is computed (by power iteration, to 1e-14), and from it every
 * entropy below, exactly. The text itself starts from a context drawn from
 * that distribution, so every position of it is distributed alike. */
#ifndef COMMON_CHARLANG_H
#define COMMON_CHARLANG_H

#include <stddef.h>
#include <stdint.h>

#define CHARLANG_VOCAB 27                  /* ' ' is token 0, 'a'..'z' are 1..26 */
#define CHARLANG_ORDER 3                   /* characters of context that matter */
#define CHARLANG_CONTEXTS (27 * 27 * 27)   /* every 3-character context */
#define CHARLANG_MAX_CHOICES 8

typedef struct {
    int successors;   /* |S(c)|: characters that may follow a character, 2..26 */
    int choices;      /* the most characters a 3-character context allows, 1..8 */
    uint64_t seed;    /* draws the tables */
} CharLangConfig;

/* The book's language. Its entropies, nats per character, given 0, 1, 2 and
 * 3+ characters of context: 3.104, 1.638, 1.156, 0.541 (the entropy rate);
 * the floor of 32-character windows is 0.675 (test_gpt.c checks them against
 * a long text). */
#define CHARLANG_DEFAULTS ((CharLangConfig){.successors = 6, .choices = 3, .seed = 2024})

typedef struct {
    CharLangConfig cfg;
    /* The tables: context ctx = 27*27*a + 27*b + c allows count[ctx]
     * characters next[ctx][k], with probabilities prob[ctx][k]. */
    int count[CHARLANG_CONTEXTS];
    unsigned char next[CHARLANG_CONTEXTS][CHARLANG_MAX_CHOICES];
    double prob[CHARLANG_CONTEXTS][CHARLANG_MAX_CHOICES];
    double stationary[CHARLANG_CONTEXTS];   /* how often each context occurs */
    /* Exact conditional entropies, nats per character, of the next character
     * given 0, 1, 2 and 3 characters before it: entropy[0] is the unigram
     * entropy, entropy[1] the bigram's, entropy[3] the entropy rate (more
     * context does not help: the chain has order 3). */
    double entropy[CHARLANG_ORDER + 1];
} CharLang;

/* Draws the language and computes its entropies. NULL with a message if the
 * config is out of range, memory runs out, or the chain has more than one
 * stationary distribution (then no single floor exists: choose another seed). */
CharLang *charlang_new(const CharLangConfig *cfg, char *err /* [errlen] */, size_t errlen);
void charlang_free(CharLang *lang);

/* n tokens of text (n >= 3) from the seed, stationary from the first character. */
void charlang_generate(const CharLang *lang, uint64_t seed, unsigned char *tokens /* [n] */, size_t n);

/* The lowest mean loss a model can reach when it predicts each character of a
 * window of `window` characters from the characters before it in the window
 * only: position 0 has no context (unigram entropy), position 1 one
 * character, position 2 two; from position 3 on the entropy rate. This is the
 * floor of the GPT problem, a little above the entropy rate. */
double charlang_window_floor(const CharLang *lang, int window);

/* The mean of -log P(token | the 3 before it) over tokens[3..n-1]: the loss
 * of the true tables on this text, a Monte-Carlo estimate of the entropy rate. */
double charlang_cross_entropy(const CharLang *lang, const unsigned char *tokens /* [n] */, size_t n);

/* The character of a token, and the token of a character (-1 if none). */
char charlang_char(int token);
int charlang_token(char c);

#endif
