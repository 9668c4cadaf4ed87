"""Run the ```python blocks of a Markdown page in order, in one namespace
(the session of docs/python.md).  Any exception fails the test: a missing
anndata is a failure, not a skip."""
import re
import sys


def main(path):
    text = open(path, encoding="utf-8").read()
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    if not blocks:
        sys.exit("%s: no python blocks" % path)
    ns = {"__name__": "__main__"}
    for i, code in enumerate(blocks, 1):
        exec(compile(code, "%s[block %d]" % (path, i), "exec"), ns)
    print("%s: %d blocks ran" % (path, len(blocks)))


if __name__ == "__main__":
    main(sys.argv[1])
