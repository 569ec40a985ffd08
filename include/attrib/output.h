/* attrib — the one way a command writes an output file: checked before any work,
 * written under a temporary name, renamed only when complete.
 *
 *   attrib_output_begin   before reading anything: the destination's directory exists
 *                         and is writable, the destination is not a directory, and it
 *                         is not one of the command's inputs (same file by device and
 *                         inode, whatever the path says); names the path the user gave
 *   attrib_output_tmp     where to write ("OUT.tmp")
 *   attrib_output_finish  on success rename OUT.tmp to OUT; on failure remove OUT.tmp and
 *                         report the failure with OUT's name, never OUT.tmp's
 *
 * With a context `p` the calls are collective over p->comm (rank 0 checks, renames and
 * removes; every rank returns the same code); with p == NULL they are local.
 */
#ifndef ATTRIB_OUTPUT_H
#define ATTRIB_OUTPUT_H

#include "attrib/par.h"

typedef struct attrib_output attrib_output;

/* Collective (or local with p NULL). `inputs` is a NULL-terminated list of the paths the
 * command reads (NULL for none); an input that does not exist is ignored here. Returns 0
 * with *out owned by the caller (attrib_output_finish), or ATTRIB_EUSAGE ("OUT: is one
 * of the inputs ('IN')", "OUT: is a directory") / ATTRIB_EIO ("OUT: cannot write:
 * CAUSE") with *out NULL. */
int attrib_output_begin(const attrib_par *p, const char *path, const char *const *inputs,
                        attrib_output **out);

/* Local. The temporary path to write, and the final one. */
const char *attrib_output_tmp(const attrib_output *o);
const char *attrib_output_path(const attrib_output *o);

/* Collective (or local with p NULL), with every rank's local outcome `rc`. Agrees on the
 * outcome; on success renames the temporary file to the final path; on failure removes
 * the temporary file and rewrites the message to name the final path. Frees `o` (NULL
 * ok: returns the agreed rc). Returns the agreed rc. */
int attrib_output_finish(const attrib_par *p, attrib_output *o, int rc);

#endif
