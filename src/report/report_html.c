/* The report as one self-contained HTML page (include/attrib/report.h): the run, key
 * figures, charts drawn in the page by the vendored Vega-Lite (vendor/vega/, embedded at
 * build time: include/attrib/html_assets.h) from one JSON data block, and the tables. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "attrib/html_assets.h"
#include "attrib/report.h"
#include "attrib/textout.h"
#include "report_fmt.h"

#define F attrib_report_fmt
#define U attrib_report_fmtu
#define KV attrib_report_json_kv

/* Reproduced in every page, as clause 2 of the BSD licence of the bundled library asks. */
static const char vega_notice[] =
    "Bundled below: Vega, Vega-Lite and Vega-Embed (vendor/vega/README.md gives the\n"
    "versions), BSD-3-Clause. Copyright (c) 2015-2023, University of Washington Interactive\n"
    "Data Lab. All rights reserved. Vega bundles modules of d3 (ISC licence, Copyright\n"
    "Mike Bostock).\n\n"
    "Redistribution and use in source and binary forms, with or without modification, are\n"
    "permitted provided that the following conditions are met:\n"
    "1. Redistributions of source code must retain the above copyright notice, this list of\n"
    "   conditions and the following disclaimer.\n"
    "2. Redistributions in binary form must reproduce the above copyright notice, this list\n"
    "   of conditions and the following disclaimer in the documentation and/or other\n"
    "   materials provided with the distribution.\n"
    "3. Neither the name of the copyright holder nor the names of its contributors may be\n"
    "   used to endorse or promote products derived from this software without specific\n"
    "   prior written permission.\n\n"
    "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS \"AS IS\" AND ANY\n"
    "EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF\n"
    "MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL\n"
    "THE COPYRIGHT OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,\n"
    "SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT\n"
    "OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS\n"
    "INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT\n"
    "LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE\n"
    "OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.\n";

static const char html_style[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;"
    "max-width:1100px;color:#222;padding:0 16px}\n"
    "h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:32px;border-bottom:1px "
    "solid #ddd;padding-bottom:4px}\n"
    ".meta{color:#555;font-size:13px}.meta td{padding:1px 12px 1px 0}\n"
    ".kpis{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.kpi{border:1px solid #ddd;"
    "border-radius:6px;padding:8px 14px;min-width:130px}.kpi b{display:block;font-size:18px}\n"
    ".kpi span{color:#666;font-size:12px}\n"
    ".chart{margin:8px 0 16px;max-width:100%;overflow-x:auto}.note{color:#777;font-style:italic}\n"
    ".note.warn{color:#8a4b00;font-style:normal;border-left:3px solid #e0a030;padding-left:8px}\n"
    "table.data{border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums}\n"
    "table.data th,table.data td{padding:2px 8px;border-bottom:1px solid #eee;text-align:right}\n"
    "table.data th{position:sticky;top:0;background:#f6f6f6}\n"
    "table.data td:first-child,table.data th:first-child{text-align:left}\n"
    "table.data tr.total td{font-weight:bold;border-top:2px solid #999}\n"
    /* max-width: a table (or chart) wider than the page scrolls inside its box, not the page */
    ".scroll{max-height:480px;overflow:auto;border:1px solid #eee;display:inline-block;"
    "max-width:100%;box-sizing:border-box}\n"
    "footer{margin-top:40px;color:#888;font-size:12px}\n";

/* Vega-Lite specs, built in the page from the data block (so the data appears once). */
static const char html_script[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var state = window.attribReport = {done: false, errors: [], drawn: 0, charts: 0};\n"
    "  var D = JSON.parse(document.getElementById('attrib-data').textContent);\n"
    "  var W = 680;\n"
    "  function bars(values, field, title) {\n"
    "    return {width: W, height: {step: 16}, data: {values: values},\n"
    "      mark: {type: 'bar', tooltip: true, color: '#4c78a8'},\n"
    "      encoding: {\n"
    "        y: {field: 'campaign', type: 'nominal', sort: '-x', title: null,\n"
    "            axis: {labelLimit: 280}},\n"
    "        x: {field: field, type: 'quantitative', title: title}}};\n"
    "  }\n"
    "  function trend(field, title) {\n"
    "    return {width: W, height: 240, data: {values: D.daily},\n"
    "      mark: {type: 'line', point: true, tooltip: true},\n"
    "      encoding: {\n"
    "        x: {field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate',\n"
    "            title: 'day (UTC)'},\n"
    "        y: {field: field, type: 'quantitative', title: title},\n"
    "        color: {field: 'series', type: 'nominal', title: null,\n"
    "                legend: {orient: 'top'}}}};\n"
    "  }\n"
    "  var specs = {\n"
    "    conv_campaign: bars(D.campaigns_conv, 'conversions', 'conversions (sum of credit)'),\n"
    "    value_campaign: bars(D.campaigns_value, 'value', 'credited value'),\n"
    "    daily_conv: trend('conversions', 'conversions'),\n"
    "    daily_value: trend('value', 'credited value'),\n"
    "    ttc: {width: W, height: 240, data: {values: D.ttc},\n"
    "      mark: {type: 'bar', tooltip: true, color: '#72b7b2'},\n"
    "      encoding: {\n"
    "        x: {field: 'bucket', type: 'ordinal', sort: {field: 'order'},\n"
    "            title: 'conversion time - touch time', axis: {labelAngle: 0}},\n"
    "        y: {field: 'credit', type: 'quantitative', title: 'credit'}}},\n"
    "    unattributed: {width: W, height: {step: 28}, data: {values: D.unattributed},\n"
    "      mark: {type: 'bar', tooltip: true},\n"
    "      encoding: {\n"
    "        y: {field: 'reason', type: 'nominal', title: null, sort: null},\n"
    "        x: {field: 'conversions', type: 'quantitative', title: 'conversions'},\n"
    "        color: {field: 'reason', type: 'nominal', legend: null}}},\n"
    "    roas: bars(D.roas, 'roas', 'ROAS (credited value / cost)')\n";
/* Only in a page with report/models (so that older files' pages keep their bytes). With a
 * yOffset the step is the height of one model's bar: a campaign's band is 7 px a model. */
static const char html_script_models[] =
    "    ,models: {width: W, height: {step: 7},\n"
    "      data: {values: D.models},\n"
    "      mark: {type: 'bar', tooltip: true},\n"
    "      encoding: {\n"
    "        y: {field: 'campaign', type: 'nominal', sort: null, title: null,\n"
    "            axis: {labelLimit: 280}},\n"
    "        yOffset: {field: 'model', type: 'nominal', sort: D.model_names},\n"
    "        x: {field: 'conversions', type: 'quantitative',\n"
    "            title: 'conversions (sum of credit)'},\n"
    "        color: {field: 'model', type: 'nominal', sort: D.model_names, title: 'model',\n"
    "                legend: {orient: 'top', columns: 6}}}}\n";
static const char html_script_end[] =
    "  };\n"
    "  var opts = {mode: 'vega-lite', renderer: 'svg', actions: false};\n"
    "  var els = document.querySelectorAll('.chart[data-chart]');\n"
    "  state.charts = els.length;\n"
    "  var jobs = Array.prototype.map.call(els, function (el) {\n"
    "    var name = el.getAttribute('data-chart');\n"
    "    if (!specs[name]) {\n"
    "      state.errors.push(name + ': no such chart');\n"
    "      return Promise.resolve();\n"
    "    }\n"
    "    return vegaEmbed(el, specs[name], opts).then(function () { state.drawn++; },\n"
    "      function (e) {\n"
    "        state.errors.push(name + ': ' + e);\n"
    "        console.error('attrib report: chart ' + name + ' failed: ' + e);\n"
    "        el.textContent = 'chart failed: ' + e;\n"
    "      });\n"
    "  });\n"
    "  var v = document.getElementById('versions');\n"
    "  if (v) v.textContent = 'Vega ' + vega.version + ', Vega-Lite ' + vegaLite.version +\n"
    "    ', Vega-Embed ' + vegaEmbed.version;\n"
    "  Promise.all(jobs).then(function () {\n"
    "    state.done = true;\n"
    "    document.body.setAttribute('data-charts-done', String(state.drawn));\n"
    "  });\n"
    "})();\n";

static const char *attr_or(const attrib_report *rep, int i, const char *dflt)
{
    return rep->attr[i] ? rep->attr[i] : dflt;
}

static void campaign_series(const attrib_report *rep, FILE *out, const char *key,
                            const attrib_report_series *s)
{
    fprintf(out, ",\n\"%s\": [", key);
    for (size_t k = 0; k < s->n; k++) {
        const attrib_report_campaign *c = &rep->campaigns[s->row[k]];
        fputs(k ? ",\n {\"campaign\": " : "\n {\"campaign\": ", out);
        attrib_json_str(out, c->label, strlen(c->label));
        fprintf(out, ", \"campaign_id\": %" PRIu32, c->campaign_id);
        KV(out, "conversions", c->conversions);
        KV(out, "value", c->value);
        KV(out, "cost", c->cost);
        KV(out, "roas", c->roas);
        fputc('}', out);
    }
    fputc(']', out);
}

/* The models chart's data: the charted campaigns (chart order) under every model. */
static void models_data(const attrib_report *rep, FILE *out)
{
    const attrib_report_models *M = &rep->models;
    fputs(",\n\"model_names\": [", out);
    for (size_t m = 0; m < M->n; m++) {
        fputs(m ? ", " : "", out);
        attrib_json_str(out, M->name[m], strlen(M->name[m]));
    }
    fputs("],\n\"models\": [", out);
    int first = 1;
    for (size_t k = 0; k < M->chart.n; k++) {
        const attrib_report_model_row *r = &M->rows[M->chart.row[k]];
        for (size_t m = 0; m < M->n; m++) {
            fputs(first ? "\n {\"campaign\": " : ",\n {\"campaign\": ", out);
            attrib_json_str(out, r->label, strlen(r->label));
            fprintf(out, ", \"campaign_id\": %" PRIu32 ", \"model\": ", r->campaign_id);
            attrib_json_str(out, M->name[m], strlen(M->name[m]));
            KV(out, "conversions", r->conversions[m]);
            KV(out, "value", r->value[m]);
            fputc('}', out);
            first = 0;
        }
    }
    fputc(']', out);
}

static void html_data(const attrib_report *rep, FILE *out)
{
    fputs("{\"generated_by\": \"attrib report\"", out);
    campaign_series(rep, out, "campaigns_conv", &rep->by_conversions);
    campaign_series(rep, out, "campaigns_value", &rep->by_value);
    campaign_series(rep, out, "roas", &rep->by_cost);
    fputs(",\n\"daily\": [", out);
    static const char *const series[2] = {"by conversion day", "by touch day"};
    int first = 1;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < rep->ndays; i++) {
            const attrib_report_day *d = &rep->days[i];
            fprintf(out, "%s{\"day\": \"%s\", \"series\": \"%s\"", first ? "\n " : ",\n ", d->day,
                    series[s]);
            KV(out, "conversions", s ? d->conversions_by_touch_day : d->conversions);
            KV(out, "value", s ? d->value_by_touch_day : d->value);
            fputc('}', out);
            first = 0;
        }
    fputs("],\n\"ttc\": [", out);
    for (int k = 0; k < ATTRIB_REPORT_NTTC; k++) {
        const attrib_report_ttc *x = &rep->ttc[k];
        fprintf(out, "%s{\"bucket\": \"%s\", \"order\": %d", k ? ", " : "", x->label, k);
        KV(out, "credit", x->credit);
        fprintf(out, ", \"credited_touches\": %" PRIu64 "}", x->credited_touches);
    }
    fputs("],\n\"unattributed\": [", out);
    for (int k = 0; k < ATTRIB_NREASONS; k++)
        fprintf(out, "%s{\"reason\": \"%s\", \"conversions\": %" PRIu64 "}", k ? ", " : "",
                rep->unattributed[k].reason, rep->unattributed[k].conversions);
    fputs("]", out);
    if (rep->has_models)
        models_data(rep, out);
    fputs("}", out);
}

static void html_kpi(FILE *out, const char *value, const char *label)
{
    fputs("<div class=\"kpi\"><b>", out);
    attrib_html_str(out, value, strlen(value));
    fputs("</b><span>", out);
    attrib_html_str(out, label, strlen(label));
    fputs("</span></div>\n", out);
}

static void html_chart(FILE *out, const char *title, const char *name, const char *note)
{
    fprintf(out, "<h2>%s</h2>\n", title);
    if (note)
        fprintf(out, "<p class=\"note\">%s</p>\n", note);
    fprintf(out, "<div class=\"chart\" id=\"chart-%s\" data-chart=\"%s\"></div>\n", name, name);
}

static void html_td(FILE *out, const char *s)
{
    fputs("<td>", out);
    attrib_html_str(out, s, strlen(s));
    fputs("</td>", out);
}

static void campaign_row(FILE *out, const attrib_report_campaign *c, int total)
{
    char b[128];
    fputs(total ? "<tr class=\"total\">" : "<tr>", out);
    html_td(out, c->label);
    html_td(out, total ? "" : U(b, sizeof b, c->advertiser_id));
    html_td(out, U(b, sizeof b, c->impressions));
    html_td(out, U(b, sizeof b, c->engagements));
    html_td(out, U(b, sizeof b, c->nurtures));
    html_td(out, U(b, sizeof b, c->reach));
    html_td(out, F(b, sizeof b, "%.2f", c->cost));
    html_td(out, F(b, sizeof b, "%.3f", c->conversions));
    html_td(out, F(b, sizeof b, "%.2f", c->value));
    html_td(out, U(b, sizeof b, c->credited_touches));
    html_td(out, F(b, sizeof b, "%.0f", c->mean_ttc_s));
    html_td(out, F(b, sizeof b, "%.3f", c->roas));
    fputs(total ? "</tr>" : "</tr>\n", out);
}

static void html_campaign_table(const attrib_report *rep, FILE *out)
{
    fputs("<div class=\"scroll\"><table class=\"data\" id=\"campaigns\"><thead><tr><th>campaign"
          "</th><th>advertiser</th><th>impressions</th><th>engagements</th><th>nurtures</th>"
          "<th>reach</th><th>cost</th><th>conversions</th><th>value</th><th>credited touches"
          "</th><th>mean ttc (s)</th><th>ROAS</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < rep->ncampaigns; i++)
        campaign_row(out, &rep->campaigns[i], 0);
    campaign_row(out, &rep->campaign_total, 1);
    fputs("</tbody></table></div>\n", out);
}

static void advertiser_row(FILE *out, const attrib_report_advertiser *a, int total)
{
    char b[64];
    uint64_t v[ATTRIB_RA_NCOLS];
    attrib_report_advertiser_values(a, v);
    fputs(total ? "<tr class=\"total\">" : "<tr>", out);
    html_td(out, total ? "TOTAL" : U(b, sizeof b, v[0]));
    for (int k = ATTRIB_RA_CONVERSIONS; k < ATTRIB_RA_NCOLS; k++)
        html_td(out, U(b, sizeof b, v[k]));
    fputs(total ? "</tr>" : "</tr>\n", out);
}

static void html_advertiser_table(const attrib_report *rep, FILE *out)
{
    fputs("<div class=\"scroll\"><table class=\"data\" id=\"advertisers\"><thead><tr>", out);
    for (int k = 0; k < ATTRIB_RA_NCOLS; k++)
        fprintf(out, "<th>%s</th>", attrib_schema_report_advertiser.cols[k].name);
    fputs("</tr></thead><tbody>\n", out);
    for (size_t i = 0; i < rep->nadvertisers; i++)
        advertiser_row(out, &rep->advertisers[i], 0);
    advertiser_row(out, &rep->advertiser_total, 1);
    fputs("</tbody></table></div>\n", out);
}

/* ---- Data-driven tables (each section only when the file has its table) ---- */

static void html_th(FILE *out, const char *s)
{
    fputs("<th>", out);
    attrib_html_str(out, s, strlen(s));
    fputs("</th>", out);
}

/* Models side by side: figure `which` (0 conversions, 1 value) per campaign and model. */
static void html_models_table(const attrib_report *rep, FILE *out, int which)
{
    const attrib_report_models *M = &rep->models;
    char b[64];
    fprintf(out, "<div class=\"scroll\"><table class=\"data\" id=\"models-%s\"><thead><tr>"
                 "<th>campaign</th><th>advertiser</th>", which ? "value" : "conversions");
    for (size_t m = 0; m < M->n; m++)
        html_th(out, M->name[m]);
    fputs("</tr></thead><tbody>\n", out);
    for (size_t k = 0; k <= M->nrows; k++) {
        const int total = k == M->nrows;
        const attrib_report_model_row *r = total ? &M->total : &M->rows[k];
        fputs(total ? "<tr class=\"total\">" : "<tr>", out);
        html_td(out, r->label);
        html_td(out, total ? "" : U(b, sizeof b, r->advertiser_id));
        for (size_t m = 0; m < M->n; m++)
            html_td(out, which ? F(b, sizeof b, "%.2f", r->value[m])
                               : F(b, sizeof b, "%.3f", r->conversions[m]));
        fputs(total ? "</tr>" : "</tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
}

static void html_models(const attrib_report *rep, FILE *out)
{
    const attrib_report_models *M = &rep->models;
    char lab[160];
    snprintf(lab, sizeof lab, "from one pass of attrib run --compare (report/models): %zu "
             "model%s%s", M->n, M->n == 1 ? "" : "s",
             M->chart.n < M->chart.eligible ? "; the campaigns with the most conversions "
                                              "(summed over the models) shown" : "");
    if (M->chart.n && M->n) {
        html_chart(out, "Models compared: conversions by campaign", "models", lab);
    } else {
        fputs("<h2>Models compared: conversions by campaign</h2>\n<p class=\"note\">", out);
        attrib_html_str(out, lab, strlen(lab));
        fputs("; no rows.</p>\n", out);
    }
    fputs("<h3>Conversions per campaign under each model</h3>\n", out);
    html_models_table(rep, out, 0);
    fputs("<h3>Credited value per campaign under each model</h3>\n", out);
    html_models_table(rep, out, 1);
}

static void html_paths(const attrib_report *rep, FILE *out)
{
    char b[5][64];
    fprintf(out, "<h2>Top paths per advertiser</h2>\n<p class=\"note\">report/paths: the %d "
                 "paths with the most converting journeys (then the most non-converting) of "
                 "each advertiser; conversion rate = conversions / (conversions + nulls)</p>\n",
            ATTRIB_REPORT_TOP_PATHS);
    if (!rep->npath_groups)
        fputs("<p class=\"note\">No journeys.</p>\n", out);
    for (size_t i = 0; i < rep->npath_groups; i++) {
        const attrib_report_path_group *x = &rep->path_groups[i];
        fprintf(out, "<h3>Advertiser %" PRIu32 "</h3>\n<p>%" PRIu64 " distinct path%s, %" PRIu64
                     " journeys (%" PRIu64 " converting, %" PRIu64 " non-converting), value %s</p>\n",
                x->advertiser_id, x->paths, x->paths == 1 ? "" : "s",
                x->converting + x->non_converting, x->converting, x->non_converting,
                F(b[0], sizeof b[0], "%.2f", x->value));
        fprintf(out, "<div class=\"scroll\"><table class=\"data\" id=\"paths-%" PRIu32 "\">"
                     "<thead><tr><th>path</th><th>conversions</th><th>value</th><th>nulls</th>"
                     "<th>conversion rate</th></tr></thead><tbody>\n", x->advertiser_id);
        for (size_t k = 0; k < x->ntop; k++) {
            const attrib_report_path *p = &rep->paths[x->top[k]];
            fputs("<tr>", out);
            html_td(out, p->path);
            html_td(out, U(b[1], sizeof b[1], p->conversions));
            html_td(out, F(b[2], sizeof b[2], "%.2f", p->value));
            html_td(out, U(b[3], sizeof b[3], p->nulls));
            html_td(out, F(b[4], sizeof b[4], "%.4f", p->conversion_rate));
            fputs("</tr>\n", out);
        }
        fputs("</tbody></table></div>\n", out);
    }
}

static void html_dd(const attrib_report *rep, FILE *out)
{
    char b[64];
    fprintf(out, "<h2>%s</h2>\n<p class=\"note\">per advertiser and campaign (%s)%s</p>\n",
            rep->has_markov && rep->has_shapley ? "Markov removal effects and Shapley"
            : rep->has_markov                   ? "Markov removal effects"
                                                : "Shapley",
            rep->has_markov && rep->has_shapley ? "report/markov, report/shapley"
            : rep->has_markov                   ? "report/markov"
                                                : "report/shapley",
            rep->has_markov ? "; conversions and value are the advertiser's converting "
                              "journeys and their value split in proportion to the removal "
                              "effects" : "");
    fputs("<div class=\"scroll\"><table class=\"data\" id=\"markov-shapley\"><thead><tr>"
          "<th>advertiser</th><th>campaign</th>", out);
    if (rep->has_markov)
        fputs("<th>removal effect</th><th>Markov conversions</th><th>Markov value</th>", out);
    if (rep->has_shapley)
        fputs("<th>Shapley conversions</th><th>Shapley value</th>", out);
    fputs("</tr></thead><tbody>\n", out);
    for (size_t i = 0; i < rep->ndd; i++) {
        const attrib_report_dd *d = &rep->dd[i];
        fputs("<tr>", out);
        html_td(out, U(b, sizeof b, d->advertiser_id));
        html_td(out, d->label);
        if (rep->has_markov) {
            html_td(out, F(b, sizeof b, "%.4f", d->removal_effect));
            html_td(out, F(b, sizeof b, "%.3f", d->markov_conversions));
            html_td(out, F(b, sizeof b, "%.2f", d->markov_value));
        }
        if (rep->has_shapley) {
            html_td(out, F(b, sizeof b, "%.3f", d->shapley_conversions));
            html_td(out, F(b, sizeof b, "%.2f", d->shapley_value));
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
}

/* The identity graph's figures, when the run stitched identities. */
static void html_identity(const attrib_report *rep, FILE *out)
{
    if (!rep->has_identity || !rep->stitched)
        return;
    static const char *const label[ATTRIB_RI_NCOLS] = {
        "links", "identities in links", "components", "components merged into one person",
        "identities merged", "components over the cap (left unmerged)",
        "identities in them", "largest component (identities)"};
    fprintf(out, "<h2>Identity graph</h2>\n<p class=\"note\">report/identity: identities "
                 "linked by the input&#39;s /links are stitched before attribution; each "
                 "component of at most %" PRId64 " identities became one person.</p>\n"
                 "<div class=\"scroll\"><table class=\"data\" id=\"identity\"><tbody>\n",
            rep->max_component);
    for (size_t c = 0; c < ATTRIB_RI_NCOLS; c++)
        fprintf(out, "<tr><th>%s</th><td>%" PRIu64 "</td></tr>\n", label[c], rep->identity[c]);
    fputs("</tbody></table></div>\n", out);
}

static void html_datadriven(const attrib_report *rep, FILE *out)
{
    html_identity(rep, out);
    if (rep->has_models)
        html_models(rep, out);
    if (rep->has_paths)
        html_paths(rep, out);
    if (rep->has_markov || rep->has_shapley)
        html_dd(rep, out);
}

/* An embedded script, without its trailing source-map comment (the map is not shipped,
 * and a browser's developer tools would try to fetch it). */
static void html_asset(FILE *out, const attrib_html_asset *a)
{
    static const char map[] = "//# sourceMappingURL=";
    size_t len = a->len;
    const char *s = (const char *)a->data;
    for (size_t i = len; i-- > 0;) {
        if (s[i] == '\n' && i + 1 < len && len - (i + 1) >= sizeof map - 1 &&
            memcmp(s + i + 1, map, sizeof map - 1) == 0) {
            len = i + 1;
            break;
        }
        if (len - i > 4096) /* only the tail of the file */
            break;
    }
    fprintf(out, "<script>/* %s */\n", a->name);
    fwrite(s, 1, len, out);
    fputs("\n</script>\n", out);
}

/* "[FROM, TO)" with an open end named, or "all conversions" when both are open. */
static void period_text(const attrib_report *rep, char *buf, size_t n)
{
    const char *from = attr_or(rep, ATTRIB_RES_PERIOD_FROM, "?");
    const char *to = attr_or(rep, ATTRIB_RES_PERIOD_TO, "?");
    if (rep->period_all)
        snprintf(buf, n, "all conversions");
    else
        snprintf(buf, n, "[%s, %s)", *from ? from : "beginning of input",
                 *to ? to : "end of input");
}

void attrib_report_write_html(const attrib_report *rep, FILE *out)
{
    char b[64], lab[160], period[160];
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          /* Everything is inline; the policy makes the browser refuse any fetch. Vega
           * compiles its expressions with Function(), hence 'unsafe-eval'. */
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
          "img-src data: blob:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
          "attrib report: ", out);
    attrib_html_str(out, rep->path, strlen(rep->path));
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>Attribution report</h1>\n",
            html_style);
    fputs("<table class=\"meta\">\n", out);
    period_text(rep, period, sizeof period);
    const char *rows[][2] = {{"results", rep->path},
                             {"period", period},
                             {"model", attr_or(rep, ATTRIB_RES_MODEL, "?")},
                             {"rules", attr_or(rep, ATTRIB_RES_RULES_FILE, "?")},
                             {"input", attr_or(rep, ATTRIB_RES_INPUT_FILE, "?")},
                             {"input checksum", attr_or(rep, ATTRIB_RES_INPUT_CHECKSUM, "?")},
                             {"software", attr_or(rep, ATTRIB_RES_SOFTWARE_VERSION, "?")}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fprintf(out, "<tr><td>%s</td><td>", rows[i][0]);
        attrib_html_str(out, rows[i][1], strlen(rows[i][1]));
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
    if (rep->identity_key == ATTRIB_REPORT_KEY_PUBLIC)
        fputs("<p class=\"note warn\" id=\"public-key\">The input's identities were hashed with "
              "the built-in public key: they are pseudonymous only (anyone with a list of "
              "identifiers can find theirs). Set a key of your own with "
              "<code>attrib import --hash-key</code>.</p>\n", out);
    fputs("<div class=\"kpis\">\n", out);
    const attrib_report_advertiser *a = &rep->advertiser_total;
    const attrib_report_campaign *c = &rep->campaign_total;
    html_kpi(out, U(b, sizeof b, a->conversions), "conversions");
    html_kpi(out, U(b, sizeof b, a->attributed), "attributed");
    html_kpi(out, U(b, sizeof b, rep->unattributed_total.conversions), "unattributed");
    html_kpi(out, F(b, sizeof b, "%.2f", c->conversions), "credited conversions");
    html_kpi(out, F(b, sizeof b, "%.2f", c->value), "credited value");
    html_kpi(out, F(b, sizeof b, "%.2f", c->cost), "cost");
    html_kpi(out, F(b, sizeof b, "%.3f", c->roas), "ROAS (campaigns with cost)");
    fputs("</div>\n", out);

    size_t nc = rep->ncampaigns, shown = rep->by_conversions.n;
    snprintf(lab, sizeof lab, "the %zu largest of %zu campaigns", shown, nc);
    html_chart(out, "Conversions by campaign", "conv_campaign", shown < nc ? lab : NULL);
    html_chart(out, "Value by campaign", "value_campaign", shown < nc ? lab : NULL);
    html_chart(out, "Daily conversions", "daily_conv",
               "UTC days; by the day of the conversion (report/daily) and by the day of the "
               "credited touch (report/daily_touch)");
    html_chart(out, "Daily credited value", "daily_value", NULL);
    html_chart(out, "Time to convert", "ttc",
               "credit-weighted: each credit row adds its credit to the bucket of "
               "conv_ts - touch_ts (from /credits)");
    html_chart(out, "Unattributed conversions by reason", "unattributed", NULL);
    const size_t ncost = rep->by_cost.eligible;
    if (ncost) {
        snprintf(lab, sizeof lab, "campaigns with a known cost (> 0): %zu%s", ncost,
                 rep->by_cost.n < ncost ? ", the largest by cost shown" : "");
        html_chart(out, "ROAS by campaign", "roas", lab);
    } else {
        fputs("<h2>ROAS by campaign</h2>\n<p class=\"note\">No campaign has a known cost (cost is "
              "0 everywhere), so ROAS is not defined.</p>\n", out);
    }
    fputs("<h2>Campaigns</h2>\n", out);
    html_campaign_table(rep, out);
    fputs("<h2>Advertisers</h2>\n", out);
    html_advertiser_table(rep, out);
    html_datadriven(rep, out);
    fputs("<footer>Written by attrib report. Charts: <span id=\"versions\">Vega-Lite</span> "
          "(BSD-3-Clause, bundled in this file).</footer>\n", out);
    fputs("<script type=\"application/json\" id=\"attrib-data\">", out);
    html_data(rep, out);
    fputs("</script>\n<!--\n", out);
    fputs(vega_notice, out);
    fputs("-->\n", out);
    for (const attrib_html_asset *as = attrib_html_assets; as->name; as++)
        html_asset(out, as);
    fprintf(out, "<script>\n%s%s%s</script>\n</body>\n</html>\n", html_script,
            rep->has_models ? html_script_models : "", html_script_end);
}
