/* attrib gen — not yet implemented (stub). */
#include <stdio.h>

#include "attrib/cmd.h"

int attrib_cmd_gen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "attrib: 'gen' is not implemented yet\n");
    return 3;
}
