#!/usr/bin/env python3
# The table of docs/benchmarks-cpu.md from the logs of scripts/bench-cpu.sh (a later log's run of
# the same model, path and program replaces an earlier one):
#   python3 scripts/bench_cpu_table.py LOG [LOG ...]
import re
import sys

runs={}  # (model,path,who) -> dict
order=[]
for fn in sys.argv[1:]:
    cur=None
    for line in open(fn):
        m=re.match(r'=== (\S+) load (\S+) model (\S+) path (\S+) who (\S+)',line)
        if m:
            t,load,model,path,who=m.groups()
            key=(model,path,who)
            cur={'time':t,'load':load,'rows':{}}
            runs[key]=cur
            if (model,path) not in order: order.append((model,path))
            continue
        if cur is None: continue
        if line.startswith('TIME'):
            mm=re.search(r'(\d+) maxKB',line); cur['rss']=int(mm.group(1))/1024
            continue
        if line.startswith('|') and ('pp512' in line or 'tg64' in line):
            cells=[c.strip() for c in line.strip().strip('|').split('|')]
            test=[c for c in cells if c in('pp512','tg64')][0]
            i=cells.index(test)
            thr=int(cells[i-1])
            val=cells[i+1].split('±')[0].strip()
            cur['rows'][(thr,test)]=float(val)
def name(m):
    m=m.replace('.gguf','')
    if m.startswith('m7b-4l-'): return '7B-shape '+m[7:]
    if 'SmolLM2' in m: return 'SmolLM2-135M Q4_1'
    if 'gemma' in m: return 'Gemma 3 270M Q4_K_M'
    return m
print('| path | model | threads | pp512 ours | pp512 llama.cpp | ratio | tg64 ours | tg64 llama.cpp | ratio | peak RSS MiB ours / llama.cpp | run (UTC, 1-min load) |')
print('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
def fmt(r):
    s='%.2f'%r
    return '**'+s+'**' if r>=1.0 else s
for model,path in order:
    o=runs.get((model,path,'ours')); t=runs.get((model,path,'llama.cpp')) or runs.get((model,path,'theirs'))
    if not o or not t or 'rss' not in o or 'rss' not in t: continue
    for thr in (1,2):
        try:
            po,pt=o['rows'][(thr,'pp512')],t['rows'][(thr,'pp512')]
            go,gt=o['rows'][(thr,'tg64')],t['rows'][(thr,'tg64')]
        except KeyError: continue
        print(f"| {'AVX2' if path=='avx2' else 'AVX-512'} | {name(model)} | {thr} | {po:.1f} | {pt:.1f} | {fmt(po/pt)} | {go:.1f} | {gt:.1f} | {fmt(go/gt)} | {o['rss']:.0f} / {t['rss']:.0f} | ours {o['time']} ({o['load']}), llama.cpp {t['time']} ({t['load']}) |")
