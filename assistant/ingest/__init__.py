"""From files to the two stores: find (walk.py) and read (read.py) the articles, cut them into
passages (chunk.py), keep the stores in step with the folders (sync.py), the vector store (store.py) and
the lexical index (lexical.py), opened and kept fresh (stores.py), mended (repair.py), per folder
(folders.py), where they live (location.py), and the work done with them (index.py's `Index`).
Nothing here answers questions.
"""
