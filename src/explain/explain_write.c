/* /explain/conversion of `attrib run --explain` (include/attrib/explain.h): the rows the
 * run's ranks counted, sorted globally like /credits and written collectively. */
#include "attrib/explain.h"
#include "attrib/h5io.h"
#include "attrib/par.h"

int attrib_explain_write(const attrib_par *p, attrib_h5file *f, attrib_table *t, int level)
{
    static const int keys[] = {ATTRIB_XC_CONVERSION_ID, ATTRIB_XC_ADVERTISER_ID, ATTRIB_XC_IDENTITY};
    int rc = attrib_par_agree(p, attrib_par_sort(p, t, keys, 3));
    if (rc)
        return rc;
    const uint64_t total = attrib_par_sum_u64(p, t->n);
    const uint64_t off = attrib_par_exscan_u64(p, t->n);
    return attrib_h5_write_table(f, t, off, total, level);
}
