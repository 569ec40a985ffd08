/* attrib — data-driven models of one advertiser's journeys (core layer: no MPI, no HDF5).
 *
 * Input: a path table, one row per distinct path (a sequence of channel indices) with
 * its converting count, the sum of those conversions' values and its non-converting
 * ("null") count. Output, per channel: the exact Markov removal effect (orders 1 to 4)
 * and the conversions and value it implies, the simplified Shapley split, and the
 * first, last and linear (repeats counted) conversions. docs/datadriven.md gives the
 * definitions and why the numbers are exact.
 *
 * Determinism: the results depend only on the multiset of rows and on the channel
 * numbering, never on the order of the rows (the rows are sorted before anything is
 * summed, states are numbered in sorted order, every sum runs in a fixed order). Two
 * callers that want bit-identical numbers for the same paths must number channels the
 * same way: `attrib fit` numbers them by name, bytewise; a caller with numeric ids that
 * wants fit's bits numbers them by the bytewise order of their decimal strings.
 *
 * Every function is local (one process, no communication) and returns 0 or a negative
 * attrib_err with the message set (attrib_err_msg).
 */
#ifndef ATTRIB_MARKOV_H
#define ATTRIB_MARKOV_H

#include <stddef.h>
#include <stdint.h>

#define ATTRIB_MARKOV_MAX_ORDER 4

/* One advertiser's paths. Path i is step[off[i] .. off[i+1]) (at least one step; each a
 * channel index < nchan). Rows may repeat a path (their counts add up). The arrays are
 * the caller's; the library only reads them. */
typedef struct attrib_pathtab {
    size_t nchan;
    size_t npaths;
    const uint64_t *off;   /* npaths + 1 offsets */
    const uint32_t *step;  /* off[npaths] channel indices */
    const uint64_t *conv;  /* converting journeys with this path */
    const uint64_t *nulls; /* non-converting journeys with this path (NULL: all 0) */
    const double *value;   /* sum of the converting journeys' values (NULL: all 0);
                              finite, >= 0, and 0 when conv is 0 */
} attrib_pathtab;

/* Solver used for the removal effects (see docs/datadriven.md). */
enum attrib_markov_method {
    ATTRIB_MARKOV_NONE = 0,   /* nothing to solve (no conversion) */
    ATTRIB_MARKOV_DENSE = 1,  /* LAPACK LU of the whole chain */
    ATTRIB_MARKOV_SWEEP = 2,  /* Gauss-Seidel sweeps to a certified 2^-53 relative bound */
};

/* Per-channel results; every array has nchan entries and is owned by the result. */
typedef struct attrib_fit_result {
    size_t nchan;
    int order;
    uint64_t journeys;        /* sum of conv + nulls */
    uint64_t conversions;     /* TC: sum of conv */
    double value;             /* TV: sum of value */
    double p;                 /* conversion probability from start (conversions / journeys) */
    size_t nstates;           /* transient states besides start */
    size_t ntransitions;      /* distinct transient-to-transient transitions (start's included) */
    int method;               /* enum attrib_markov_method */
    unsigned sweeps;          /* Gauss-Seidel sweeps (ATTRIB_MARKOV_SWEEP), summed over blocks */
    double *removal_effect;   /* RE_k = 1 - P_{-k} / P */
    double *vre;              /* value removal effect VRE_k */
    double *markov_conv;      /* TC * RE_k / sum RE */
    double *markov_value;     /* TV * VRE_k / sum VRE */
    double *shapley_conv;     /* sum over converting paths of conv / |S| for k in S */
    double *shapley_value;    /* the same with the path's value */
    double *first_conv, *last_conv, *linear_conv;
    double *first_value, *last_value, *linear_value;
} attrib_fit_result;

/* Local. Fit every model on `t` with Markov order `order` (1..4). *r is filled (zeroed
 * first); free it with attrib_fit_result_free. ATTRIB_EINPUT for a malformed table
 * (empty path, channel out of range, a negative, infinite or NaN value, value without
 * conversions, counts whose sum overflows 64 bits); ATTRIB_EINTERNAL if a chain has a
 * state from which absorption is impossible (cannot happen for counted paths, each of
 * which ends: see docs/datadriven.md). */
int attrib_fit_paths(const attrib_pathtab *t, int order, attrib_fit_result *r);

/* Local. Free the arrays of *r and zero it; NULL ok. */
void attrib_fit_result_free(attrib_fit_result *r);

/* ---- The absorbing chain itself (used by attrib_fit_paths; the entry point for
 * callers that count transitions themselves) ---- */

/* A chain of n transient states, 0 being start, given by integer counts: the distinct
 * transitions from[i] -> to[i] (i < ntrans, to[i] != 0, sorted by (from, to), no
 * duplicate) seen count[i] times, and for every state the walks that ended there in
 * conversion (conv) or not (null), with the value sum of those conversions (value).
 * Transition probabilities are the maximum-likelihood ones: count / the state's total.
 * Group g (a channel) contains the states gstate[goff[g] .. goff[g+1]) (sorted, none is
 * 0); removing g sends every transition into one of its states to null. */
typedef struct attrib_markov_chain {
    size_t n, ntrans, ngroups;
    const uint32_t *from, *to;
    const uint64_t *count;
    const uint64_t *conv, *null;
    const double *value;
    const uint64_t *goff;
    const uint32_t *gstate;
} attrib_markov_chain;

/* Dense LU up to this many transient states (start included), sweeps beyond; the
 * environment variable ATTRIB_MARKOV_DENSE_MAX overrides it (tests force either). */
#define ATTRIB_MARKOV_DENSE_MAX 1000

/* Local. For every group g: rem[g] = (P - P_{-g}) * J and vrem[g] = VRE_g * J, J the
 * number of walks (start's total), P the conversion probability from start, P_{-g} the
 * same with g removed, VRE_g = sum_l m_l (A_l - A_{-g,l}) (A_l: probability of being
 * absorbed in conv with l the last state; m_l the mean value of the conversions ending
 * at l). Both are sums of non-negative terms (no cancellation). *method and *sweeps
 * (either may be NULL) say how it was solved. ATTRIB_EINTERNAL when some state cannot
 * reach absorption (the linear system is singular), naming the state. */
int attrib_markov_removal(const attrib_markov_chain *c, double *rem, double *vrem, int *method,
                          unsigned *sweeps);

#endif
