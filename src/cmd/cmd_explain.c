/* attrib explain — not yet implemented (stub). */
#include <stdio.h>

#include "attrib/cmd.h"

int attrib_cmd_explain(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "attrib: 'explain' is not implemented yet\n");
    return 3;
}
