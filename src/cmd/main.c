/* attrib — entry point: a table of subcommands (git's manner). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <mpi.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "attrib/err.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: attrib <command> [options]   (attrib <command> --help for more)\n\n"
                 "attrib attributes advertiser conversions to the campaign touchpoints that led\n"
                 "to them and reduces the result into campaign-level reports.\n\ncommands:\n");
    for (unsigned i = 0; i < attrib_ncommands; i++)
        fprintf(out, "  %-10s %s\n", attrib_commands[i].name, attrib_commands[i].summary);
    fprintf(out, "\nRun under `mpirun -n N attrib run …` or `srun attrib run …` to use N processes;\n"
                 "a single process needs no launcher. Exit codes: 0 success, 1 negative answer,\n"
                 "2 usage or bad input, 3 internal or MPI failure.\n");
}

/* On one node Open MPI's UCX transport brings nothing over shared memory, but probing
 * for it costs ~0.2 s of MPI_Init (Init + Finalize at 2 ranks here: 0.40 s → 0.22 s).
 * When mpirun says every rank is on this node (or no launcher started the process) and
 * nobody chose a PML (environment, --mca), use ob1 over shared memory. ATTRIB_MPI_DEFAULTS=0 turns this off. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATTRIB_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ATTRIB_ASAN 1
#endif
/* A process no launcher started (no mpirun, srun or PMI environment) is a singleton. */
static int is_singleton(void)
{
    return !getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK") &&
           !getenv("SLURM_PROCID");
}

static void single_node_mpi_defaults(void)
{
#ifdef ATTRIB_ASAN
    /* Under ASan, LeakSanitizer's exit-time tracer crashes (SIGSEGV in the tracer, exit
     * 134) in some runs with pml ob1 on Open MPI 4.1.4, ours or not (OMPI_MCA_pml=ob1
     * alone does it): sanitizer builds keep Open MPI's own choice. That crash is most
     * likely the __tls_get_addr interceptor bug that scripts/test.sh now turns off
     * (intercept_tls_get_addr=0, tests/README.md); not reproduced since, but kept. */
    return;
#endif
    const char *off = getenv("ATTRIB_MPI_DEFAULTS");
    const char *ws = getenv("OMPI_COMM_WORLD_SIZE"), *ls = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    const int singleton = is_singleton();
    if ((off && strcmp(off, "0") == 0) || !(singleton || (ws && ls && strcmp(ws, ls) == 0)))
        return;
    setenv("OMPI_MCA_pml", "ob1", 0); /* 0: never overrides a choice already made */
}

/* Concurrent singletons of one user on one node share Open MPI's session directory
 * (ompi.HOST.UID under the temp directory): one may remove it while another creates it,
 * and MPI_Init fails with "A call to mkdir was unable to create the desired directory"
 * (open-mpi/ompi#8510; a chain step and a report at once do this). A singleton whose
 * user chose no orte_tmpdir_base gets a private one, removed after MPI_Finalize. */
static char session_base[4096];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    (void)remove(path);
    return 0;
}

static void remove_session_dir(void)
{
    if (session_base[0])
        (void)nftw(session_base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    session_base[0] = '\0';
}

static void private_session_dir(void)
{
    if (!is_singleton() || getenv("OMPI_MCA_orte_tmpdir_base"))
        return;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    if (snprintf(session_base, sizeof session_base, "%s/attrib-mpi-XXXXXX", tmp) >=
            (int)sizeof session_base ||
        !mkdtemp(session_base)) {
        session_base[0] = '\0'; /* Open MPI's default then; nothing else changes */
        return;
    }
    setenv("OMPI_MCA_orte_tmpdir_base", session_base, 1);
    atexit(remove_session_dir); /* also when the job ends through exit() on an abort */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (attrib_cmd_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("attrib %s\n", ATTRIB_VERSION);
        return 0;
    }
    const attrib_command *cmd = NULL;
    for (unsigned i = 0; i < attrib_ncommands; i++)
        if (strcmp(argv[1], attrib_commands[i].name) == 0)
            cmd = &attrib_commands[i];
    if (!cmd) {
        fprintf(stderr, "attrib: '%s' is not a command. See 'attrib --help'.\n", argv[1]);
        return 2;
    }
    /* --help is answered from the table: no MPI, no file touched. A reader that stops
     * early (`attrib run --help | grep -q compare`) is not a failure: the help of some
     * commands is over a pipe buffer, and dying of SIGPIPE would fail the caller's
     * pipeline under `set -o pipefail` depending on timing. */
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (attrib_cmd_is_help(argv[i])) {
            signal(SIGPIPE, SIG_IGN);
            fputs(cmd->usage, stdout);
            return fflush(stdout) == 0 || errno == EPIPE ? 0 : 3;
        }
    /* Past a file-size limit (ulimit -f) a write then fails with EFBIG, which is
     * reported with the file's name, instead of the process dying of SIGXFSZ. */
    signal(SIGXFSZ, SIG_IGN);
    attrib_malloc_tune();
    attrib_cmd_ctx ctx = {.name = cmd->name, .par = NULL};
    attrib_err_set_command(cmd->name);
    if (!(cmd->flags & ATTRIB_CMD_MPI)) {
        int rc = cmd->run(&ctx, argc - 1, argv + 1);
        fflush(stdout);
        return rc;
    }
    single_node_mpi_defaults();
    private_session_dir();
    /* MPI_THREAD_MULTIPLE: the silence watchdog's thread calls MPI (src/par/watchdog.c). */
    int provided = MPI_THREAD_SINGLE;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "attrib: %s: cannot initialise MPI\n", cmd->name);
        remove_session_dir();
        return 3;
    }
    /* The MPI-failure policy: calls return codes (never abort by themselves); the
     * library turns them into ATTRIB_EMPI with a message, all ranks agree at the phase
     * boundary, and an unrecoverable failure ends the job through attrib_par_die. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    attrib_par par;
    attrib_par_init(&par, MPI_COMM_WORLD);
    ctx.par = &par;
    if (attrib_par_watchdog(&par, attrib_par_timeout_env()) != 0)
        attrib_par_die(&par, "%s", attrib_err_msg());
    int rc = cmd->run(&ctx, argc - 1, argv + 1);
    fflush(stdout);
    fflush(stderr);
    attrib_par_watchdog_stop();
    MPI_Finalize();
    remove_session_dir();
    return rc;
}
