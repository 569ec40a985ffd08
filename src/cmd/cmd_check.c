/* attrib check — not yet implemented (stub). */
#include <stdio.h>

#include "attrib/cmd.h"

int attrib_cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "attrib: 'check' is not implemented yet\n");
    return 3;
}
