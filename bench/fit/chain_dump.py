#!/usr/bin/python3
"""Write the matrix I - Q of the order-K chain of a path table (columns path,
total_conversions, total_conversion_value, total_null, as gen_paths.py writes them) as
triplets for umfpack_estimate.c: a first line "n nnz", then "i j value" lines.

usage: chain_dump.py PATHS.csv K OUT.txt
"""
import sys
K=int(sys.argv[2])
idx={"start":0}; trans={}; absorb={}
f=open(sys.argv[1]); f.readline()
for line in f:
    p,c,v,n=line.rstrip("\n").split(",")
    ch=[x.strip() for x in p.split(">")]
    w=int(c)+int(n)
    if w==0: continue
    grams=[tuple(ch)] if len(ch)<K else [tuple(ch[i:i+K]) for i in range(len(ch)-K+1)]
    prev=0; last=None
    for g in grams:
        if g==last: continue
        last=g
        j=idx.setdefault(g,len(idx))
        trans[(prev,j)]=trans.get((prev,j),0)+w; prev=j
    absorb[prev]=absorb.get(prev,0)+w
n=len(idx); tot=[0]*n
for (i,j),w in trans.items(): tot[i]+=w
for i,w in absorb.items(): tot[i]+=w
out=open(sys.argv[3],"w")
out.write(f"{n} {len(trans)+n}\n")
for i in range(n): out.write(f"{i} {i} 1\n")
for (i,j),w in trans.items(): out.write(f"{i} {j} {-w/tot[i]!r}\n")
print(n,len(trans))
