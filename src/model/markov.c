/* The absorbing chain's removal effects, solved exactly (markov.h; the mathematics is in
 * docs/datadriven.md).
 *
 * Notation: A = I - Q over the n transient states (0 = start), T_i the total count out
 * of state i (transitions, conversions and nulls), J = T_0 the number of walks. For
 * counted walks the expected number of visits to i per walk is T_i / J (the counts
 * balance at every state). For a group (channel) g with states C, let X_l be the
 * expected visits to l, per J walks, that happen after the walk has first entered C.
 * Then (P - P_{-g}) J = sum_l X_l r_l and VRE_g J = sum_l X_l w_l, with r_l = conv_l/T_l
 * and w_l = value_l/T_l: sums of non-negative terms, with no 1 - P_{-g}/P cancellation.
 *
 * Two ways to get them, chosen by the number of states:
 * - dense (LAPACK): N = A^{-1}, h = N r, v = N w; the first-entry counts Z into C solve
 *   N_CC^T Z = T_C; then rem = Z . h_C and vrem = Z . v_C. For order 1 (C = {k}) this is
 *   rem = T_k h_k / N_kk.
 * - sweeps: X_l = T_l on C and X_l = sum_i X_i Q_il elsewhere, solved by Gauss-Seidel
 *   sweeps from X = 0 (outside C), 64 groups at a time. Every term is non-negative, so
 *   the iterates rise monotonically, also in floating point; after a sweep that raised
 *   X by delta in all, the residual sums to at most delta, so rem lacks at most delta
 *   and vrem at most delta * max mean value. The sweeps stop when both bounds are below
 *   2^-53 of the values, or when a sweep changes nothing. */
#include "attrib/markov.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"

#define SWEEP_BLOCK 64
#define SWEEP_MAX 200000u

static size_t dense_max(void)
{
    const char *e = getenv("ATTRIB_MARKOV_DENSE_MAX");
    if (e && *e) {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (*end == '\0')
            return (size_t)v;
    }
    return ATTRIB_MARKOV_DENSE_MAX;
}

/* Checks shared by both solvers: well-formed arrays, balanced counts, and every state
 * that is ever entered or left can reach absorption (otherwise A is singular). */
static int chain_check(const attrib_markov_chain *c, uint64_t *tot)
{
    const size_t n = c->n;
    if (n == 0 || n > UINT32_MAX)
        return attrib_err_set(ATTRIB_EINPUT, "Markov chain: %zu states", n);
    uint64_t *in = attrib_xcalloc(n, sizeof *in);
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        tot[i] = c->conv[i] + c->null[i];
    for (size_t t = 0; t < c->ntrans && rc == 0; t++) {
        const uint32_t f = c->from[t], to = c->to[t];
        if (f >= n || to >= n || to == 0 || f == to)
            rc = attrib_err_set(ATTRIB_EINPUT, "Markov chain: bad transition %u -> %u", f, to);
        else if (t > 0 && (c->from[t - 1] > f || (c->from[t - 1] == f && c->to[t - 1] >= to)))
            rc = attrib_err_set(ATTRIB_EINPUT, "Markov chain: transitions not sorted and distinct");
        else if (__builtin_add_overflow(tot[f], c->count[t], &tot[f]) ||
                 __builtin_add_overflow(in[to], c->count[t], &in[to]))
            rc = attrib_err_set(ATTRIB_EINPUT, "Markov chain: counts overflow 64 bits");
    }
    for (size_t i = 1; i < n && rc == 0; i++)
        if (in[i] != tot[i])
            rc = attrib_err_set(ATTRIB_EINPUT,
                                "Markov chain: state %zu is entered %llu times but left %llu times",
                                i, (unsigned long long)in[i], (unsigned long long)tot[i]);
    for (size_t g = 0; g < c->ngroups && rc == 0; g++)
        for (uint64_t j = c->goff[g]; j < c->goff[g + 1]; j++)
            if (c->gstate[j] == 0 || c->gstate[j] >= n ||
                (j > c->goff[g] && c->gstate[j] <= c->gstate[j - 1]))
                rc = attrib_err_set(ATTRIB_EINPUT, "Markov chain: bad state list of group %zu", g);
    if (rc == 0) {
        /* Backward search from the states that absorb: what it does not reach, among the
         * states with any count, can never be absorbed. */
        size_t *ioff = attrib_xcalloc(n + 1, sizeof *ioff);
        uint32_t *src = attrib_xmalloc((c->ntrans ? c->ntrans : 1) * sizeof *src);
        for (size_t t = 0; t < c->ntrans; t++)
            ioff[c->to[t] + 1]++;
        for (size_t i = 0; i < n; i++)
            ioff[i + 1] += ioff[i];
        size_t *fill = attrib_xmalloc(n * sizeof *fill);
        memcpy(fill, ioff, n * sizeof *fill);
        for (size_t t = 0; t < c->ntrans; t++)
            src[fill[c->to[t]]++] = c->from[t];
        unsigned char *ok = attrib_xcalloc(n, 1);
        uint32_t *stack = attrib_xmalloc(n * sizeof *stack);
        size_t sp = 0;
        for (size_t i = 0; i < n; i++)
            if (c->conv[i] + c->null[i] > 0) {
                ok[i] = 1;
                stack[sp++] = (uint32_t)i;
            }
        while (sp > 0) {
            const uint32_t l = stack[--sp];
            for (size_t k = ioff[l]; k < ioff[l + 1]; k++)
                if (!ok[src[k]]) {
                    ok[src[k]] = 1;
                    stack[sp++] = src[k];
                }
        }
        for (size_t i = 0; i < n && rc == 0; i++)
            if (!ok[i] && tot[i] > 0)
                rc = attrib_err_set(ATTRIB_EINTERNAL,
                                    "Markov chain: state %zu can reach neither conversion nor null "
                                    "(singular system)",
                                    i);
        free(stack);
        free(ok);
        free(fill);
        free(src);
        free(ioff);
    }
    free(in);
    return rc;
}

/* OpenBLAS splits a factorisation over as many threads as the process may use (two
 * for a process alone on these machines, one for a rank that mpirun binds to a core),
 * and the split changes the rounding: the removal effects would then differ in their
 * last bits between a run of 1 process and one of 2 ranks. One thread everywhere keeps
 * them identical for any rank count. Weak: absent with the reference BLAS, which has
 * no threads. */
extern void openblas_set_num_threads(int n) __attribute__((weak));

static void blas_one_thread(void)
{
    if (openblas_set_num_threads)
        openblas_set_num_threads(1);
}

static int solve_dense(const attrib_markov_chain *c, const uint64_t *tot, double *rem, double *vrem)
{
    const size_t n = c->n;
    blas_one_thread();
    double *a = attrib_xcalloc(n * n, sizeof *a); /* column-major */
    lapack_int *ipiv = attrib_xmalloc(n * sizeof *ipiv);
    double *rhs = attrib_xmalloc(2 * n * sizeof *rhs);
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        a[i + i * n] = 1.0;
    for (size_t t = 0; t < c->ntrans; t++)
        a[c->from[t] + (size_t)c->to[t] * n] = -((double)c->count[t] / (double)tot[c->from[t]]);
    for (size_t i = 0; i < n; i++) {
        rhs[i] = tot[i] ? (double)c->conv[i] / (double)tot[i] : 0.0;
        rhs[n + i] = tot[i] && c->conv[i] ? c->value[i] / (double)tot[i] : 0.0;
    }
    lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, a, (lapack_int)n, ipiv);
    if (info == 0)
        info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, 'N', (lapack_int)n, 2, a, (lapack_int)n, ipiv, rhs,
                              (lapack_int)n);
    if (info == 0)
        info = LAPACKE_dgetri(LAPACK_COL_MAJOR, (lapack_int)n, a, (lapack_int)n, ipiv);
    if (info != 0) {
        rc = attrib_err_set(ATTRIB_EINTERNAL, "Markov chain: LAPACK %s (info %d) on %zu states",
                            info > 0 ? "found the system singular" : "failed", (int)info, n);
        goto out;
    }
    const double *h = rhs, *v = rhs + n;
    size_t cmax = 0;
    for (size_t g = 0; g < c->ngroups; g++)
        if (c->goff[g + 1] - c->goff[g] > cmax)
            cmax = c->goff[g + 1] - c->goff[g];
    double *m = attrib_xmalloc((cmax * cmax + cmax + 1) * sizeof *m), *z = m + cmax * cmax;
    lapack_int *piv = attrib_xmalloc((cmax + 1) * sizeof *piv);
    for (size_t g = 0; g < c->ngroups && rc == 0; g++) {
        const uint32_t *s = c->gstate + c->goff[g];
        const size_t k = c->goff[g + 1] - c->goff[g];
        rem[g] = vrem[g] = 0.0;
        if (k == 0)
            continue;
        /* m = N_CC^T (column-major): m[a + b k] = N[s_b, s_a]. */
        for (size_t b = 0; b < k; b++) {
            for (size_t aa = 0; aa < k; aa++)
                m[aa + b * k] = a[s[b] + (size_t)s[aa] * n];
            z[b] = (double)tot[s[b]];
        }
        if (k == 1) {
            z[0] /= m[0];
        } else {
            info = LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)k, 1, m, (lapack_int)k, piv, z, (lapack_int)k);
            if (info != 0)
                rc = attrib_err_set(ATTRIB_EINTERNAL, "Markov chain: LAPACK failed (info %d) on group %zu",
                                    (int)info, g);
        }
        for (size_t b = 0; b < k; b++) {
            rem[g] += z[b] * h[s[b]];
            vrem[g] += z[b] * v[s[b]];
        }
    }
    free(piv);
    free(m);
out:
    free(rhs);
    free(ipiv);
    free(a);
    return rc;
}

static int solve_sweep(const attrib_markov_chain *c, const uint64_t *tot, double *rem, double *vrem,
                       unsigned *sweeps_out)
{
    const size_t n = c->n;
    /* Predecessors of each state with the probability of the step. */
    size_t *poff = attrib_xcalloc(n + 1, sizeof *poff);
    for (size_t t = 0; t < c->ntrans; t++)
        poff[c->to[t] + 1]++;
    for (size_t i = 0; i < n; i++)
        poff[i + 1] += poff[i];
    uint32_t *psrc = attrib_xmalloc((c->ntrans ? c->ntrans : 1) * sizeof *psrc);
    double *pq = attrib_xmalloc((c->ntrans ? c->ntrans : 1) * sizeof *pq);
    size_t *fill = attrib_xmalloc(n * sizeof *fill);
    memcpy(fill, poff, n * sizeof *fill);
    for (size_t t = 0; t < c->ntrans; t++) { /* by (from, to): each list sorted by source */
        const size_t k = fill[c->to[t]]++;
        psrc[k] = c->from[t];
        pq[k] = (double)c->count[t] / (double)tot[c->from[t]];
    }
    free(fill);
    /* The groups each state belongs to (state-major), to pin X_l = T_l on C. */
    size_t *moff = attrib_xcalloc(n + 1, sizeof *moff);
    const uint64_t nmem = c->goff[c->ngroups];
    for (uint64_t j = 0; j < nmem; j++)
        moff[c->gstate[j] + 1]++;
    for (size_t i = 0; i < n; i++)
        moff[i + 1] += moff[i];
    uint32_t *mgrp = attrib_xmalloc((nmem ? nmem : 1) * sizeof *mgrp);
    size_t *mfill = attrib_xmalloc(n * sizeof *mfill);
    memcpy(mfill, moff, n * sizeof *mfill);
    for (size_t g = 0; g < c->ngroups; g++) /* g ascending: each state's list sorted */
        for (uint64_t j = c->goff[g]; j < c->goff[g + 1]; j++)
            mgrp[mfill[c->gstate[j]]++] = (uint32_t)g;
    free(mfill);

    double *r = attrib_xmalloc(n * sizeof *r), *w = attrib_xmalloc(n * sizeof *w), mmax = 0.0;
    for (size_t l = 0; l < n; l++) {
        r[l] = c->conv[l] ? (double)c->conv[l] / (double)tot[l] : 0.0;
        w[l] = c->conv[l] ? c->value[l] / (double)tot[l] : 0.0;
        if (c->conv[l] && c->value[l] / (double)c->conv[l] > mmax)
            mmax = c->value[l] / (double)c->conv[l];
    }
    const double eps = 0x1p-53;
    double *x = attrib_xmalloc(n * SWEEP_BLOCK * sizeof *x);
    double acc[SWEEP_BLOCK], delta[SWEEP_BLOCK], fr[SWEEP_BLOCK], fv[SWEEP_BLOCK];
    unsigned total = 0;
    int rc = 0;
    for (size_t g0 = 0; g0 < c->ngroups && rc == 0; g0 += SWEEP_BLOCK) {
        const size_t nb = c->ngroups - g0 < SWEEP_BLOCK ? c->ngroups - g0 : SWEEP_BLOCK;
        const size_t W = (nb + 7) / 8 * 8; /* row width: a multiple of 8 doubles */
        memset(x, 0, n * W * sizeof *x);
        for (size_t b = 0; b < nb; b++)
            for (uint64_t j = c->goff[g0 + b]; j < c->goff[g0 + b + 1]; j++)
                x[(size_t)c->gstate[j] * W + b] = (double)tot[c->gstate[j]];
        unsigned sweeps = 0;
        for (;;) {
            if (sweeps == SWEEP_MAX) {
                rc = attrib_err_set(ATTRIB_EINTERNAL,
                                    "Markov chain: no convergence after %u sweeps over %zu states "
                                    "(a near-closed loop; ATTRIB_MARKOV_DENSE_MAX=%zu solves it densely)",
                                    SWEEP_MAX, n, n);
                break;
            }
            sweeps++;
            memset(delta, 0, sizeof delta);
            memset(fr, 0, sizeof fr);
            memset(fv, 0, sizeof fv);
            for (size_t l = 0; l < n; l++) {
                double *xl = x + l * W;
                if (poff[l] < poff[l + 1]) { /* start and states never entered stay as set */
                    memset(acc, 0, W * sizeof acc[0]);
                    for (size_t k = poff[l]; k < poff[l + 1]; k++) {
                        const double q = pq[k];
                        const double *xi = x + (size_t)psrc[k] * W;
                        for (size_t b = 0; b < W; b++)
                            acc[b] += q * xi[b];
                    }
                    for (size_t j = moff[l]; j < moff[l + 1]; j++)
                        if (mgrp[j] >= g0 && mgrp[j] < g0 + nb)
                            acc[mgrp[j] - g0] = xl[mgrp[j] - g0]; /* pinned at T_l */
                    for (size_t b = 0; b < W; b++) {
                        delta[b] += acc[b] - xl[b]; /* >= 0: the iterates only rise */
                        xl[b] = acc[b];
                    }
                }
                if (r[l] > 0.0)
                    for (size_t b = 0; b < W; b++) {
                        fr[b] += xl[b] * r[l];
                        fv[b] += xl[b] * w[l];
                    }
            }
            /* Stop when the sweep moved nothing, or when the certified bound on what is
             * left (docs/datadriven.md: at most delta for rem, delta * mmax for vrem) is
             * below 2^-53 of the value. */
            int done = 1;
            for (size_t b = 0; b < nb; b++)
                done &= delta[b] == 0.0 || (delta[b] <= eps * fr[b] && delta[b] * mmax <= eps * fv[b]);
            if (done)
                break;
        }
        total += sweeps;
        for (size_t b = 0; b < nb; b++) {
            double fr1 = 0.0, fv1 = 0.0;
            for (size_t l = 0; l < n; l++) {
                const double xl = x[l * W + b];
                fr1 += xl * r[l];
                fv1 += xl * w[l];
            }
            rem[g0 + b] = fr1;
            vrem[g0 + b] = fv1;
        }
    }
    free(w);
    free(r);
    if (sweeps_out)
        *sweeps_out = total;
    free(x);
    free(mgrp);
    free(moff);
    free(pq);
    free(psrc);
    free(poff);
    return rc;
}

int attrib_markov_removal(const attrib_markov_chain *c, double *rem, double *vrem, int *method,
                          unsigned *sweeps)
{
    if (method)
        *method = ATTRIB_MARKOV_NONE;
    if (sweeps)
        *sweeps = 0;
    for (size_t g = 0; g < c->ngroups; g++)
        rem[g] = vrem[g] = 0.0;
    uint64_t *tot = attrib_xmalloc((c->n ? c->n : 1) * sizeof *tot);
    int rc = chain_check(c, tot);
    uint64_t conv = 0;
    for (size_t i = 0; i < c->n && rc == 0; i++)
        conv += c->conv[i];
    if (rc == 0 && conv > 0 && c->ngroups > 0) {
        if (c->n <= dense_max()) {
            rc = solve_dense(c, tot, rem, vrem);
            if (method)
                *method = ATTRIB_MARKOV_DENSE;
        } else {
            rc = solve_sweep(c, tot, rem, vrem, sweeps);
            if (method)
                *method = ATTRIB_MARKOV_SWEEP;
        }
    }
    free(tot);
    return rc;
}
