"""From a question to the reader's answer: the question checked and made to stand alone (question.py),
the passages retrieved (retrieve.py), the evidence sentences chosen (evidence.py), read and a span taken
(spans.py, reading.py), the decision to answer calibrated on data (calibration.py), the answer settled
(settle.py), comparisons and timelines across articles (across.py), and the prompts (prompts.py).
pipeline.py wires these together; nothing here stores or serves.
"""
