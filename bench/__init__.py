"""`make bench`: throughput, latency, start-up, reset and memory of the fake against a bare baseline."""
