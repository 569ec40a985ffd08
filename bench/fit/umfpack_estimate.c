/* How much one sparse LU factorisation of a Markov chain's I - Q costs with UMFPACK:
 * the symbolic analysis's estimates (nonzeros of L+U, flops, peak memory), then the
 * numeric factorisation if it is let run. Input: chain_dump.py's triplets.
 * Not part of the build; needs libsuitesparse-dev:
 *   gcc -O2 bench/fit/umfpack_estimate.c -o umfpack_estimate -lumfpack
 *   ./umfpack_estimate chain.txt          (stop it after the first line if you like) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <suitesparse/umfpack.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  FILE*f=fopen(argv[1],"r"); long n,nz; if(fscanf(f,"%ld %ld",&n,&nz)!=2)return 1;
  long*Ti=malloc(nz*sizeof(long)),*Tj=malloc(nz*sizeof(long)); double*Tx=malloc(nz*sizeof(double));
  for(long k=0;k<nz;k++) if(fscanf(f,"%ld %ld %lf",&Ti[k],&Tj[k],&Tx[k])!=3) return 1;
  long*Ap=malloc((n+1)*sizeof(long)),*Ai=malloc(nz*sizeof(long)); double*Ax=malloc(nz*sizeof(double));
  umfpack_dl_triplet_to_col(n,n,nz,Ti,Tj,Tx,Ap,Ai,Ax,NULL);
  double ctl[UMFPACK_CONTROL],info[UMFPACK_INFO]; umfpack_dl_defaults(ctl);
  void*sym,*num; double t0=now();
  int s=umfpack_dl_symbolic(n,n,Ap,Ai,Ax,&sym,ctl,info);
  printf("symbolic %d %.2fs est nnz LU %.3g flops %.3g mem %.3g MB\n",s,now()-t0,info[UMFPACK_LNZ_ESTIMATE]+info[UMFPACK_UNZ_ESTIMATE],info[UMFPACK_FLOPS_ESTIMATE],info[UMFPACK_PEAK_MEMORY_ESTIMATE]*8/1e6);
  fflush(stdout);
  t0=now(); s=umfpack_dl_numeric(Ap,Ai,Ax,sym,&num,ctl,info);
  printf("numeric %d %.2fs nnz LU %.3g\n",s,now()-t0,info[UMFPACK_LNZ]+info[UMFPACK_UNZ]);
  return 0;}
