/* attrib export — not yet implemented (stub). */
#include <stdio.h>

#include "attrib/cmd.h"

int attrib_cmd_export(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "attrib: 'export' is not implemented yet\n");
    return 3;
}
