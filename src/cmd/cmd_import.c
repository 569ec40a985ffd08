/* attrib import — not yet implemented (stub). */
#include <stdio.h>

#include "attrib/cmd.h"

int attrib_cmd_import(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "attrib: 'import' is not implemented yet\n");
    return 3;
}
