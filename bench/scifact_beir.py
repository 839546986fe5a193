"""Write SciFact (Wadden et al., EMNLP 2020; CC BY-NC 2.0) in BEIR's layout for bench/retrieval.py.

    python bench/scifact_beir.py SRC OUT
    python bench/retrieval.py --kb OUT/corpus --qrels OUT/qrels.tsv --queries OUT/queries.jsonl

SRC holds the Hugging Face export of allenai/scifact as CSV: `corpus_train.csv` (doc_id, title,
abstract as a list of sentences) and `claims_validation.csv` (id, claim, cited_doc_ids). OUT gets
`corpus/corpus.jsonl` ({_id, title, text}), `queries.jsonl` ({_id, text}) and `qrels.tsv`: each
of the 300 dev claims with its cited abstracts, which is BEIR's SciFact test split (300 queries,
339 judgements, 5,183 documents). keel ships none of the data; docs/benchmarks.md says where the
measured copy came from.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import sys
from pathlib import Path


def _sentences(abstract: str) -> list[str]:
    """Return an abstract's sentences from the export's list rendering (newline-separated)."""
    text = abstract.strip()
    if not text.startswith("["):
        return [text]
    joined = re.sub(r"(['\"])\s*\n\s*(['\"])", r"\1, \2", text)
    return [str(sentence) for sentence in ast.literal_eval(joined)]


def main(source: Path, out: Path) -> None:
    """Convert the CSVs in `source` into BEIR's files under `out`."""
    csv.field_size_limit(1 << 30)
    (out / "corpus").mkdir(parents=True, exist_ok=True)
    with (
        (source / "corpus_train.csv").open(encoding="utf-8") as rows,
        (out / "corpus" / "corpus.jsonl").open("w", encoding="utf-8") as corpus,
    ):
        for row in csv.DictReader(rows):
            text = " ".join(_sentences(row["abstract"]))
            corpus.write(json.dumps({"_id": row["doc_id"], "title": row["title"], "text": text}))
            corpus.write("\n")
    claims: dict[str, str] = {}
    cited: dict[str, set[str]] = {}
    with (source / "claims_validation.csv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            claims[row["id"]] = row["claim"]
            cited.setdefault(row["id"], set()).update(re.findall(r"\d+", row["cited_doc_ids"]))
    with (out / "queries.jsonl").open("w", encoding="utf-8") as queries:
        for claim_id, docs in cited.items():
            if docs:
                queries.write(json.dumps({"_id": claim_id, "text": claims[claim_id]}) + "\n")
    with (out / "qrels.tsv").open("w", encoding="utf-8") as qrels:
        qrels.write("query-id\tcorpus-id\tscore\n")
        for claim_id, docs in cited.items():
            qrels.writelines(f"{claim_id}\t{doc}\t1\n" for doc in sorted(docs))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
