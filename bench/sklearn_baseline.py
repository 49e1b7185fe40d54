"""scikit-learn on the bench corpus, for the papersort ÷ scikit-learn ratio (bench/bench.ts).

JSON load, TfidfVectorizer(min_df=5, max_df=0.5, stop_words='english', sublinear_tf=True)
on title + abstract, MiniBatchKMeans(batch_size=4096, n_init=3, k clusters, random_state=42).
Prints one JSON line: papers, seconds per step, total seconds.
Usage: /usr/bin/python3 bench/sklearn_baseline.py FILE K
"""
import json
import sys
import time

from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer

path, k = sys.argv[1], int(sys.argv[2])
started = time.perf_counter()
texts = []
with open(path, encoding="utf-8") as handle:
    for line in handle:
        if line.strip():
            record = json.loads(line)
            texts.append(f"{record['title']}\n{record['abstract']}")
loaded = time.perf_counter()
matrix = TfidfVectorizer(min_df=5, max_df=0.5, stop_words="english", sublinear_tf=True).fit_transform(texts)
vectorized = time.perf_counter()
MiniBatchKMeans(n_clusters=k, batch_size=4096, n_init=3, random_state=42).fit(matrix)
clustered = time.perf_counter()
print(json.dumps({
    "papers": len(texts),
    "terms": matrix.shape[1],
    "load": round(loaded - started, 3),
    "tfidf": round(vectorized - loaded, 3),
    "kmeans": round(clustered - vectorized, 3),
    "seconds": round(clustered - started, 3),
}))
