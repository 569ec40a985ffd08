/* The table schemas of the store (inputs) and the results (outputs), docs/formats.md. Column order here is
 * the order of the enums in table.h and of CSV exports. */
#include <string.h>

#include "attrib/explain.h"
#include "attrib/table.h"

const char *const attrib_kind_names[] = {"impression", "engagement", "nurture", NULL};
const char *const attrib_reason_names[] = {"no_touch", "rule_excluded", "outside_window", NULL};

#define U8 ATTRIB_T_U8
#define U16 ATTRIB_T_U16
#define U32 ATTRIB_T_U32
#define U64 ATTRIB_T_U64
#define I64 ATTRIB_T_I64
#define F64 ATTRIB_T_F64
#define STR ATTRIB_T_STR

const attrib_schema attrib_schema_events = {
    "events", ATTRIB_EV_NCOLS,
    {{"event_id", U64, NULL}, {"identity", U64, NULL}, {"ts", I64, NULL},
     {"campaign_id", U32, NULL}, {"kind", U8, attrib_kind_names}, {"cost", F64, NULL}}};

const attrib_schema attrib_schema_conversions = {
    "conversions", ATTRIB_CV_NCOLS,
    {{"conversion_id", U64, NULL}, {"identity", U64, NULL}, {"ts", I64, NULL},
     {"advertiser_id", U32, NULL}, {"type", U16, NULL}, {"value", F64, NULL}}};

const attrib_schema attrib_schema_campaigns = {
    "campaigns", ATTRIB_CA_NCOLS,
    {{"campaign_id", U32, NULL}, {"advertiser_id", U32, NULL}, {"name", STR, NULL}}};

const attrib_schema attrib_schema_credits = {
    "credits", ATTRIB_CR_NCOLS,
    {{"conversion_id", U64, NULL}, {"advertiser_id", U32, NULL}, {"identity", U64, NULL},
     {"conv_ts", I64, NULL}, {"value", F64, NULL}, {"event_id", U64, NULL},
     {"campaign_id", U32, NULL}, {"kind", U8, attrib_kind_names}, {"touch_ts", I64, NULL},
     {"position", U32, NULL}, {"path_length", U32, NULL}, {"credit", F64, NULL},
     {"credited_value", F64, NULL}, {"rule_version", U32, NULL}}};

const attrib_schema attrib_schema_unattributed = {
    "unattributed", ATTRIB_UN_NCOLS,
    {{"conversion_id", U64, NULL}, {"advertiser_id", U32, NULL}, {"identity", U64, NULL},
     {"conv_ts", I64, NULL}, {"value", F64, NULL}, {"reason", U8, attrib_reason_names}}};

const attrib_schema attrib_schema_report_campaign = {
    "report/campaign", ATTRIB_RC_NCOLS,
    {{"campaign_id", U32, NULL}, {"advertiser_id", U32, NULL}, {"impressions", U64, NULL},
     {"engagements", U64, NULL}, {"nurtures", U64, NULL}, {"reach", U64, NULL},
     {"cost", F64, NULL}, {"conversions", F64, NULL}, {"value", F64, NULL},
     {"credited_touches", U64, NULL}, {"mean_time_to_convert_s", F64, NULL},
     {"roas", F64, NULL}}};

/* day is the ISO date "YYYY-MM-DD" (UTC): readable in h5dump, pandas and spreadsheets,
 * and its byte order is its time order. */
const attrib_schema attrib_schema_report_daily = {
    "report/daily", ATTRIB_RD_NCOLS,
    {{"campaign_id", U32, NULL}, {"day", STR, NULL}, {"conversions", F64, NULL},
     {"value", F64, NULL}}};

const attrib_schema attrib_schema_report_daily_touch = {
    "report/daily_touch", ATTRIB_RD_NCOLS,
    {{"campaign_id", U32, NULL}, {"day", STR, NULL}, {"conversions", F64, NULL},
     {"value", F64, NULL}}};

const attrib_schema attrib_schema_report_advertiser = {
    "report/advertiser", ATTRIB_RA_NCOLS,
    {{"advertiser_id", U32, NULL}, {"conversions", U64, NULL}, {"attributed", U64, NULL},
     {"unattributed_no_touch", U64, NULL}, {"unattributed_rule_excluded", U64, NULL},
     {"unattributed_outside_window", U64, NULL}, {"duplicate_touches", U64, NULL},
     {"duplicate_touches_inexact", U64, NULL}, {"duplicate_conversions", U64, NULL},
     {"duplicate_conversions_inexact", U64, NULL}}};

/* One row per touch of the period (run --labels): what it earned, for models that learn. */
const attrib_schema attrib_schema_labels = {
    "labels", ATTRIB_LB_NCOLS,
    {{"event_id", U64, NULL}, {"identity", U64, NULL}, {"campaign_id", U32, NULL},
     {"advertiser_id", U32, NULL}, {"kind", U8, attrib_kind_names}, {"ts", I64, NULL},
     {"cost", F64, NULL}, {"candidate_of", U32, NULL}, {"eligible_of", U32, NULL},
     {"credited_of", U32, NULL}, {"credit", F64, NULL}, {"credited_value", F64, NULL},
     {"ms_to_next_conversion", I64, NULL}}};

/* One row per (advertiser, path): ChannelAttribution's input shape (docs/datadriven.md). */
const attrib_schema attrib_schema_report_paths = {
    "report/paths", ATTRIB_RP_NCOLS,
    {{"advertiser_id", U32, NULL}, {"path", STR, NULL}, {"conversions", U64, NULL},
     {"value", F64, NULL}, {"nulls", U64, NULL}}};

const attrib_schema attrib_schema_report_markov = {
    "report/markov", ATTRIB_RM_NCOLS,
    {{"advertiser_id", U32, NULL}, {"campaign_id", U32, NULL}, {"removal_effect", F64, NULL},
     {"conversions", F64, NULL}, {"value", F64, NULL}}};

const attrib_schema attrib_schema_report_shapley = {
    "report/shapley", ATTRIB_RS_NCOLS,
    {{"advertiser_id", U32, NULL}, {"campaign_id", U32, NULL}, {"conversions", F64, NULL},
     {"value", F64, NULL}}};

/* model: its name as in --model ("own": the rules as written). */
const attrib_schema attrib_schema_report_models = {
    "report/models", ATTRIB_RMO_NCOLS,
    {{"advertiser_id", U32, NULL}, {"campaign_id", U32, NULL}, {"model", STR, NULL},
     {"conversions", F64, NULL}, {"value", F64, NULL}, {"credited_touches", U64, NULL}}};

/* The identity graph's edges, as identity hashes (docs/identity.md). */
const attrib_schema attrib_schema_links = {"links", ATTRIB_LK_NCOLS, {{"a", U64, NULL}, {"b", U64, NULL}}};

/* The partition index of a partitioned input (docs/formats.md). */
const attrib_schema attrib_schema_partitions = {
    "partitions", ATTRIB_PT_NCOLS, {{"events", U64, NULL}, {"conversions", U64, NULL}}};

/* The stitching figures of a run: one row (docs/identity.md). */
const attrib_schema attrib_schema_report_identity = {
    "report/identity", ATTRIB_RI_NCOLS,
    {{"links", U64, NULL}, {"vertices", U64, NULL}, {"components", U64, NULL},
     {"merged_components", U64, NULL}, {"identities_merged", U64, NULL},
     {"oversize_components", U64, NULL}, {"oversize_identities", U64, NULL},
     {"largest_component", U64, NULL}}};

const attrib_schema *const attrib_schemas[] = {
    &attrib_schema_events, &attrib_schema_conversions, &attrib_schema_campaigns,
    &attrib_schema_credits, &attrib_schema_unattributed, &attrib_schema_report_campaign,
    &attrib_schema_report_daily, &attrib_schema_report_daily_touch,
    &attrib_schema_report_advertiser, &attrib_schema_labels, &attrib_schema_report_paths,
    &attrib_schema_report_markov, &attrib_schema_report_shapley, &attrib_schema_report_models,
    &attrib_schema_links, &attrib_schema_partitions, &attrib_schema_report_identity, &attrib_schema_explain_conversion, NULL};

const attrib_schema *attrib_schema_find(const char *name)
{
    while (*name == '/')
        name++;
    for (size_t i = 0; attrib_schemas[i]; i++)
        if (strcmp(attrib_schemas[i]->name, name) == 0)
            return attrib_schemas[i];
    return NULL;
}
