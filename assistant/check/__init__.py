"""The check: an answer's claims against the evidence sentences they cite (verify.py's rules, with
relations.py's cues of denial), and the answer grammar and its [n] markers (cite.py). It judges what it is
given; it neither retrieves nor writes.
"""
