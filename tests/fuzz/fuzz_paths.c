/* libFuzzer target: the path-table parser (src/model/pathfile.c) and, on small tables
 * it accepts, the models (src/model/fit.c, markov.c). Input: the first byte picks the
 * separator (detected, ',', ';', tab), --no-nulls, the Markov order and the window
 * step; the rest is the file. Checks that feeding the file in windows gives the same
 * outcome and tables as feeding it at once, and that fitted figures are finite, removal
 * effects lie in [0, 1] and the Markov conversions add up to the total. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/markov.h"
#include "attrib/paths.h"

static int parse(const char *s, size_t n, size_t step, const attrib_pathfile_opts *o, attrib_pathfile **out)
{
    attrib_pathfile *pf;
    attrib_pathfile_new("fuzz.csv", o, &pf);
    size_t start = 0, have = 0;
    int rc;
    for (;;) {
        have = step && have + step < n ? have + step : n;
        const int eof = have == n;
        size_t used;
        rc = attrib_pathfile_feed(pf, s + start, have - start, eof, &used);
        if (used > have - start)
            abort();
        if (rc < 0 || eof)
            break;
        start += used;
    }
    if (rc == 0)
        rc = attrib_pathfile_finish(pf);
    *out = pf;
    return rc;
}

static void same_tables(const attrib_pathfile *a, const attrib_pathfile *b)
{
    if (attrib_pathfile_ngroups(a) != attrib_pathfile_ngroups(b) || attrib_pathfile_rows(a) != attrib_pathfile_rows(b))
        abort();
    for (size_t g = 0; g < attrib_pathfile_ngroups(a); g++) {
        attrib_pathgroup x, y;
        attrib_pathfile_group(a, g, &x);
        attrib_pathfile_group(b, g, &y);
        if (x.advertiser_id != y.advertiser_id || x.tab.nchan != y.tab.nchan || x.tab.npaths != y.tab.npaths)
            abort();
        for (size_t k = 0; k < x.tab.nchan; k++)
            if (x.name_len[k] != y.name_len[k] || memcmp(x.names[k], y.names[k], x.name_len[k]) != 0 ||
                (k > 0 && x.name_len[k] == 0))
                abort();
        for (size_t i = 0; i < x.tab.npaths; i++) {
            const uint64_t len = x.tab.off[i + 1] - x.tab.off[i];
            if (len == 0 || len != y.tab.off[i + 1] - y.tab.off[i] || x.tab.conv[i] != y.tab.conv[i] ||
                x.tab.nulls[i] != y.tab.nulls[i] || memcmp(&x.tab.value[i], &y.tab.value[i], sizeof(double)) != 0 ||
                memcmp(x.tab.step + x.tab.off[i], y.tab.step + y.tab.off[i], len * sizeof *x.tab.step) != 0)
                abort();
        }
    }
}

static void check_fit(const attrib_pathgroup *g, int order)
{
    if (g->tab.npaths > 200 || g->tab.off[g->tab.npaths] - g->tab.off[0] > 2000)
        return;
    attrib_fit_result r;
    if (attrib_fit_paths(&g->tab, order, &r) < 0)
        return; /* overflowing counts or values: refused, which is fine */
    double sum = 0.0;
    for (size_t k = 0; k < r.nchan; k++) {
        const double v[] = {r.removal_effect[k], r.markov_conv[k], r.markov_value[k], r.shapley_conv[k],
                            r.first_conv[k], r.last_conv[k], r.linear_conv[k], r.vre[k]};
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
            if (!isfinite(v[i]) || v[i] < -1e-9 * (1 + fabs(v[i])))
                abort();
        if (r.removal_effect[k] > 1.0)
            abort();
        sum += r.markov_conv[k];
    }
    if (r.conversions > 0 && r.conversions < (1ull << 50) &&
        fabs(sum - (double)r.conversions) > 1e-9 * (double)r.conversions)
        abort();
    attrib_fit_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char seps[] = {0, ',', ';', '\t'};
    const attrib_pathfile_opts o = {seps[data[0] & 3], (data[0] >> 2) & 1};
    const int order = 1 + ((data[0] >> 3) & 3);
    const size_t step = 1 + (data[0] >> 5) * 7;
    const char *s = (const char *)data + 1;
    const size_t n = size - 1;
    attrib_pathfile *whole, *pieces;
    const int rc = parse(s, n, 0, &o, &whole);
    const int rc2 = parse(s, n, step, &o, &pieces);
    if ((rc < 0) != (rc2 < 0))
        abort();
    if (rc == 0) {
        same_tables(whole, pieces);
        for (size_t g = 0; g < attrib_pathfile_ngroups(whole); g++) {
            attrib_pathgroup grp;
            attrib_pathfile_group(whole, g, &grp);
            check_fit(&grp, order);
        }
    }
    attrib_pathfile_free(whole);
    attrib_pathfile_free(pieces);
    attrib_err_clear();
    return 0;
}
