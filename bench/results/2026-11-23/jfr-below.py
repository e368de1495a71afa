# Usage: python3 jfr-below.py SAMPLES.txt FRAME -- SAMPLES.txt from `jfr print --stack-depth 64 --events jdk.ExecutionSample FILE.jfr`.
# Prints: all samples, samples whose stack contains FRAME, their share; then those samples by the frame just below FRAME.
import re,collections,sys
txt=open(sys.argv[1]).read()
key=sys.argv[2]
events=txt.split('jdk.ExecutionSample')
c=collections.Counter(); total=0; tv=0
below=collections.Counter()
for e in events:
    frames=re.findall(r'^\s+([\w.$<>]+)\(',e,re.M)
    if not frames: continue
    total+=1
    idx=[i for i,f in enumerate(frames) if key in f]
    if idx:
        tv+=1
        i=idx[-1]
        below[frames[i-1] if i>0 else '(self)']+=1
print(total,tv, tv/total)
for k,v in below.most_common(15): print(v,k)
