/* LD_PRELOAD shim for the sanitizer and Valgrind test runs: dlclose() does nothing.
 *
 * Open MPI 4.1 dlcloses its MCA components (mca_*.so, and libpmix.so with them) in
 * MPI_Finalize. LeakSanitizer reports leaks after that, when the code that allocated
 * them is no longer mapped: the stacks come out as "<unknown module>", and the library
 * suppressions of tests/lsan.supp cannot match them. (Open MPI 4.1.4 has no
 * mca_base_component_disable_dlclose parameter to ask for this.) Keeping every module
 * mapped until exit changes nothing else for a process that is about to end.
 *
 * Built without sanitizers (it is preloaded into python and mpiexec too); CTest sets
 * LD_PRELOAD to it for every test of a sanitizer build (tests/CMakeLists.txt). */
int dlclose(void *handle);
int dlclose(void *handle)
{
    (void)handle;
    return 0;
}
