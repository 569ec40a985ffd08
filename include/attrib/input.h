/* attrib — an input file (written by `attrib import` or `attrib gen`) opened for a run:
 * open, validate, read the small tables, bind the rules. Shared by `attrib run` and
 * `attrib explain`, so both accept and refuse the same files with the same words.
 */
#ifndef ATTRIB_INPUT_H
#define ATTRIB_INPUT_H

#include <stdint.h>

#include "attrib/h5io.h"
#include "attrib/idgraph.h"
#include "attrib/par.h"
#include "attrib/rules.h"
#include "attrib/table.h"

typedef struct attrib_input {
    attrib_h5file *f;     /* open on p->comm until attrib_input_close */
    char *path;           /* as the user gave it */
    uint64_t nevents, nconversions;
    int has_links;        /* the file has /links (checked: columns a, b of equal length) */
    uint64_t nlinks;      /* its rows, 0 without */
    int partitioned;      /* the file has /partitions (checked: it indexes both tables) */
    uint64_t *ev_off, *cv_off; /* then: ATTRIB_NPARTITIONS + 1 first rows of each partition */
    char **type_names;    /* conversions/type_names, bytewise sorted */
    size_t ntypes;
    attrib_table catalog; /* /campaigns, whole on every rank, sorted by campaign_id */
    char *warnings;       /* from binding the rules: lines, or NULL */
} attrib_input;

/* Collective (identical arguments). Register the zstd filter, open `path` on p->comm,
 * check that it is an input file (a results file of `attrib run` is named as such),
 * that /events, /conversions and /campaigns have the schema's columns of equal lengths,
 * read /partitions (when present: checked to index both tables), the type names and the
 * catalog on every rank, sort the catalog (a duplicate
 * campaign_id is an error naming the file), and bind `rules` (when not NULL) to them.
 * Every rank returns the same code; on success *out is owned by the caller. */
int attrib_input_open(const attrib_par *p, const char *path, attrib_rules *rules,
                      attrib_input **out);

/* Local (rank 0 prints). Print the binding's warnings as "attrib: warning: LINE". */
void attrib_input_print_warnings(const attrib_par *p, const attrib_input *in);

/* Collective. The identity graph of the input's /links (in->has_links): each rank reads
 * an even slab of the links and attrib_idgraph_build finds the components, merging those
 * of at most `max_component` identities (0: ATTRIB_IDGRAPH_MAX_COMPONENT), the pass held
 * to `budget` bytes per rank (0: none). The same on every rank; *g and *fig as
 * attrib_idgraph_build gives them. */
int attrib_input_idgraph(const attrib_par *p, const attrib_input *in, uint64_t max_component,
                         uint64_t budget, attrib_idgraph **g, attrib_idgraph_figures *fig);

/* Collective. Close the file (when still open) and free everything; NULL ok. */
void attrib_input_close(attrib_input *in);

#endif
